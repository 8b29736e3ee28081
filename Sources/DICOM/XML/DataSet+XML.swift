// PS3.19 Annex A.1: the Native DICOM Model. A <NativeDicomModel xml:space="preserve"> root
// holding one <DicomAttribute tag="GGGGEEEE" vr="VR" keyword="…" privateCreator="…"> per data
// element, each with <Value number="n">, <PersonName number="n"> (Alphabetic, Ideographic and
// Phonetic groups of FamilyName … NameSuffix), <Item number="n"> (a nested data set),
// <InlineBinary> (base64) or <BulkData uri="…"/>. Group lengths are not written (§A.1.1);
// private data elements are written as gggg00ee with their privateCreator (Table A.1.5-2).

/// How `DataSet.xmlString` writes the Native DICOM Model.
public struct DICOMXMLOptions: Sendable {
    /// One element a line, indented by two spaces a level; otherwise no white space between elements.
    public var prettyPrinted: Bool = true
    /// Returns the BulkData uri to write for a binary element instead of its InlineBinary;
    /// `nil` (the default, or a nil result) writes the value inline.
    public var bulkDataURI: (@Sendable (DataElement) -> String?)?
    /// Declare the schema's default namespace (PS3.19 §A.1.6) on the root element. Off by
    /// default, as DCMTK's dcm2xml and dcm4che write the model; `DataSet(xml:)` reads both forms.
    public var declaresNamespace: Bool = false

    /// The default namespace of the Native DICOM Model schema (PS3.19 §A.1.6).
    public static let namespace = "http://dicom.nema.org/PS3.19/models/NativeDICOM"

    public init(prettyPrinted: Bool = true, declaresNamespace: Bool = false, bulkDataURI: (@Sendable (DataElement) -> String?)? = nil) {
        self.prettyPrinted = prettyPrinted
        self.declaresNamespace = declaresNamespace
        self.bulkDataURI = bulkDataURI
    }

    /// Elements kept in their file become `<BulkData uri="file://PATH?offset=O&length=L"/>`,
    /// which `DataSet(xml:)` reads back as bulk data references.
    public static var fileBulkDataURIs: DICOMXMLOptions {
        DICOMXMLOptions(bulkDataURI: { e in
            if case .bulk(let ref) = e.value { return BulkData.fileURI(ref) }
            return nil
        })
    }
}

extension DataSet {
    /// The Native DICOM Model of this data set (PS3.19 §A.1), as a UTF-8 XML document.
    ///
    /// Throws `.invalidValue` for a text value holding a character XML 1.0 cannot represent
    /// (C0 controls other than tab, LF and CR — e.g. the form feed LT/ST/UT allow — or U+FFFE/U+FFFF):
    /// PS3.19 defines no escape for them, and dropping them silently would change the data.
    public func xmlString(options: DICOMXMLOptions = DICOMXMLOptions()) throws(DICOMError) -> String {
        var writer = NativeModelWriter(options: options)
        writer.out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<NativeDicomModel"
        if options.declaresNamespace { writer.out += " xmlns=\"\(DICOMXMLOptions.namespace)\"" }
        writer.out += " xml:space=\"preserve\">"
        try writer.write(self, level: 1)
        writer.newline(0)
        writer.out += "</NativeDicomModel>\n"
        return writer.out
    }

    /// Shorthand used by the command line: inline binaries, or file bulk data URIs.
    public func xmlString(fileBulkDataURIs: Bool) throws(DICOMError) -> String {
        try xmlString(options: fileBulkDataURIs ? .fileBulkDataURIs : DICOMXMLOptions())
    }
}

/// Writes data sets as Native DICOM Model elements.
struct NativeModelWriter {
    var out = ""
    let options: DICOMXMLOptions

    init(options: DICOMXMLOptions) {
        self.options = options
    }

    mutating func newline(_ level: Int) {
        guard options.prettyPrinted else { return }
        out += "\n"
        out += String(repeating: "  ", count: level)
    }

