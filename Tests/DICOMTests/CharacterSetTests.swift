// Specific Character Set (0008,0005): the examples of PS3.5 Annexes H (Japanese), I (Korean),
// J (Unicode UTF-8, GB18030) and K (GB2312), byte for byte as the standard prints them.
//
// Other files of this suite: CharacterSetTests+Pydicom.swift (pydicom's charset test files),
// CharacterSetTests+RoundTrip.swift (a non-ASCII name in every listed set),
// CharacterSetTests+Robustness.swift (bad input, unknown terms, parsing of the value).

import Testing
@testable import DICOM

/// Bytes from a string of hex pairs ("1b 24 42"), spaces ignored.
func charsetHex(_ hex: String) -> [UInt8] {
    let digits = hex.unicodeScalars.filter { !$0.properties.isWhitespace }
    var out: [UInt8] = []
    var iterator = digits.makeIterator()
    while let high = iterator.next(), let low = iterator.next() {
        out.append(UInt8(String([Character(high), Character(low)]), radix: 16)!)
    }
    return out
}

/// Bytes from ASCII text followed by more bytes.
func charsetASCII(_ text: String) -> [UInt8] { Array(text.utf8) }

@Suite struct CharacterSetTests {
    // MARK: Annex H — Japanese

    /// PS3.5 Example H.3-1: value 1 empty (ISO-IR 6), value 2 ISO 2022 IR 87.
    static let h31 = charsetASCII("Yamada^Tarou=")
        + charsetHex("1b2442 3b33 4544 1b2842") + charsetASCII("^")
        + charsetHex("1b2442 4240 4f3a 1b2842") + charsetASCII("=")
        + charsetHex("1b2442 2464 245e 2440 1b2842") + charsetASCII("^")
        + charsetHex("1b2442 243f 246d 2426 1b2842")

    @Test func annexH31JapaneseKanjiAndHiragana() throws {
        let cs = SpecificCharacterSet("\\ISO 2022 IR 87")
        #expect(cs.unknownTerms.isEmpty)
        #expect(cs.decode(Self.h31, vr: .PN) == "Yamada^Tarou=山田^太郎=やまだ^たろう")
        #expect(try cs.encode("Yamada^Tarou=山田^太郎=やまだ^たろう", vr: .PN) == Self.h31)
    }

    /// PS3.5 Example H.3-2: value 1 ISO 2022 IR 13 (JIS X 0201 in G0 and G1), value 2 ISO 2022 IR 87.
    /// 13/04 12/15 12/00 13/14 05/14 12/00 13/11 11/03 03/13 01/11 02/04 04/02 03/11 03/03 …
    static let h32 = charsetHex("d4 cf c0 de") + charsetASCII("^") + charsetHex("c0 db b3") + charsetASCII("=")
        + charsetHex("1b2442 3b33 4544 1b284a") + charsetASCII("^")
        + charsetHex("1b2442 4240 4f3a 1b284a") + charsetASCII("=")
        + charsetHex("1b2442 2464 245e 2440 1b284a") + charsetASCII("^")
        + charsetHex("1b2442 243f 246d 2426 1b284a")

    @Test func annexH32HalfWidthKatakanaFirst() throws {
        let cs = SpecificCharacterSet("ISO 2022 IR 13\\ISO 2022 IR 87")
        #expect(cs.decode(Self.h32, vr: .PN) == "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう")
        #expect(try cs.encode("ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう", vr: .PN) == Self.h32)
    }

    /// The "^" (05/14) inside "やまだ" (24 64 24 5E 24 40) is the second byte of a JIS X 0208
    /// character, not a component delimiter.
    @Test func delimiterByteInsideTwoByteCharacterIsNotADelimiter() {
        let cs = SpecificCharacterSet("\\ISO 2022 IR 87")
        #expect(cs.decode(charsetHex("1b2442 2464 245e 2440 1b2842"), vr: .PN) == "やまだ")
    }

    // MARK: Annex I — Korean

    /// PS3.5 Example I.2-1: Hong^Gildong=洪^吉洞=홍^길동 with "\ISO 2022 IR 149"; the escape
    /// sequence is repeated in each component because G1 is undesignated after a delimiter.
    static let i2 = charsetASCII("Hong^Gildong=")
        + charsetHex("1b242943 fbf3") + charsetASCII("^")
        + charsetHex("1b242943 d1ce d4d7") + charsetASCII("=")
        + charsetHex("1b242943 c8ab") + charsetASCII("^")
        + charsetHex("1b242943 b1e6 b5bf")

    @Test func annexI2Korean() throws {
        let cs = SpecificCharacterSet("\\ISO 2022 IR 149")
        #expect(cs.decode(Self.i2, vr: .PN) == "Hong^Gildong=洪^吉洞=홍^길동")
        #expect(try cs.encode("Hong^Gildong=洪^吉洞=홍^길동", vr: .PN) == Self.i2)
    }

    // MARK: Annex J — Unicode (UTF-8) and GB18030

