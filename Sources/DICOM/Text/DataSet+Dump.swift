// A readable dump of a data set, one element a line, nested items indented (in the manner
// of DCMTK's dcmdump): tag, VR, length, keyword, value.

extension DataSet {
    /// A readable listing: `(0010,0010) PN [12] PatientName  Doe^Jane`.
    /// Long values are cut at `maxValueLength` characters.
    public func dump(indent: Int = 0, maxValueLength: Int = 64) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(elements.count * 64)
        dump(into: &out, indent: indent, maxValueLength: maxValueLength)
        return String(decoding: out, as: UTF8.self)
    }

    /// The listing is built as UTF-8 bytes: tags, VRs, lengths and plain ASCII values are
    /// written directly; other values go through `displayValue` (character set decoding).
    func dump(into out: inout [UInt8], indent: Int, maxValueLength: Int) {
        for e in elements {
            for _ in 0..<indent { out.append(0x20); out.append(0x20) }
            DumpText.tag(e.tag, into: &out)
            out.append(0x20)
            out.append(contentsOf: e.vr.rawValue.utf8)
            out.append(contentsOf: " [".utf8)
            switch e.value {
            case .sequence(let items):
                if e.hasUndefinedLength {
                    out.append(contentsOf: "u/l".utf8)
                } else {
                    DumpText.decimal(DataSetWriter(explicit: true, bigEndian: false).itemsLength(items), into: &out)
                }
                out.append(contentsOf: "] ".utf8)
                DumpText.keyword(e.tag, into: &out)
                out.append(contentsOf: "  (".utf8)
                DumpText.decimal(items.count, into: &out)
                out.append(contentsOf: (items.count == 1 ? " item)\n" : " items)\n").utf8)
                for (n, item) in items.enumerated() {
                    for _ in 0..<indent { out.append(0x20); out.append(0x20) }
                    out.append(contentsOf: "  > item ".utf8)
                    DumpText.decimal(n + 1, into: &out)
                    if item.hasUndefinedLength { out.append(contentsOf: " (u/l)".utf8) }
                    out.append(0x0A)
                    item.dataSet.dump(into: &out, indent: indent + 2, maxValueLength: maxValueLength)
                }
            case .fragments(let fragments):
                out.append(contentsOf: "u/l] ".utf8)
                DumpText.keyword(e.tag, into: &out)
                out.append(contentsOf: "  (encapsulated: offset table ".utf8)
                DumpText.decimal(fragments.first?.length ?? 0, into: &out)
                out.append(contentsOf: " bytes, ".utf8)
                DumpText.decimal(Swift.max(0, fragments.count - 1), into: &out)
                out.append(contentsOf: " fragments)\n".utf8)
            case .bulk(let ref):
                DumpText.decimal(ref.length, into: &out)
                out.append(contentsOf: "] ".utf8)
                DumpText.keyword(e.tag, into: &out)
                out.append(contentsOf: "  (bulk data at byte ".utf8)
                DumpText.decimal(ref.offset, into: &out)
                out.append(contentsOf: ")\n".utf8)
            case .bytes(let b):
                DumpText.decimal(b.count, into: &out)
                out.append(contentsOf: "] ".utf8)
                DumpText.keyword(e.tag, into: &out)
                out.append(0x20)
                out.append(0x20)
                if !DumpText.fastValue(e.vr, b, characterSet: characterSet, maxLength: maxValueLength, into: &out) {
                    out.append(contentsOf: displayValue(e, maxLength: maxValueLength).utf8)
                }
                out.append(0x0A)
            }
        }
    }

    func displayValue(_ e: DataElement, maxLength: Int) -> String {
        var text: String
        guard case .bytes(let b) = e.value else { return "" }
        switch e.vr {
        case _ where e.vr.isString, .AT, .US, .SS, .UL, .SL, .SV, .UV, .FL, .FD:
            text = e.strings(characterSet: characterSet).joined(separator: "\\")
        default:
            text = b.prefix(maxLength / 3 + 1).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
        }
        if text.count > maxLength { text = String(text.prefix(maxLength)) + "…" }
        return text
    }
}

