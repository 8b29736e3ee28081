// HL7 v2.8 §2.14.9.18 MSH-18 Character Set, HL7 Table 0211 Alternate character sets;
// ISO/IEC 8859-1 and 8859-15 in pure Swift, UTF-8 via the standard library, the rest via iconv(3).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A character set named in MSH-18 (HL7 table 0211), able to decode message bytes into text and
/// encode text into message bytes.
public struct HL7CharacterSet: Hashable, Sendable, CustomStringConvertible {
    /// How the bytes are converted.
    public enum Kind: Hashable, Sendable {
        /// 7-bit ASCII (the default when MSH-18 is empty). Decoding is lenient: non-ASCII bytes are
        /// read as UTF-8 when they form valid UTF-8, else as ISO 8859-1.
        case ascii
        /// ISO 8859-1 (Latin-1), byte = code point.
        case latin1
        /// ISO 8859-15 (Latin-9): Latin-1 with eight code points replaced (€, Š, š, Ž, ž, Œ, œ, Ÿ).
        case latin9
        /// UTF-8 (`UNICODE UTF-8`).
        case utf8
        /// Any other set, converted with iconv(3) under the given iconv name.
        case iconv(String)
    }

    /// The MSH-18 value this set was read from (e.g. `8859/1`).
    public let name: String
    /// The conversion used.
    public let kind: Kind

    /// The default character set when MSH-18 is empty.
    public static let ascii = HL7CharacterSet(name: "ASCII", kind: .ascii)
    /// `UNICODE UTF-8`.
    public static let utf8 = HL7CharacterSet(name: "UNICODE UTF-8", kind: .utf8)
    /// `8859/1`.
    public static let latin1 = HL7CharacterSet(name: "8859/1", kind: .latin1)

    public var description: String { name }