    static let j1 = charsetASCII("Wang^XiaoDong=") + charsetHex("e78e8b") + charsetASCII("^") + charsetHex("e5b08f e69db1") + charsetASCII("=")

    @Test func annexJ1UTF8PersonName() throws {
        let cs = SpecificCharacterSet("ISO_IR 192")
        #expect(cs.decode(Self.j1, vr: .PN) == "Wang^XiaoDong=王^小東=")
        #expect(try cs.encode("Wang^XiaoDong=王^小東=", vr: .PN) == Self.j1)
    }

    static let threeLines = "The first line includes 中文.\r\nThe second line includes 中文, too.\r\nThe third line.\r\n"

    static func threeLinesBytes(chinese: [UInt8]) -> [UInt8] {
        charsetASCII("The first line includes ") + chinese + charsetASCII(".\r\nThe second line includes ")
            + chinese + charsetASCII(", too.\r\nThe third line.\r\n")
    }

    /// PS3.5 Example J.2-1: LT in UTF-8; 中 = e4 b8 ad, 文 = e6 96 87.
    @Test func annexJ2UTF8LongText() throws {
        let cs = SpecificCharacterSet("ISO_IR 192")
        let bytes = Self.threeLinesBytes(chinese: charsetHex("e4b8ad e69687"))
        #expect(cs.decode(bytes, vr: .LT) == Self.threeLines)
        #expect(try cs.encode(Self.threeLines, vr: .LT) == bytes)
    }

    /// PS3.5 Example J.3-1: PN in GB18030; 王 = CDF5, 小 = D0A1, 东 = B6AB.
    static let j3 = charsetASCII("Wang^XiaoDong=") + charsetHex("cdf5") + charsetASCII("^") + charsetHex("d0a1 b6ab") + charsetASCII("=")

    @Test func annexJ3GB18030PersonName() throws {
        let cs = SpecificCharacterSet("GB18030")
        #expect(cs.decode(Self.j3, vr: .PN) == "Wang^XiaoDong=王^小东=")
        #expect(try cs.encode("Wang^XiaoDong=王^小东=", vr: .PN) == Self.j3)
    }

    /// PS3.5 Example J.4-1: LT in GB18030; 中 = D6D0, 文 = CEC4.
    @Test func annexJ4GB18030LongText() throws {
        let cs = SpecificCharacterSet("GB18030")
        let bytes = Self.threeLinesBytes(chinese: charsetHex("d6d0 cec4"))
        #expect(cs.decode(bytes, vr: .LT) == Self.threeLines)
        #expect(try cs.encode(Self.threeLines, vr: .LT) == bytes)
    }

    // MARK: Annex K — GB2312 with code extensions

    /// PS3.5 Example K.2-1: Zhang^XiaoDong=张^小东= with "\ISO 2022 IR 58" (value padded with SPACE).
    static let k2 = charsetASCII("Zhang^XiaoDong=")
        + charsetHex("1b242941 d5c5") + charsetASCII("^")
        + charsetHex("1b242941 d0a1 b6ab") + charsetASCII("=")

    @Test func annexK2GB2312PersonName() throws {
        let cs = SpecificCharacterSet("\\ISO 2022 IR 58")
        #expect(cs.decode(Self.k2 + [0x20], vr: .PN) == "Zhang^XiaoDong=张^小东= ")
        #expect(try cs.encode("Zhang^XiaoDong=张^小东=", vr: .PN) == Self.k2)
    }

    /// PS3.5 Example K.3-1: LT with GB2312 lines "1.第一行文字。" etc. The standard's bytes return
    /// to ASCII with ESC ( B before each CR LF although G0 never left ASCII (only G1 changed).
    /// We read that exactly; we write without the redundant ESC ( B, as Example K.2-1's note
    /// allows ("There does not need to be an explicit escape to invoke ISO 646 into G0").
    @Test func annexK3GB2312LongText() throws {
        let cs = SpecificCharacterSet("\\ISO 2022 IR 58")
        func line(_ number: String, _ second: String) -> (withReturn: [UInt8], without: [UInt8]) {
            let chinese = charsetHex("1b242941 b5da") + charsetHex(second) + charsetHex("d0d0 cec4 d7d6 a1a3")
            return (charsetASCII(number + ".") + chinese + charsetHex("1b2842 0d0a"), charsetASCII(number + ".") + chinese + charsetHex("0d0a"))
        }
        let lines = [line("1", "d2bb"), line("2", "b6fe"), line("3", "c8fd")]
        let standard = lines.flatMap(\.withReturn) + [0x20]
        let text = "1.第一行文字。\r\n2.第二行文字。\r\n3.第三行文字。\r\n"
        #expect(cs.decode(standard, vr: .LT) == text + " ")
        let written = try cs.encode(text, vr: .LT)
        #expect(written == lines.flatMap(\.without))
        #expect(cs.decode(written, vr: .LT) == text)
    }
}