    mutating func text(_ s: String, tag: Tag) throws(DICOMError) {
        if let bad = XMLDocument.appendText(s, to: &out) {
            throw DICOMError(.invalidValue, "character U+\(NativeModelWriter.hex(bad)) cannot be written in XML 1.0", tag: tag)
        }
    }

    mutating func attribute(_ name: String, _ value: String, tag: Tag) throws(DICOMError) {
        out += " \(name)=\""
        if let bad = XMLDocument.appendAttribute(value, to: &out) {
            throw DICOMError(.invalidValue, "character U+\(NativeModelWriter.hex(bad)) cannot be written in XML 1.0", tag: tag)
        }
        out += "\""
    }

    static func hex(_ u: Unicode.Scalar) -> String {
        let h = String(u.value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - h.count)) + h
    }

    mutating func write(_ dataSet: DataSet, level: Int) throws(DICOMError) {
        // Private creators whose name reserves more than one block of a group: their elements
        // keep the block in the tag, or they would fall together when read back.
        var blocks: [String: Int] = [:]
        for e in dataSet.elements where e.tag.isPrivateCreator {
            if let name = dataSet.strings(e.tag)?.first, !name.isEmpty { blocks["\(e.tag.group)/\(name)", default: 0] += 1 }
        }
        for e in dataSet.elements where !e.tag.isGroupLength {
            var tag = e.tag
            var creator: String?
            if let creatorTag = e.tag.privateCreatorTag, let name = dataSet.strings(creatorTag)?.first, !name.isEmpty {
                creator = name
                if blocks["\(e.tag.group)/\(name)"] == 1 { tag = Tag(e.tag.group, e.tag.element & 0x00FF) }
            }
            try write(e, tag: tag, creator: creator, characterSet: dataSet.characterSet, level: level)
        }
    }

    /// What goes inside one DicomAttribute.
    enum Content {
        case none
        case values([String])
        case names([String])
        case items([Item])
        case inline([UInt8])
        case bulk(String)
    }

    mutating func write(_ e: DataElement, tag: Tag, creator: String?, characterSet: SpecificCharacterSet, level: Int) throws(DICOMError) {
        newline(level)
        out += "<DicomAttribute"
        try attribute("tag", tag.compactHex, tag: e.tag)
        try attribute("vr", e.vr.rawValue, tag: e.tag)
        if !e.tag.isPrivate, let keyword = e.tag.keyword { try attribute("keyword", keyword, tag: e.tag) }
        if let creator { try attribute("privateCreator", creator, tag: e.tag) }

        let content = try self.content(of: e, characterSet: characterSet)
        if case .none = content {
            out += "/>"
            return
        }
        out += ">"
        switch content {
        case .none: break
        case .values(let values):
            for (n, v) in values.enumerated() {
                newline(level + 1)
                out += "<Value number=\"\(n + 1)\">"
                try text(v, tag: e.tag)
                out += "</Value>"
            }
        case .names(let names):
            for (n, name) in names.enumerated() { try writePersonName(name, number: n + 1, tag: e.tag, level: level + 1) }
        case .items(let items):
            for (n, item) in items.enumerated() {
                newline(level + 1)
                out += "<Item number=\"\(n + 1)\""
                if item.dataSet.isEmpty {
                    out += "/>"
                    continue
                }
                out += ">"
                try write(item.dataSet, level: level + 2)
                newline(level + 1)
                out += "</Item>"
            }
        case .inline(let bytes):
            newline(level + 1)
            out += "<InlineBinary>" + Base64.encode(bytes) + "</InlineBinary>"
        case .bulk(let uri):
            newline(level + 1)
            out += "<BulkData"
            try attribute("uri", uri, tag: e.tag)
            out += "/>"
        }
        newline(level)
        out += "</DicomAttribute>"
    }

    func content(of e: DataElement, characterSet: SpecificCharacterSet) throws(DICOMError) -> Content {
        switch e.value {
        case .sequence(let items) where e.vr == .SQ:
            return items.isEmpty ? .none : .items(items)
        case .sequence, .fragments:
            // An UN sequence or encapsulated pixel data: the value's bytes as encoded.
            if let uri = options.bulkDataURI?(e) { return .bulk(uri) }
            let bytes = try DataSetWriter.valueBytes(of: e)
            return bytes.isEmpty ? .none : .inline(bytes)
        case .bulk, .bytes:
            if e.vr.isBulkCandidate || e.vr == .SQ {
                if let uri = options.bulkDataURI?(e) { return .bulk(uri) }
                let bytes = try e.loadBytes()
                return bytes.isEmpty ? .none : .inline(bytes)
            }
            var element = e
            if case .bulk = e.value {
                // A value left in its file with a VR that has Values (a US LUT, …).
                if let uri = options.bulkDataURI?(e) { return .bulk(uri) }
                element.value = .bytes(try e.loadBytes())
            }
            guard case .bytes(let raw) = element.value, !raw.isEmpty else { return .none }
            return NativeModelWriter.values(of: element, raw: raw, characterSet: characterSet)
        }
    }

    static func values(of e: DataElement, raw: [UInt8], characterSet: SpecificCharacterSet) -> Content {
        switch e.vr {
        case .PN:
            return .names(e.strings(characterSet: characterSet))
        case .US, .SS, .UL, .SL, .SV:
            return .values(e.integers.map { String($0) })
        case .UV:
            // Read as unsigned: UV values above Int.max do not fit `integers`.
            var values: [String] = []
            var k = 0
            while k + 8 <= raw.count {
                var v: UInt64 = 0
                for j in 0..<8 { v |= UInt64(raw[k + j]) << (8 * j) }
                values.append(String(v))
                k += 8
            }
            return .values(values)
        case .FL:
            return .values(e.doubles.map { formatNumber($0, float: true) })
        case .FD:
            return .values(e.doubles.map { formatNumber($0, float: false) })
        case .AT:
            return .values(e.tags.map(\.compactHex))
        default:
            // Text, DS and IS included: Value is xsd:string, so the text is kept as written.
            return .values(e.strings(characterSet: characterSet))
        }
    }

    /// The shortest text that reads back to the same binary value; xsd:double's NaN, INF and -INF.
    static func formatNumber(_ d: Double, float: Bool) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-INF" : "INF" }
        if d == 0 { return d.sign == .minus ? "-0" : "0" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int(d)) }
        return float ? String(Float(d)) : String(d)
    }

    static let componentNames = ["FamilyName", "GivenName", "MiddleName", "NamePrefix", "NameSuffix"]
    static let groupNames = ["Alphabetic", "Ideographic", "Phonetic"]

    /// One PN value. Empty components are left out, except the last one written (so that
    /// trailing "^" survive a round trip); an empty group is written only when it is the last
    /// one (so that a trailing "=" survives).
    mutating func writePersonName(_ name: String, number: Int, tag: Tag, level: Int) throws(DICOMError) {
        newline(level)
        out += "<PersonName number=\"\(number)\""
        let groups = name.split(separator: "=", omittingEmptySubsequences: false).prefix(3)
        if name.isEmpty {
            out += "/>"
            return
        }
        out += ">"
        for (g, group) in groups.enumerated() where !group.isEmpty || (g == groups.count - 1 && g > 0) {
            newline(level + 1)
            out += "<\(NativeModelWriter.groupNames[g])"
            if group.isEmpty {
                out += "/>"
                continue
            }
            out += ">"
            var components = group.split(separator: "^", omittingEmptySubsequences: false).map(String.init)
            if components.count > 5 {
                // Not valid PN, but kept: the extra components go with the suffix.
                components = Array(components[0..<4]) + [components[4...].joined(separator: "^")]
            }
            for (c, component) in components.enumerated() where !component.isEmpty || c == components.count - 1 {
                newline(level + 2)
                out += "<\(NativeModelWriter.componentNames[c])>"
                try text(component, tag: tag)
                out += "</\(NativeModelWriter.componentNames[c])>"
            }
            newline(level + 1)
            out += "</\(NativeModelWriter.groupNames[g])>"
        }
        newline(level)
        out += "</PersonName>"
    }
}

