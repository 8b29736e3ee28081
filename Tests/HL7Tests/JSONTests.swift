import Foundation
import Testing
@testable import HL7

@Suite struct JSONTests {
    @Test func documentedShape() throws {
        let m = try Message(Array("MSH|^~\\&|A|B|C|D|2026||ADT^A01|X|P|2.5\rPID|1||ID^^^H&1.2&ISO^MR~ID2||DOE^JO\\S\\E|\"\"|a&b\rZZZ\r".utf8))
        let json = HL7JSON.string(m)
        #expect(json == #"{"segments":[{"id":"MSH","fields":["|","^~\\&","A","B","C","D","2026","",["ADT","A01"],"X","P","2.5"]},{"id":"PID","fields":["1","",{"repetitions":[["ID","","",["H","1.2","ISO"],"MR"],"ID2"]},"",["DOE","JO^E"],null,[["a","b"]]]},{"id":"ZZZ","fields":[]}]}"#)
    }

    @Test(arguments: Fixtures.valid)
    func validJSONForEveryFixture(name: String) throws {
        let m = try Fixtures.message(name)
        let bytes = HL7JSON.encode(m)
        let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
        let segments = try #require(object?["segments"] as? [[String: Any]])
        #expect(segments.count == m.segmentCount)
        #expect(segments.map { $0["id"] as? String } == m.segments.map(\.id))
        // Deterministic.
        #expect(HL7JSON.encode(try Fixtures.message(name)) == bytes)
    }

    @Test func charsetsAreDecodedToUnicode() throws {
        let m = try Fixtures.message("adt_latin1.hl7")
        let json = HL7JSON.string(m)
        #expect(json.contains(#"["Müller","Jürgen","","","Dr."]"#))
        let oru = HL7JSON.string(try Fixtures.message("oru_r01_v251.hl7"))
        #expect(oru.contains(#""A\r\nB \\H\\bold\\N\\ done""#))
    }

    @Test func severalMessages() throws {
        let ms = try MessageStream.messages(Fixtures.bytes("multi_lf_blank.txt")).map { try $0.get() }
        let obj = try JSONSerialization.jsonObject(with: Data(HL7JSON.encode(ms))) as? [String: Any]
        #expect((obj?["messages"] as? [Any])?.count == 5)
    }

    /// Found by the fuzzer: a long non-ASCII component under ISO 8859-1 tripped an over-conservative
    /// capacity check (decoded UTF-8 length × 6) although the output fits.
    @Test func longLatin1CompositeValue() throws {
        var bytes = Array("MSH|^~\\&|A|B|C|D|2026||ADT^A01|X|P|2.5|||||DEU|8859/1\rPID|1||".utf8)
        bytes += [UInt8](repeating: 0xE9, count: 300) + Array("^x\r".utf8)
        let m = try Message(bytes)
        let json = HL7JSON.string(m)
        #expect(json.hasSuffix(#"{"id":"PID","fields":["1","",[""# + String(repeating: "é", count: 300) + #"","x"]]}]}"#))
    }

    /// Escapes that expand (`\X07\` → `\u0007`) need more than the first capacity: the message is written
    /// again with its worst case.
    @Test func largeMessageIsWrittenAgainWithItsWorstCase() throws {
        var text = "MSH|^~\\&|A|B|C|D|2026||ORU^R01|BIG|P|2.5\r"
        for i in 0 ..< 300 {
            text += "OBX|\(i)|TX|||" + String(repeating: "x\\F\\", count: 200) + "^" + String(repeating: "\\X07\\", count: 50) + "\r"
        }
        let m = try Message(text)
        let bytes = HL7JSON.encode(m)
        let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
        let segments = try #require(object?["segments"] as? [[String: Any]])
        #expect(segments.count == 301)
        let last = try #require(segments.last?["fields"] as? [Any])
        let value = try #require(last[4] as? [String])
        #expect(value[0] == String(repeating: "x|", count: 200))
        #expect(value[1] == String(repeating: "\u{7}", count: 50))
    }

    /// A run of empty fields writes three bytes per input byte (`,""`), more than the first capacity here.
    @Test func manyEmptyFieldsInTheLastSegment() throws {
        let m = try Message("MSH|^~\\&|A\rZZZ" + String(repeating: "|", count: 2000) + "x\r")
        let json = HL7JSON.string(m)
        #expect(json.hasSuffix(#"{"id":"ZZZ","fields":["# + String(repeating: #""","#, count: 1999) + #""x"]}]}"#))
    }
}

/// Exact JSON for the cases a fast writer can get wrong: HL7 escapes, formatting escapes, JSON escapes,
/// explicit null, character sets, header fields, repetitions in MSH and trailing empty fields.
@Suite struct JSONEdgeCaseTests {
    static let utf8Header = #"MSH|^~\&|SND|FAC~FAC2|RCV|FAC|20261130||ORU^R01|C1|P|2.5.1||||||UNICODE UTF-8"#

    static func json(_ text: String) throws -> String {
        try json(Array(text.utf8))
    }

