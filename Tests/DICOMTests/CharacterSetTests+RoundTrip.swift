// A non-ASCII person name in every listed character set, with and without code extensions.
// Expected bytes come from Python's codecs (an implementation independent of glibc's iconv),
// e.g. `"Dvořák^Antonín".encode("iso8859_2")`, and escape sequences from PS3.3 Tables
// C.12-3/C.12-4.

import Testing
@testable import DICOM

extension CharacterSetTests {
    struct Sample: Sendable, CustomTestStringConvertible {
        let term: String
        let text: String
        /// The bytes of the G1 characters as an 8-bit code (GL bytes stay ASCII).
        let bytes: String
        /// The final byte of the G1 designation ESC - F for the ISO 2022 variant.
        let final: UInt8?
        var testDescription: String { term }
    }

    static let singleByteSamples: [Sample] = [
        Sample(term: "100", text: "Øresund^Åse", bytes: "d8 72 65 73 75 6e 64 5e c5 73 65", final: 0x41),
        Sample(term: "101", text: "Dvořák^Antonín", bytes: "44 76 6f f8 e1 6b 5e 41 6e 74 6f 6e ed 6e", final: 0x42),
        Sample(term: "109", text: "Ġużeppi^Ħabib", bytes: "d5 75 bf 65 70 70 69 5e a1 61 62 69 62", final: 0x43),
        Sample(term: "110", text: "Ēriks^Ķēniņš", bytes: "aa 72 69 6b 73 5e d3 ba 6e 69 f1 b9", final: 0x44),
        Sample(term: "126", text: "Νίκος^Παπαδόπουλος", bytes: "cd df ea ef f2 5e d0 e1 f0 e1 e4 fc f0 ef f5 eb ef f2", final: 0x46),
        Sample(term: "127", text: "قباني^لنزار", bytes: "e2 c8 c7 e6 ea 5e e4 e6 d2 c7 d1", final: 0x47),
        Sample(term: "138", text: "שרון^דבורה", bytes: "f9 f8 e5 ef 5e e3 e1 e5 f8 e4", final: 0x48),
        Sample(term: "144", text: "Иванов^Пётр", bytes: "b8 d2 d0 dd de d2 5e bf f1 e2 e0", final: 0x4C),
        Sample(term: "148", text: "Şükrü^Ağaoğlu", bytes: "de fc 6b 72 fc 5e 41 f0 61 6f f0 6c 75", final: 0x4D),
        Sample(term: "166", text: "สมชาย^ใจดี", bytes: "ca c1 aa d2 c2 5e e3 a8 b4 d5", final: 0x54),
        Sample(term: "203", text: "Œuvre^Zoë€", bytes: "bc 75 76 72 65 5e 5a 6f eb a4", final: 0x62),
        Sample(term: "13", text: "ﾔﾏﾀﾞ^ﾀﾛｳ", bytes: "d4 cf c0 de 5e c0 db b3", final: nil),
    ]

    @Test(arguments: singleByteSamples)
    func singleByteWithoutCodeExtensions(_ sample: Sample) throws {
        let cs = SpecificCharacterSet("ISO_IR \(sample.term)")
        #expect(cs.unknownTerms.isEmpty && cs.nonStandardTerms.isEmpty)
        let bytes = charsetHex(sample.bytes)
        #expect(try cs.encode(sample.text, vr: .PN) == bytes)
        #expect(cs.decode(bytes, vr: .PN) == sample.text)
        // No escape sequences without code extensions: ESC is just a control character.
        #expect(cs.decode([0x1B, 0x24, 0x42], vr: .LO) == "\u{1B}$B")
    }

    /// Value 1 is the single-byte set: its G1 is designated initially, no escape needed.
    @Test(arguments: singleByteSamples)
    func singleByteAsValue1WithCodeExtensions(_ sample: Sample) throws {
        let cs = SpecificCharacterSet("ISO 2022 IR \(sample.term)")
        let bytes = charsetHex(sample.bytes)
        #expect(try cs.encode(sample.text, vr: .PN) == bytes)
        #expect(cs.decode(bytes, vr: .PN) == sample.text)
    }