// MARK: - Reading

extension DataSet {
    /// Reads a data set from the Native DICOM Model (PS3.19 §A.1). BulkData uris of the
    /// `file://` form made by `DICOMXMLOptions.fileBulkDataURIs` become bulk data references;
    /// other BulkData (uuid references, http uris) cannot be resolved here and are an error.
    /// A missing `vr` is taken from the data dictionary. Private data elements given as
    /// `gggg00ee` with a `privateCreator` are placed in the block of that creator, which is
    /// reserved (a Private Creator element added) if the data set has none.
    ///
    /// Errors are `.invalidDocument`, naming the XML line and the tag where there is one.
    public init(xml: String) throws(DICOMError) {
        let root = try XMLDocument.parse(xml)
        guard root.name == "NativeDicomModel" else {
            throw DICOMError(.invalidDocument, "XML line \(root.line): the root element is <\(root.name)>, not <NativeDicomModel>")
        }
        do {
            try self.init(xmlElement: root, characterSet: .default, depth: 0)
        } catch where error.code == .characterSet {
            // XML text is Unicode: without Specific Character Set, non-ASCII text means UTF-8.
            let declared = root.children.contains { $0.name == "DicomAttribute" && $0.attributes.contains { $0.name == "tag" && $0.value.uppercased() == "00080005" } }
            guard !declared else { throw error }
            try self.init(xmlElement: root, characterSet: SpecificCharacterSet("ISO_IR 192"), depth: 0)
            try set(.specificCharacterSet, string: "ISO_IR 192")
        }
    }

