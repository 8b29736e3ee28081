// The JSON writer against the previous one (ReferenceJSONWriter.swift, test-only): byte-identical output on
// every fixture file (each message of the multi-message and batch files too) and on generated messages
// with random delimiters, escapes, nulls, control and non-ASCII bytes under every character-set family.
import Foundation
import Testing
@testable import HL7

@Suite struct JSONWriterComparisonTests {
    static func fixtureMessages() throws -> [Message] {
        let files = try FileManager.default.subpathsOfDirectory(atPath: Fixtures.directory.path).filter { $0.hasSuffix(".hl7") || $0.hasSuffix(".txt") }.sorted()
        var messages: [Message] = []
        for name in files {
            for case .success(let m) in MessageStream.messages(Fixtures.bytes(name)) { messages.append(m) }
            // Batch headers (FHS/BHS) as messages of their own.
            let bytes = Fixtures.bytes(name)
            for header in [ER7Index.fhs, ER7Index.bhs] {
                if let m = try? Message(validBytes: bytes, header: header) { messages.append(m) }
            }
        }
        return messages
    }

    @Test func identicalOnFixtures() throws {
        let messages = try Self.fixtureMessages()
        #expect(messages.count > 40)
        for m in messages {
            let new = HL7JSON.encode(m), old = ReferenceJSON.encode(m)
            #expect(new == old, "\(String(decoding: m.bytes.prefix(40), as: UTF8.self).debugDescription)")
        }
    }

    @Test(arguments: [UInt64(0x15_7A_05), 0xC0FFEE, 0x0123_4567, 0xBADC_0DE])
    func identicalOnGeneratedMessages(seed: UInt64) throws {
        var g = MessageGenerator(seed: seed)
        var compared = 0
        for _ in 0 ..< 1500 {
            let bytes = g.message()
            guard let m = try? Message(bytes) else { continue }
            let new = HL7JSON.encode(m), old = ReferenceJSON.encode(m)
            if new != old {
                Issue.record("differs for \(String(decoding: bytes, as: UTF8.self).debugDescription)\nnew: \(String(decoding: new, as: UTF8.self))\nold: \(String(decoding: old, as: UTF8.self))")
                return
            }
            compared += 1
        }
        #expect(compared > 1000)
    }
}
