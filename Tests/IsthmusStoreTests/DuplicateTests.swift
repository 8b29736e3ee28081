import Foundation
import IsthmusStore
import Testing

@Suite("Store duplicate detection")
struct DuplicateTests {
    @Test("same sender and control ID within the window is a duplicate: acknowledged, not enqueued again")
    func window() async throws {
        let t = try TempStore("dup")
        defer { t.cleanUp() }
        let store = try t.open { $0.duplicateWindow = .seconds(60) }
        let t0 = Date()
        let first = try await store.receive(try inbound("D1", at: t0), deliveries: [Delivery(destination: "out")])
        guard case .stored(let id) = first else {
            Issue.record("first receive: \(first)")
            return
        }
        let again = try await store.receive(try inbound("D1", at: t0.addingTimeInterval(10)), deliveries: [Delivery(destination: "out")])
        #expect(again == .duplicate(of: id))
        #expect(again.isDuplicate)
        let stats = try await store.statistics()
        #expect(stats.messages == 1)
        #expect(stats.queued == 1)
        let history = try #require(try await store.message(id)).history
        #expect(history.last?.state == .duplicate)
        #expect(try await store.message(id)?.status == .queued)

        // Another sender with the same control ID is another message.
        #expect(try await store.receive(try inbound("D1", sender: "RIS", at: t0.addingTimeInterval(11))).isDuplicate == false)
        // After the window, the same control ID is new again.
        #expect(try await store.receive(try inbound("D1", at: t0.addingTimeInterval(120))).isDuplicate == false)
        // A message's own window overrides the store's; .zero turns detection off.
        #expect(try await store.receive(try inbound("D1", at: t0.addingTimeInterval(121), window: .zero)).isDuplicate == false)
        #expect(try await store.receive(try inbound("D1", at: t0.addingTimeInterval(300), window: .seconds(3600))).isDuplicate)
        #expect(try await store.statistics().messages == 4)
        try await store.close()
    }

    @Test("concurrent copies of one message in one batch: exactly one is stored")
    func sameBatch() async throws {
        let t = try TempStore("dupbatch")
        defer { t.cleanUp() }
        let store = try t.open()
        let outcomes = try await withThrowingTaskGroup(of: ReceiveOutcome.self) { group in
            for _ in 0 ..< 10 { group.addTask { try await store.receive(try inbound("SAME"), deliveries: [Delivery(destination: "out")]) } }
            var all: [ReceiveOutcome] = []
            for try await o in group { all.append(o) }
            return all
        }
        #expect(outcomes.filter { !$0.isDuplicate }.count == 1)
        #expect(Set(outcomes.map(\.id)).count == 1)
        #expect(try await store.statistics().queued == 1)
        try await store.close()
    }
}
