import Foundation
@testable import IsthmusStore
import Testing

/// Pipelined durability (`WALSync`): a write returns only after a flush of the WAL that started after its
/// commit; several flushes overlap; a failed flush fails the writes waiting on it and every write after.
@Suite("Store durability", .serialized)
struct DurabilityTests {
    /// A WAL flush the test opens and closes: each call records itself and blocks until released.
    final class Gate: @unchecked Sendable {
        private let lock = NSCondition()
        private var open = false
        private var result: Int32 = 0
        private(set) var calls = 0
        private(set) var concurrent = 0
        private(set) var maximumConcurrent = 0

        var flush: WALSync.Flush {
            { [self] _ in
                lock.lock()
                calls += 1
                concurrent += 1
                maximumConcurrent = max(maximumConcurrent, concurrent)
                while !open { lock.wait() }
                concurrent -= 1
                let r = result
                lock.unlock()
                return r
            }
        }

        func release(result: Int32 = 0) {
            lock.lock()
            open = true
            self.result = result
            lock.broadcast()
            lock.unlock()
        }

        var callCount: Int { lock.lock(); defer { lock.unlock() }; return calls }
        var maxConcurrent: Int { lock.lock(); defer { lock.unlock() }; return maximumConcurrent }
    }

    final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var v = false
        func set() { lock.withLock { v = true } }
        var value: Bool { lock.withLock { v } }
    }

    static func eventually(_ condition: () -> Bool) async throws {
        let end = ContinuousClock.now + .seconds(20)
        while !condition(), ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(2)) }
    }

    @Test("a receive is committed (visible) before the flush but returns only after it")
    func writeWaitsForTheFlush() async throws {
        let t = try TempStore("durability-wait")
        defer { t.cleanUp() }
        let gate = Gate()
        let store = try t.open { $0.walFlush = gate.flush; $0.inlineSyncBelow = nil }
        let done = Flag()
        let write = Task {
            let outcome = try await store.receive(try inbound("D1"), deliveries: [Delivery(destination: "out")])
            done.set()
            return outcome.id
        }
        try await Self.eventually { gate.callCount >= 1 }
        #expect(gate.callCount >= 1, "a flush was started after the commit")
        // Committed: a reader sees it. Not acknowledged: the writer is still waiting for the disk.
        #expect(try await store.listMessages(limit: 0).map(\.controlID) == ["D1"])
        #expect(done.value == false, "the write must not return before its flush")
        gate.release()
        let id = try await write.value
        #expect(done.value)
        #expect(try await store.message(id)?.summary.controlID == "D1")
        try await store.close()
    }

    @Test("flushes overlap: commits go on while earlier flushes are in flight")
    func flushesOverlap() async throws {
        let t = try TempStore("durability-overlap")
        defer { t.cleanUp() }
        let gate = Gate()
        let store = try t.open {
            $0.walFlush = gate.flush
            $0.inlineSyncBelow = nil
            $0.maximumSyncsInFlight = 3
        }
        // One write at a time until three flushes are blocked, each started by a commit made after the last one.
        var writes: [Task<MessageID, any Error>] = []
        for i in 0 ..< 3 {
            writes.append(Task { try await store.receive(try inbound("O\(i)"), deliveries: [Delivery(destination: "out")]).id })
            try await Self.eventually { gate.callCount >= i + 1 }
        }
        #expect(gate.maxConcurrent == 3, "three flushes in flight at once")
        for i in 3 ..< 40 {
            writes.append(Task { try await store.receive(try inbound("O\(i)"), deliveries: [Delivery(destination: "out")]).id })
        }
        let end = ContinuousClock.now + .seconds(20)
        while (try await store.statistics().messages) < 40, ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(2)) }
        #expect(try await store.statistics().messages == 40, "every write committed while the flushes were blocked")
        #expect(gate.callCount == 3, "no fourth flush while three are in flight")
        gate.release()
        var ids: Set<MessageID> = []
        for w in writes { ids.insert(try await w.value) }
        #expect(ids.count == 40)
        try await store.close()
    }

    @Test("a failed flush fails its writes and every later one (sticky), with the errno")
    func failedFlushIsSticky() async throws {
        let t = try TempStore("durability-fail")
        defer { t.cleanUp() }
        let gate = Gate()
        let store = try t.open { $0.walFlush = gate.flush; $0.inlineSyncBelow = nil }
        let first = Task { try await store.receive(try inbound("F1"), deliveries: []) }
        try await Self.eventually { gate.callCount >= 1 }
        gate.release(result: EIO)
        await #expect(throws: StoreError.self) { _ = try await first.value }
        do {
            _ = try await store.receive(try inbound("F2"), deliveries: [])
            Issue.record("a write after a failed flush succeeded")
        } catch let error as StoreError {
            #expect(error.code == .io)
            #expect("\(error)".contains("fdatasync"))
        }
        try? await store.close()
    }

    @Test("the real fdatasync: writes return and survive reopening")
    func realFlush() async throws {
        let t = try TempStore("durability-real")
        defer { t.cleanUp() }
        var store = try t.open()
        for i in 0 ..< 20 { _ = try await store.receive(try inbound("R\(i)"), deliveries: [Delivery(destination: "out")]) }
        try await store.close()
        store = try t.open()
        #expect(try await store.statistics().messages == 20)
        try await store.close()
    }

    /// A flush that takes `delay`, counting its calls and whether it ran on the committing thread (the store's
    /// writer queue) or on a sync thread.
    final class TimedFlush: @unchecked Sendable {
        let delay: Duration
        private let lock = NSLock()
        private var onWriter = 0
        private var elsewhere = 0
        init(delay: Duration) { self.delay = delay }
        var flush: WALSync.Flush {
            { [self] _ in
                // Only the time a flush takes matters here (the real fdatasync's time varies with the disk).
                let inline = WriteBatcher.onWriterQueue
                lock.withLock { if inline { onWriter += 1 } else { elsewhere += 1 } }
                Thread.sleep(forTimeInterval: delay.seconds)
                return 0
            }
        }
        var counts: (writer: Int, elsewhere: Int) { lock.withLock { (onWriter, elsewhere) } }
    }

    /// 60 concurrent receives through `store` (which already holds `before` messages), which it closes; then every
    /// one is readable after reopening.
    func sixtyWrites(_ t: TempStore, _ store: SQLiteStore, before: Int = 0) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0 ..< 60 { group.addTask { _ = try await store.receive(try inbound("F\(i)"), deliveries: [Delivery(destination: "out")]) } }
            try await group.waitForAll()
        }
        try await store.close()
        let reopened = try t.open()
        #expect(try await reopened.statistics().messages == 60 + before)
        try await reopened.close()
    }

    @Test("fast flushes run on the writer itself, never on a sync thread; every write returns and is stored")
    func fastFlushesInline() async throws {
        let t = try TempStore("durability-inline")
        defer { t.cleanUp() }
        let timed = TimedFlush(delay: .microseconds(100))
        // "Fast" is anything under a second: a loaded machine may stretch a 100 µs sleep to milliseconds.
        let store = try t.open { $0.walFlush = timed.flush; $0.inlineSyncBelow = .seconds(1) }
        let sync = try #require(store.walSync)
        try await sixtyWrites(t, store)
        #expect(timed.counts.writer > 0)
        #expect(timed.counts.elsewhere == 0)
        #expect(sync.inlineSyncs == sync.syncs)
    }

    @Test("once flushes are slow they move to the sync threads")
    func slowFlushesMoveOff() async throws {
        let t = try TempStore("durability-slow")
        defer { t.cleanUp() }
        let timed = TimedFlush(delay: .milliseconds(8))
        let store = try t.open { $0.walFlush = timed.flush; $0.inlineSyncBelow = .milliseconds(5) }
        let sync = try #require(store.walSync)
        // One write after the other: a commit and a flush each. The first flush runs on the writer (nothing
        // measured yet); it takes 8 ms, so every later one goes to a sync thread.
        for i in 0 ..< 6 { _ = try await store.receive(try inbound("S\(i)")) }
        #expect(timed.counts.writer == 1)
        #expect(timed.counts.elsewhere == 5)
        #expect(sync.inlineSyncs == 1)
        // Concurrent writes after that still all return and are stored.
        try await sixtyWrites(t, store, before: 6)
        #expect(timed.counts.writer == 1)
    }

    @Test("entries marked sent without waiting share the next receive's transaction and flush; closing the store commits and flushes them",
          .timeLimit(.minutes(1)))
    func marksSentRideAlong() async throws {
        let t = try TempStore("durability-lazy")
        defer { t.cleanUp() }
        let timed = TimedFlush(delay: .zero)
        // Marks wait (up to 30 s here) for a write somebody waits for.
        let store = try t.open { $0.walFlush = timed.flush; $0.inlineSyncBelow = .seconds(1); $0.lazyCommitWait = .seconds(30) }
        let sync = try #require(store.walSync)
        for i in 0 ..< 3 { _ = try await store.receive(try inbound("L\(i)"), deliveries: [Delivery(destination: "out")]) }
        let (transactions, flushes) = (store.batcher.transactions, sync.syncs)
        #expect(store.batcher.writes == 3)
        let claimed = try await store.claim(destination: "out", limit: 3, now: Date())
        #expect(claimed.count == 3)
        for entry in claimed { store.markSentWithoutWaiting(entry.id, at: Date(), response: "AA \(entry.id)") }
        try await Task.sleep(for: .milliseconds(50))
        #expect(store.batcher.writes == 3, "the marks wait for a receive")
        #expect(store.batcher.transactions == transactions)
        // The next receive commits them in its transaction, covered by its flush.
        _ = try await store.receive(try inbound("L3"))
        #expect(store.batcher.transactions == transactions + 1)
        #expect(store.batcher.writes == 7)
        #expect(sync.syncs == flushes + 1)
        #expect(try await store.statistics().queued == 0)
        #expect(try await store.listMessages(status: .sent).count == 3)
        // Marks alone again, then close: closing commits and flushes them at once (not after 30 s).
        _ = try await store.receive(try inbound("L4"), deliveries: [Delivery(destination: "out")])
        let last = try #require(try await store.claim(destination: "out", limit: 1, now: Date()).first)
        let before = sync.syncs
        store.markSentWithoutWaiting(last.id, at: Date(), response: "AA")
        try await store.close()
        #expect(store.batcher.writes == 9)
        #expect(sync.syncs == before + 1, "closing the store flushed the last mark")
        let reopened = try t.open()
        #expect(try await reopened.statistics().queued == 0)
        #expect(try await reopened.listMessages(status: .sent).count == 4)
        try await reopened.close()
    }

    @Test("with the default wait, marks sent alone are committed within milliseconds, without a flush")
    func marksSentAloneCommitSoon() async throws {
        let t = try TempStore("durability-lazy-alone")
        defer { t.cleanUp() }
        let timed = TimedFlush(delay: .zero)
        let store = try t.open { $0.walFlush = timed.flush; $0.inlineSyncBelow = .seconds(1) }
        let sync = try #require(store.walSync)
        _ = try await store.receive(try inbound("A0"), deliveries: [Delivery(destination: "out")])
        let flushes = sync.syncs
        let entry = try #require(try await store.claimNext(destination: "out", now: Date()))
        store.markSentWithoutWaiting(entry.id, at: Date(), response: "AA")
        try await Self.eventually { store.batcher.writes == 2 }
        #expect(store.batcher.writes == 2)
        #expect(try await store.listMessages(status: .sent).count == 1)
        #expect(sync.syncs == flushes, "no flush for a mark alone")
        try await store.close()
        #expect(sync.syncs == flushes + 1)
    }
}