    init(xmlElement node: XMLElement, characterSet inherited: SpecificCharacterSet, depth: Int) throws(DICOMError) {
        guard depth < 64 else {
            throw DICOMError(.nestingTooDeep, "XML line \(node.line): sequences nested deeper than 64 levels")
        }
        self.init(characterSet: inherited)
        try DataSet.requireNoText(node)
        var attributes: [(tag: Tag, node: XMLElement)] = []
        for child in node.children {
            guard child.name == "DicomAttribute" else {
                throw DataSet.xmlError(child, "<\(child.name)> is not allowed in <\(node.name)> (only <DicomAttribute>)")
            }
            guard let text = child[attribute: "tag"] else { throw DataSet.xmlError(child, "<DicomAttribute> has no tag") }
            guard text.utf8.count == 8, text.allSatisfy(\.isHexDigit), let raw = UInt32(text, radix: 16) else {
                throw DataSet.xmlError(child, "tag \"\(text)\" is not 8 hexadecimal digits")
            }
            attributes.append((Tag(raw), child))
        }
        // Specific Character Set first: it decides how the other strings are encoded. Private
        // data elements last, once the data set's own Private Creator elements are known.
        if let cs = attributes.first(where: { $0.tag == .specificCharacterSet }) {
            try setXMLAttribute(cs.tag, cs.node, depth: depth)
        }
        var privates: [(tag: Tag, creator: String, node: XMLElement)] = []
        for (tag, child) in attributes where tag != .specificCharacterSet {
            if tag.isPrivate, let creator = child[attribute: "privateCreator"], !creator.isEmpty {
                privates.append((tag, creator, child))
                continue
            }
            try setXMLAttribute(tag, child, depth: depth)
        }
        for (tag, creator, child) in privates {
            let placed = try privateTag(tag, creator: creator, node: child)
            try setXMLAttribute(placed, child, depth: depth)
        }
    }

