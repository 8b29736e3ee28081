// `workflow.mapping: PATH` (docs/configuration.md): the site mapping file (docs/mapping.md) the engine's order
// mapper applies over the IHE tables, read and validated with the configuration.

import Foundation
import Mapping
import YAMLReading

extension ConfigurationReader {
    /// The workflow keys a site mapping file may also set (`defaults:` and `policies:` there).
    static let settingsAlsoInSiteMapping = ["station-ae-title", "modality", "study-uid-policy", "sps-id-policy",
                                            "character-set", "truncate-overlong-values"]

    /// Reads `mapping:` of the `workflow:` section: the file, relative to the configuration file, read now so
    /// that `config check` reports its problems (with its own file, line and column). A setting made both in
    /// the configuration and in the mapping file is an error: it belongs in one place.
    func siteMapping(_ w: MappingReader, _ settings: inout WorkflowSettings) {
        guard let path = w.string("mapping") else { return }
        let resolved = Self.resolve(path, relativeTo: file)
        settings.mappingFile = resolved
        do {
            let mapping = try SiteMapping.load(file: resolved)
            settings.siteMapping = mapping
            let alsoThere = mapping.settingKeys
            for key in Self.settingsAlsoInSiteMapping where alsoThere.contains(key) && w.has(key) {
                w.report(key, "'\(key)' is also set in the site mapping \(path); set it in one place")
            }
        } catch {
            if error.issues.count == 1, error.issues[0].line == 0 {
                w.report("mapping", "site mapping \(resolved): \(error.issues[0].message)")
            } else {
                append(error.issues)
            }
        }
    }

    /// `path` as seen from the directory of `file` (absolute paths unchanged).
    static func resolve(_ path: String, relativeTo file: String) -> String {
        if path.hasPrefix("/") { return path }
        let directory = (file as NSString).deletingLastPathComponent
        return directory.isEmpty ? path : (directory as NSString).appendingPathComponent(path)
    }
}
