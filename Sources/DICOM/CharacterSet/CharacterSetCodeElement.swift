// PS3.3 C.12.1.1.2, Tables C.12-3 and C.12-4: the graphic character sets ("code elements")
// DICOM uses, the area they are designated to and the ISO 2022 escape sequence that does it.
//
//   Code element            ISO-IR  Area  ESC sequence       Bytes  Converted with
//   ISO 646 (ASCII)            6    G0    ESC 02/08 04/02    1      (native)        ESC ( B
//   JIS X 0201 Romaji         14    G0    ESC 02/08 04/10    1      (native)        ESC ( J
//   JIS X 0201 Katakana       13    G1    ESC 02/09 04/09    1      (native)        ESC ) I
//   Latin alphabet No. 1     100    G1    ESC 02/13 04/01    1      ISO-8859-1      ESC - A
//   Latin alphabet No. 2     101    G1    ESC 02/13 04/02    1      ISO-8859-2      ESC - B
//   Latin alphabet No. 3     109    G1    ESC 02/13 04/03    1      ISO-8859-3      ESC - C
//   Latin alphabet No. 4     110    G1    ESC 02/13 04/04    1      ISO-8859-4      ESC - D
//   Greek                    126    G1    ESC 02/13 04/06    1      ISO-8859-7      ESC - F
//   Arabic                   127    G1    ESC 02/13 04/07    1      ISO-8859-6      ESC - G
//   Hebrew                   138    G1    ESC 02/13 04/08    1      ISO-8859-8      ESC - H
//   Cyrillic                 144    G1    ESC 02/13 04/12    1      ISO-8859-5      ESC - L
//   Latin alphabet No. 5     148    G1    ESC 02/13 04/13    1      ISO-8859-9      ESC - M
//   Thai (TIS 620-2533)      166    G1    ESC 02/13 05/04    1      TIS-620         ESC - T
//   Latin alphabet No. 9     203    G1    ESC 02/13 06/02    1      ISO-8859-15     ESC - b
//   JIS X 0208 (Kanji)        87    G0    ESC 02/04 04/02    2      EUC-JP          ESC $ B
//   JIS X 0212 (Supp. Kanji) 159    G0    ESC 02/04 02/08 04/04  2  EUC-JP (SS3)    ESC $ ( D
//   KS X 1001 (Hangul/Hanja) 149    G1    ESC 02/04 02/09 04/03  2  EUC-KR          ESC $ ) C
//   GB 2312                   58    G1    ESC 02/04 02/09 04/01  2  GB2312 (EUC-CN) ESC $ ) A
//
// PS3.5 §6.1.2.3 note 3 and Annex H: ISO-IR 14 is ASCII except that 05/12 is YEN SIGN and
// 07/14 is OVERLINE.

/// A graphic character set that can be designated to G0 or G1 (PS3.3 Tables C.12-3 and C.12-4).
enum CharacterSetCodeElement: Sendable, Hashable, CaseIterable {
    case isoIR6, isoIR14, isoIR13
    case isoIR100, isoIR101, isoIR109, isoIR110, isoIR126, isoIR127, isoIR138, isoIR144, isoIR148, isoIR166, isoIR203
    case isoIR87, isoIR159, isoIR149, isoIR58

    /// The code area the set is designated to.
    enum Area: Sendable { case g0, g1 }

    var area: Area {
        switch self {
        case .isoIR6, .isoIR14, .isoIR87, .isoIR159: return .g0
        default: return .g1
        }
    }

    /// Bytes per character: 1 or 2.
    var width: Int {
        switch self {
        case .isoIR87, .isoIR159, .isoIR149, .isoIR58: return 2
        default: return 1
        }
    }

    /// The ISO 2022 escape sequence designating this set (ESC included).
    var escapeSequence: [UInt8] {
        switch self {
        case .isoIR6: return [0x1B, 0x28, 0x42]
        case .isoIR14: return [0x1B, 0x28, 0x4A]
        case .isoIR13: return [0x1B, 0x29, 0x49]
        case .isoIR100: return [0x1B, 0x2D, 0x41]
        case .isoIR101: return [0x1B, 0x2D, 0x42]
        case .isoIR109: return [0x1B, 0x2D, 0x43]
        case .isoIR110: return [0x1B, 0x2D, 0x44]
        case .isoIR126: return [0x1B, 0x2D, 0x46]
        case .isoIR127: return [0x1B, 0x2D, 0x47]
        case .isoIR138: return [0x1B, 0x2D, 0x48]
        case .isoIR144: return [0x1B, 0x2D, 0x4C]
        case .isoIR148: return [0x1B, 0x2D, 0x4D]
        case .isoIR166: return [0x1B, 0x2D, 0x54]
        case .isoIR203: return [0x1B, 0x2D, 0x62]
        case .isoIR87: return [0x1B, 0x24, 0x42]
        case .isoIR159: return [0x1B, 0x24, 0x28, 0x44]
        case .isoIR149: return [0x1B, 0x24, 0x29, 0x43]
        case .isoIR58: return [0x1B, 0x24, 0x29, 0x41]
        }
    }

    /// The set a complete escape sequence designates, if it is one of DICOM's.
    static func designated(by sequence: ArraySlice<UInt8>) -> CharacterSetCodeElement? {
        allCases.first { $0.escapeSequence.elementsEqual(sequence) }
    }

