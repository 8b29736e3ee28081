import Foundation
import IsthmusStore
import Testing

@Suite("Store outbound queues")
struct QueueTests {
    /// Receives `n` messages for `destination`; returns their ids in order.
    func fill(_ store: SQLiteStore, _ n: Int, destination: String, prefix: String) async throws -> [MessageID] {
        var ids: [MessageID] = []
        for i in 0 ..< n {
            ids.append(try await store.receive(try inbound("\(prefix)\(i)"), deliveries: [Delivery(destination: destination)]).id)
        }
        return ids
    }

    @Test("claimNext hands out each destination's entries in FIFO order, one at a time")
    func fifo() async throws {
        let t = try TempStore("fifo")
        defer { t.cleanUp() }
        let store = try t.open()
        let a = try await fill(store, 4, destination: "a", prefix: "A")
        let b = try await fill(store, 2, destination: "b", prefix: "B")
        #expect(try await store.activeDestinations() == ["a", "b"])
        var delivered: [MessageID] = []
        while let entry = try await store.claimNext(destination: "a") {
            #expect(entry.entry.status == .inFlight)
            // The head is in flight: nothing else of "a" is handed out, "b" is independent.
            #expect(try await store.claimNext(destination: "a") == nil)
            #expect(try await store.nextAttempt(destination: "a") == nil)
            delivered.append(entry.messageID)
            try await store.markSent(entry.id)
        }
        #expect(delivered == a)
        let b0 = try #require(try await store.claimNext(destination: "b"))
        #expect(b0.messageID == b[0])
        #expect(try await store.activeDestinations() == ["b"])
        try await store.close()
    }

    @Test("markFailed counts attempts and keeps the entry at the head until its retry time")
    func retry() async throws {
        let t = try TempStore("retry")
        defer { t.cleanUp() }
        let store = try t.open()
        let ids = try await fill(store, 2, destination: "a", prefix: "R")
        let now = Date()
        var entry = try #require(try await store.claimNext(destination: "a", now: now))
        for attempt in 1 ... 3 {
            let retryAt = now.addingTimeInterval(Double(1 << attempt))   // exponential backoff by the caller
            #expect(try await store.markFailed(entry.id, error: "AE: application error \(attempt)", retryAt: retryAt) == attempt)
            let stored = try #require(try await store.queueEntry(entry.id))
            #expect(stored.status == .pending)
            #expect(stored.attempts == attempt)
            #expect(stored.lastError == "AE: application error \(attempt)")
            #expect(abs(stored.nextAttemptAt.timeIntervalSince(retryAt)) < 0.001)
            #expect(try await store.nextAttempt(destination: "a").map { abs($0.timeIntervalSince(retryAt)) < 0.001 } == true)
            // Not due yet: the head is not skipped (in order), so nothing is handed out.
            #expect(try await store.claimNext(destination: "a", now: retryAt.addingTimeInterval(-0.5)) == nil)
            entry = try #require(try await store.claimNext(destination: "a", now: retryAt))
            #expect(entry.messageID == ids[0])
            #expect(entry.attempts == attempt)
        }
        #expect(try await store.message(ids[0])?.status == .error)
        #expect(try await store.message(ids[0])?.history.filter { $0.state == .error }.count == 3)
        try await store.markSent(entry.id)
        #expect(try await store.message(ids[0])?.status == .sent)
        #expect(try await store.claimNext(destination: "a")?.messageID == ids[1])
        // Marking an entry that is already sent is refused.
        await #expect(throws: StoreError.self) { try await store.markSent(entry.id) }
        try await store.close()
    }

    @Test("a dead letter leaves the queue; release puts it back at the tail")
    func deadLetters() async throws {
        let t = try TempStore("dead")
        defer { t.cleanUp() }
        let store = try t.open()
        let ids = try await fill(store, 3, destination: "a", prefix: "X")
        let head = try #require(try await store.claimNext(destination: "a"))
        try await store.deadLetter(head.id, reason: "AR: rejected")
        let dead = try await store.listDeadLetters()
        #expect(dead.map(\.id) == [head.id])
        #expect(dead.first?.lastError == "AR: rejected")
        #expect(try await store.listDeadLetters(destination: "other").isEmpty)
        #expect(try await store.message(ids[0])?.status == .deadLettered)
        #expect(try await store.statistics().deadLetters == 1)
        // The next entry is the head now.
        let second = try #require(try await store.claimNext(destination: "a"))
        #expect(second.messageID == ids[1])
        try await store.release(head.id)
        #expect(try await store.listDeadLetters().isEmpty)
        await #expect(throws: StoreError.self) { try await store.release(head.id) }
        try await store.markSent(second.id)
        // Released to the tail: after ids[2].
        let third = try #require(try await store.claimNext(destination: "a"))
        #expect(third.messageID == ids[2])
        try await store.markSent(third.id)
        let released = try #require(try await store.claimNext(destination: "a"))
        #expect(released.id == head.id)
        #expect(released.attempts == 0)
        try await store.markSent(released.id)
        #expect(try await store.message(ids[0])?.status == .sent)
        try await store.close()
    }

