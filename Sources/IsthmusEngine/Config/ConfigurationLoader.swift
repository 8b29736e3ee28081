// Reads the YAML configuration (docs/configuration.md) through Yams' node API, so that every value keeps its
// line and column; validates as it reads and collects every problem instead of stopping at the first.

import DICOM
import Foundation
import HL7
import IsthmusStore
import Mapping
import YAMLReading
import Yams

/// Reads and validates a configuration file.
///
/// ```swift
/// do { let config = try ConfigurationLoader.load(file: "isthmus.yaml") }
/// catch { for issue in error.issues { print(issue) } }   // isthmus.yaml:12:11: listeners.mllp[0].port: …
/// ```
public enum ConfigurationLoader {
    /// Reads `file`; throws every problem found.
    public static func load(file: String) throws(ConfigurationError) -> Configuration {
        try parse(try YAMLDocumentReader.text(ofFile: file), file: file)
    }

    /// Parses configuration text; `file` names it in the issues.
    public static func parse(_ text: String, file: String) throws(ConfigurationError) -> Configuration {
        let reader = ConfigurationReader(file: file)
        let root = try reader.compose(text)
        let configuration = reader.configuration(root)
        if !reader.issues.isEmpty { throw ConfigurationError(issues: reader.issues) }
        return configuration
    }
}

/// The reader: walks the document, builds the configuration, records issues.
final class ConfigurationReader: YAMLDocumentReader {
    // MARK: - The document

    func configuration(_ root: Node) -> Configuration {
        var c = Configuration()
        guard let top = MappingReader(root, "", self) else { return c }
        if let data = top.mapping("data") {
            if let d = data.string("directory") { c.data.directory = d }
            if let s = data.choice("sync", SQLiteStore.Configuration.Durability.self) { c.data.sync = s }
            if let s = data.size("max-store-size") { c.data.maximumStoreSize = s }
            data.finish()
        }
        if let listeners = top.mapping("listeners") {
            c.mllpListeners = listeners.list("mllp") { mllpListener($0) }
            c.dicomListeners = listeners.list("dicom") { dicomListener($0) }
            c.folderListeners = listeners.list("folder") { folderListener($0) }
            listeners.finish()
        }
        if let peers = top.mapping("peers") {
            c.mllpPeers = peers.list("mllp") { mllpPeer($0) }
            c.dicomPeers = peers.list("dicom") { dicomPeer($0) }
            peers.finish()
        }
        c.channels = top.list("channels") { channel($0) }
        if let r = top.mapping("retention") {
            c.retention.maximumAge = r.duration("max-age")
            c.retention.maximumSize = r.size("max-size")
            c.retention.journalMaximumSize = r.size("journal-max-size")
            if let i = r.duration("interval") { c.retention.interval = i }
            r.finish()
        }
        if let d = top.mapping("duplicates") {
            if let w = d.duration("hl7-window") { c.duplicates.hl7Window = w }
            if let p = d.choice("sop-instance", SOPDuplicatePolicy.self) { c.duplicates.sopInstance = p }
            d.finish()
        }
        if let w = top.mapping("workflow") {
            c.workflow.orders = w.bool("orders") ?? true
            c.workflow.patients = w.bool("patients") ?? true
            c.workflow.mpps = w.bool("mpps") ?? true
            if let t = w.choice("status-message", StatusMessageType.self) { c.workflow.statusMessageType = t }
            var statusTypes: [String: StatusMessageType] = [:]
            c.workflow.statusDestinations = w.list("status-to") { workflowDestination($0, types: &statusTypes) }
            c.workflow.statusMessageTypes = statusTypes
            if let m = w.mapping("study-stable") { c.workflow.studyStable = studyStable(m, defaultType: c.workflow.statusMessageType) }
            if w.has("listeners") { c.workflow.listeners = w.stringList("listeners") }
            c.workflow.stationAETitle = w.aeTitle("station-ae-title")
            c.workflow.modality = w.string("modality")
            if let p = w.choice("study-uid-policy", StudyUIDPolicy.self) { c.workflow.studyUIDPolicy = p }
            if let p = w.choice("sps-id-policy", SPSIDPolicy.self) { c.workflow.spsIDPolicy = p }
            c.workflow.characterSet = w.string("character-set")
            if let b = w.bool("truncate-overlong-values") { c.workflow.truncateOverlongValues = b }
            siteMapping(w, &c.workflow)
            w.finish()
        }
        top.finish()
        crossCheck(c, top)
        return c
    }