    /// The tag of a private data element in the block its creator reserves.
    mutating func privateTag(_ tag: Tag, creator: String, node: XMLElement) throws(DICOMError) -> Tag {
        var name = Substring(creator)
        while let last = name.last, last == " " { name.removeLast() }
        let ee = tag.element & 0x00FF
        if tag.element >= 0x1000 {
            // Written with its block: kept there when the block is free or is this creator's.
            let creatorTag = Tag(tag.group, tag.element >> 8)
            guard let existing = strings(creatorTag)?.first else {
                try set(creatorTag, vr: .LO, strings: [String(name)], checkingLength: false)
                return tag
            }
            if existing == name { return tag }
        }
        for block in UInt16(0x10)...0xFF {
            if strings(Tag(tag.group, block))?.first.map({ $0 == name }) == true { return Tag(tag.group, block << 8 | ee) }
        }
        for block in UInt16(0x10)...0xFF where !contains(Tag(tag.group, block)) {
            try set(Tag(tag.group, block), vr: .LO, strings: [String(name)], checkingLength: false)
            return Tag(tag.group, block << 8 | ee)
        }
        throw DataSet.xmlError(node, "no free private block in group \(Tag.hex4(tag.group)) for creator \"\(name)\"", tag: tag)
    }

    static func xmlError(_ node: XMLElement, _ reason: String, tag: Tag? = nil) -> DICOMError {
        DICOMError(.invalidDocument, "XML line \(node.line): \(reason)", tag: tag)
    }

