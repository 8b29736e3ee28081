// Parsing of (0008,0005), unknown terms, the ISO_IR 13 yen sign, VRs outside Specific Character
// Set, and bad input: random bytes, truncated and unknown escape sequences.

import Testing
@testable import DICOM

extension CharacterSetTests {
    /// A small deterministic generator (SplitMix64), so failures can be reproduced.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    // MARK: Parsing the value of (0008,0005)

    @Test func parsing() {
        #expect(SpecificCharacterSet("").isDefault)
        #expect(SpecificCharacterSet("").terms == [])
        #expect(SpecificCharacterSet("ISO_IR 6").isDefault)
        #expect(SpecificCharacterSet("ISO_IR 6") == .default)
        #expect(SpecificCharacterSet.default.terms == [])
        #expect(!SpecificCharacterSet("ISO_IR 100").isDefault)
        #expect(SpecificCharacterSet("ISO_IR 100 ").terms == ["ISO_IR 100"])
        #expect(SpecificCharacterSet("ISO_IR 192\u{0}").terms == ["ISO_IR 192"])
        #expect(SpecificCharacterSet("\\ISO 2022 IR 87 ").terms == ["", "ISO 2022 IR 87"])
        #expect(SpecificCharacterSet(terms: ["", "ISO 2022 IR 87"]) == SpecificCharacterSet("\\ISO 2022 IR 87"))
        // PS3.3 C.12.1.1.2: an empty value 1 among several is ISO 2022 IR 6.
        #expect(SpecificCharacterSet("\\ISO 2022 IR 87") == SpecificCharacterSet("ISO 2022 IR 6\\ISO 2022 IR 87"))
        #expect(SpecificCharacterSet("ISO_IR 100") != SpecificCharacterSet("ISO_IR 101"))
        #expect(Set([SpecificCharacterSet(""), .default, SpecificCharacterSet("ISO_IR 6")]).count == 1)
    }

    @Test func unknownTerms() throws {
        let cs = SpecificCharacterSet("ISO_IR 999")
        #expect(cs.unknownTerms == ["ISO_IR 999"])
        // Reading falls back to ASCII + ISO 8859-1: ASCII is kept, nothing is lost.
        #expect(cs.decode(charsetASCII("Buc^J") + [0xE9], vr: .PN) == "Buc^Jé")
        // Writing does not guess: only ASCII.
        #expect(try cs.encode("Buc^J", vr: .PN) == charsetASCII("Buc^J"))
        #expect(throws: DICOMError.self) { try cs.encode("é", vr: .PN) }

        let mixed = SpecificCharacterSet("\\ISO 2022 IR 87\\KLINGON")
        #expect(mixed.unknownTerms == ["KLINGON"])
        #expect(mixed.decode(Self.h31, vr: .PN) == "Yamada^Tarou=山田^太郎=やまだ^たろう")
        #expect(SpecificCharacterSet("\\KLINGON").decode([0x41, 0xE9], vr: .LO) == "Aé")
        #expect(SpecificCharacterSet("\\ISO 2022 IR 87").description == "\\ISO 2022 IR 87")

        // Stand-alone terms cannot take part in code extension (PS3.5 §6.1.2.5.3 d).
        #expect(SpecificCharacterSet("ISO_IR 192\\ISO 2022 IR 87").unknownTerms == ["ISO 2022 IR 87"])
        #expect(SpecificCharacterSet("ISO_IR 192\\ISO 2022 IR 87").decode(Array("王".utf8), vr: .PN) == "王")
        #expect(SpecificCharacterSet("\\GB18030").unknownTerms == ["GB18030"])
    }

    @Test func misspelledTermsAreRecognizedAndReported() throws {
        let cs = SpecificCharacterSet("ISO-IR 100")
        #expect(cs.unknownTerms.isEmpty)
        #expect(cs.nonStandardTerms == ["ISO-IR 100"])
        #expect(cs == SpecificCharacterSet("ISO_IR 100"))
        #expect(cs.decode([0xE9], vr: .LO) == "é")
        #expect(SpecificCharacterSet("iso_ir_192").decode(Array("é".utf8), vr: .LO) == "é")
        // A single-byte term without code extensions among several values: taken as its
        // ISO 2022 counterpart, and reported.
        let multi = SpecificCharacterSet("ISO_IR 100\\ISO 2022 IR 126")
        #expect(multi.nonStandardTerms == ["ISO_IR 100"])
        #expect(multi == SpecificCharacterSet("ISO 2022 IR 100\\ISO 2022 IR 126"))
    }

    // MARK: Default repertoire

