import Foundation
import GRDB

/// Group commit: write requests from any number of tasks or threads queue here; one drain loop, on a serial
/// dispatch queue of its own, takes every request waiting (up to `maxBatch`) into one transaction, so N
/// concurrent writers cost one commit (one fsync of the WAL) instead of N. With a `WALSync` (pipelined
/// durability, the default) the commit itself does not wait for the disk: the batch's callers are completed by
/// the syncer once the WAL is flushed, and the next batch commits meanwhile. A request that fails for its own
/// reason (an unknown id) is rolled back alone and fails only its caller (the batch runs without savepoints; when
/// a request fails, the transaction is rolled back and the batch run again with a savepoint per request); a
/// failing commit, or a database-level failure (disk full, read-only, I/O), fails every request of the batch
/// and nothing of the batch is stored. Callers are completed only after the commit (and its sync).
///
/// The drain loop runs GRDB's synchronous write on its own thread and keeps running while requests keep
/// arriving: under load a request costs no thread hand-off on the way in, and callers that submit with a
/// completion handler (``enqueue(_:completion:)``, the MLLP intake's path) none on the way out either —
/// their completion runs on the thread that made the commit durable.
final class WriteBatcher: @unchecked Sendable {
    typealias Completion = @Sendable (Result<Void, any Error>) -> Void

    struct Request: Sendable {
        /// Runs the operation; returns what to do once the batch committed or failed.
        let run: @Sendable (Database) throws -> Completion
        let fail: @Sendable (any Error) -> Void
        /// Whether its caller needs the commit durable before it completes (false: an entry marked sent).
        let durable: Bool
    }

    private let writer: DatabasePool
    /// Pipelined durability: commits are made durable by this syncer before their callers resume. nil: the
    /// connection syncs at each commit itself (`synchronous=FULL`).
    private let sync: WALSync?
    private let maxBatch: Int
    private let maxWait: Duration
    private let lazyWait: Duration
    private let queue = DispatchQueue(label: "IsthmusStore.WriteBatcher")
    /// Guards everything below; signalled when a request arrives (for the commit delay).
    private let condition = NSCondition()
    private var pending: [Request] = []
    private var draining = false
    private var closed = false
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []
    private var _transactions = 0
    private var _writes = 0

    /// Marks the drain loop's queue: ``onWriterQueue`` tells code whether the writer itself runs it.
    private static let queueKey = DispatchSpecificKey<Bool>()
    /// Whether the caller runs on a writer's drain loop (for tests of where WAL syncs run).
    static var onWriterQueue: Bool { DispatchQueue.getSpecific(key: queueKey) ?? false }

    init(writer: DatabasePool, maxBatch: Int, maxWait: Duration = .zero, lazyWait: Duration = .zero, sync: WALSync? = nil) {
        queue.setSpecific(key: Self.queueKey, value: true)
        self.writer = writer
        self.sync = sync
        self.maxBatch = max(1, maxBatch)
        self.maxWait = maxWait
        self.lazyWait = lazyWait
    }

    var transactions: Int { condition.withLock { _transactions } }
    var writes: Int { condition.withLock { _writes } }
    var isClosed: Bool { condition.withLock { closed } }