    static func json(_ bytes: [UInt8]) throws -> String {
        HL7JSON.string(try Message(bytes))
    }

    @Test func headerFieldsAndRepetitionInMSH() throws {
        let json = try Self.json(Self.utf8Header + "\r")
        #expect(json == #"{"segments":[{"id":"MSH","fields":["|","^~\\&","SND",{"repetitions":["FAC","FAC2"]},"RCV","FAC","20261130","",["ORU","R01"],"C1","P","2.5.1","","","","","","UNICODE UTF-8"]}]}"#)
    }

    @Test func delimiterEscapesDecode() throws {
        let json = try Self.json(Self.utf8Header + #"\#rNTE|1||a\F\b\S\c\T\d\R\e\E\f"#)
        #expect(json.hasSuffix(#"{"id":"NTE","fields":["1","","a|b^c&d~e\\f"]}]}"#))
    }

    @Test func hexadecimalEscapes() throws {
        let json = try Self.json(Self.utf8Header + #"\#rNTE|\X41\\X0D0A\\XC3A9\|\X07\\X1F\|\X4\|\xe9\"#)
        #expect(json.hasSuffix(#"{"id":"NTE","fields":["A\r\né","\u0007\u001f","\\X4\\","\\xe9\\"]}]}"#))
    }

    @Test func formattingAndUnknownEscapesStayAsWritten() throws {
        let json = try Self.json(Self.utf8Header + #"\#rNTE|\H\bold\N\ x\.br\y|\Q\|a\b|\\"#)
        #expect(json.hasSuffix(#"{"id":"NTE","fields":["\\H\\bold\\N\\ x\\.br\\y","\\Q\\","a\\b","\\\\"]}]}"#))
    }

    @Test func jsonEscapesAndNull() throws {
        let json = try Self.json(Self.utf8Header + "\rNTE|say \"hi\"\t/|\"\"|\"\"\"|\"\"^x")
        #expect(json.hasSuffix(#"{"id":"NTE","fields":["say \"hi\"\t/",null,"\"\"\"",[null,"x"]]}]}"#))
    }

    @Test func trailingEmptyFieldsAreKept() throws {
        let json = try Self.json(Self.utf8Header + "\rNTE|1|||\rZZ1\rZZ2|")
        #expect(json.hasSuffix(#"{"id":"NTE","fields":["1","","",""]},{"id":"ZZ1","fields":[]},{"id":"ZZ2","fields":[""]}]}"#))
    }

    @Test func latin1BytesBecomeUTF8() throws {
        let bytes = Array(#"MSH|^~\&|A|B|C|D|2026||ADT^A01|X|P|2.5||||||8859/1"#.utf8) + [0x0D] + Array("PID|1||".utf8)
            + [0x4D, 0xFC, 0x6C, 0x6C, 0x65, 0x72] + Array(#"^\XE9\"#.utf8) + [0xDF]
        let json = try Self.json(bytes)
        #expect(json.hasSuffix(#"{"id":"PID","fields":["1","",["Müller","éß"]]}]}"#))
    }

    @Test func utf8TextAndInvalidUTF8() throws {
        let header = Array((Self.utf8Header + "\rPID|1||").utf8)
        #expect(try Self.json(header + Array("山田^Ørsted".utf8)).hasSuffix(#"["山田","Ørsted"]]}]}"#))
        // Invalid UTF-8 in a UTF-8 message is replaced by U+FFFD, like every other reader of the message.
        #expect(try Self.json(header + [0x41, 0xC3, 0x28]).hasSuffix("\"A\u{FFFD}(\"]}]}"))
        // Without MSH-18 (ASCII), non-ASCII bytes are UTF-8 when they form UTF-8, else ISO 8859-1.
        let ascii = Array(#"MSH|^~\&|A|B|C|D|2026||ADT^A01|X|P|2.5"#.utf8) + [0x0D] + Array("PID|1||".utf8)
        #expect(try Self.json(ascii + Array("Ørsted^".utf8) + [0xD8, 0x72]).hasSuffix(#"["Ørsted","Ør"]]}]}"#))
    }

    /// A header segment later in the message keeps its second field as written, but in its character set
    /// (it is not checked like the first MSH-2).
    @Test func laterHeaderSegmentsAreValidJSON() throws {
        let bytes = Array(#"MSH|^~\&|A|B|C|D|2026||ADT^A01|X|P|2.5||||||8859/1"#.utf8) + [0x0D]
            + Array(#"BHS|x\y"#.utf8) + [0xE9] + Array("|z".utf8)
        #expect(try Self.json(bytes).hasSuffix(#"{"id":"BHS","fields":["|","x\\yé","z"]}]}"#))
    }

    @Test func customDelimitersInMSH1AndMSH2() throws {
        let json = try Self.json(#"MSH\^~!&\A\B^C!S!D~E\F&G"#)
        #expect(json == #"{"segments":[{"id":"MSH","fields":["\\","^~!&","A",{"repetitions":[["B","C^D"],"E"]},[["F","G"]]]}]}"#)
    }
}
