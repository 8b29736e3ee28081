import Testing
@testable import HL7

@Suite struct EscapingTests {
    let e = EncodingCharacters.standard

    private func decode(_ s: String, _ enc: EncodingCharacters = .standard) -> String {
        String(decoding: Escaping.decode(Array(s.utf8), encoding: enc), as: UTF8.self)
    }
    private func encode(_ s: String, _ enc: EncodingCharacters = .standard) -> String {
        String(decoding: Escaping.encode(Array(s.utf8), encoding: enc), as: UTF8.self)
    }

    @Test func delimiterEscapes() {
        #expect(decode("a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f") == "a|b^c&d~e\\f")
        #expect(encode("a|b^c&d~e\\f") == "a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f")
    }

    @Test func truncationEscapeOnlyWithV27Delimiters() throws {
        var v27 = EncodingCharacters.standard
        v27.truncation = UInt8(ascii: "#")
        #expect(decode("x\\P\\", v27) == "x#")
        #expect(decode("x\\P\\") == "x\\P\\")
        #expect(encode("x#", v27) == "x\\P\\")
        #expect(encode("x#") == "x#")
    }

    @Test func hexadecimalData() {
        #expect(Escaping.decode(Array("A\\X0D0A\\B".utf8), encoding: e) == Array("A\r\nB".utf8))
        #expect(Escaping.decode(Array("\\Xc3a9\\".utf8), encoding: e) == [0xC3, 0xA9])
        // Malformed hex is kept literally.
        #expect(decode("\\X0G\\") == "\\X0G\\")
        #expect(decode("\\X0\\") == "\\X0\\")
        #expect(encode("a\rb\nc") == "a\\X0D\\b\\X0A\\c")
    }

    @Test func characterSetEscapes() {
        #expect(Escaping.decode(Array("\\C2842\\".utf8), encoding: e) == [0x1B, 0x28, 0x42])
        #expect(Escaping.decode(Array("\\M2442\\".utf8), encoding: e) == [0x1B, 0x24, 0x42])
        #expect(Escaping.decode(Array("\\M242842\\".utf8), encoding: e) == [0x1B, 0x24, 0x28, 0x42])
        #expect(Escaping.encode([0x1B, 0x28, 0x42], encoding: e) == Array("\\C2842\\".utf8))
        #expect(Escaping.encode([0x1B, 0x24, 0x42], encoding: e) == Array("\\M2442\\".utf8))
        #expect(Escaping.encode([0x1B, 0x24, 0x28, 0x44], encoding: e) == Array("\\M242844\\".utf8))
    }

    @Test func formattingEscapesArePreservedBothWays() {
        for s in ["a\\.br\\b", "\\H\\bold\\N\\", "x\\.sp2\\y", "\\.in+4\\", "\\.ce\\", "\\Zlocal\\"] {
            #expect(decode(s) == s)
            #expect(encode(s) == s)
        }
        // Without preserving, a formatting escape's backslashes are escaped.
        #expect(String(decoding: Escaping.encode(Array("a\\.br\\b".utf8), encoding: e, preservingFormatting: false), as: UTF8.self) == "a\\E\\.br\\E\\b")
    }

    @Test func unterminatedAndUnknownEscapesAreKept() {
        #expect(decode("abc\\F") == "abc\\F")
        #expect(decode("\\Q\\") == "\\Q\\")
        #expect(decode("\\\\") == "\\\\")
    }

    @Test func roundTripOfArbitraryText() {
        let samples = ["", "plain", "|^~\\&", "\\\\F\\", "mixed \\ | ^ & ~ end", "\r\n\r"]
        for s in samples {
            #expect(decode(encode(s)) == s)
        }
    }

    @Test func escapesInAMessage() throws {
        let m = try Fixtures.message("oru_r01_v251.hl7")
        #expect(m["OBX[2]-5"] == "Line one\\.br\\Line two with a pipe | and caret ^ and amp & and tilde ~ and backslash \\.")
        #expect(m["OBX[4]-5"] == "A\r\nB \\H\\bold\\N\\ done")
        #expect(m.element(at: "OBX[3]-5")?.components.count == 5)
    }

    @Test func customEscapeCharacter() throws {
        let m = try Fixtures.message("custom_delimiters.hl7")
        var copy = m
        try copy.set("PID-5.1", to: "A#B$C@D")
        #expect(copy.er7(at: "PID-5.1") == "A@F@B@S@C@E@D")
        #expect(copy["PID-5.1"] == "A#B$C@D")
    }
}