    private init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }

    /// Reads an MSH-18 value (first repetition). Returns nil for a name outside table 0211 and the
    /// usual non-standard spellings (`UTF-8`, `ISO-8859-1`, `ISO IR100`, `ISO IR192`…).
    public init?(msh18 raw: String) {
        let v = raw.uppercased().trimmingSpaces
        func iconvName(_ n: String) -> HL7CharacterSet { HL7CharacterSet(name: raw, kind: .iconv(n)) }
        switch v {
        case "", "ASCII", "ISO IR6", "ISO_IR 6", "US-ASCII": self.init(name: raw.isEmpty ? "ASCII" : raw, kind: .ascii)
        case "8859/1", "ISO IR100", "ISO_IR 100", "ISO-8859-1", "LATIN1": self.init(name: raw, kind: .latin1)
        case "8859/15", "ISO-8859-15", "ISO IR203", "ISO_IR 203": self.init(name: raw, kind: .latin9)
        case "UNICODE UTF-8", "UTF-8", "UTF8", "ISO IR192", "ISO_IR 192": self.init(name: raw, kind: .utf8)
        case "8859/2", "ISO IR101": self = iconvName("ISO-8859-2")
        case "8859/3", "ISO IR109": self = iconvName("ISO-8859-3")
        case "8859/4", "ISO IR110": self = iconvName("ISO-8859-4")
        case "8859/5", "ISO IR144": self = iconvName("ISO-8859-5")
        case "8859/6", "ISO IR127": self = iconvName("ISO-8859-6")
        case "8859/7", "ISO IR126": self = iconvName("ISO-8859-7")
        case "8859/8", "ISO IR138": self = iconvName("ISO-8859-8")
        case "8859/9", "ISO IR148": self = iconvName("ISO-8859-9")
        case "ISO IR14": self = iconvName("JIS_X0201")
        case "ISO IR87": self = iconvName("ISO-2022-JP")
        case "ISO IR159": self = iconvName("ISO-2022-JP-2")
        case "GB 18030-2000", "GB18030": self = iconvName("GB18030")
        case "KS X 1001": self = iconvName("EUC-KR")
        case "CNS 11643-1992": self = iconvName("EUC-TW")
        case "BIG-5", "BIG5": self = iconvName("BIG5")
        default: return nil
        }
    }

    /// Whether the set is read through ISO 2022 escape sequences (JIS X 0208 / 0212).
    public var isISO2022: Bool {
        if case .iconv(let n) = kind { return n.hasPrefix("ISO-2022") }
        return false
    }

    /// Whether `b` spells `name` exactly.
    @inline(__always) static func matches(_ b: UnsafeBufferPointer<UInt8>, _ name: StaticString) -> Bool {
        guard b.count == name.utf8CodeUnitCount else { return false }
        let n = name.utf8Start
        for i in 0 ..< b.count where b[i] != n[i] { return false }
        return true
    }

    // MARK: Decoding

    /// Decodes bytes of this character set into a string. Bytes that cannot be decoded become U+FFFD.
    public func decode(_ bytes: some Collection<UInt8>) -> String {
        switch kind {
        case .utf8:
            return String(decoding: bytes, as: UTF8.self)
        case .ascii:
            if bytes.allSatisfy({ $0 < 0x80 }) || isValidUTF8(bytes) { return String(decoding: bytes, as: UTF8.self) }
            return latin1String(bytes)
        case .latin1:
            return latin1String(bytes)
        case .latin9:
            var s = String.UnicodeScalarView()
            for b in bytes { s.append(Unicode.Scalar(HL7CharacterSet.latin9Scalar(b))!) }
            return String(s)
        case .iconv(let n):
            if let s = try? HL7CharacterSet.iconvConvert(Array(bytes), from: n, to: "UTF-8") {
                return String(decoding: s, as: UTF8.self)
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    private func latin1String(_ bytes: some Collection<UInt8>) -> String {
        if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(Unicode.Scalar(b)) }
        return String(s)
    }

    private func isValidUTF8(_ bytes: some Collection<UInt8>) -> Bool {
        var it = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&it) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    static func latin9Scalar(_ b: UInt8) -> UInt32 {
        switch b {
        case 0xA4: return 0x20AC
        case 0xA6: return 0x0160
        case 0xA8: return 0x0161
        case 0xB4: return 0x017D
        case 0xB8: return 0x017E
        case 0xBC: return 0x0152
        case 0xBD: return 0x0153
        case 0xBE: return 0x0178
        default: return UInt32(b)
        }
    }

    // MARK: Encoding

    /// Encodes a string into bytes of this character set.
    /// - Throws: ``HL7Error/Code/invalidCharacterData`` when a character has no representation.
    public func encode(_ text: String) throws(HL7Error) -> [UInt8] {
        switch kind {
        case .utf8:
            return Array(text.utf8)
        case .ascii:
            // Lenient like decoding: non-ASCII text is written as UTF-8.
            return Array(text.utf8)
        case .latin1, .latin9:
            var out: [UInt8] = []
            out.reserveCapacity(text.utf8.count)
            for s in text.unicodeScalars {
                if let b = latin1Or9Byte(s.value) { out.append(b) } else {
                    throw HL7Error(.invalidCharacterData, "U+\(String(s.value, radix: 16, uppercase: true)) cannot be written in \(name)")
                }
            }
            return out
        case .iconv(let n):
            return try HL7CharacterSet.iconvConvert(Array(text.utf8), from: "UTF-8", to: n)
        }
    }

    private func latin1Or9Byte(_ v: UInt32) -> UInt8? {
        if kind == .latin9 {
            for b: UInt8 in [0xA4, 0xA6, 0xA8, 0xB4, 0xB8, 0xBC, 0xBD, 0xBE] {
                if HL7CharacterSet.latin9Scalar(b) == v { return b }
                if UInt32(b) == v { return nil }
            }
        }
        return v < 0x100 ? UInt8(v) : nil
    }

    // MARK: iconv

    /// Converts bytes between two iconv encodings.
    static func iconvConvert(_ input: [UInt8], from: String, to: String) throws(HL7Error) -> [UInt8] {
        #if canImport(Glibc) || canImport(Darwin)
        let cd = iconv_open(to, from)
        guard let cd, Int(bitPattern: cd) != -1 else {
            throw HL7Error(.unsupportedCharacterSet, "iconv does not support \(from) → \(to)")
        }
        defer { iconv_close(cd) }
        if input.isEmpty { return [] }
        var output = [UInt8](repeating: 0, count: input.count * 4 + 16)
        var failed = false
        let produced: Int = input.withUnsafeBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(mutating: inBuf.baseAddress!).assumingMemoryBound(to: CChar.self)
                var inLeft = inBuf.count
                var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBuf.baseAddress!).assumingMemoryBound(to: CChar.self)
                var outLeft = outBuf.count
                let r = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                if r == -1 || inLeft != 0 { failed = true }
                if !failed {
                    // Flush any shift state (ISO 2022).
                    _ = iconv(cd, nil, nil, &outPtr, &outLeft)
                }
                return outBuf.count - outLeft
            }
        }
        guard !failed else {
            throw HL7Error(.invalidCharacterData, "bytes cannot be converted from \(from) to \(to)")
        }
        output.removeSubrange(produced...)
        return output
        #else
        throw HL7Error(.unsupportedCharacterSet, "iconv is not available on this platform")
        #endif
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
