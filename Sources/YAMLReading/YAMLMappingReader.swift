// One YAML mapping being read: typed accessors that report wrong types and bad values at the value's line and
// column, and `finish()` that reports every key nobody asked for (typos) with the closest known key.

import Foundation
import Yams

/// Reads one mapping of a YAML document (the configuration, a site mapping file); every accessor marks its
/// key as known, and ``finish()`` reports the keys nobody asked for.
public final class YAMLMappingReader {
    public let node: Node
    public let mapping: Node.Mapping
    /// The key path of this mapping, e.g. `listeners.mllp[0]`.
    public let path: String
    /// The document reader that collects the issues.
    public let reader: YAMLDocumentReader
    private var used: Set<String> = []
    private var allUsed = false

    /// nil (and an issue) when `node` is not a mapping.
    public init?(_ node: Node, _ path: String, _ reader: YAMLDocumentReader) {
        guard let mapping = node.mapping else {
            reader.report(node, path, "expected a mapping (key: value lines), found \(Self.describe(node))")
            return nil
        }
        self.node = node
        self.mapping = mapping
        self.path = path
        self.reader = reader
    }

    public func child(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    /// Whether `key` is present (marks it known).
    public func has(_ key: String) -> Bool {
        used.insert(key)
        return mapping.contains { $0.key.string == key }
    }

    /// The value of `key` (marks it known).
    public func node(_ key: String) -> Node? {
        used.insert(key)
        return mapping.first { $0.key.string == key }?.value
    }

    /// Reports a problem with the value of `key` (or with this mapping when `key` is nil).
    public func report(_ key: String?, _ message: String) {
        if let key {
            reader.report(node(key) ?? node, child(key), message)
        } else {
            reader.report(node, path, message)
        }
    }

    public func markAllUsed() { allUsed = true }

    public static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let s) = node, s.style == .plain else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    public func missing(_ key: String) {
        reader.report(node, child(key), "missing required key '\(key)'")
    }

    // MARK: Values

    public func mapping(_ key: String) -> YAMLMappingReader? {
        guard let n = node(key) else { return nil }
        return YAMLMappingReader(n, child(key), reader)
    }

    /// A sequence of mappings, each read by `element` (nil elements are dropped; their issues are recorded).
    public func list<T>(_ key: String, _ element: (YAMLMappingReader) -> T?) -> [T] {
        list(key) { node, p in YAMLMappingReader(node, p, self.reader).flatMap(element) }
    }

    public func list<T>(_ key: String, elements: (Node, String) -> T?) -> [T] {
        guard let n = node(key) else { return [] }
        if Self.isNull(n) { return [] }
        guard let seq = n.sequence else {
            reader.report(n, child(key), "expected a list (lines starting with '- '), found \(Self.describe(n))")
            return []
        }
        return seq.enumerated().compactMap { i, item in elements(item, "\(child(key))[\(i)]") }
    }

    /// The nodes of the sequence at a chain of keys (for locating cross-reference problems).
    public func nodes(at keys: [String]) -> [Node] {
        var n: Node? = node
        for k in keys { n = n?[k] }
        return n?.sequence.map(Array.init) ?? []
    }

    public func string(_ key: String, required: Bool = false, allowEmpty: Bool = false) -> String? {
        guard let n = node(key) else {
            if required { missing(key) }
            return nil
        }
        guard case .scalar(let s) = n else {
            reader.report(n, child(key), "expected a text value, found \(Self.describe(n))")
            return nil
        }
        if (Self.isNull(n) && s.style == .plain) || (s.string.isEmpty && !allowEmpty) {
            reader.report(n, child(key), "expected a text value, found nothing")
            return nil
        }
        return s.string
    }