    private func mllpListener(_ m: MappingReader) -> MLLPListener? {
        let name = m.name()
        let port = m.port("port", required: true)
        var l = MLLPListener(name: name ?? "", port: port ?? 0)
        if let h = m.string("host") { l.host = h }
        l.tls = m.mapping("tls").map { tls($0, listener: true) }
        if let size = m.size("max-frame-size") {
            if size < 16 || size > 1 << 30 { m.report("max-frame-size", "must be between 16 bytes and 1 GiB") } else { l.maximumFrameSize = Int(size) }
        }
        if m.has("idle-timeout") { l.idleTimeout = m.duration("idle-timeout", allowZero: true).flatMap { $0 == .zero ? nil : $0 } }
        m.finish()
        return name == nil || port == nil ? nil : l
    }

    private func folderListener(_ m: MappingReader) -> FolderListener? {
        let name = m.name()
        let path = m.string("path", required: true)
        var l = FolderListener(name: name ?? "", path: path ?? "")
        if let d = m.duration("poll-interval") { l.pollInterval = d }
        m.finish()
        return name == nil || path == nil ? nil : l
    }

    private func dicomListener(_ m: MappingReader) -> DICOMListener? {
        let name = m.name()
        let ae = m.aeTitle("ae-title", required: true)
        let port = m.port("port", required: true)
        var l = DICOMListener(name: name ?? "", aeTitle: ae ?? "", port: port ?? 0)
        if let h = m.string("host") { l.host = h }
        l.tls = m.mapping("tls").map { tls($0, listener: true) }
        l.allowedCallingAETitles = m.stringList("allowed-calling-aes") { value, node, path in
            if !Self.isValidAETitle(value) { self.report(node, path, Self.aeTitleProblem) }
        }
        m.finish()
        return name == nil || ae == nil || port == nil ? nil : l
    }

    private func mllpPeer(_ m: MappingReader) -> MLLPPeer? {
        let name = m.name()
        let host = m.string("host", required: true)
        let port = m.port("port", required: true, allowZero: false)
        let t = m.mapping("tls").map { tls($0, listener: false) }
        m.finish()
        guard let name, let host, let port else { return nil }
        return MLLPPeer(name: name, host: host, port: port, tls: t)
    }

    private func dicomPeer(_ m: MappingReader) -> DICOMPeer? {
        let name = m.name()
        let ae = m.aeTitle("ae-title", required: true)
        let host = m.string("host", required: true)
        let port = m.port("port", required: true, allowZero: false)
        let t = m.mapping("tls").map { tls($0, listener: false) }
        m.finish()
        guard let name, let ae, let host, let port else { return nil }
        return DICOMPeer(name: name, aeTitle: ae, host: host, port: port, tls: t)
    }

    private func tls(_ m: MappingReader, listener: Bool) -> TLSSettings {
        var t = TLSSettings()
        t.certificate = m.string("certificate", required: listener)
        t.key = m.string("key", required: listener || t.certificate != nil)
        t.ca = m.string("ca")
        if !listener && t.key != nil && t.certificate == nil { m.report("certificate", "a client key needs its certificate") }
        m.finish()
        return t
    }

    // MARK: Channels

    private func channel(_ m: MappingReader) -> MessageChannel? {
        let name = m.name()
        let source = m.string("source", required: true)
        var c = MessageChannel(name: name ?? "", source: source ?? "")
        if let f = m.node("filter") { c.filter = filter(f, m.path + ".filter") }
        c.transforms = m.list("transform") { transform($0) }
        c.destinations = m.list("destinations") { destination($0, channel: name ?? "") }
        if !m.has("destinations") {
            m.missing("destinations")
        } else if m.node("destinations")?.sequence?.isEmpty == true || m.node("destinations").map(MappingReader.isNull) == true {
            m.report("destinations", "a channel needs at least one destination")
        }
        m.finish()
        return name == nil || source == nil ? nil : c
    }

    private static let conditionTests = ["equals", "in", "matches", "exists"]

