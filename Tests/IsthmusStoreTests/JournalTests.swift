import Foundation
import HL7
import IsthmusStore
import Testing

@Suite("Store journal")
struct JournalTests {
    @Test("receive stores raw bytes, metadata, history and one queue entry per destination; reopen finds it")
    func roundTrip() async throws {
        let t = try TempStore("journal")
        defer { t.cleanUp() }
        let store = try t.open()
        let raw = adt("MSG0001")
        let message = try InboundMessage(Message(raw), channel: "adt-in", metadata: ["remote": "127.0.0.1"])
        #expect(message.sender == "LAB|HOSP")
        #expect(message.controlID == "MSG0001")
        #expect(message.messageType == "ADT^A01")
        let transformed = Array("MSH|^~\\&|ISTHMUS|HOSP|RIS|HOSP|20260101120000||ADT^A01|MSG0001|P|2.5.1\r".utf8)
        let outcome = try await store.receive(
            message, deliveries: [Delivery(destination: "ris"), Delivery(destination: "pacs", payload: transformed)],
            events: [StateChange(.transformed, destination: "pacs", reason: "map MSH-5")])
        guard case .stored(let id) = outcome else {
            Issue.record("expected stored, got \(outcome)")
            return
        }
        func check(_ stored: StoredMessage?) throws {
            let m = try #require(stored)
            #expect(m.raw == raw)
            #expect(m.summary.channel == "adt-in")
            #expect(m.summary.sender == "LAB|HOSP")
            #expect(m.summary.controlID == "MSG0001")
            #expect(m.summary.messageType == "ADT^A01")
            #expect(m.summary.kind == .hl7)
            #expect(m.status == .queued)
            #expect(m.metadata["remote"] == "127.0.0.1")
            #expect(m.metadata["version"] == "2.5.1")
            #expect(abs(m.summary.receivedAt.timeIntervalSince(message.receivedAt)) < 0.001)
            #expect(m.history.map(\.state) == [.received, .transformed, .queued, .queued])
            #expect(m.history[1].reason == "map MSH-5")
            #expect(m.entries.map(\.destination) == ["ris", "pacs"])
            #expect(m.entries.map(\.hasPayload) == [false, true])
            #expect(m.entries.allSatisfy { $0.status == .pending && $0.attempts == 0 })
        }
        try check(try await store.message(id))
        let listed = try await store.listMessages(channel: "adt-in")
        #expect(listed.map(\.id) == [id])
        #expect(listed.first?.size == raw.count)
        #expect(try await store.listMessages(channel: "other").isEmpty)
        #expect(try await store.listMessages(status: .sent).isEmpty)

        // The payload a destination gets: its own transformed form, or the raw message.
        let pacs = try #require(try await store.claimNext(destination: "pacs"))
        #expect(pacs.payload == transformed)
        let ris = try #require(try await store.claimNext(destination: "ris"))
        #expect(ris.payload == raw)
        try await store.markSent(ris.id, at: Date(), response: "AA")
        #expect(try await store.message(id)?.status == .queued)
        try await store.markSent(pacs.id)
        #expect(try await store.message(id)?.status == .sent)
        try await store.close()

        // Restart: everything is still there.
        let reopened = try t.open()
        let again = try #require(try await reopened.message(id))
        #expect(again.raw == raw)
        #expect(again.status == .sent)
        #expect(again.history.filter { $0.state == .sent }.compactMap(\.destination).sorted() == ["pacs", "ris"])
        #expect(again.entries.first { $0.destination == "ris" }?.response == "AA")
        #expect(try await reopened.listMessages(status: .sent).map(\.id) == [id])
        try await reopened.close()
    }

    @Test("a filtered message has no queue entries and the status of its last event")
    func filtered() async throws {
        let t = try TempStore("filtered")
        defer { t.cleanUp() }
        let store = try t.open()
        let id = try await store.receive(inbound("F1"), deliveries: [], events: [StateChange(.filtered, reason: "MSH-9 not in [ORM]")]).id
        let m = try #require(try await store.message(id))
        #expect(m.status == .filtered)
        #expect(m.entries.isEmpty)
        #expect(try await store.listMessages(status: .filtered).map(\.id) == [id])
        try await store.record(StateChange(.replayed, reason: "operator"), for: id)
        #expect(try await store.message(id)?.status == .replayed)
        await #expect(throws: StoreError.self) { try await store.record(StateChange(.error), for: MessageID(999)) }
        try await store.close()
    }

    @Test("listMessages filters by channel, status and time, newest first, with a limit (0: all)")
    func listing() async throws {
        let t = try TempStore("list")
        defer { t.cleanUp() }
        let store = try t.open()
        let t0 = Date().addingTimeInterval(-100)
        var ids: [MessageID] = []
        for i in 0 ..< 6 {
            ids.append(try await store.receive(try inbound("L\(i)", channel: i % 2 == 0 ? "even" : "odd", at: t0.addingTimeInterval(Double(i * 10)))).id)
        }
        #expect(try await store.listMessages(limit: 0).map(\.id) == ids.reversed())
        #expect(try await store.listMessages(limit: 2).map(\.id) == [ids[5], ids[4]])
        #expect(try await store.listMessages(channel: "even", limit: 0).map(\.id) == [ids[4], ids[2], ids[0]])
        #expect(try await store.listMessages(since: t0.addingTimeInterval(25), limit: 0).map(\.id) == [ids[5], ids[4], ids[3]])
        #expect(try await store.listMessages(channel: "odd", status: .received, since: t0.addingTimeInterval(25), limit: 1).map(\.id) == [ids[5]])
        try await store.close()
    }

    @Test("the message status follows its entries: dead-lettered over sent, error over queued, sent only when all are")
    func statusFollowsEntries() async throws {
        let t = try TempStore("journal-status")
        defer { t.cleanUp() }
        let store = try t.open()
        let outcome = try await store.receive(try inbound("ST1"), deliveries: [Delivery(destination: "a"), Delivery(destination: "b")])
        let id = outcome.id
        func status() async throws -> MessageStatus? { try await store.message(id)?.status }
        let a = try #require(try await store.claimNext(destination: "a", now: Date()))
        let b = try #require(try await store.claimNext(destination: "b", now: Date()))
        try await store.markSent(a.id, at: Date(), response: "AA")
        #expect(try await status() == .queued)
        _ = try await store.markFailed(b.id, error: "AE", retryAt: Date())
        #expect(try await status() == .error)
        try await store.deadLetter(b.id, reason: "gave up")
        #expect(try await status() == .deadLettered)
        try await store.release(b.id)
        #expect(try await status() == .queued)
        let again = try #require(try await store.claimNext(destination: "b", now: Date()))
        try await store.markSent(again.id, at: Date(), response: "AA")
        #expect(try await status() == .sent)
        // Without entries: the last state change that is a status (a duplicate is history only).
        let filtered = try await store.receive(try inbound("ST2"), deliveries: [], events: [StateChange(.filtered, reason: "no channel")])
        #expect(try await store.message(filtered.id)?.status == .filtered)
        try await store.close()
    }
}