    @Test func defaultRepertoire() throws {
        let cs = SpecificCharacterSet.default
        #expect(cs.decode(charsetASCII("Doe^John"), vr: .PN) == "Doe^John")
        #expect(cs.decode([0x41, 0xE9, 0x42], vr: .PN) == "A\u{FFFD}B")
        #expect(try cs.encode("Doe^John", vr: .PN) == charsetASCII("Doe^John"))
        #expect(throws: DICOMError.self) { try cs.encode("Jérôme", vr: .PN) }
        do {
            _ = try cs.encode("Jérôme", vr: .PN)
        } catch {
            #expect(error.code == .characterSet)
            #expect(error.reason.contains("U+00E9"))
        }
    }

    /// AE, CS, UI, DA… always use the default repertoire (PS3.5 §6.1.2.3).
    @Test func vrsWithoutSpecificCharacterSet() throws {
        let cs = SpecificCharacterSet("ISO_IR 100")
        #expect(cs.decode([0x41, 0xE9], vr: .CS) == "A\u{FFFD}")
        #expect(cs.decode([0x41, 0xE9], vr: .LO) == "Aé")
        #expect(throws: DICOMError.self) { try cs.encode("é", vr: .CS) }
        #expect(try cs.encode("ORIGINAL\\PRIMARY", vr: .CS) == charsetASCII("ORIGINAL\\PRIMARY"))
        #expect(SpecificCharacterSet("ISO_IR 192").decode(Array("é".utf8), vr: .AE) == "\u{FFFD}\u{FFFD}")
    }

    // MARK: ISO_IR 13 — JIS X 0201

    /// PS3.5 §6.1.2.3 note 3: in ISO-IR 14, 05/12 is YEN SIGN and 07/14 OVERLINE; but 05/12 is
    /// the value delimiter in VRs that allow several values.
    @Test func jisX0201YenSignAndOverline() throws {
        let cs = SpecificCharacterSet("ISO_IR 13")
        #expect(cs.decode([0x31, 0x30, 0x30, 0x5C, 0x7E], vr: .LT) == "100¥‾")
        #expect(try cs.encode("100¥‾", vr: .LT) == [0x31, 0x30, 0x30, 0x5C, 0x7E])
        #expect(cs.decode([0x41, 0x5C, 0x42], vr: .LO) == "A\\B")
        #expect(try cs.encode("A\\B", vr: .LO) == [0x41, 0x5C, 0x42])
        // "¥" in a multi-valued VR would be read back as a delimiter; "\" and "~" in LT have no code.
        #expect(throws: DICOMError.self) { try cs.encode("¥", vr: .LO) }
        #expect(throws: DICOMError.self) { try cs.encode("\\", vr: .LT) }
        #expect(throws: DICOMError.self) { try cs.encode("~", vr: .LT) }
        // Half-width katakana in GR; bytes outside A1–DF are invalid.
        #expect(cs.decode([0xB1, 0xE0, 0xA0], vr: .LO) == "ｱ\u{FFFD}\u{FFFD}")
        // With ASCII among the terms, "~" is written by designating ISO-IR 6.
        let withASCII = SpecificCharacterSet("ISO 2022 IR 13\\ISO 2022 IR 6")
        #expect(try withASCII.encode("ｱ~", vr: .LT) == [0xB1, 0x1B, 0x28, 0x42, 0x7E, 0x1B, 0x28, 0x4A])
        #expect(withASCII.decode([0xB1, 0x1B, 0x28, 0x42, 0x7E, 0x1B, 0x28, 0x4A], vr: .LT) == "ｱ~")
    }

    // MARK: Bad input

