// PS3.18 Annex F: the DICOM JSON Model. Attributes as members named by 8-digit upper-case
// hexadecimal tags, each with "vr" and one of "Value", "InlineBinary" or "BulkDataURI".

/// How `DataSet.jsonString` writes binary values.
public struct DICOMJSONOptions: Sendable {
    /// Indent nested objects (two spaces); otherwise one line.
    public var prettyPrinted: Bool = true
    /// Returns the BulkDataURI to write for a binary element instead of its InlineBinary;
    /// `nil` (the default, or a nil result) writes the value inline.
    public var bulkDataURI: (@Sendable (DataElement) -> String?)?

    public init(prettyPrinted: Bool = true, bulkDataURI: (@Sendable (DataElement) -> String?)? = nil) {
        self.prettyPrinted = prettyPrinted
        self.bulkDataURI = bulkDataURI
    }

    /// Elements kept in their file become `file://PATH?offset=O&length=L` URIs, which
    /// `DataSet(json:)` reads back as bulk data references.
    public static var fileBulkDataURIs: DICOMJSONOptions {
        DICOMJSONOptions(bulkDataURI: { e in
            if case .bulk(let ref) = e.value { return BulkData.fileURI(ref) }
            return nil
        })
    }
}

extension BulkData {
    /// `file://PATH?offset=O&length=L`.
    public static func fileURI(_ ref: BulkData) -> String {
        "file://\(ref.path)?offset=\(ref.offset)&length=\(ref.length)" + (ref.swapWidth > 1 ? "&swap=\(ref.swapWidth)" : "")
    }

    /// Parses a URI made by `fileURI`.
    public init?(fileURI uri: String) {
        guard uri.hasPrefix("file://"), let q = uri.firstIndex(of: "?") else { return nil }
        let path = String(uri[uri.index(uri.startIndex, offsetBy: 7)..<q])
        var fields: [String: Int] = [:]
        for pair in uri[uri.index(after: q)...].split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            if kv.count == 2, let v = Int(kv[1]) { fields[String(kv[0])] = v }
        }
        guard let offset = fields["offset"], let length = fields["length"], offset >= 0, length >= 0 else { return nil }
        self.init(path: path, offset: offset, length: length, swapWidth: fields["swap"] ?? 0)
    }
}

extension DataSet {
    /// The DICOM JSON model of this data set (PS3.18 §F.2).
    public func jsonString(options: DICOMJSONOptions = DICOMJSONOptions()) throws(DICOMError) -> String {
        var out = ""
        try jsonValue(options: options).write(to: &out, indent: options.prettyPrinted ? 2 : nil)
        return out
    }

    /// Shorthand used by the command line: inline binaries, or file bulk data URIs when
    /// `bulkDataURIPrefix` is non-nil.
    public func jsonString(bulkDataURIPrefix: String?) throws(DICOMError) -> String {
        try jsonString(options: bulkDataURIPrefix == nil ? DICOMJSONOptions() : .fileBulkDataURIs)
    }

    func jsonValue(options: DICOMJSONOptions) throws(DICOMError) -> JSONValue {
        var members: [(String, JSONValue)] = []
        members.reserveCapacity(elements.count)
        for e in elements {
            members.append((e.tag.compactHex, try jsonAttribute(e, options: options)))
        }
        return .object(members)
    }

