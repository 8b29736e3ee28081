// Reads a site mapping file (YAML, docs/mapping.md "Site mapping file") into a SiteMapping: every problem is
// reported as FILE:LINE:COLUMN: KEY: MESSAGE (unknown keys with the closest known one, tags by keyword or
// number, conversions and value map names checked against the tables they will change).

import DICOM
import HL7
import YAMLReading
import enum Yams.Node

extension SiteMapping {
    /// Reads and validates a site mapping file; throws every problem found.
    public static func load(file: String) throws(ConfigurationError) -> SiteMapping {
        try parse(try YAMLDocumentReader.text(ofFile: file), file: file)
    }

    /// Parses site mapping text; `file` names it in the issues.
    public static func parse(_ text: String, file: String) throws(ConfigurationError) -> SiteMapping {
        let reader = YAMLDocumentReader(file: file)
        let root = try reader.compose(text)
        let mapping = SiteMappingReader(reader: reader).read(root)
        if !reader.issues.isEmpty { throw ConfigurationError(issues: reader.issues) }
        return mapping
    }

    /// The conversions a rule may name, as written in the file.
    public static let conversionWords = ["text", "prefix", "person-name", "date", "time", "map", "map-or-keep", "code"]
}

/// Walks the document; records issues in `reader`.
struct SiteMappingReader {
    let reader: YAMLDocumentReader

    enum Kind { case both, orm, omi }

    /// A rule as read, with what the checks after reading need to locate their reports.
    struct ReadRule {
        var kind: Kind
        var change: SiteMapping.RuleChange
        var node: Node
        var path: String
        var mapName: String?
        var conversionNode: Node?
    }

    /// Tags a rule may not write: the mapper builds them itself.
    static let reserved: [Tag: String] = [
        Tag(0x0008, 0x0005): "the character set comes from MSH-18 or the character-set policy",
        Tag(0x0040, 0x0100): "the mapper builds the Scheduled Procedure Step Sequence from the rules with scope step",
        Tag(0x0040, 0x0020): "the SPS status comes from the order control (ORC-1, ORC-5)",
        Tag(0x0010, 0x0020): "the Patient ID comes from PID-3 (see the primary-issuer policy)",
        Tag(0x0010, 0x0021): "the Issuer of Patient ID comes from PID-3.4 (see the primary-issuer policy)",
        Tag(0x0010, 0x1002): "Other Patient IDs come from the other repetitions of PID-3",
    ]

    func read(_ root: Node) -> SiteMapping {
        var site = SiteMapping(file: reader.file)
        guard let top = YAMLMappingReader(root, "", reader) else { return site }
        _ = top.string("description", allowEmpty: true)
        var rules: [ReadRule] = []
        if let m = top.mapping("both") { site.both = section(m, .both, &rules) }
        if let m = top.mapping("orm") { site.orm = section(m, .orm, &rules) }
        if let m = top.mapping("omi") { site.omi = section(m, .omi, &rules) }
        top.finish()
        check(rules, site)
        return site
    }

    // MARK: Sections

