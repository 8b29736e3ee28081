import Foundation
import GRDB

/// Group commit: write requests from any number of tasks queue here; one drain loop takes every
/// request waiting (up to `maxBatch`) into one transaction, so N concurrent writers cost one
/// commit (one fsync of the WAL) instead of N. With a `WALSync` (pipelined durability, the default) the
/// commit itself does not wait for the disk: the batch's callers are resumed by the syncer once the WAL is
/// flushed, and the next batch commits meanwhile. Each request runs in its own savepoint: one that
/// fails for its own reason (an unknown id) is rolled back alone and fails only its caller; a
/// failing commit, or a database-level failure (disk full, read-only, I/O), fails every request
/// of the batch and nothing of the batch is stored. Callers resume only after the commit.
actor WriteBatcher {
    typealias Completion = @Sendable (Result<Void, any Error>) -> Void

    struct Request: Sendable {
        /// Runs the operation; returns what to do once the batch committed or failed.
        let run: @Sendable (Database) throws -> Completion
        let fail: @Sendable (any Error) -> Void
    }

    private let writer: DatabasePool
    /// Pipelined durability: commits are made durable by this syncer before their callers resume. nil: the
    /// connection syncs at each commit itself (`synchronous=FULL`).
    private let sync: WALSync?
    private let maxBatch: Int
    private let maxWait: Duration
    private var pending: [Request] = []
    private var draining = false
    private var closed = false
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []
    private(set) var transactions = 0
    private(set) var writes = 0

    init(writer: DatabasePool, maxBatch: Int, maxWait: Duration = .zero, sync: WALSync? = nil) {
        self.writer = writer
        self.sync = sync
        self.maxBatch = max(1, maxBatch)
        self.maxWait = maxWait
    }

    /// Runs `operation` in the next group commit and returns its result after the commit.
    func submit<T: Sendable>(_ operation: @escaping @Sendable (Database) throws -> T) async throws -> T {
        guard !closed else { throw StoreError(.closed, "the store is closed") }
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let request = Request(
                run: { db in
                    let value = try operation(db)
                    return { result in
                        switch result {
                        case .success: continuation.resume(returning: value)
                        case .failure(let error): continuation.resume(throwing: error)
                        }
                    }
                },
                fail: { continuation.resume(throwing: $0) })
            pending.append(request)
            if !draining {
                draining = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        var last = 0
        while !pending.isEmpty {
            // Let callers just resumed by the previous commit submit their next write first, so
            // they join this batch instead of waiting for the one after it.
            await Task.yield()
            // Commit delay: fewer waiting than the last batch had — the rest are likely on their way
            // (a sender got its ACK and is sending the next message). Wait a little for them rather
            // than spend a whole commit on a few and leave the others for the one after.
            if maxWait > .zero, pending.count < min(last, maxBatch) {
                let deadline = ContinuousClock.now + maxWait
                while pending.count < min(last, maxBatch), ContinuousClock.now < deadline {
                    try? await Task.sleep(for: .microseconds(50))
                }
            }
            let count = min(pending.count, maxBatch)
            last = count
            let batch = Array(pending.prefix(count))
            pending.removeFirst(count)
            if let failure = sync?.sticky {
                for request in batch { request.fail(failure) }
                continue
            }
            do {
                let completions = try await writer.write { db -> [Completion] in
                    var completions: [Completion] = []
                    completions.reserveCapacity(batch.count)
                    for request in batch {
                        do {
                            var completion: Completion?
                            try db.inSavepoint {
                                completion = try request.run(db)
                                return .commit
                            }
                            if let completion { completions.append(completion) }
                        } catch let error as DatabaseError where error.abortsBatch {
                            // The database itself failed: the whole batch fails (the transaction
                            // may already have been rolled back by SQLite).
                            throw error
                        } catch {
                            let fail = request.fail
                            completions.append { _ in fail(error) }
                        }
                    }
                    return completions
                }
                transactions += 1
                writes += batch.count
                if let sync {
                    // Committed, not yet durable: resumed by the first WAL sync that starts after this point,
                    // while the next batch commits.
                    sync.committed(completions)
                } else {
                    for completion in completions { completion(.success(())) }
                }
            } catch {
                let mapped = StoreError(error)
                for request in batch { request.fail(mapped) }
            }
        }
        draining = false
        let waiters = idleWaiters
        idleWaiters.removeAll()
        for w in waiters { w.resume() }
    }

    /// Refuses new requests and waits until the ones queued have committed.
    func close() async {
        closed = true
        if draining { await withCheckedContinuation { idleWaiters.append($0) } }
        await sync?.drain()
    }

    var isClosed: Bool { closed }
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