    func jsonAttribute(_ e: DataElement, options: DICOMJSONOptions) throws(DICOMError) -> JSONValue {
        var attr: [(String, JSONValue)] = [("vr", .string(e.vr.rawValue))]
        switch e.value {
        case .sequence(let items) where e.vr == .SQ:
            var values: [JSONValue] = []
            for item in items { values.append(try item.dataSet.jsonValue(options: options)) }
            if !values.isEmpty { attr.append(("Value", .array(values))) }
        case .sequence, .fragments:
            // An UN sequence or encapsulated pixel data: the value's bytes as encoded (for
            // fragments, the items without the closing sequence delimiter, as pydicom and DCMTK do).
            var bytes = try DataSetWriter.valueBytes(of: e)
            if case .fragments = e.value { bytes.removeLast(8) }
            if let uri = options.bulkDataURI?(e) {
                attr.append(("BulkDataURI", .string(uri)))
            } else if !bytes.isEmpty {
                attr.append(("InlineBinary", .string(Base64.encode(bytes))))
            }
        case .bulk, .bytes:
            if let v = try jsonValueArray(e) {
                // A single empty value is an empty attribute (PS3.18 §F.2.5).
                if !v.isEmpty && v != [.null] { attr.append(("Value", .array(v))) }
            } else if let uri = options.bulkDataURI?(e) {
                attr.append(("BulkDataURI", .string(uri)))
            } else {
                let bytes = try e.loadBytes()
                if !bytes.isEmpty { attr.append(("InlineBinary", .string(Base64.encode(bytes)))) }
            }
        }
        return .object(attr)
    }

    /// The "Value" array for non-binary VRs; nil for binary VRs.
    func jsonValueArray(_ e: DataElement) throws(DICOMError) -> [JSONValue]? {
        switch e.vr {
        case .OB, .OD, .OF, .OL, .OV, .OW, .UN, .SQ: return nil
        default: break
        }
        guard case .bytes(let raw) = e.value else { return nil }
        if raw.isEmpty { return [] }
        switch e.vr {
        case .PN:
            return e.strings(characterSet: characterSet).map { s in
                if s.isEmpty { return .null }
                let groups = s.split(separator: "=", omittingEmptySubsequences: false)
                var obj: [(String, JSONValue)] = []
                for (name, g) in zip(["Alphabetic", "Ideographic", "Phonetic"], groups) where !g.isEmpty {
                    obj.append((name, .string(String(g))))
                }
                return .object(obj)
            }
        case .DS, .IS:
            return e.strings(characterSet: characterSet).map { s in
                if s.isEmpty { return .null }
                return DataSet.jsonNumber(s, integer: e.vr == .IS)
            }
        case .UV:
            return e.unsignedIntegers.map { .number(String($0)) }
        case .US, .SS, .UL, .SL, .SV:
            return e.integers.map { .number(String($0)) }
        case .FL, .FD:
            return e.doubles.map { d in
                if d.isNaN { return .string("NaN") }
                if d.isInfinite { return .string(d < 0 ? "-Infinity" : "Infinity") }
                return .number(DataSet.formatDouble(d))
            }
        case .AT:
            return e.tags.map { .string($0.compactHex) }
        default:
            return e.strings(characterSet: characterSet).map { $0.isEmpty ? .null : .string($0) }
        }
    }

    /// A DS/IS text as a JSON number token: kept as written when it is valid JSON, otherwise
    /// normalized; text that is not a number at all stays a string.
    static func jsonNumber(_ s: String, integer: Bool) -> JSONValue {
        if isJSONNumber(s) { return .number(s) }
        if integer, let i = Int(s.hasPrefix("+") ? String(s.dropFirst()) : s) { return .number(String(i)) }
        if let d = Double(s), d.isFinite { return .number(formatDouble(d)) }
        return .string(s)
    }

    static func formatDouble(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e15 { return String(Int(d)) }
        return String(d)
    }