    /// Value 1 empty: the G1 set must be designated in each name component that uses it, and
    /// nothing returns at the end because value 1 has no G1 (as Annex I does for Korean).
    @Test(arguments: singleByteSamples.filter { $0.final != nil })
    func singleByteAsCodeExtension(_ sample: Sample) throws {
        let cs = SpecificCharacterSet("\\ISO 2022 IR \(sample.term)")
        let escape: [UInt8] = [0x1B, 0x2D, sample.final!]
        var expected: [UInt8] = []
        var designated = false
        for byte in charsetHex(sample.bytes) {
            if byte == 0x5E { designated = false }
            if byte >= 0x80 && !designated {
                expected += escape
                designated = true
            }
            expected.append(byte)
        }
        #expect(try cs.encode(sample.text, vr: .PN) == expected)
        #expect(cs.decode(expected, vr: .PN) == sample.text)
    }

    /// Two G1 sets in one value: Latin-1 (value 1) and Greek. Value 1's G1 is designated again
    /// before the delimiter and at the end (PS3.5 §6.1.2.5.3).
    @Test func latin1AndGreek() throws {
        let cs = SpecificCharacterSet("ISO 2022 IR 100\\ISO 2022 IR 126")
        let bytes = charsetASCII("J") + [0xE9] + charsetASCII("r") + [0xF4] + charsetASCII("me")
            + [0x1B, 0x2D, 0x46, 0xE1, 0x1B, 0x2D, 0x41] + charsetASCII("^") + [0xC4]
            + [0x1B, 0x2D, 0x46, 0xE9, 0xEF, 0xED, 0x1B, 0x2D, 0x41]
        #expect(try cs.encode("Jérômeα^Äιον", vr: .PN) == bytes)
        #expect(cs.decode(bytes, vr: .PN) == "Jérômeα^Äιον")
        // A reader must reset G1 to value 1's set at "^" even if the writer did not return.
        #expect(cs.decode([0x1B, 0x2D, 0x46, 0xE1, 0x5E, 0xE1], vr: .PN) == "α^á")
    }

    /// Korean and Chinese with value 1 a single-byte set.
    @Test func cyrillicAndKorean() throws {
        let cs = SpecificCharacterSet("ISO 2022 IR 144\\ISO 2022 IR 149")
        // 홍길동 = c8ab b1e6 b5bf in EUC-KR; Пётр = bf f1 e2 e0 in ISO 8859-5.
        let bytes = [0xBF, 0xF1, 0xE2, 0xE0] + charsetASCII("^") + charsetHex("1b242943 c8ab b1e6 b5bf 1b2d4c")
        #expect(try cs.encode("Пётр^홍길동", vr: .PN) == bytes)
        #expect(cs.decode(bytes, vr: .PN) == "Пётр^홍길동")
    }

    /// JIS X 0212 (ISO 2022 IR 159): 丂 = ESC $ ( D 30 21 (Python: "丂".encode("iso2022_jp_2")).
    @Test func jisX0212() throws {
        let cs = SpecificCharacterSet("\\ISO 2022 IR 87\\ISO 2022 IR 159")
        let bytes = charsetASCII("A") + charsetHex("1b242844 3021") + charsetHex("1b2442 3b33 4544 1b2842")
        #expect(try cs.encode("A丂山田", vr: .LO) == bytes)
        #expect(cs.decode(bytes, vr: .LO) == "A丂山田")
        // Without IR 159 among the terms, 丂 cannot be written…
        #expect(throws: DICOMError.self) { try SpecificCharacterSet("\\ISO 2022 IR 87").encode("丂", vr: .LO) }
        // …but is still read (lenient reading of any DICOM designation).
        #expect(SpecificCharacterSet("\\ISO 2022 IR 87").decode(bytes, vr: .LO) == "A丂山田")
    }

