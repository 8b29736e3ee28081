// One YAML document being read through Yams' node API, so that every value keeps its line and column: the
// issues found (FILE:LINE:COLUMN: KEY: MESSAGE), YAML syntax errors located, the file read as UTF-8 text.

import Foundation
import Yams

/// Collects the issues of one YAML document; subclasses (the engine's configuration reader) add the
/// document's own structure. Validation does not stop at the first problem.
open class YAMLDocumentReader {
    /// The file named in the issues.
    public let file: String
    public private(set) var issues: [ConfigurationIssue] = []

    public init(file: String) { self.file = file }

    /// Records a problem at `node`'s line and column (0:0 when there is no node).
    public func report(_ node: Node?, _ path: String, _ message: String) {
        let mark = node?.mark
        issues.append(ConfigurationIssue(file: file, line: mark?.line ?? 0, column: mark?.column ?? 0, keyPath: path, message: message))
    }

    /// Records problems found elsewhere (another file the document refers to).
    public func append(_ more: [ConfigurationIssue]) { issues += more }

    public func issue(for error: YamlError) -> ConfigurationIssue {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let text = context.map { "\(problem) (\($0.text))" } ?? problem
            return ConfigurationIssue(file: file, line: mark.line, column: mark.column, keyPath: "", message: "YAML: \(text)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ConfigurationIssue(file: file, line: context.mark.line, column: context.mark.column, keyPath: "",
                                      message: "duplicate keys: \(duplicates.joined(separator: ", "))")
        default:
            return ConfigurationIssue(file: file, line: 0, column: 0, keyPath: "", message: "YAML: \(error)")
        }
    }

    /// The root node of `text`; a YAML syntax error or an empty document is thrown as the only issue.
    public func compose(_ text: String) throws(ConfigurationError) -> Node {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigurationError(issues: [issue(for: error)])
        } catch {
            throw ConfigurationError(issues: [ConfigurationIssue(file: file, line: 0, column: 0, keyPath: "", message: "\(error)")])
        }
        guard let root else {
            throw ConfigurationError(issues: [ConfigurationIssue(file: file, line: 1, column: 1, keyPath: "",
                                                                 message: "the file is empty (expected a mapping)")])
        }
        return root
    }

    /// The UTF-8 text of `file`, or an issue saying why it cannot be read.
    public static func text(ofFile file: String) throws(ConfigurationError) -> String {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ConfigurationError(issues: [ConfigurationIssue(file: file, line: 0, column: 0, keyPath: "",
                                                                 message: "cannot read the file")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(issues: [ConfigurationIssue(file: file, line: 0, column: 0, keyPath: "",
                                                                 message: "the file is not UTF-8 text")])
        }
        return text
    }

    public static let aeTitleProblem = "an AE title is 1 to 16 characters of printable ASCII other than backslash, not all spaces"

    /// PS3.5 §6.2 AE VR: up to 16 characters of the default repertoire, no backslash or control characters.
    public static func isValidAETitle(_ s: String) -> Bool {
        let t = s.trimmingCharacters(in: .whitespaces)
        return !t.isEmpty && s.utf8.count <= 16 && s.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F && $0 != "\\" }
    }
}