    static func isJSONNumber(_ s: String) -> Bool {
        let b = Array(s.utf8)
        var i = 0
        func digits() -> Int { let start = i; while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }; return i - start }
        if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
        guard i < b.count else { return false }
        if b[i] == UInt8(ascii: "0") { i += 1 } else if digits() == 0 { return false }
        if i < b.count, b[i] == UInt8(ascii: ".") { i += 1; if digits() == 0 { return false } }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            if digits() == 0 { return false }
        }
        return i == b.count
    }

    // MARK: Reading

    /// Reads a data set from the DICOM JSON model. BulkDataURIs of the `file://` form made by
    /// `DICOMJSONOptions.fileBulkDataURIs` become bulk data references; others are an error.
    /// JSON text is Unicode: a document without Specific Character Set whose strings are not
    /// all ASCII gets ISO_IR 192 (UTF-8).
    public init(json: String) throws(DICOMError) {
        let value = try JSONValue.parse(json)
        do {
            try self.init(jsonValue: value, characterSet: .default, depth: 0)
        } catch where error.code == .characterSet && value["00080005"] == nil {
            try self.init(jsonValue: value, characterSet: SpecificCharacterSet("ISO_IR 192"), depth: 0)
            try set(.specificCharacterSet, string: "ISO_IR 192")
        }
    }

    init(jsonValue: JSONValue, characterSet inherited: SpecificCharacterSet, depth: Int) throws(DICOMError) {
        guard depth < 64 else { throw DICOMError(.nestingTooDeep, "JSON sequences nested deeper than 64 levels") }
        guard case .object(let members) = jsonValue else {
            throw DICOMError(.invalidDocument, "a DICOM JSON data set must be an object")
        }
        self.init(characterSet: inherited)
        // Specific Character Set first: it decides how the other strings are encoded.
        let ordered = members.sorted { a, b in (a.0 == "00080005" ? 0 : 1) < (b.0 == "00080005" ? 0 : 1) }
        for (key, attr) in ordered {
            guard key.count == 8, let raw = UInt32(key, radix: 16) else {
                throw DICOMError(.invalidDocument, "JSON member name \"\(key)\" is not an 8-digit hexadecimal tag")
            }
            let tag = Tag(raw)
            try setJSONAttribute(tag, attr, depth: depth)
        }
    }

    mutating func setJSONAttribute(_ tag: Tag, _ attr: JSONValue, depth: Int) throws(DICOMError) {
        guard case .string(let vrName)? = attr["vr"] else {
            throw DICOMError(.invalidDocument, "attribute has no \"vr\"", tag: tag)
        }
        guard let vr = VR(rawValue: vrName) else {
            throw DICOMError(.invalidDocument, "unknown VR \"\(vrName)\"", tag: tag)
        }
        if let inline = attr["InlineBinary"] {
            guard case .string(let b64) = inline, let bytes = Base64.decode(b64) else {
                throw DICOMError(.invalidDocument, "InlineBinary is not valid base64", tag: tag)
            }
            set(try DataSet.binaryElement(tag: tag, vr: vr, bytes: bytes))
            return
        }
        if let uriValue = attr["BulkDataURI"] {
            guard case .string(let uri) = uriValue, let ref = BulkData(fileURI: uri) else {
                throw DICOMError(.invalidDocument, "BulkDataURI cannot be resolved here (only file:// references of this tool)", tag: tag)
            }
            set(DataElement(tag: tag, vr: vr, value: .bulk(ref)))
            return
        }
        let values: [JSONValue]
        switch attr["Value"] {
        case nil: values = []
        case .array(let a)?: values = a
        default: throw DICOMError(.invalidDocument, "\"Value\" must be an array", tag: tag)
        }
        switch vr {
        case .SQ:
            var items: [Item] = []
            for v in values {
                items.append(Item(dataSet: try DataSet(jsonValue: v, characterSet: characterSet, depth: depth + 1)))
            }
            set(DataElement(tag: tag, vr: .SQ, value: .sequence(items), hasUndefinedLength: false))
        case .PN:
            var names: [String] = []
            for v in values {
                switch v {
                case .null: names.append("")
                case .object:
                    var groups = ["Alphabetic", "Ideographic", "Phonetic"].map { k -> String in
                        if case .string(let s)? = v[k] { return s }
                        return ""
                    }
                    while let last = groups.last, last.isEmpty { groups.removeLast() }
                    names.append(groups.joined(separator: "="))
                case .string(let s): names.append(s)
                default: throw DICOMError(.invalidDocument, "a PN value must be an object", tag: tag)
                }
            }
            try set(tag, vr: .PN, strings: names)
        case .UV:
            var numbers: [UInt64] = []
            for v in numberTexts(values) {
                guard let n = UInt64(v) else { throw DICOMError(.invalidDocument, "\(v) is not an unsigned 64-bit integer", tag: tag) }
                numbers.append(n)
            }
            set(tag, unsignedIntegers: numbers)
        case .US, .SS, .UL, .SL, .SV:
            var ints: [Int] = []
            for v in values {
                switch v {
                case .number(let n), .string(let n):
                    guard let i = Int(n) ?? Double(n).flatMap({ Int(exactly: $0) }) else {
                        throw DICOMError(.invalidDocument, "\(n) is not an integer", tag: tag)
                    }
                    ints.append(i)
                default: throw DICOMError(.invalidDocument, "\(vr) values must be numbers", tag: tag)
                }
            }
            try set(tag, vr: vr, integers: ints)
        case .FL, .FD:
            var ds: [Double] = []
            for v in values {
                switch v {
                case .number(let n), .string(let n):
                    guard let d = Double(n) ?? (n == "Infinity" ? .infinity : n == "-Infinity" ? -.infinity : nil) else {
                        throw DICOMError(.invalidDocument, "\(n) is not a number", tag: tag)
                    }
                    ds.append(d)
                default: throw DICOMError(.invalidDocument, "\(vr) values must be numbers", tag: tag)
                }
            }
            try set(tag, vr: vr, doubles: ds)
        case .AT:
            var tags: [Tag] = []
            for v in values {
                guard case .string(let s) = v, let t = Tag(string: s) else {
                    throw DICOMError(.invalidDocument, "AT values must be 8-digit hexadecimal strings", tag: tag)
                }
                tags.append(t)
            }
            set(tag, tags: tags)
        case .OB, .OD, .OF, .OL, .OV, .OW, .UN:
            if !values.isEmpty {
                throw DICOMError(.invalidDocument, "\(vr) takes InlineBinary or BulkDataURI, not Value", tag: tag)
            }
            set(DataElement(tag: tag, vr: vr, bytes: []))
        default:
            var strings: [String] = []
            for v in values {
                switch v {
                case .null: strings.append("")
                case .string(let s): strings.append(s)
                case .number(let n): strings.append(n)
                default: throw DICOMError(.invalidDocument, "\(vr) values must be strings", tag: tag)
                }
            }
            try set(tag, vr: vr, strings: strings, checkingLength: false)
        }
    }

    /// Number tokens (or strings) of a "Value" array, as text.
    func numberTexts(_ values: [JSONValue]) -> [String] {
        values.compactMap { v in
            switch v {
            case .number(let n), .string(let n): return n
            default: return nil
            }
        }
    }

    /// A binary element from bytes; encapsulated pixel data (an item stream) becomes fragments
    /// again and an UN value stays bytes.
    static func binaryElement(tag: Tag, vr: VR, bytes: [UInt8]) throws(DICOMError) -> DataElement {
        if tag == .pixelData, bytes.count >= 8, bytes[0..<4] == [0xFE, 0xFF, 0x00, 0xE0] {
            var bytes = bytes
            if bytes.suffix(8) != [0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0] { bytes += [0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0] }
            var fragments: [Fragment] = []
            var failure: DICOMError?
            bytes.withUnsafeBytes { buf in
                var parser = DataSetParser(buffer: buf, baseOffset: 0, bulkPath: nil, options: ReadOptions(), encapsulated: true)
                do throws(DICOMError) { _ = try parser.parseFragments(into: &fragments, from: 0, end: buf.count, big: false, tag: tag) } catch { failure = error }
            }
            if failure == nil { return DataElement(tag: tag, vr: vr, value: .fragments(fragments), hasUndefinedLength: true) }
        }
        return DataElement(tag: tag, vr: vr, bytes: bytes)
    }
}

extension DataSetWriter {
    /// The bytes of an element's value as written in explicit VR little endian (for an UN
    /// sequence, its implicit VR items; for fragments, the item stream with its delimiter).
    static func valueBytes(of e: DataElement) throws(DICOMError) -> [UInt8] {
        var out: [UInt8] = []
        try DataSetWriter(explicit: true, bigEndian: false).write(e, to: &out)
        let header = DataSetWriter(explicit: true, bigEndian: false).headerLength(e.vr)
        return Array(out.dropFirst(header))
    }
}