    /// JIS X 0208 text in LT with line breaks: back to ASCII before CR LF and at the end;
    /// SPACE is written in ASCII as Python's iso2022_jp does ("山田 太郎").
    @Test func japaneseLongText() throws {
        let cs = SpecificCharacterSet("\\ISO 2022 IR 87")
        let text = "山田 太郎\r\nA\\B"
        let bytes = charsetHex("1b2442 3b33 4544 1b2842 20 1b2442 4240 4f3a 1b2842 0d0a") + charsetASCII("A\\B")
        #expect(try cs.encode(text, vr: .LT) == bytes)
        #expect(cs.decode(bytes, vr: .LT) == text)
    }

    /// Multi-valued LO: each value starts in value 1's sets.
    @Test func multiValuedLongString() throws {
        let cs = SpecificCharacterSet("\\ISO 2022 IR 149")
        let bytes = charsetHex("1b242943 c8ab") + charsetASCII("\\") + charsetHex("1b242943 c8ab")
        #expect(try cs.encode("홍\\홍", vr: .LO) == bytes)
        #expect(cs.decode(bytes, vr: .LO) == "홍\\홍")
    }

    /// UTF-8 takes any Unicode scalar, including those outside the BMP.
    @Test func utf8() throws {
        let cs = SpecificCharacterSet("ISO_IR 192")
        let text = "Müller^Jürgen=王^小東=😀"
        #expect(try cs.encode(text, vr: .PN) == Array(text.utf8))
        #expect(cs.decode(Array(text.utf8), vr: .PN) == text)
    }

    /// GB18030 four-byte codes: 😀 = 94 39 fc 36, € = a2 e3 (Python's gb18030 codec).
    @Test func gb18030FourByteCodes() throws {
        let cs = SpecificCharacterSet("GB18030")
        let bytes = charsetASCII("Wang^XiaoDong=") + charsetHex("cdf5 5e d0a1 b6ab 3d 9439fc36 a2e3")
        #expect(try cs.encode("Wang^XiaoDong=王^小东=😀€", vr: .PN) == bytes)
        #expect(cs.decode(bytes, vr: .PN) == "Wang^XiaoDong=王^小东=😀€")
    }

    /// GBK: 乗 = 81 5C, whose second byte is the backslash. Decoding the whole value keeps it
    /// part of the character (Python: "乗^東".encode("gbk") = 81 5c 5e 96 7c).
    @Test func gbkTrailByteBackslash() throws {
        let cs = SpecificCharacterSet("GBK")
        #expect(try cs.encode("乗^東", vr: .PN) == charsetHex("815c 5e 967c"))
        #expect(cs.decode(charsetHex("815c 5e 967c"), vr: .PN) == "乗^東")
        #expect(cs.decode(charsetHex("815c 5c 41"), vr: .LO) == "乗\\A")
        #expect(throws: DICOMError.self) { try cs.encode("😀", vr: .PN) }
        #expect(SpecificCharacterSet("GB18030").decode(charsetHex("815c 5c 41"), vr: .LO) == "乗\\A")
    }

    /// Korean data often declares "ISO 2022 IR 149" alone: KS X 1001 is then designated to G1
    /// from the start (PS3.5 §6.1.2.5.3 b), which is EUC-KR without escape sequences.
    @Test func koreanAsValue1() throws {
        let cs = SpecificCharacterSet("ISO 2022 IR 149")
        #expect(try cs.encode("Hong^홍길동", vr: .PN) == charsetASCII("Hong^") + charsetHex("c8ab b1e6 b5bf"))
        #expect(cs.decode(charsetASCII("Hong^") + charsetHex("c8ab b1e6 b5bf"), vr: .PN) == "Hong^홍길동")
    }

    /// Writers that designate KS X 1001 once and forget it after "^" are still read: GR bytes
    /// with G1 undesignated use the first G1 set among the terms.
    @Test func koreanWithoutRepeatedDesignation() {
        let cs = SpecificCharacterSet("\\ISO 2022 IR 149")
        #expect(cs.decode(charsetHex("1b242943 c8ab") + charsetASCII("^") + charsetHex("b1e6 b5bf"), vr: .PN) == "홍^길동")
    }
}
