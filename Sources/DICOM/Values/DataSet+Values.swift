// Typed access to values (PS3.5 §6.2 Table 6.2-1 and §6.4 Value Multiplicity): strings with
// VM splitting and padding rules, numbers, dates and times, person names, tags, UIDs, bytes.

extension DataElement {
    /// The text values, decoded with `characterSet`, split on "\" where the VR allows several
    /// values, and with insignificant padding removed. Empty for non-text values.
    public func strings(characterSet: SpecificCharacterSet = .default) -> [String] {
        guard case .bytes(let raw) = value else { return [] }
        if raw.isEmpty { return [] }
        if vr.isString {
            let text = vr.usesSpecificCharacterSet ? characterSet.decode(raw, vr: vr) : String(decoding: raw, as: UTF8.self)
            let parts: [Substring] = vr.allowsMultipleValues
                ? text.split(separator: "\\", omittingEmptySubsequences: false)
                : [Substring(text)]
            return parts.map { DataElement.trim($0, vr: vr) }
        }
        if vr == .AT {
            return tags.map(\.description)
        }
        switch vr {
        case .US, .SS, .UL, .SL, .SV, .UV: return integers.map(String.init)
        case .FL, .FD: return doubles.map { String($0) }
        default: return []
        }
    }

    /// PS3.5 Table 6.2-1: which leading and trailing spaces are insignificant for each VR.
    static func trim(_ s: Substring, vr: VR) -> String {
        var s = s
        switch vr {
        case .UI:
            while let last = s.last, last == "\0" || last == " " { s.removeLast() }
        case .AE, .CS, .DS, .IS, .DA, .TM, .DT, .AS:
            while let last = s.last, last == " " || last == "\0" { s.removeLast() }
            while let first = s.first, first == " " { s.removeFirst() }
        default:
            while let last = s.last, last == " " || last == "\0" { s.removeLast() }
        }
        return String(s)
    }

    /// Binary integers (US, SS, UL, SL, SV, UV) or text integers (IS).
    public var integers: [Int] {
        guard case .bytes(let b) = value else { return [] }
        func read<T: FixedWidthInteger>(_: T.Type) -> [Int] {
            let n = b.count / MemoryLayout<T>.size
            return b.withUnsafeBytes { p in
                (0..<n).map { Int(truncatingIfNeeded: T(littleEndian: p.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self))) }
            }
        }
        switch vr {
        case .US, .OW: return read(UInt16.self)
        case .SS: return read(Int16.self)
        case .UL, .OL: return read(UInt32.self)
        case .SL: return read(Int32.self)
        case .SV: return read(Int64.self)
        case .UV, .OV: return read(UInt64.self)
        case .IS: return strings().compactMap { Int($0) }
        default: return []
        }
    }

    /// Unsigned 64-bit integers (UV, OV), without the sign problem of `integers` above `Int.max`.
    public var unsignedIntegers: [UInt64] {
        guard vr == .UV || vr == .OV, case .bytes(let b) = value else { return [] }
        return b.withUnsafeBytes { p in
            (0..<(b.count / 8)).map { UInt64(littleEndian: p.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)) }
        }
    }

    /// Binary floats (FL, FD, OF, OD) or decimal strings (DS).
    public var doubles: [Double] {
        guard case .bytes(let b) = value else { return [] }
        switch vr {
        case .FL, .OF:
            let n = b.count / 4
            return b.withUnsafeBytes { p in (0..<n).map { Double(Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))) } }
        case .FD, .OD:
            let n = b.count / 8
            return b.withUnsafeBytes { p in (0..<n).map { Double(bitPattern: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) } }
        case .DS: return strings().compactMap { Double($0) }
        case .IS: return integers.map(Double.init)
        default: return []
        }
    }

    /// Attribute tags (AT): pairs of 16-bit group and element numbers.
    public var tags: [Tag] {
        guard vr == .AT, case .bytes(let b) = value else { return [] }
        var out: [Tag] = []
        var i = 0
        while i + 4 <= b.count {
            let group = UInt16(b[i]) | UInt16(b[i + 1]) << 8
            let element = UInt16(b[i + 2]) | UInt16(b[i + 3]) << 8
            out.append(Tag(group, element))
            i += 4
        }
        return out
    }
}

extension DataSet {
    /// All text values of `tag`, decoded with this data set's character set.
    public func strings(_ tag: Tag) -> [String]? {
        self[tag].map { $0.strings(characterSet: characterSet) }
    }

    /// The first text value of `tag`.
    public func string(_ tag: Tag) -> String? {
        strings(tag)?.first
    }

    /// The first integer value (binary integer VRs or IS).
    public func int(_ tag: Tag) -> Int? { self[tag]?.integers.first }
    public func ints(_ tag: Tag) -> [Int]? { self[tag]?.integers }

    /// The first floating-point value (FL, FD, OF, OD or DS).
    public func double(_ tag: Tag) -> Double? { self[tag]?.doubles.first }
    public func doubles(_ tag: Tag) -> [Double]? { self[tag]?.doubles }

    public func date(_ tag: Tag) -> DICOMDate? { string(tag).flatMap { DICOMDate($0) } }
    public func time(_ tag: Tag) -> DICOMTime? { string(tag).flatMap { DICOMTime($0) } }
    public func dateTime(_ tag: Tag) -> DICOMDateTime? { string(tag).flatMap { DICOMDateTime($0) } }
    public func personName(_ tag: Tag) -> PersonName? { string(tag).map { PersonName($0) } }
    public func tags(_ tag: Tag) -> [Tag]? { self[tag]?.tags }

    /// The raw value bytes (loading bulk data if needed).
    public func bytes(_ tag: Tag) throws(DICOMError) -> [UInt8]? { try self[tag]?.loadBytes() }