/// Byte-level pieces of the dump. Each writes exactly what the `String` formatting of
/// `DataSet.displayValue` and `Tag.description` would, for the cases it accepts.
enum DumpText {
    static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)
    static let lowerHexDigits: [UInt8] = Array("0123456789abcdef".utf8)
    static let ellipsis: [UInt8] = Array("…".utf8)

    /// `(gggg,eeee)`, upper-case.
    static func tag(_ t: Tag, into out: inout [UInt8]) {
        out.append(0x28)
        hex4(t.group, into: &out)
        out.append(0x2C)
        hex4(t.element, into: &out)
        out.append(0x29)
    }

    @inline(__always)
    static func hex4(_ v: UInt16, into out: inout [UInt8]) {
        hexDigits.withUnsafeBufferPointer { d in
            out.append(d[Int(v >> 12)])
            out.append(d[Int((v >> 8) & 0xF)])
            out.append(d[Int((v >> 4) & 0xF)])
            out.append(d[Int(v & 0xF)])
        }
    }

    static func decimal(_ v: Int, into out: inout [UInt8]) {
        if v < 0 {
            out.append(0x2D)
            if v == Int.min { out.append(contentsOf: String(v).utf8.dropFirst()); return }
            decimal(-v, into: &out)
            return
        }
        if v < 10 { out.append(0x30 + UInt8(v)); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        var x = v
        withUnsafeMutableBytes(of: &digits) { d in
            while x > 0 { d[n] = 0x30 + UInt8(x % 10); x /= 10; n += 1 }
            while n > 0 { n -= 1; out.append(d[n]) }
        }
    }

    /// The keyword as the dump prints it: the dictionary's, `PrivateCreator`, or `?`.
    static func keyword(_ tag: Tag, into out: inout [UInt8]) {
        let keyword: String
        switch DataDictionary.resolve(tag) {
        case .exact(let index), .repeating(let index): keyword = DataDictionary.Table.shared.entries[index].keyword
        case .groupLength: keyword = "GroupLength"
        case .privateCreator: keyword = "PrivateCreator"
        case .unknown: keyword = tag.isPrivateCreator ? "PrivateCreator" : ""
        }
        if keyword.isEmpty { out.append(0x3F) } else { out.append(contentsOf: keyword.utf8) }
    }

    /// Writes the value of `.bytes` element for the common cases — text that is plain ASCII
    /// (each byte one Character, so no CR, which pairs with LF), binary integers, tags and
    /// other binary VRs — and returns true; returns false to leave the value to `displayValue`.
    static func fastValue(_ vr: VR, _ b: [UInt8], characterSet: SpecificCharacterSet, maxLength: Int,
                          into out: inout [UInt8]) -> Bool {
        let start = out.count
        switch vr {
        case _ where vr.isString:
            if vr.usesSpecificCharacterSet && !characterSet.configuration.readsASCIIAsIs { return false }
            let plain = b.withUnsafeBufferPointer { p in
                var ok = true
                for c in p where c >= 0x80 || c == 0x1B || c == 0x0D { ok = false; break }
                return ok
            }
            guard plain else { return false }
            b.withUnsafeBufferPointer { p in
                if vr.allowsMultipleValues {
                    var first = true
                    var s = 0
                    var i = 0
                    while i <= p.count {
                        if i == p.count || p[i] == 0x5C {
                            if !first { out.append(0x5C) }
                            first = false
                            trimmed(p, s, i, vr: vr, into: &out)
                            s = i + 1
                        }
                        i += 1
                    }
                } else {
                    trimmed(p, 0, p.count, vr: vr, into: &out)
                }
            }
        case .US, .SS, .UL, .SL, .SV, .UV:
            guard let width = vr.binaryWidth else { return false }
            let n = b.count / width
            b.withUnsafeBytes { p in
                for k in 0..<n {
                    if k > 0 { out.append(0x5C) }
                    let at = k * width
                    let v: Int
                    switch vr {
                    case .US: v = Int(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt16.self)))
                    case .SS: v = Int(Int16(littleEndian: p.loadUnaligned(fromByteOffset: at, as: Int16.self)))
                    case .UL: v = Int(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
                    case .SL: v = Int(Int32(littleEndian: p.loadUnaligned(fromByteOffset: at, as: Int32.self)))
                    case .SV: v = Int(Int64(littleEndian: p.loadUnaligned(fromByteOffset: at, as: Int64.self)))
                    default: v = Int(truncatingIfNeeded: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt64.self)))
                    }
                    decimal(v, into: &out)
                }
            }
        case .AT:
            var i = 0
            while i + 4 <= b.count {
                if i > 0 { out.append(0x5C) }
                tag(Tag(UInt16(b[i]) | UInt16(b[i + 1]) << 8, UInt16(b[i + 2]) | UInt16(b[i + 3]) << 8), into: &out)
                i += 4
            }
        case .FL, .FD:
            return false
        default:
            lowerHexDigits.withUnsafeBufferPointer { d in
                for (k, byte) in b.prefix(maxLength / 3 + 1).enumerated() {
                    if k > 0 { out.append(0x20) }
                    out.append(d[Int(byte >> 4)])
                    out.append(d[Int(byte & 0xF)])
                }
            }
        }
        // Everything written is ASCII: one byte per Character.
        if out.count - start > maxLength {
            out.removeLast(out.count - start - Swift.max(maxLength, 0))
            out.append(contentsOf: ellipsis)
        }
        return true
    }

    /// `p[s..<e]` with the padding PS3.5 Table 6.2-1 calls insignificant removed (as
    /// `DataElement.trim`).
    @inline(__always)
    static func trimmed(_ p: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int, vr: VR, into out: inout [UInt8]) {
        var s = s, e = e
        while e > s && (p[e - 1] == 0x20 || p[e - 1] == 0x00) { e -= 1 }
        switch vr {
        case .AE, .CS, .DS, .IS, .DA, .TM, .DT, .AS:
            while s < e && p[s] == 0x20 { s += 1 }
        default: break
        }
        if e > s { out.append(contentsOf: UnsafeBufferPointer(rebasing: p[s..<e])) }
    }
}