    /// The iconv name of the 8-bit code whose upper half is this G1 set (single-byte sets), or
    /// of the EUC code that carries this multi-byte set.
    var iconvName: String? {
        switch self {
        case .isoIR6, .isoIR14, .isoIR13: return nil
        case .isoIR100: return "ISO-8859-1"
        case .isoIR101: return "ISO-8859-2"
        case .isoIR109: return "ISO-8859-3"
        case .isoIR110: return "ISO-8859-4"
        case .isoIR126: return "ISO-8859-7"
        case .isoIR127: return "ISO-8859-6"
        case .isoIR138: return "ISO-8859-8"
        case .isoIR144: return "ISO-8859-5"
        case .isoIR148: return "ISO-8859-9"
        case .isoIR166: return "TIS-620"
        case .isoIR203: return "ISO-8859-15"
        case .isoIR87, .isoIR159: return "EUC-JP"
        case .isoIR149: return "EUC-KR"
        case .isoIR58: return "GB2312"
        }
    }

    /// A short name for messages.
    var name: String {
        switch self {
        case .isoIR6: return "ISO-IR 6 (ASCII)"
        case .isoIR14: return "ISO-IR 14 (JIS X 0201 Romaji)"
        case .isoIR13: return "ISO-IR 13 (JIS X 0201 Katakana)"
        case .isoIR100: return "ISO-IR 100 (Latin-1)"
        case .isoIR101: return "ISO-IR 101 (Latin-2)"
        case .isoIR109: return "ISO-IR 109 (Latin-3)"
        case .isoIR110: return "ISO-IR 110 (Latin-4)"
        case .isoIR126: return "ISO-IR 126 (Greek)"
        case .isoIR127: return "ISO-IR 127 (Arabic)"
        case .isoIR138: return "ISO-IR 138 (Hebrew)"
        case .isoIR144: return "ISO-IR 144 (Cyrillic)"
        case .isoIR148: return "ISO-IR 148 (Latin-5)"
        case .isoIR166: return "ISO-IR 166 (Thai)"
        case .isoIR203: return "ISO-IR 203 (Latin-9)"
        case .isoIR87: return "ISO-IR 87 (JIS X 0208)"
        case .isoIR159: return "ISO-IR 159 (JIS X 0212)"
        case .isoIR149: return "ISO-IR 149 (KS X 1001)"
        case .isoIR58: return "ISO-IR 58 (GB 2312)"
        }
    }
}

// MARK: - Decoding and encoding of single characters

extension CharacterSetCodeElement {
    static let yenSign: Unicode.Scalar = "\u{00A5}"
    static let overline: Unicode.Scalar = "\u{203E}"

    /// Decodes one byte of a native single-byte set (ISO-IR 6, 14, 13); `nil` if the byte is
    /// not a character of the set. `backslashIsDelimiter`: for ISO-IR 14, 05/12 is the value
    /// delimiter "\" rather than YEN SIGN (PS3.5 §6.1.2.3, §6.1.2.5.3).
    func decodeNative(_ byte: UInt8, backslashIsDelimiter: Bool) -> Unicode.Scalar? {
        switch self {
        case .isoIR6:
            return byte < 0x80 ? Unicode.Scalar(byte) : nil
        case .isoIR14:
            guard byte < 0x80 else { return nil }
            if byte == 0x5C { return backslashIsDelimiter ? "\\" : CharacterSetCodeElement.yenSign }
            if byte == 0x7E { return CharacterSetCodeElement.overline }
            return Unicode.Scalar(byte)
        case .isoIR13:
            // JIS X 0201 katakana 0xA1...0xDF are the half-width forms U+FF61...U+FF9F.
            guard (0xA1...0xDF).contains(byte) else { return nil }
            return Unicode.Scalar(0xFF61 + UInt32(byte - 0xA1))
        default:
            return nil
        }
    }

    /// Encodes one character in this set: the bytes as they appear in the value (GL bytes for
    /// G0 sets, GR bytes for G1 sets), or `nil` if the set has no such character.
    func encode(_ scalar: Unicode.Scalar, backslashIsDelimiter: Bool, session: IconvSession) -> [UInt8]? {
        let v = scalar.value
        switch self {
        case .isoIR6:
            return v < 0x80 ? [UInt8(v)] : nil
        case .isoIR14:
            if scalar == CharacterSetCodeElement.yenSign { return backslashIsDelimiter ? nil : [0x5C] }
            if scalar == CharacterSetCodeElement.overline { return [0x7E] }
            if v == 0x5C || v == 0x7E || v >= 0x80 { return nil }
            return [UInt8(v)]
        case .isoIR13:
            guard (0xFF61...0xFF9F).contains(v) else { return nil }
            return [UInt8(v - 0xFF61 + 0xA1)]
        case .isoIR100, .isoIR101, .isoIR109, .isoIR110, .isoIR126, .isoIR127, .isoIR138,
             .isoIR144, .isoIR148, .isoIR166, .isoIR203:
            guard v >= 0x80, let name = iconvName,
                  let bytes = session.encode(String(Character(scalar)), to: name),
                  bytes.count == 1, bytes[0] >= 0x80
            else { return nil }
            return bytes
        case .isoIR87:
            guard v >= 0x80, let bytes = session.encode(String(Character(scalar)), to: "EUC-JP"),
                  bytes.count == 2, bytes.allSatisfy({ (0xA1...0xFE).contains($0) })
            else { return nil }
            return bytes.map { $0 & 0x7F }
        case .isoIR159:
            guard v >= 0x80, let bytes = session.encode(String(Character(scalar)), to: "EUC-JP"),
                  bytes.count == 3, bytes[0] == 0x8F, bytes.dropFirst().allSatisfy({ (0xA1...0xFE).contains($0) })
            else { return nil }
            return bytes.dropFirst().map { $0 & 0x7F }
        case .isoIR149, .isoIR58:
            guard v >= 0x80, let name = iconvName, let bytes = session.encode(String(Character(scalar)), to: name),
                  bytes.count == 2, bytes.allSatisfy({ (0xA1...0xFE).contains($0) })
            else { return nil }
            return bytes
        }
    }
}