    func filter(_ node: Node, _ path: String) -> Filter? {
        guard let m = MappingReader(node, path, self) else { return nil }
        let combinators = ["all", "any", "not"].filter { m.has($0) }
        let subjects = ["path", "tag", "calling-ae", "sop-class"].filter { m.has($0) }
        if combinators.count + subjects.count != 1 {
            report(node, path, "a filter is one of all, any, not, or a condition (path, tag, calling-ae or sop-class with equals, in, matches or exists)")
            m.markAllUsed()
            return nil
        }
        if let k = combinators.first {
            defer { m.finish() }
            if k == "not" {
                guard let inner = m.node("not") else { return nil }
                return filter(inner, path + ".not").map { .not($0) }
            }
            let parts = m.list(k, elements: { node, p in self.filter(node, p) })
            if parts.isEmpty && m.node(k)?.sequence != nil { m.report(k, "needs at least one filter") }
            return k == "all" ? .all(parts) : .any(parts)
        }
        // A condition.
        let subject: Filter.Subject?
        switch subjects[0] {
        case "path":
            if let p = m.string("path") {
                if (try? HL7Path(parsing: p)) == nil { m.report("path", "'\(p)' is not an HL7 path (e.g. PID-3.1, OBX[2]-5)") }
                subject = .hl7(p)
            } else { subject = nil }
        case "tag":
            if let t = m.string("tag") {
                if Tag(string: t) == nil && Tag(keyword: t) == nil { m.report("tag", "'\(t)' is neither a tag ((0008,0060)) nor a dictionary keyword (Modality)") }
                subject = .dicomTag(t)
            } else { subject = nil }
        case "calling-ae":
            subject = m.bool("calling-ae") == true ? .callingAETitle : nil
        default:
            subject = m.bool("sop-class") == true ? .sopClass : nil
        }
        let tests = Self.conditionTests.filter { m.has($0) }
        var test: Filter.Test?
        if tests.count != 1 {
            m.report(nil, "a condition needs exactly one of equals, in, matches, exists")
        } else {
            switch tests[0] {
            case "equals": test = m.string("equals").map { .equals($0) }
            case "in": test = .oneOf(m.stringList("in"))
            case "matches":
                if let pattern = m.string("matches") {
                    if (try? Regex(pattern)) == nil { m.report("matches", "'\(pattern)' is not a valid regular expression") }
                    test = .matches(pattern)
                }
            default: test = m.bool("exists").map { .exists($0) }
            }
        }
        m.finish()
        guard let subject, let test else { return nil }
        return .condition(Filter.Condition(subject: subject, test: test))
    }

    private func transform(_ m: MappingReader) -> Transform? {
        let kinds = ["set", "copy", "delete", "map", "drop-segments"].filter { m.has($0) }
        guard kinds.count == 1 else {
            m.report(nil, "a transform step is exactly one of set, copy, delete, map, drop-segments")
            m.markAllUsed()
            return nil
        }
        defer { m.finish() }
        let kind = kinds[0]
        if kind == "drop-segments" {
            guard let s = m.string(kind) else { return nil }
            // A segment ID, or an ID prefix ending in `*` (`Z*`: every Z-segment).
            let id = s.hasSuffix("*") ? String(s.dropLast()) : s
            let validID = s.hasSuffix("*") ? (1 ... 2).contains(id.count) : id.count == 3
            if !validID || !id.allSatisfy({ $0.isUppercase || $0.isNumber }) {
                m.report(kind, "'\(s)' is not a segment ID (three letters or digits) or an ID prefix with '*' (Z*)")
            }
            return .dropSegments(s)
        }
        guard let step = m.mapping(kind) else { return nil }
        defer { step.finish() }
        func hl7Path(_ key: String) -> String? {
            guard let p = step.string(key, required: true) else { return nil }
            if (try? HL7Path(parsing: p)) == nil { step.report(key, "'\(p)' is not an HL7 path (e.g. PID-3.1, OBX[2]-5)") }
            return p
        }
        switch kind {
        case "set":
            let p = hl7Path("path"), v = step.string("value", required: true, allowEmpty: true)
            guard let p, let v else { return nil }
            return .set(path: p, value: v)
        case "copy":
            let f = hl7Path("from"), t = hl7Path("to")
            guard let f, let t else { return nil }
            return .copy(from: f, to: t)
        case "delete":
            return hl7Path("path").map { .delete(path: $0) }
        default:
            let p = hl7Path("path")
            let table = step.stringTable("table", required: true)
            let d = step.string("default", allowEmpty: true)
            guard let p, let table else { return nil }
            return .map(path: p, table: table, default: d)
        }
    }