    /// Container elements hold only white space between their child elements.
    static func requireNoText(_ node: XMLElement, tag: Tag? = nil) throws(DICOMError) {
        if node.text.unicodeScalars.contains(where: { !($0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r") }) {
            throw xmlError(node, "<\(node.name)> holds text; only child elements are allowed", tag: tag)
        }
    }

    /// The elements ordered by their `number` attribute, which must run from 1 to their count.
    static func numbered(_ nodes: [XMLElement], tag: Tag) throws(DICOMError) -> [XMLElement] {
        var slots = [XMLElement?](repeating: nil, count: nodes.count)
        for n in nodes {
            guard let s = n[attribute: "number"] else { throw xmlError(n, "<\(n.name)> has no number", tag: tag) }
            guard let k = Int(trimmedSpace(s)), k >= 1, k <= nodes.count, slots[k - 1] == nil else {
                throw xmlError(n, "<\(n.name) number=\"\(s)\">: numbers must run from 1 to \(nodes.count) without repeats", tag: tag)
            }
            slots[k - 1] = n
        }
        return slots.map { $0! }
    }

    static func trimmedSpace(_ s: String) -> String {
        var t = Substring(s)
        while let f = t.first, f == " " || f == "\t" || f == "\n" || f == "\r" { t.removeFirst() }
        while let l = t.last, l == " " || l == "\t" || l == "\n" || l == "\r" { t.removeLast() }
        return String(t)
    }

    /// xsd:base64Binary: white space allowed, length a multiple of 4, "=" only as padding.
    static func base64(_ node: XMLElement, tag: Tag) throws(DICOMError) -> [UInt8] {
        let compact = node.text.utf8.filter { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D) }
        let padding = compact.reversed().prefix { $0 == UInt8(ascii: "=") }.count
        let body = compact.dropLast(padding)
        guard compact.count % 4 == 0, padding <= 2, !body.contains(UInt8(ascii: "=")),
              let bytes = Base64.decode(String(decoding: compact, as: UTF8.self)) else {
            throw xmlError(node, "<InlineBinary> is not valid base64", tag: tag)
        }
        return bytes
    }

    mutating func setXMLAttribute(_ tag: Tag, _ node: XMLElement, depth: Int) throws(DICOMError) {
        try DataSet.requireNoText(node, tag: tag)
        var values: [XMLElement] = [], items: [XMLElement] = [], names: [XMLElement] = []
        var inline: [XMLElement] = [], bulk: [XMLElement] = []
        for c in node.children {
            switch c.name {
            case "Value": values.append(c)
            case "Item": items.append(c)
            case "PersonName": names.append(c)
            case "InlineBinary": inline.append(c)
            case "BulkData": bulk.append(c)
            default: throw DataSet.xmlError(c, "<\(c.name)> is not allowed in <DicomAttribute>", tag: tag)
            }
        }
        let kinds = [values, items, names, inline, bulk].filter { !$0.isEmpty }.count
        if kinds > 1 || inline.count > 1 || bulk.count > 1 {
            throw DataSet.xmlError(node, "<DicomAttribute> must hold one of: <Value>s, <Item>s, <PersonName>s, one <InlineBinary>, one <BulkData>", tag: tag)
        }

        let vr: VR
        if let text = node[attribute: "vr"] {
            guard let v = VR(rawValue: text) else { throw DataSet.xmlError(node, "unknown VR \"\(text)\"", tag: tag) }
            vr = v
        } else if !items.isEmpty {
            vr = .SQ
        } else if !names.isEmpty {
            vr = .PN
        } else {
            vr = DataSet.defaultVR(tag)
            if vr == .UN, !values.isEmpty {
                throw DataSet.xmlError(node, "no vr, and the data dictionary does not know this tag", tag: tag)
            }
        }

        if let b = inline.first {
            set(try DataSet.binaryElement(tag: tag, vr: vr, bytes: DataSet.base64(b, tag: tag)))
            return
        }
        if let b = bulk.first {
            guard let uri = b[attribute: "uri"] else {
                throw DataSet.xmlError(b, b[attribute: "uuid"] != nil
                    ? "<BulkData uuid> references cannot be resolved here" : "<BulkData> has no uri", tag: tag)
            }
            guard let ref = BulkData(fileURI: uri) else {
                throw DataSet.xmlError(b, "BulkData uri cannot be resolved here (only file:// references of this tool)", tag: tag)
            }
            set(DataElement(tag: tag, vr: vr, value: .bulk(ref)))
            return
        }
        if !items.isEmpty, vr != .SQ { throw DataSet.xmlError(items[0], "<Item> in a \(vr) attribute (only SQ)", tag: tag) }
        if !names.isEmpty, vr != .PN { throw DataSet.xmlError(names[0], "<PersonName> in a \(vr) attribute (only PN)", tag: tag) }

        // Plain character data of each <Value>.
        var texts: [String] = []
        for v in try DataSet.numbered(values, tag: tag) {
            if let c = v.children.first { throw DataSet.xmlError(c, "<\(c.name)> inside <Value>", tag: tag) }
            texts.append(v.text)
        }
        switch vr {
        case .SQ:
            if !values.isEmpty { throw DataSet.xmlError(values[0], "<Value> in an SQ attribute (use <Item>)", tag: tag) }
            var list: [Item] = []
            for item in try DataSet.numbered(items, tag: tag) {
                list.append(Item(dataSet: try DataSet(xmlElement: item, characterSet: characterSet, depth: depth + 1)))
            }
            set(DataElement(tag: tag, vr: .SQ, value: .sequence(list), hasUndefinedLength: false))
        case .PN:
            var strings = texts
            for name in try DataSet.numbered(names, tag: tag) { strings.append(try DataSet.personName(name, tag: tag)) }
            try DataSet.checkNoDelimiter(strings, node: node, tag: tag)
            try set(tag, vr: .PN, strings: strings, checkingLength: false)
        case .US, .SS, .UL, .SL, .SV, .UV:
            var bytes: [UInt8] = []
            for t in texts {
                let s = DataSet.trimmedSpace(t)
                if vr == .UV {
                    guard let u = UInt64(s) else { throw DataSet.xmlError(node, "\"\(t)\" is not an unsigned 64-bit integer", tag: tag) }
                    withUnsafeBytes(of: u.littleEndian) { bytes.append(contentsOf: $0) }
                    continue
                }
                guard let i = Int(s) else { throw DataSet.xmlError(node, "\"\(t)\" is not an integer", tag: tag) }
                func put<T: FixedWidthInteger>(_: T.Type) throws(DICOMError) {
                    guard let x = T(exactly: i) else { throw DataSet.xmlError(node, "\(i) does not fit \(vr)", tag: tag) }
                    withUnsafeBytes(of: x.littleEndian) { bytes.append(contentsOf: $0) }
                }
                switch vr {
                case .US: try put(UInt16.self)
                case .SS: try put(Int16.self)
                case .UL: try put(UInt32.self)
                case .SL: try put(Int32.self)
                default: try put(Int64.self)
                }
            }
            set(DataElement(tag: tag, vr: vr, bytes: bytes))
        case .FL, .FD:
            var ds: [Double] = []
            for t in texts {
                let s = DataSet.trimmedSpace(t)
                guard let d = Double(s) ?? (s == "INF" || s == "+INF" ? .infinity : s == "-INF" ? -.infinity : nil) else {
                    throw DataSet.xmlError(node, "\"\(t)\" is not a number", tag: tag)
                }
                ds.append(d)
            }
            try set(tag, vr: vr, doubles: ds)
        case .AT:
            var tags: [Tag] = []
            for t in texts {
                let s = DataSet.trimmedSpace(t)
                guard s.utf8.count == 8, s.allSatisfy(\.isHexDigit), let raw = UInt32(s, radix: 16) else {
                    throw DataSet.xmlError(node, "AT value \"\(t)\" is not 8 hexadecimal digits", tag: tag)
                }
                tags.append(Tag(raw))
            }
            set(tag, tags: tags)
        case .OB, .OD, .OF, .OL, .OV, .OW, .UN:
            if !texts.isEmpty {
                throw DataSet.xmlError(node, "\(vr) takes <InlineBinary> or <BulkData>, not <Value>", tag: tag)
            }
            set(DataElement(tag: tag, vr: vr, bytes: []))
        default:
            if vr.allowsMultipleValues {
                try DataSet.checkNoDelimiter(texts, node: node, tag: tag)
            } else if texts.count > 1 {
                throw DataSet.xmlError(values[1], "\(vr) has a single value, not \(texts.count)", tag: tag)
            }
            try set(tag, vr: vr, strings: texts, checkingLength: false)
        }
    }

    /// A "\" inside one value would split it in two when encoded.
    static func checkNoDelimiter(_ values: [String], node: XMLElement, tag: Tag) throws(DICOMError) {
        if values.count > 0, values.contains(where: { $0.contains("\\") }) {
            throw xmlError(node, "a value contains \"\\\", the DICOM value delimiter", tag: tag)
        }
    }

    /// One <PersonName> as PN text: groups joined with "=", components with "^".
    static func personName(_ node: XMLElement, tag: Tag) throws(DICOMError) -> String {
        try requireNoText(node, tag: tag)
        var groups: [String?] = [nil, nil, nil]
        for g in node.children {
            guard let gi = NativeModelWriter.groupNames.firstIndex(of: g.name) else {
                throw xmlError(g, "<\(g.name)> is not allowed in <PersonName>", tag: tag)
            }
            guard groups[gi] == nil else { throw xmlError(g, "<\(g.name)> appears twice in <PersonName>", tag: tag) }
            try requireNoText(g, tag: tag)
            var components: [String?] = [nil, nil, nil, nil, nil]
            for c in g.children {
                guard let ci = NativeModelWriter.componentNames.firstIndex(of: c.name) else {
                    throw xmlError(c, "<\(c.name)> is not allowed in <\(g.name)>", tag: tag)
                }
                guard components[ci] == nil else { throw xmlError(c, "<\(c.name)> appears twice in <\(g.name)>", tag: tag) }
                if let x = c.children.first { throw xmlError(x, "<\(x.name)> inside <\(c.name)>", tag: tag) }
                if c.text.contains("=") { throw xmlError(c, "<\(c.name)> contains \"=\", the PN group delimiter", tag: tag) }
                components[ci] = c.text
            }
            let last = components.lastIndex { $0 != nil } ?? -1
            groups[gi] = components.prefix(last + 1).map { $0 ?? "" }.joined(separator: "^")
        }
        let last = groups.lastIndex { $0 != nil } ?? -1
        return groups.prefix(last + 1).map { $0 ?? "" }.joined(separator: "=")
    }
}
