import Foundation
import IsthmusStore
import Testing

@Suite("Store group commit")
struct GroupCommitTests {
    @Test("200 concurrent receives are all stored, in fewer transactions than calls")
    func concurrentReceives() async throws {
        let t = try TempStore("group")
        defer { t.cleanUp() }
        let store = try t.open()
        let ids = try await withThrowingTaskGroup(of: (String, MessageID).self) { group in
            for i in 0 ..< 200 {
                group.addTask {
                    let control = "G\(i)"
                    let outcome = try await store.receive(try inbound(control), deliveries: [Delivery(destination: "out")])
                    return (control, outcome.id)
                }
            }
            var all: [String: MessageID] = [:]
            for try await (control, id) in group { all[control] = id }
            return all
        }
        #expect(ids.count == 200)
        #expect(Set(ids.values).count == 200)
        for (control, id) in ids {
            let m = try #require(try await store.message(id))
            #expect(m.summary.controlID == control)
            #expect(m.entries.count == 1)
        }
        let stats = try await store.statistics()
        #expect(stats.messages == 200)
        #expect(stats.queued == 200)
        #expect(stats.writes >= 200)
        #expect(stats.transactions < 200, "group commit batched \(stats.writes) writes into \(stats.transactions) transactions")
        try await store.close()
    }

    @Test("with group commit off every write is its own transaction")
    func groupCommitOff() async throws {
        let t = try TempStore("nogroup")
        defer { t.cleanUp() }
        let store = try t.open { $0.groupCommit = false }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0 ..< 20 {
                group.addTask { _ = try await store.receive(try inbound("N\(i)")) }
            }
            try await group.waitForAll()
        }
        let stats = try await store.statistics()
        #expect(stats.messages == 20)
        #expect(stats.transactions == stats.writes)
        try await store.close()
    }

    @Test("a request that fails on its own fails alone; the rest of its batch commits")
    func isolatedFailure() async throws {
        let t = try TempStore("isolated")
        defer { t.cleanUp() }
        let store = try t.open()
        let results = await withTaskGroup(of: Bool.self) { group in
            for i in 0 ..< 40 {
                group.addTask {
                    if i % 4 == 0 {
                        // An unknown message: fails with notFound inside the batch.
                        return (try? await store.record(StateChange(.replayed), for: MessageID(Int64(100_000 + i)))) != nil
                    }
                    return (try? await store.receive(try inbound("I\(i)"))) != nil
                }
            }
            var ok = 0
            for await r in group where r { ok += 1 }
            return ok
        }
        #expect(results == 30)
        #expect(try await store.statistics().messages == 30)
        try await store.close()
    }
}
