// One destination's delivery loop: at least once, in order. The head of the queue is claimed, handed to the
// sender, and marked sent only when the destination accepted it; a failure keeps it at the head until the
// retry policy's next attempt, or dead-letters it. Nothing is counted as sent that was not acknowledged.

import Foundation
import IsthmusStore
import Logging

/// Delivers one queue's entries until cancelled.
public struct DeliveryWorker: Sendable {
    public let queue: String
    public let store: any Store
    public let sender: any DestinationSender
    public let policy: RetryPolicy
    public let logger: Logger
    /// How often an idle queue is looked at again (new entries arrive from other tasks).
    public var idlePoll: Duration = .milliseconds(50)
    /// How many due entries one claim takes from the head of the queue. They are still sent one at a time and
    /// in order; the claim only saves a store read per entry. A failure releases the rest of the claim.
    public var batchSize = 32

    public init(queue: String, store: any Store, sender: any DestinationSender, policy: RetryPolicy = RetryPolicy(), logger: Logger) {
        self.queue = queue
        self.store = store
        self.sender = sender
        self.policy = policy
        var l = logger
        l[metadataKey: "queue"] = "\(queue)"
        self.logger = l
    }

    /// Runs until the task is cancelled; an entry being delivered is finished first.
    public func run() async {
        while !Task.isCancelled {
            do {
                if try await deliverNext() { continue }
                let next = try await store.nextAttempt(destination: queue)
                var wait = idlePoll
                if let next {
                    let seconds = next.timeIntervalSinceNow
                    wait = seconds <= 0 ? .zero : min(idlePoll, .milliseconds(Int64(seconds * 1000)))
                }
                if wait > .zero { try await Task.sleep(for: wait) }
            } catch is CancellationError {
                break
            } catch {
                logger.error("delivery worker: store error, retrying in 1 s", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
        await sender.close()
    }

    /// Claims up to `batchSize` due entries from the head of the queue and delivers them in order; stops at the
    /// first failure (retried or dead-lettered by the policy, the rest of the claim back to pending). False when
    /// nothing was due.
    @discardableResult
    public func deliverNext(now: Date = Date()) async throws -> Bool {
        let entries = try await store.claim(destination: queue, limit: batchSize, now: now)
        guard !entries.isEmpty else { return false }
        let store = self.store, logger = self.logger
        let outcomes = await sender.deliver(entries) { entry, response in
            // Not waiting for the commit: a crash before it only means this entry is sent again (at least once).
            store.markSentWithoutWaiting(entry.id, at: Date(), response: response)
            logger.debug("delivered", metadata: ["entry": "\(entry.id)", "message": "\(entry.messageID)", "response": "\(response)"])
        }
        if let last = outcomes.last, case .failed(let failure, let reason) = last {
            try await failed(entries[outcomes.count - 1], failure, reason: reason)
        } else if outcomes.count < entries.count {
            // Cancelled between two entries: the rest of the claim goes back to pending.
            await store.unclaim(destination: queue)
        }
        return true
    }

    /// Records a failed attempt: retried after the policy's delay, or dead-lettered (the claim is released).
    private func failed(_ entry: ClaimedEntry, _ failure: RetryPolicy.Failure, reason: String) async throws {
        let meta: Logger.Metadata = ["entry": "\(entry.id)", "message": "\(entry.messageID)"]
        let attempts = entry.attempts + 1
        switch policy.decision(afterAttempts: attempts, failure: failure) {
        case .retry(let delay):
            let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
            try await store.markFailed(entry.id, error: reason, retryAt: Date().addingTimeInterval(seconds))
            logger.notice("delivery failed, will retry", metadata: meta.merging(["attempts": "\(attempts)", "retryIn": "\(delay)", "reason": "\(reason)"]) { a, _ in a })
        case .deadLetter:
            try await store.markFailed(entry.id, error: reason, retryAt: Date())
            try await store.deadLetter(entry.id, reason: reason)
            logger.warning("dead-lettered", metadata: meta.merging(["attempts": "\(attempts)", "reason": "\(reason)"]) { a, _ in a })
        }
    }
}
