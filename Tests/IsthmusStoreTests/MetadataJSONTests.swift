import Foundation
@testable import IsthmusStore
import Testing

/// The store's hand-written metadata JSON against Foundation's encoder and decoder.
@Suite("Store metadata JSON")
struct MetadataJSONTests {
    static let samples: [[String: String]] = [
        [:],
        ["listener": "in", "channels": "adt,orders"],
        ["path": "1.2.3/4.5/6.7.dcm", "quote": "a \"b\" c", "back": "C:\\dir\\f", "lines": "a\nb\r\tc", "nul": "x\u{0}y\u{1F}"],
        ["name": "MÜLLER^RENÉE", "cjk": "山田^太郎", "emoji": "🩻 x-ray", "": "empty key"],
    ]

    @Test func roundTripsAndMatchesFoundation() throws {
        for m in Self.samples {
            let text = MetadataJSON.encode(m)
            #expect(MetadataJSON.decode(text) == m, "\(text)")
            #expect(try JSONDecoder().decode([String: String].self, from: Data(text.utf8)) == m, "Foundation reads ours: \(text)")
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let foundation = String(decoding: try encoder.encode(m), as: UTF8.self)
            #expect(MetadataJSON.decode(foundation) == m, "we read Foundation's (escaped slashes too): \(foundation)")
        }
        #expect(MetadataJSON.encode(["b": "2", "a": "1"]) == #"{"a":"1","b":"2"}"#, "keys sorted")
    }

    @Test func readsEveryEscapeAndRefusesWhatIsNotAnObjectOfStrings() {
        #expect(MetadataJSON.decode(#" { "a" : "\u00e9\ud83e\ude7b\/\b\f" , "b":"" } "#) == ["a": "é🩻/\u{8}\u{C}", "b": ""])
        for bad in ["", "[]", #"{"a":1}"#, #"{"a":"x""#, #"{"a":"\x"}"#, #"{"a":"\ud83e"}"#, #"{"a":"b"} x"#, "{\"a\":\"\u{1}\"}", #"{"a" "b"}"#] {
            #expect(MetadataJSON.decode(bad) == nil, "\(bad)")
        }
    }
}
