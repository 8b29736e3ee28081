import Foundation
import HL7
import IsthmusEngine
import IsthmusStore
import Logging
import NIOCore
import Testing
import TestSupport

/// The HL7 intake in process, over a real SQLite store: the ACK depends on what the store did.
@Suite struct HL7IntakeTests {
    private func intake(_ store: any Store, channels: [MessageChannel] = []) -> HL7Intake {
        HL7Intake(listener: "in", store: store, router: ChannelRouter(channels: channels), duplicateWindow: .seconds(60),
                  logger: Logger(label: "test"))
    }

    private func reply(_ i: HL7Intake, _ er7: String) async throws -> Message? {
        guard let r = await i.handle(ByteBuffer(string: er7)) else { return nil }
        return try Message(Array(r.readableBytesView))
    }

    /// A store that cannot commit (here: closed) gives AE with ERR 207, never AA.
    @Test func failedCommitAnswersAE() async throws {
        let dir = try Peers.temporaryDirectory("intake-ae")
        let store = try SQLiteStore(path: dir + "/s.sqlite", contentDirectory: dir + "/content")
        try await store.close()
        let r = try await reply(intake(store), ServeTests.hl7("E1"))
        let ack = try #require(r)
        #expect(ack["MSA-1"] == "AE")
        #expect(ack["MSA-2"] == "E1")
        #expect(ack["ERR-3.1"] == "207")
    }

    /// Enhanced mode (MSH-15 AL): the commit ACK is CA; MSH-15 NE: no ACK at all (the message is still stored).
    @Test func enhancedModeAnswersCA() async throws {
        let dir = try Peers.temporaryDirectory("intake-ca")
        let store = try SQLiteStore(path: dir + "/s.sqlite", contentDirectory: dir + "/content")
        let i = intake(store)
        let al = "MSH|^~\\&|A|B|C|D|20260101||ADT^A01|E2|P|2.5|||AL|NE\rPID|1\r"
        let r = try await reply(i, al)
        let ack = try #require(r)
        #expect(ack["MSA-1"] == "CA" && ack["MSA-2"] == "E2")
        let ne = "MSH|^~\\&|A|B|C|D|20260101||ADT^A01|E3|P|2.5|||NE|NE\rPID|1\r"
        #expect(try await reply(i, ne) == nil)
        #expect(try await store.listMessages(limit: 0).map(\.controlID).sorted() == ["E2", "E3"])
        try await store.close()
    }

    /// A channel with two destinations: two queue entries, written with the journal entry.
    @Test func queueEntriesPerDestination() async throws {
        let dir = try Peers.temporaryDirectory("intake-q")
        let store = try SQLiteStore(path: dir + "/s.sqlite", contentDirectory: dir + "/content")
        let c = try ConfigurationLoader.parse("""
        listeners: { mllp: [ { name: in, port: 0 } ] }
        peers: { mllp: [ { name: ris, host: h, port: 1 } ] }
        channels:
          - { name: c, source: in, destinations: [ { mllp: ris }, { folder: /tmp/x, name: copy } ] }
        """, file: "q.yaml")
        let i = intake(store, channels: c.channels)
        let r = try await reply(i, ServeTests.hl7("Q1"))
        let ack = try #require(r)
        #expect(ack["MSA-1"] == "AA")
        let m = try #require(try await store.listMessages(limit: 0).first)
        #expect(m.channel == "c")
        #expect(try await store.message(m.id)?.entries.map(\.destination).sorted() == ["c/copy", "c/ris"])
        try await store.close()
    }
}