    /// Runs `operation` in the next group commit and returns its result after the commit.
    func submit<T: Sendable>(_ operation: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            enqueue(operation) { continuation.resume(with: $0) }
        }
    }

    /// Runs `operation` in the next group commit; `completion` gets its result once the commit is durable (or
    /// failed), on the thread that knows: the syncer's, the writer's, or this one when the store is closed.
    /// Not `durable` (writes whose loss in a crash is harmless: an entry marked sent is only sent again): it waits
    /// up to `lazyWait` for a durable request to share its transaction, completes once committed, and a
    /// transaction of such requests alone starts no WAL flush (the next flush, or closing the store, covers it).
    func enqueue<T: Sendable>(_ operation: @escaping @Sendable (Database) throws -> T, durable: Bool = true,
                              completion: @escaping @Sendable (Result<T, any Error>) -> Void) {
        let request = Request(
            run: { db in
                let value = try operation(db)
                return { result in completion(result.map { value }) }
            },
            fail: { completion(.failure($0)) },
            durable: durable)
        condition.lock()
        if closed {
            condition.unlock()
            completion(.failure(StoreError(.closed, "the store is closed")))
            return
        }
        pending.append(request)
        let start = !draining
        draining = true
        condition.signal()
        condition.unlock()
        if start { queue.async { self.drain() } }
    }

    private func drain() {
        var last = 0
        while true {
            condition.lock()
            // Commit delay: fewer waiting than the last batch had — the rest are likely on their way (a sender
            // got its ACK and is sending the next message). Wait a little for them rather than spend a whole
            // commit on a few and leave the others for the one after.
            if maxWait > .zero, !pending.isEmpty, pending.count < min(last, maxBatch) {
                let deadline = Date(timeIntervalSinceNow: maxWait.seconds)
                while pending.count < min(last, maxBatch), condition.wait(until: deadline) {}
            }
            // Only writes nobody waits to see durable (entries marked sent): they wait a little for one that
            // somebody does and share its transaction, rather than cost a transaction of their own.
            if lazyWait > .zero, !closed, !pending.isEmpty, !pending.contains(where: \.durable) {
                let deadline = Date(timeIntervalSinceNow: lazyWait.seconds)
                while !closed, !pending.contains(where: \.durable), condition.wait(until: deadline) {}
            }
            if pending.isEmpty {
                draining = false
                let waiters = idleWaiters
                idleWaiters.removeAll()
                condition.unlock()
                for w in waiters { w.resume() }
                return
            }
            let count = min(pending.count, maxBatch)
            let batch = Array(pending.prefix(count))
            pending.removeFirst(count)
            condition.unlock()
            last = count
            commit(batch)
        }
    }

    /// One transaction for `batch`, on the drain loop's thread.
    private func commit(_ batch: [Request]) {
        if let failure = sync?.sticky {
            for request in batch { request.fail(failure) }
            return
        }
        do {
            let completions: [Completion]
            do {
                // Fast path: the requests one after the other, no savepoint each (two statements per request saved).
                completions = try writer.writeWithoutTransaction { db in try Self.transaction(db) { try Self.run(batch, db, isolated: false) } }
            } catch is RequestFailed {
                // One request failed for its own reason, and the transaction was rolled back: again, each request in
                // a savepoint of its own, so that only the failing one is left out.
                completions = try writer.writeWithoutTransaction { db in try Self.transaction(db) { try Self.run(batch, db, isolated: true) } }
            }
            condition.withLock {
                _transactions += 1
                _writes += batch.count
            }
            if let sync, batch.contains(where: \.durable) {
                // Committed, not yet durable: completed by the first WAL sync that starts after this point,
                // while the next batch commits.
                sync.committed(completions)
            } else if let sync {
                // Nobody waits for these to be durable: no flush of their own.
                sync.committedLazily()
                for completion in completions { completion(.success(())) }
            } else {
                for completion in completions { completion(.success(())) }
            }
        } catch {
            let mapped = StoreError(error)
            for request in batch { request.fail(mapped) }
        }
    }

    /// `body` in one transaction (BEGIN IMMEDIATE … COMMIT, rolled back if it throws or the commit fails), with the two
    /// statements prepared once: GRDB's `write` builds and prepares them from SQL text for every transaction.
    private static func transaction<T>(_ db: Database, _ body: () throws -> T) throws -> T {
        try db.hot("BEGIN IMMEDIATE", [])
        do {
            let value = try body()
            try db.hot("COMMIT", [])
            return value
        } catch {
            // SQLite may have rolled back already (a full disk, an I/O error): only roll back what is still open.
            if db.isInsideTransaction { try? db.hot("ROLLBACK", []) }
            throw error
        }
    }

    /// A request failed for its own reason in a transaction without savepoints: roll back and run the batch isolated.
    private struct RequestFailed: Error {}

    /// Runs the batch's requests in the current transaction; their completions, in order. A database-level failure
    /// is rethrown (the whole batch fails). Any other failure of a request: `isolated` — its savepoint is rolled back
    /// and it alone fails; not `isolated` — ``RequestFailed`` (the caller rolls back and runs the batch isolated).
    private static func run(_ batch: [Request], _ db: Database, isolated: Bool) throws -> [Completion] {
        var completions: [Completion] = []
        completions.reserveCapacity(batch.count)
        for request in batch {
            do {
                if isolated {
                    var completion: Completion?
                    try db.inSavepoint {
                        completion = try request.run(db)
                        return .commit
                    }
                    if let completion { completions.append(completion) }
                } else {
                    completions.append(try request.run(db))
                }
            } catch let error as DatabaseError where error.abortsBatch {
                // The database itself failed: the whole batch fails (the transaction may already have been rolled
                // back by SQLite).
                throw error
            } catch {
                guard isolated else { throw RequestFailed() }
                let fail = request.fail
                completions.append { _ in fail(error) }
            }
        }
        return completions
    }

    /// Refuses new requests and waits until the ones queued have committed and are durable.
    func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            closed = true
            condition.broadcast()   // a drain loop holding lazy writes back commits them now
            if draining {
                idleWaiters.append(continuation)
                condition.unlock()
            } else {
                condition.unlock()
                continuation.resume()
            }
        }
        await sync?.drain()
    }
}

extension DatabaseError {
    /// Failures of the database rather than of one request: they end the whole transaction.
    var abortsBatch: Bool {
        switch resultCode.primaryResultCode {
        case .SQLITE_CONSTRAINT, .SQLITE_MISMATCH, .SQLITE_RANGE, .SQLITE_TOOBIG: false
        default: true
        }
    }
}
