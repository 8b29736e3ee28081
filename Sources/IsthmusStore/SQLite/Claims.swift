import Foundation

/// The queue entries claimed by delivery workers, kept in memory: a claim costs no commit, and
/// after a restart nothing is claimed (every entry not marked sent is pending again, which is what
/// at-least-once delivery needs). One destination has at most one claim (its head, or its first
/// `limit` entries) at a time.
final class Claims: @unchecked Sendable {
    private let lock = NSLock()
    /// destination → claimed entries, in queue order, not yet settled.
    private var claimed: [String: [Int64]] = [:]
    private var destinationOf: [Int64: String] = [:]
    /// Entries marked sent or dead-lettered whose commit is still running: skipped by claims.
    private var settling: Set<Int64> = []

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }

    func isClaimed(destination: String) -> Bool { locked { !(claimed[destination] ?? []).isEmpty } }

    func isClaimed(_ id: Int64) -> Bool { locked { destinationOf[id] != nil } }

    var settlingIDs: Set<Int64> { locked { settling } }

    /// Records the claim unless the destination got one meanwhile.
    func claim(_ ids: [Int64], destination: String) -> Bool {
        locked {
            guard (claimed[destination] ?? []).isEmpty else { return false }
            claimed[destination] = ids
            for id in ids { destinationOf[id] = destination }
            return true
        }
    }

    /// The entry is done (sent or dead-lettered) as far as claims go; its commit is running.
    func beginSettling(_ id: Int64) {
        locked {
            settling.insert(id)
            removeClaim(id)
        }
    }

    func endSettling(_ id: Int64) { _ = locked { settling.remove(id) } }

    /// Drops the destination's claim (all its entries go back to pending).
    func release(destination: String) {
        locked {
            for id in claimed[destination] ?? [] { destinationOf[id] = nil }
            claimed[destination] = nil
        }
    }

    func destination(of id: Int64) -> String? { locked { destinationOf[id] } }

    private func removeClaim(_ id: Int64) {
        guard let d = destinationOf.removeValue(forKey: id) else { return }
        claimed[d]?.removeAll { $0 == id }
        if claimed[d]?.isEmpty == true { claimed[d] = nil }
    }
}

/// Writes started without a caller waiting for them (`markSentWithoutWaiting`); `close` waits for
/// them. Their failures are counted, not thrown: the entry stays pending and is delivered again.
final class BackgroundWrites: @unchecked Sendable {
    private let lock = NSLock()
    private var tasks: [Int: Task<Void, Never>] = [:]
    private var next = 0
    private var failureCount = 0

    var failures: Int {
        lock.lock()
        defer { lock.unlock() }
        return failureCount
    }

    func run(_ body: @escaping @Sendable () async throws -> Void) {
        lock.lock()
        defer { lock.unlock() }
        let key = next
        next += 1
        // Registered under the lock, so the task's own removal (which takes the lock) comes after.
        tasks[key] = Task {
            var failed = false
            do { try await body() } catch { failed = true }
            self.finished(key, failed: failed)
        }
    }

    private func finished(_ key: Int, failed: Bool) {
        lock.lock()
        defer { lock.unlock() }
        tasks[key] = nil
        if failed { failureCount += 1 }
    }

    private var pending: [Task<Void, Never>] {
        lock.lock()
        defer { lock.unlock() }
        return Array(tasks.values)
    }

    /// Waits for every write started so far.
    func drain() async {
        while true {
            let pending = self.pending
            if pending.isEmpty { return }
            for t in pending { await t.value }
        }
    }
}