    /// `name:` of a list element: required, letters, digits, `-`, `_`, `.`.
    public func name() -> String? {
        guard let n = string("name", required: true) else { return nil }
        if !n.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }) {
            report("name", "'\(n)' is not a valid name (letters, digits, '-', '_', '.')")
            return nil
        }
        return n
    }

    public func int(_ key: String, required: Bool = false) -> Int? {
        guard let n = node(key) else {
            if required { missing(key) }
            return nil
        }
        guard case .scalar(let s) = n, s.style == .plain, let v = Int(s.string) else {
            reader.report(n, child(key), "expected a whole number, found \(Self.describe(n))")
            return nil
        }
        return v
    }

    public func bool(_ key: String) -> Bool? {
        guard let n = node(key) else { return nil }
        guard case .scalar(let s) = n, s.style == .plain, let v = Bool(s.string.lowercased()) else {
            reader.report(n, child(key), "expected true or false, found \(Self.describe(n))")
            return nil
        }
        return v
    }

    /// A TCP port: 1–65535, or 0 (any free port) where `allowZero`.
    public func port(_ key: String, required: Bool = false, allowZero: Bool = true) -> Int? {
        guard let v = int(key, required: required) else { return nil }
        guard (allowZero ? 0 : 1) ... 65535 ~= v else {
            report(key, "port \(v) is out of range (\(allowZero ? 0 : 1)–65535\(allowZero ? "; 0 picks a free port" : ""))")
            return nil
        }
        return v
    }

    public func aeTitle(_ key: String, required: Bool = false) -> String? {
        guard let v = string(key, required: required) else { return nil }
        guard YAMLDocumentReader.isValidAETitle(v) else {
            report(key, "'\(v)': " + YAMLDocumentReader.aeTitleProblem)
            return nil
        }
        return v
    }

    public func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type) -> T? where T.RawValue == String {
        guard let v = string(key) else { return nil }
        guard let c = T(rawValue: v) else {
            report(key, "'\(v)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        return c
    }

    /// A list of text values; `check` validates each.
    public func stringList(_ key: String, check: ((String, Node, String) -> Void)? = nil) -> [String] {
        guard let n = node(key) else { return [] }
        guard let seq = n.sequence else {
            reader.report(n, child(key), "expected a list of text values, found \(Self.describe(n))")
            return []
        }
        var out: [String] = []
        for (i, item) in seq.enumerated() {
            guard case .scalar(let s) = item, !Self.isNull(item) else {
                reader.report(item, "\(child(key))[\(i)]", "expected a text value, found \(Self.describe(item))")
                continue
            }
            check?(s.string, item, "\(child(key))[\(i)]")
            out.append(s.string)
        }
        return out
    }

    /// A mapping of text to text (value tables).
    public func stringTable(_ key: String, required: Bool) -> [String: String]? {
        guard let n = node(key) else {
            if required { missing(key) }
            return nil
        }
        guard let m = n.mapping else {
            reader.report(n, child(key), "expected a mapping of values (FROM: TO), found \(Self.describe(n))")
            return nil
        }
        var table: [String: String] = [:]
        for (k, v) in m {
            guard case .scalar(let ks) = k, case .scalar(let vs) = v else {
                reader.report(v, child(key), "expected text keys and values")
                continue
            }
            table[ks.string] = vs.string
        }
        return table
    }

    /// A duration: a whole number of seconds, or a number with a unit: `500ms`, `30s`, `5m`, `24h`, `30d`.
    public func duration(_ key: String, allowZero: Bool = false) -> Duration? {
        guard let n = node(key) else { return nil }
        guard case .scalar(let s) = n, let d = Self.parseDuration(s.string), allowZero || d > .zero else {
            reader.report(n, child(key), "expected a duration (seconds, or a number with ms, s, m, h or d\(allowZero ? "" : ", more than 0")), found \(Self.describe(n))")
            return nil
        }
        return d
    }

    public static func parseDuration(_ text: String) -> Duration? {
        let t = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (suffix, ms) in units where t.hasSuffix(suffix) {
            let number = t.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            if let v = Int64(number), v >= 0, v <= Int64.max / ms / 1_000_000 { return .milliseconds(v * ms) }
            if suffix == "s" { continue } // "ms" handled first; "5s" handled here
            return nil
        }
        if let v = Int64(t), v >= 0, v <= 1 << 40 { return .seconds(v) }
        return nil
    }

    /// A size: bytes, or a number with KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024).
    public func size(_ key: String) -> Int64? {
        guard let n = node(key) else { return nil }
        guard case .scalar(let s) = n, let v = Self.parseSize(s.string), v > 0 else {
            reader.report(n, child(key), "expected a size (bytes, or a number with KB, MB, GB, TB, KiB, MiB, GiB, TiB), found \(Self.describe(n))")
            return nil
        }
        return v
    }

    public static func parseSize(_ text: String) -> Int64? {
        let t = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Int64)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40),
                                        ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000), ("B", 1)]
        for (suffix, factor) in units where t.hasSuffix(suffix) {
            let number = t.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            guard let v = Int64(number), v >= 0, v <= Int64.max / factor else { return nil }
            return v * factor
        }
        return Int64(t)
    }

    // MARK: Unknown keys

    /// Reports every key of this mapping that no accessor asked for.
    public func finish() {
        guard !allUsed else { return }
        for (k, _) in mapping {
            guard let key = k.string, case .scalar = k else {
                reader.report(k, path, "keys must be text")
                continue
            }
            if !used.contains(key) {
                let hint = Self.closest(key, in: used).map { " (did you mean '\($0)'?)" } ?? ""
                let known = used.sorted().joined(separator: ", ")
                reader.report(k, child(key), "unknown key '\(key)'\(hint); known here: \(known)")
            }
        }
    }

    public static func closest(_ word: String, in candidates: Set<String>) -> String? {
        candidates.map { ($0, distance(word, $0)) }.filter { $0.1 <= max(2, word.count / 3) }.min { $0.1 < $1.1 }?.0
    }

    /// Levenshtein distance.
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0 ... b.count)
        for i in 1 ... max(a.count, 1) where !a.isEmpty {
            var prev = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let cur = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                prev = cur
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }

    public static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let s): return isNull(node) && s.style == .plain ? "nothing" : "'\(s.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}