    func section(_ m: YAMLMappingReader, _ kind: Kind, _ rules: inout [ReadRule]) -> SiteMapping.Section {
        var s = SiteMapping.Section()
        var removed: [Tag: Node] = [:]
        s.removals = m.list("remove", elements: { node, path in
            guard let t = tag(node, path) else { return nil }
            removed[t] = node
            return t
        })
        var seen: Set<Tag> = []
        let read = m.list("rules") { r in rule(r, kind) }
        for r in read {
            if removed[r.change.tag] != nil {
                reader.report(r.node, r.path + ".tag", "\(Self.name(r.change.tag)) is both removed and mapped in this section; keep one")
            } else if !seen.insert(r.change.tag).inserted {
                reader.report(r.node, r.path + ".tag", "another rule of this section already maps \(Self.name(r.change.tag))")
            }
            s.rules.append(r.change)
            rules.append(r)
        }
        if let vm = m.mapping("value-maps") { s.valueMaps = valueMaps(vm) }
        if let d = m.mapping("defaults") {
            s.defaultStationAETitle = d.aeTitle("station-ae-title")
            if let v = d.string("modality") {
                if v.count > 16 || !v.allSatisfy({ ($0.isASCII && ($0.isUppercase || $0.isNumber)) || $0 == "_" || $0 == " " }) {
                    d.report("modality", "'\(v)' is not a modality code (up to 16 upper-case letters, digits, '_' or spaces: CT, MR, US)")
                } else {
                    s.defaultModality = v
                }
            }
            d.finish()
        }
        if let p = m.mapping("policies") {
            s.studyUIDPolicy = p.choice("study-uid-policy", StudyUIDPolicy.self)
            s.spsIDPolicy = p.choice("sps-id-policy", SPSIDPolicy.self)
            if let cs = p.string("character-set") {
                let set = SpecificCharacterSet(cs)
                if !set.unknownTerms.isEmpty || !set.nonStandardTerms.isEmpty {
                    let known = Set(Conversions.characterSets.values.filter { !$0.isEmpty }).sorted().joined(separator: ", ")
                    p.report("character-set", "'\(cs)' is not a DICOM Specific Character Set term (\(known))")
                } else {
                    s.characterSet = cs
                }
            }
            s.truncateOverlongValues = p.bool("truncate-overlong-values")
            s.primaryIssuer = p.string("primary-issuer")
            s.uidNamespace = p.string("uid-namespace")
            p.finish()
        }
        m.finish()
        return s
    }

    func rule(_ m: YAMLMappingReader, _ kind: Kind) -> ReadRule? {
        defer { m.finish() }
        guard let tagNode = m.node("tag") else {
            m.missing("tag")
            _ = (m.node("path"), m.node("paths"), m.node("conversion"), m.node("scope"), m.node("default"))
            return nil
        }
        let t = tag(tagNode, m.child("tag"))
        var change = SiteMapping.RuleChange(t ?? Tag(0, 0))
        var ok = t != nil

        switch (m.has("path"), m.has("paths")) {
        case (true, true):
            m.report("paths", "give either path (one) or paths (a list, the first non-empty wins), not both")
            ok = false
        case (true, false):
            if let p = m.string("path") { if hl7Path(p, m.node("path"), m.child("path")) { change.paths = [p] } else { ok = false } } else { ok = false }
        case (false, true):
            var good = true
            let paths = m.stringList("paths") { p, node, path in if !hl7Path(p, node, path) { good = false } }
            if m.node("paths")?.sequence == nil { good = false }
            if good && paths.isEmpty { m.report("paths", "needs at least one HL7 path"); good = false }
            if good { change.paths = paths } else { ok = false }
        case (false, false):
            break
        }

        var mapName: String?
        if let text = m.string("conversion") {
            switch conversion(text) {
            case .success(let (c, name)):
                change.conversion = c
                mapName = name
            case .failure(let problem):
                m.report("conversion", problem.message)
                ok = false
            }
        }
        if let s = m.string("scope") {
            if let scope = RuleScope(rawValue: s) { change.scope = scope } else {
                m.report("scope", "'\(s)' is not a scope: item (the worklist item) or step (its Scheduled Procedure Step item)")
                ok = false
            }
        }
        change.defaultValue = m.string("default")
        if change.paths == nil && change.conversion == nil && change.scope == nil && change.defaultValue == nil && ok {
            m.report(nil, "a rule changes something: give path or paths, conversion, scope or default")
            ok = false
        }
        if let t, ok {
            if let why = Self.reserved[t] {
                m.report("tag", "\(Self.name(t)) cannot be mapped by a rule: \(why)")
                ok = false
            } else if t.group == 0x0000 || t.group == 0x0002 || t.group == 0xFFFE {
                m.report("tag", "\(t) is not a data set attribute")
                ok = false
            } else if let c = change.conversion {
                let isSequence = DataDictionary.entry(for: t)?.vr == .SQ
                if case .code = c, !isSequence, DataDictionary.entry(for: t) != nil {
                    m.report("conversion", "code writes a code sequence item, and \(Self.name(t)) is not a sequence (SQ)")
                    ok = false
                } else if isSequence, c.isCode == false {
                    m.report("conversion", "\(Self.name(t)) is a sequence (SQ): use code (code V S M: the components of a CE/CWE field)")
                    ok = false
                }
            } else if DataDictionary.entry(for: t)?.vr == .SQ, change.paths != nil, !isBuiltIn(t, kind) {
                m.report("tag", "\(Self.name(t)) is a sequence (SQ): give conversion: code")
                ok = false
            }
        }
        guard ok else { return nil }
        return ReadRule(kind: kind, change: change, node: m.node, path: m.path, mapName: mapName, conversionNode: m.node("conversion"))
    }