    @Test("resend and enqueue add entries at the tail; entries in flight at a restart are pending again")
    func resendAndRestart() async throws {
        let t = try TempStore("resend")
        defer { t.cleanUp() }
        var store = try t.open()
        let payload = Array("MSH|^~\\&|T\r".utf8)
        let id = try await store.receive(try inbound("S1"), deliveries: [Delivery(destination: "a", payload: payload)]).id
        let first = try #require(try await store.claimNext(destination: "a"))
        try await store.markSent(first.id)
        let again = try await store.resend(id, destination: "a")
        let extra = try await store.enqueue([Delivery(destination: "b")], for: id, event: StateChange(.replayed, reason: "operator"))
        #expect(extra.count == 1)
        let m = try #require(try await store.message(id))
        #expect(m.entries.map(\.destination) == ["a", "a", "b"])
        #expect(m.history.map(\.state).contains(.resent))
        #expect(m.status == .queued)
        let claimed = try #require(try await store.claimNext(destination: "a"))
        #expect(claimed.id == again)
        #expect(claimed.payload == payload)
        // Crash while in flight (close without marking): after reopening it is handed out again.
        try await store.close()
        store = try t.open()
        let retried = try #require(try await store.claimNext(destination: "a"))
        #expect(retried.id == again)
        #expect(retried.payload == payload)
        try await store.close()
        await #expect(throws: StoreError.self) { _ = try await store.claimNext(destination: "a") }
    }
}

@Suite("Store claims")
struct ClaimTests {
    @Test("claim takes several due entries in order; markSent frees the next claim at once; markFailed ends the claim")
    func batchClaim() async throws {
        let t = try TempStore("claims")
        defer { t.cleanUp() }
        let store = try t.open()
        var ids: [MessageID] = []
        for i in 0 ..< 6 { ids.append(try await store.receive(try inbound("C\(i)"), deliveries: [Delivery(destination: "a")]).id) }
        let first = try await store.claim(destination: "a", limit: 3, now: Date())
        #expect(first.map(\.messageID) == Array(ids[0 ..< 3]))
        #expect(first.allSatisfy { $0.entry.status == .inFlight })
        #expect(try await store.queueEntry(first[0].id)?.status == .inFlight)
        #expect(try await store.claim(destination: "a", limit: 3, now: Date()).isEmpty)
        try await store.markSent(first[0].id)
        // Still two claimed: no new claim until they are settled.
        #expect(try await store.claimNext(destination: "a") == nil)
        _ = try await store.markFailed(first[1].id, error: "connection reset", retryAt: Date().addingTimeInterval(3600))
        // The failed one stays at the head, not due: nothing is claimable, and the third is pending again.
        #expect(try await store.queueEntry(first[2].id)?.status == .pending)
        #expect(try await store.claimNext(destination: "a") == nil)
        let retried = try await store.claim(destination: "a", limit: 10, now: Date().addingTimeInterval(3601))
        #expect(retried.map(\.messageID) == Array(ids[1...]))
        // Marking without awaiting each in turn: the next claim sees them settled at once.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for e in retried { group.addTask { try await store.markSent(e.id) } }
            try await group.waitForAll()
        }
        #expect(try await store.claimNext(destination: "a") == nil)
        #expect(try await store.activeDestinations().isEmpty)
        for id in ids { #expect(try await store.message(id)?.status == .sent) }
        // unclaim drops an open claim.
        let late = try await store.receive(try inbound("C9"), deliveries: [Delivery(destination: "a")]).id
        #expect(try await store.claimNext(destination: "a")?.messageID == late)
        await store.unclaim(destination: "a")
        #expect(try await store.claimNext(destination: "a")?.messageID == late)
        try await store.close()
    }
}

@Suite("Store sent marks without waiting")
struct SentWithoutWaitingTests {
    @Test("markSentWithoutWaiting frees the next entry at once; the marks are committed by close")
    func pipelined() async throws {
        let t = try TempStore("nowait")
        defer { t.cleanUp() }
        var store = try t.open()
        var ids: [MessageID] = []
        for i in 0 ..< 50 { ids.append(try await store.receive(try inbound("P\(i)"), deliveries: [Delivery(destination: "a")]).id) }
        var delivered: [MessageID] = []
        while let e = try await store.claimNext(destination: "a") {
            delivered.append(e.messageID)
            store.markSentWithoutWaiting(e.id, at: Date(), response: "AA")
        }
        #expect(delivered == ids)
        try await store.close()
        store = try t.open()
        #expect(try await store.claimNext(destination: "a") == nil)
        for id in ids { #expect(try await store.message(id)?.status == .sent) }
        try await store.close()
    }
}