    func destination(_ m: MappingReader, channel: String) -> Destination? {
        let kinds = ["mllp", "dicom", "folder", "http"].filter { m.has($0) }
        guard kinds.count == 1 else {
            m.report(nil, "a destination is exactly one of mllp (a peer), dicom (a peer), folder, http")
            m.markAllUsed()
            return nil
        }
        let kind = kinds[0]
        let value = m.string(kind)
        let explicit = m.string("name")
        let endpoint = kind == "http" ? httpEndpoint(m, url: value) : nil
        m.finish()
        guard let value else { return nil }
        let k: Destination.Kind
        switch kind {
        case "mllp": k = .mllp(peer: value)
        case "dicom": k = .dicom(peer: value)
        case "folder": k = .folder(path: value)
        default: k = .http(endpoint ?? HTTPEndpoint(url: value))
        }
        return Destination(name: explicit ?? (kind == "mllp" || kind == "dicom" ? value : kind), kind: k)
    }

    /// The webhook keys of an `http` destination: `headers`, `format`, `timeout`, `tls`.
    private func httpEndpoint(_ m: MappingReader, url: String?) -> HTTPEndpoint? {
        let headers = m.stringTable("headers", required: false)
        let format = m.choice("format", HTTPEndpoint.Format.self)
        let timeout = m.duration("timeout")
        let tlsSettings = m.mapping("tls").map { self.tls($0, listener: false) }
        guard let url else { return nil }
        if !(url.hasPrefix("http://") || url.hasPrefix("https://")) || URL(string: url)?.host == nil {
            m.report("http", "'\(url)' is not an http:// or https:// URL")
        }
        if tlsSettings != nil && !url.hasPrefix("https://") { m.report("tls", "tls is for https:// URLs") }
        var e = HTTPEndpoint(url: url)
        for (name, value) in headers ?? [:] {
            if name.isEmpty || name.contains(where: { !($0.isLetter || $0.isNumber || "-_".contains($0)) || !$0.isASCII }) {
                m.report("headers", "'\(name)' is not a valid HTTP header name")
                continue
            }
            guard let expanded = Self.expandEnvironment(value, environment: ProcessInfo.processInfo.environment) else {
                m.report("headers", "header \(name): \(Self.missingVariables(value).map { "${\($0)}" }.joined(separator: ", ")) is not set in the environment")
                continue
            }
            e.headers[name] = expanded
        }
        if let format { e.format = format }
        if let timeout { e.timeout = timeout }
        e.tls = tlsSettings
        return e
    }

    /// `value` with every `${NAME}` replaced by the environment variable NAME (secrets stay out of the
    /// configuration file); nil when one is not set.
    static func expandEnvironment(_ value: String, environment: [String: String]) -> String? {
        guard missingVariables(value, environment: environment).isEmpty else { return nil }
        return value.replacing(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/) { environment[String($0.output.1)] ?? "" }
    }

    static func missingVariables(_ value: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        value.matches(of: /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/).map { String($0.output.1) }.filter { environment[$0] == nil }
    }

    // MARK: Cross references