    func isBuiltIn(_ t: Tag, _ kind: Kind) -> Bool {
        switch kind {
        case .orm: OrderMappingTable.orm.rules.contains { $0.tag == t }
        case .omi: OrderMappingTable.omi.rules.contains { $0.tag == t }
        case .both: OrderMappingTable.orm.rules.contains { $0.tag == t } && OrderMappingTable.omi.rules.contains { $0.tag == t }
        }
    }

    func valueMaps(_ m: YAMLMappingReader) -> [String: [String: String]] {
        m.markAllUsed()
        var maps: [String: [String: String]] = [:]
        for (k, v) in m.mapping {
            guard case .scalar(let ks) = k, !YAMLMappingReader.isNull(k) else {
                reader.report(k, m.path, "value map names are text")
                continue
            }
            let name = ks.string, path = m.child(name)
            guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                reader.report(k, path, "'\(name)' is not a valid value map name (letters, digits, '-', '_')")
                continue
            }
            guard let entries = v.mapping else {
                reader.report(v, path, "expected the map's entries (HL7 VALUE: DICOM VALUE), found \(YAMLMappingReader.describe(v))")
                continue
            }
            var table: [String: String] = [:]
            for (from, to) in entries {
                guard case .scalar(let f) = from, case .scalar(let t) = to else {
                    reader.report(to, path, "expected text keys and values (HL7 VALUE: DICOM VALUE)")
                    continue
                }
                table[YAMLMappingReader.isNull(from) ? "" : f.string] = YAMLMappingReader.isNull(to) ? "" : t.string
            }
            maps[name] = table
        }
        return maps
    }

    // MARK: Values

    /// A tag by number (`(0008,0050)`, `0008,0050`, `00080050`) or PS3.6 keyword (`AccessionNumber`).
    func tag(_ node: Node, _ path: String) -> Tag? {
        guard case .scalar(let s) = node, !YAMLMappingReader.isNull(node) else {
            reader.report(node, path, "expected a tag, found \(YAMLMappingReader.describe(node))")
            return nil
        }
        let text = s.string.trimmingCharacters(in: .whitespaces)
        if let t = Tag(string: text) { return t }
        if let t = Tag(keyword: text) { return t }
        let looksNumeric = text.hasPrefix("(") || text.first?.isNumber == true
        var hint = ""
        if !looksNumeric, let best = Self.closestKeyword(text) { hint = " (did you mean '\(best)'?)" }
        reader.report(node, path, "'\(text)' is neither a tag ((0008,0050)) nor a DICOM dictionary keyword (AccessionNumber)\(hint)")
        return nil
    }

    static func closestKeyword(_ word: String) -> String? {
        let lower = word.lowercased()
        var best: (String, Int)?
        for e in DataDictionary.all where !e.keyword.isEmpty && !e.isRetired && abs(e.keyword.count - word.count) <= 3 {
            let d = YAMLMappingReader.distance(lower, e.keyword.lowercased())
            if d <= max(2, word.count / 4), d < (best?.1 ?? .max) { best = (e.keyword, d) }
        }
        return best?.0
    }

    /// Whether `text` is an HL7 path with a field; reports it otherwise.
    func hl7Path(_ text: String, _ node: Node?, _ path: String) -> Bool {
        do {
            let p = try HL7Path(parsing: text)
            guard p.field != nil else {
                reader.report(node, path, "'\(text)' names a segment, not a field (e.g. OBR-13, PID-5.1, ZDS-1.1)")
                return false
            }
            return true
        } catch {
            reader.report(node, path, "'\(text)' is not an HL7 path (e.g. OBR-13, PID-3.4.1, OBR[2]-4): \(error.reason)")
            return false
        }
    }

    struct Problem: Error { var message: String }

    /// `text`, `prefix N`, `person-name [xpn|xcn]`, `date`, `time`, `map NAME`, `map-or-keep NAME`, `code [V S M]`;
    /// with the value map name it uses.
    func conversion(_ text: String) -> Result<(ValueConversion, String?), Problem> {
        let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        let forms = "text, prefix N, person-name (xpn or xcn), date, time, map NAME, map-or-keep NAME, code (V S M)"
        guard let head = words.first else { return .failure(Problem(message: "expected a conversion: \(forms)")) }
        let args = Array(words.dropFirst())
        func number(_ s: String) -> Int? { Int(s).flatMap { (1 ... 999).contains($0) ? $0 : nil } }
        func bad(_ why: String) -> Result<(ValueConversion, String?), Problem> { .failure(Problem(message: "'\(text)': \(why)")) }
        switch head {
        case "text", "date", "time":
            guard args.isEmpty else { return bad("\(head) takes nothing after it") }
            return .success((head == "text" ? .text : head == "date" ? .date : .time, nil))
        case "prefix":
            guard args.count == 1, let n = number(args[0]) else { return bad("prefix takes the number of characters to keep (prefix 8)") }
            return .success((.prefix(n), nil))
        case "person-name":
            switch args {
            case [], ["xpn"]: return .success((.personNameFromXPN, nil))
            case ["xcn"]: return .success((.personNameFromXCN, nil))
            default: return bad("person-name takes xpn (PID-5, the default) or xcn (ORC-12, OBR-16)")
            }
        case "map", "map-or-keep":
            guard args.count == 1 else { return bad("\(head) takes the name of a value map (\(head) priority)") }
            return .success((head == "map" ? .map(args[0]) : .mapOrKeep(args[0]), args[0]))
        case "code":
            if args.isEmpty { return .success((.code(value: 1, scheme: 3, meaning: 2), nil)) }
            guard args.count == 3, let v = number(args[0]), let s = number(args[1]), let m = number(args[2]) else {
                return bad("code takes the components of code value, coding scheme and meaning (code 1 3 2, the CE/CWE default)")
            }
            return .success((.code(value: v, scheme: s, meaning: m), nil))
        default:
            let hint = YAMLMappingReader.closest(head, in: Set(SiteMapping.conversionWords)).map { " (did you mean '\($0)'?)" } ?? ""
            return .failure(Problem(message: "'\(head)' is not a conversion\(hint); one of \(forms)"))
        }
    }

    // MARK: Checks over the whole file

    /// Value map names exist in the tables the rule will change; a rule for a tag those tables do not map has a path or a default.
    func check(_ rules: [ReadRule], _ site: SiteMapping) {
        let afterBoth = (orm: site.both.apply(to: .orm), omi: site.both.apply(to: .omi))
        let final = (orm: site.ormTable(), omi: site.omiTable())
        for r in rules {
            let tables: [(String, OrderMappingTable, OrderMappingTable)]
            switch r.kind {
            case .both: tables = [("ORM^O01", OrderMappingTable.orm, final.orm), ("OMI^O23", OrderMappingTable.omi, final.omi)]
            case .orm: tables = [("ORM^O01", afterBoth.orm, final.orm)]
            case .omi: tables = [("OMI^O23", afterBoth.omi, final.omi)]
            }
            for (label, before, after) in tables {
                if r.change.paths == nil && r.change.defaultValue == nil && !before.rules.contains(where: { $0.tag == r.change.tag }) {
                    reader.report(r.node, r.path, "the \(label) table has no rule for \(Self.name(r.change.tag)) to change: give path, paths or default")
                    break
                }
                if let name = r.mapName, after.valueMaps[name] == nil {
                    let known = Set(after.valueMaps.keys)
                    let hint = YAMLMappingReader.closest(name, in: known).map { " (did you mean '\($0)'?)" } ?? ""
                    reader.report(r.conversionNode ?? r.node, r.path + ".conversion",
                                  "unknown value map '\(name)'\(hint) for the \(label) table; known: \(known.sorted().joined(separator: ", ")) (add one under value-maps)")
                    break
                }
            }
        }
    }

    /// `AccessionNumber (0008,0050)`, or the tag alone when the dictionary does not know it.
    static func name(_ t: Tag) -> String {
        t.keyword.map { "\($0) \(t)" } ?? t.description
    }
}

extension ValueConversion {
    var isCode: Bool {
        if case .code = self { return true }
        return false
    }
}
