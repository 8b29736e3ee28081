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
        #expect(messages.count > 20)
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

    /// The usual delimiters (the writer's eight-bytes-at-a-time path): leaves of 0 to 20 bytes with a special
    /// byte (delimiter, escape, quote, control, non-ASCII, and the bytes next to them in value) at any offset
    /// of a word, segments ending anywhere near the end of the buffer, terminated or not.
    @Test func identicalWithTheUsualDelimiters() throws {
        var g = MessageGenerator(seed: 0x0DE1_1A75)
        let specials: [UInt8] = Array("|^~\\&\"#']_}\u{7F} ".utf8) + [0x09, 0x1B, 0x80, 0xC3, 0xA9, 0xFF]
        let charsets = ["", "UNICODE UTF-8", "8859/1", "ASCII"]
        var compared = 0
        for _ in 0 ..< 3000 {
            var text = Array("MSH|^~\\&|A|B|C|D|2026||ADT^A01|X|P|2.5|||||DEU|".utf8) + Array(charsets[g.int(charsets.count)].utf8)
            for _ in 0 ..< 1 + g.int(4) {
                text += [g.int(3) == 0 ? 0x0A : 0x0D] + Array(["PID", "OBX", "ZZZ"][g.int(3)].utf8)
                for _ in 0 ..< g.int(12) {
                    text.append(0x7C)
                    for _ in 0 ..< g.int(4) {
                        for _ in 0 ..< g.int(21) { text.append(UInt8(0x41 + g.int(26))) }
                        if g.int(2) == 0 { text.append(specials[g.int(specials.count)]) }
                    }
                }
            }
            if g.int(2) == 0 { text.append(0x0D) }
            guard let m = try? Message(text) else { continue }
            let new = HL7JSON.encode(m), old = ReferenceJSON.encode(m)
            if new != old {
                Issue.record("differs for \(String(decoding: text, as: UTF8.self).debugDescription)\nnew: \(String(decoding: new, as: UTF8.self))\nold: \(String(decoding: old, as: UTF8.self))")
                return
            }
            compared += 1
        }
        #expect(compared > 2000)
    }
}
