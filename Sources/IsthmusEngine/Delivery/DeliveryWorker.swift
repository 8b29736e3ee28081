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

    /// Claims and delivers the head entry if it is due; false when there was none.
    @discardableResult
    public func deliverNext(now: Date = Date()) async throws -> Bool {
        guard let entry = try await store.claimNext(destination: queue, now: now) else { return false }
        let outcome = await sender.deliver(entry)
        let meta: Logger.Metadata = ["entry": "\(entry.id)", "message": "\(entry.messageID)"]
        switch outcome {
        case .delivered(let response):
            // Not waiting for the commit: a crash before it only means this entry is sent again (at least once).
            store.markSentWithoutWaiting(entry.id, at: Date(), response: response)
            logger.debug("delivered", metadata: meta.merging(["response": "\(response)"]) { a, _ in a })
        case .failed(let failure, let reason):
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
        return true
    }
}
