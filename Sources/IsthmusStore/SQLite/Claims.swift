import Foundation
import Synchronization

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

/// Failures of writes no caller waits for (`markSentWithoutWaiting`, handed to the group commit directly, which
/// `close` waits for). Counted, not thrown: the entry stays pending and is delivered again.
final class BackgroundWrites: Sendable {
    private let count = Mutex(0)

    var failures: Int { count.withLock { $0 } }

    func recordFailure() { count.withLock { $0 += 1 } }
}
