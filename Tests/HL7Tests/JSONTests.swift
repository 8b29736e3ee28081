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

    @Test func largeMessageGrowsTheBufferSegmentBySegment() throws {
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
}
