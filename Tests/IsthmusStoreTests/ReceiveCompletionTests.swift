import Foundation
import Testing
@testable import IsthmusStore

/// `receive(…completion:)`: the group commit's entry for callers that must not wait (the MLLP intake on an event loop).
@Suite struct ReceiveCompletionTests {
    /// Calls the completion form and waits for its result (the test itself may wait).
    func receive(_ store: SQLiteStore, _ message: InboundMessage, deliveries: [Delivery] = []) async -> Result<ReceiveOutcome, any Error> {
        await withCheckedContinuation { continuation in
            store.receive(message, deliveries: deliveries, events: []) { continuation.resume(returning: $0) }
        }
    }

    @Test("completions report stored, then duplicate, after the commit; concurrent ones share transactions")
    func storedAndDuplicate() async throws {
        let t = try TempStore("completion")
        defer { t.cleanUp() }
        let store = try t.open()
        let first = try await receive(store, try inbound("CB1"), deliveries: [Delivery(destination: "out")]).get()
        guard case .stored(let id) = first else { Issue.record("not stored: \(first)"); return }
        // Committed by the time the completion ran: readable, with its queue entry.
        let stored = try #require(try await store.message(id))
        #expect(stored.summary.controlID == "CB1")
        #expect(stored.entries.map(\.destination) == ["out"])
        let again = try await receive(store, try inbound("CB1")).get()
        #expect(again == .duplicate(of: id))

        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for i in 0 ..< 50 {
                group.addTask { (try? await self.receive(store, try inbound("CBX\(i)")).get()) != nil }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(outcomes == 50)
        let stats = try await store.statistics()
        #expect(stats.messages == 51)
        #expect(stats.transactions < stats.writes)
        try await store.close()
    }

    @Test("a read-only store and a closed store complete with the error, storing nothing")
    func failures() async throws {
        let t = try TempStore("completion-fail")
        defer { t.cleanUp() }
        try await t.open().close()
        let ro = try t.open { $0.readOnly = true }
        let result = await receive(ro, try inbound("RO"))
        #expect(throws: StoreError(.readOnly, "the store was opened read-only")) { try result.get() }
        try await ro.close()

        let store = try t.open()
        try await store.close()
        let closed = await receive(store, try inbound("CL"))
        #expect(throws: StoreError.self) { try closed.get() }
        let reopened = try t.open()
        #expect(try await reopened.statistics().messages == 0)
        try await reopened.close()
    }
}