    @Test func truncatedAndUnknownEscapeSequences() {
        let cs = SpecificCharacterSet("\\ISO 2022 IR 87")
        #expect(cs.decode([0x41, 0x1B], vr: .PN) == "A\u{FFFD}")
        #expect(cs.decode([0x41, 0x1B, 0x24], vr: .PN) == "A\u{FFFD}")
        #expect(cs.decode([0x41, 0x1B, 0x24, 0x28], vr: .PN) == "A\u{FFFD}")
        // A designation followed by half a character.
        #expect(cs.decode([0x1B, 0x24, 0x42, 0x3B], vr: .PN) == "\u{FFFD}")
        #expect(cs.decode([0x1B, 0x24, 0x42, 0x3B, 0x33, 0x45], vr: .PN) == "山\u{FFFD}")
        // Unknown final byte: one U+FFFD for the whole sequence, then go on.
        #expect(cs.decode([0x1B, 0x28, 0x5A, 0x41], vr: .PN) == "\u{FFFD}A")
        // ESC followed by a byte that cannot continue an escape sequence.
        #expect(cs.decode([0x1B, 0x0D, 0x41], vr: .LT) == "\u{FFFD}\rA")
        // Unassigned JIS X 0208 code (row 0x29 is empty): one U+FFFD, alignment kept.
        #expect(cs.decode(charsetHex("1b2442 2921 3b33 1b2842"), vr: .LO) == "\u{FFFD}山")
        // KS X 1001 with a bad second byte, and GR bytes with no G1 set at all.
        let korean = SpecificCharacterSet("\\ISO 2022 IR 149")
        #expect(korean.decode(charsetHex("1b242943 c8 41"), vr: .LO) == "\u{FFFD}A")
        #expect(SpecificCharacterSet("\\ISO 2022 IR 87").decode([0xC8], vr: .LO) == "\u{FFFD}")
        // Invalid UTF-8 and GB18030.
        #expect(SpecificCharacterSet("ISO_IR 192").decode([0x41, 0xC3], vr: .LO) == "A\u{FFFD}")
        #expect(SpecificCharacterSet("GB18030").decode([0x41, 0x81], vr: .LO) == "A\u{FFFD}")
        #expect(SpecificCharacterSet("GBK").decode([0x41, 0xFF, 0x42], vr: .LO) == "A\u{FFFD}B")
        // Undefined byte of ISO 8859-8.
        #expect(SpecificCharacterSet("ISO_IR 138").decode([0xA1, 0x41], vr: .LO) == "\u{FFFD}A")
    }

    @Test func literalEscapeCannotBeWrittenWithCodeExtensions() {
        #expect(throws: DICOMError.self) { try SpecificCharacterSet("\\ISO 2022 IR 87").encode("A\u{1B}$B", vr: .LT) }
    }

    static let allCharacterSets = [
        "", "ISO_IR 100", "ISO_IR 101", "ISO_IR 109", "ISO_IR 110", "ISO_IR 126", "ISO_IR 127", "ISO_IR 138",
        "ISO_IR 144", "ISO_IR 148", "ISO_IR 166", "ISO_IR 203", "ISO_IR 13", "ISO_IR 192", "GB18030", "GBK",
        "\\ISO 2022 IR 87", "ISO 2022 IR 13\\ISO 2022 IR 87\\ISO 2022 IR 159", "\\ISO 2022 IR 149", "\\ISO 2022 IR 58",
        "ISO 2022 IR 100\\ISO 2022 IR 126\\ISO 2022 IR 144\\ISO 2022 IR 166", "ISO_IR 999", "\\KLINGON",
    ]

    /// Random bytes never trap; whatever decodes without U+FFFD and can be written again reads
    /// back the same.
    @Test(arguments: allCharacterSets)
    func randomBytesNeverCrash(_ value: String) throws {
        let cs = SpecificCharacterSet(value)
        var random = SplitMix64(state: value.utf8.reduce(0x5EED) { $0 &* 31 &+ UInt64($1) })
        // Bytes that exercise escape sequences, delimiters and two-byte codes more often.
        let interesting: [UInt8] = [0x1B, 0x24, 0x28, 0x29, 0x2D, 0x41, 0x42, 0x43, 0x44, 0x46, 0x49, 0x4A, 0x4C,
                                    0x54, 0x62, 0x5C, 0x5E, 0x3D, 0x0D, 0x0A, 0x09, 0x20, 0x21, 0x3B, 0x7E,
                                    0x80, 0x8E, 0x8F, 0xA0, 0xA1, 0xB1, 0xC8, 0xD0, 0xE9, 0xFE, 0xFF]
        for round in 0..<400 {
            let length = Int.random(in: 0...40, using: &random)
            let bytes: [UInt8] = (0..<length).map { _ in
                round.isMultiple(of: 2)
                    ? UInt8.random(in: 0...255, using: &random)
                    : interesting[Int.random(in: 0..<interesting.count, using: &random)]
            }
            for vr in [VR.PN, .LO, .LT, .CS] {
                let text = cs.decode(bytes, vr: vr)
                guard !text.unicodeScalars.contains("\u{FFFD}"), let written = try? cs.encode(text, vr: vr) else { continue }
                #expect(cs.decode(written, vr: vr) == text, "\(value) \(vr) \(bytes)")
            }
        }
    }

    /// The codec has no shared state: many tasks can use one value at the same time.
    @Test func concurrentUse() async {
        let cs = SpecificCharacterSet("ISO 2022 IR 13\\ISO 2022 IR 87")
        let h32 = Self.h32
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<32 {
                group.addTask {
                    (0..<50).allSatisfy { _ in
                        cs.decode(h32, vr: .PN) == "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう"
                            && (try? cs.encode("ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう", vr: .PN)) == h32
                    }
                }
            }
            var all: [Bool] = []
            for await result in group { all.append(result) }
            return all
        }
        #expect(results.count == 32 && results.allSatisfy { $0 })
    }
}