    /// Names unique, channel sources and destination peers known, destination names unique per channel.
    private func crossCheck(_ c: Configuration, _ top: MappingReader) {
        func unique(_ names: [String], _ what: String, _ listPath: String, _ nodes: [Node]) {
            var seen: Set<String> = []
            for (i, n) in names.enumerated() where !n.isEmpty {
                if !seen.insert(n).inserted { report(i < nodes.count ? nodes[i] : nil, "\(listPath)[\(i)].name", "another \(what) is already named '\(n)'") }
            }
        }
        let lm = top.nodes(at: ["listeners", "mllp"]), ld = top.nodes(at: ["listeners", "dicom"]), lf = top.nodes(at: ["listeners", "folder"])
        unique(c.mllpListeners.map(\.name) + c.dicomListeners.map(\.name) + c.folderListeners.map(\.name), "listener", "listeners", lm + ld + lf)
        unique(c.mllpPeers.map(\.name), "MLLP peer", "peers.mllp", top.nodes(at: ["peers", "mllp"]))
        unique(c.dicomPeers.map(\.name), "DICOM peer", "peers.dicom", top.nodes(at: ["peers", "dicom"]))
        let channelNodes = top.nodes(at: ["channels"])
        unique(c.channels.map(\.name), "channel", "channels", channelNodes)
        var ports: [Int: String] = [:]
        for (i, l) in c.mllpListeners.enumerated() where l.port != 0 {
            if let other = ports.updateValue(l.name, forKey: l.port) { report(lm[safe: i], "listeners.mllp[\(i)].port", "port \(l.port) is also used by listener '\(other)'") }
        }
        for (i, l) in c.dicomListeners.enumerated() where l.port != 0 {
            if let other = ports.updateValue(l.name, forKey: l.port) { report(ld[safe: i], "listeners.dicom[\(i)].port", "port \(l.port) is also used by listener '\(other)'") }
        }
        // HL7 sources: MLLP listeners and watched folders.
        let mllpSources = Set(c.mllpListeners.map(\.name) + c.folderListeners.map(\.name)), dicomSources = Set(c.dicomListeners.map(\.name))
        let workflowNodes = top.nodes(at: ["workflow", "listeners"])
        for (i, name) in (c.workflow.listeners ?? []).enumerated() where !mllpSources.contains(name) {
            report(workflowNodes[safe: i], "workflow.listeners[\(i)]", "no MLLP or folder listener is named '\(name)'")
        }
        let statusNodes = top.nodes(at: ["workflow", "status-to"])
        for (j, d) in c.workflow.statusDestinations.enumerated() {
            let dn = statusNodes[safe: j], dp = "workflow.status-to[\(j)]"
            switch d.kind {
            case .mllp(let peer):
                if !c.mllpPeers.contains(where: { $0.name == peer }) { report(dn?["mllp"] ?? dn, dp + ".mllp", "no MLLP peer is named '\(peer)'") }
            case .dicom: report(dn, dp, "procedure status messages are HL7: send them to an MLLP peer, a folder or an HTTP URL")
            case .folder, .http: break
            }
        }
        checkStudyStable(c, top)
        for (i, ch) in c.channels.enumerated() {
            let node = channelNodes[safe: i]
            let path = "channels[\(i)]"
            if !ch.source.isEmpty && !mllpSources.contains(ch.source) && !dicomSources.contains(ch.source) {
                report(node?["source"] ?? node, path + ".source", "no listener is named '\(ch.source)'")
            }
            let isDICOM = dicomSources.contains(ch.source)
            if let f = ch.filter, let problem = Self.subjectMismatch(f, dicomSource: isDICOM) {
                report(node?["filter"] ?? node, path + ".filter", problem)
            }
            if isDICOM && !ch.transforms.isEmpty {
                report(node?["transform"] ?? node, path + ".transform", "transforms apply to HL7 messages; this channel's source is a DICOM listener")
            }
            var names: Set<String> = []
            let destNodes = node?["destinations"]?.sequence.map(Array.init) ?? []
            for (j, d) in ch.destinations.enumerated() {
                let dn = destNodes[safe: j]
                let dp = "\(path).destinations[\(j)]"
                if !names.insert(d.name).inserted { report(dn, dp, "another destination of this channel is named '\(d.name)' (give one a name:)") }
                switch d.kind {
                case .mllp(let peer):
                    if !c.mllpPeers.contains(where: { $0.name == peer }) { report(dn?["mllp"] ?? dn, dp + ".mllp", "no MLLP peer is named '\(peer)'") }
                    if isDICOM { report(dn, dp, "a DICOM channel cannot send to an MLLP peer") }
                case .dicom(let peer):
                    if !c.dicomPeers.contains(where: { $0.name == peer }) { report(dn?["dicom"] ?? dn, dp + ".dicom", "no DICOM peer is named '\(peer)'") }
                    if mllpSources.contains(ch.source) {
                        report(dn, dp, "an HL7 channel cannot send to a DICOM peer")
                    }
                case .folder, .http: break
                }
            }
        }
    }

    /// A filter on HL7 paths in a DICOM channel, or on DICOM attributes in an HL7 channel.
    static func subjectMismatch(_ f: Filter, dicomSource: Bool) -> String? {
        switch f {
        case .all(let fs), .any(let fs): return fs.lazy.compactMap { subjectMismatch($0, dicomSource: dicomSource) }.first
        case .not(let inner): return subjectMismatch(inner, dicomSource: dicomSource)
        case .condition(let c):
            switch c.subject {
            case .hl7: return dicomSource ? "an HL7 path condition in a channel whose source is a DICOM listener" : nil
            default: return dicomSource ? nil : "a DICOM condition (tag, calling-ae, sop-class) in a channel whose source is an MLLP listener"
            }
        }
    }
}

extension Array {
    subscript(safe i: Int) -> Element? { i >= 0 && i < count ? self[i] : nil }
}