    /// The items of a sequence.
    public func items(_ tag: Tag) -> [Item]? { self[tag]?.items }

    // MARK: Setting values

    /// The VR to use for `tag` when the caller does not name one.
    static func defaultVR(_ tag: Tag) -> VR {
        if tag.isGroupLength { return .UL }
        if tag.isPrivateCreator { return .LO }
        return DataDictionary.entry(for: tag)?.vr ?? .UN
    }

    /// Sets text values (joined with "\"), encoded in this data set's character set and padded
    /// to even length. Throws if a character cannot be encoded or a value is too long for its VR.
    public mutating func set(_ tag: Tag, vr: VR? = nil, strings values: [String]) throws(DICOMError) {
        try set(tag, vr: vr, strings: values, checkingLength: true)
    }

    mutating func set(_ tag: Tag, vr: VR?, strings values: [String], checkingLength: Bool) throws(DICOMError) {
        let vr = vr ?? DataSet.defaultVR(tag)
        guard vr.isString else {
            throw DICOMError(.invalidValue, "\(vr) is not a text VR", tag: tag)
        }
        if checkingLength, let max = vr.maximumLength, vr != .PN {
            for v in values where v.count > max {
                throw DICOMError(.invalidValue, "value of \(v.count) characters exceeds the \(max) allowed for \(vr)", tag: tag)
            }
        }
        let text = values.joined(separator: "\\")
        var bytes = vr.usesSpecificCharacterSet ? try characterSet.encode(text, vr: vr) : Array(text.utf8)
        if !vr.usesSpecificCharacterSet, bytes.contains(where: { $0 >= 0x80 }) {
            throw DICOMError(.characterSet, "\(vr) allows only the default character repertoire", tag: tag)
        }
        if bytes.count & 1 == 1 { bytes.append(vr.paddingByte) }
        set(DataElement(tag: tag, vr: vr, bytes: bytes))
    }

    public mutating func set(_ tag: Tag, vr: VR? = nil, string value: String) throws(DICOMError) {
        try set(tag, vr: vr, strings: [value])
    }

    /// Sets binary integers (US, SS, UL, SL, SV, UV) or IS text.
    public mutating func set(_ tag: Tag, vr: VR? = nil, integers values: [Int]) throws(DICOMError) {
        let vr = vr ?? DataSet.defaultVR(tag)
        var out: [UInt8] = []
        func put<T: FixedWidthInteger>(_ type: T.Type) throws(DICOMError) {
            for v in values {
                guard let x = T(exactly: v) else { throw DICOMError(.invalidValue, "\(v) does not fit \(vr)", tag: tag) }
                withUnsafeBytes(of: x.littleEndian) { out.append(contentsOf: $0) }
            }
        }
        switch vr {
        case .US: try put(UInt16.self)
        case .SS: try put(Int16.self)
        case .UL: try put(UInt32.self)
        case .SL: try put(Int32.self)
        case .SV: try put(Int64.self)
        case .UV: try put(UInt64.self)
        case .IS: try set(tag, vr: .IS, strings: values.map(String.init)); return
        default: throw DICOMError(.invalidValue, "\(vr) does not hold integers", tag: tag)
        }
        set(DataElement(tag: tag, vr: vr, bytes: out))
    }

    /// Sets unsigned 64-bit integers (UV).
    public mutating func set(_ tag: Tag, unsignedIntegers values: [UInt64]) {
        var out: [UInt8] = []
        for v in values { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        set(DataElement(tag: tag, vr: .UV, bytes: out))
    }

    /// Sets floating-point values (FL, FD) or DS text.
    public mutating func set(_ tag: Tag, vr: VR? = nil, doubles values: [Double]) throws(DICOMError) {
        let vr = vr ?? DataSet.defaultVR(tag)
        var out: [UInt8] = []
        switch vr {
        case .FL: for v in values { withUnsafeBytes(of: Float(v).bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        case .FD: for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        case .DS: try set(tag, vr: .DS, strings: values.map { DataSet.formatDS($0) }); return
        default: throw DICOMError(.invalidValue, "\(vr) does not hold floating-point numbers", tag: tag)
        }
        set(DataElement(tag: tag, vr: vr, bytes: out))
    }

    /// A decimal string of at most 16 characters (PS3.5 Table 6.2-1, DS).
    static func formatDS(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int(v)) }
        var s = String(v)
        if s.count > 16 {
            for digits in stride(from: 15, through: 1, by: -1) {
                let scaled = (v * pow10(digits)).rounded() / pow10(digits)
                s = String(scaled)
                if s.count <= 16 { break }
            }
        }
        return s
    }

    static func pow10(_ n: Int) -> Double { (0..<n).reduce(1.0) { r, _ in r * 10 } }

    /// Sets attribute tags (AT).
    public mutating func set(_ tag: Tag, tags values: [Tag]) {
        var out: [UInt8] = []
        for t in values {
            withUnsafeBytes(of: t.group.littleEndian) { out.append(contentsOf: $0) }
            withUnsafeBytes(of: t.element.littleEndian) { out.append(contentsOf: $0) }
        }
        set(DataElement(tag: tag, vr: .AT, bytes: out))
    }

    /// Sets a sequence.
    public mutating func set(_ tag: Tag, items: [Item]) {
        set(DataElement(tag: tag, vr: .SQ, value: .sequence(items), hasUndefinedLength: false))
    }

    /// Sets raw bytes for a binary VR.
    public mutating func set(_ tag: Tag, vr: VR, bytes: [UInt8]) {
        set(DataElement(tag: tag, vr: vr, bytes: bytes))
    }
}
