// What a delivery worker hands each claimed queue entry to: one sender per destination kind.

import IsthmusStore

/// The result of one delivery attempt.
public enum DeliveryOutcome: Sendable, Equatable {
    /// Delivered; `response` is what the destination answered (e.g. `AA ACK123`), kept in the journal.
    case delivered(response: String)
    /// Not delivered; the policy decides between retry and dead letter.
    case failed(RetryPolicy.Failure, reason: String)
}

/// Delivers queue entries to one destination. Called by one worker at a time, entries in queue order.
public protocol DestinationSender: Sendable {
    func deliver(_ entry: ClaimedEntry) async -> DeliveryOutcome
    /// Delivers `entries` in order and stops at the first one not delivered: one outcome per entry tried, all
    /// `.delivered` but possibly the last (fewer outcomes than entries without a failure: the task was cancelled).
    /// `delivered` is called for each entry as soon as the destination accepted it, with its response. The default
    /// calls `deliver(_:)` for each; a sender can do better (the MLLP sender chains the sends on the connection's
    /// event loop).
    func deliver(_ entries: [ClaimedEntry], delivered: @escaping @Sendable (ClaimedEntry, String) -> Void) async -> [DeliveryOutcome]
    /// Releases connections (the worker is stopping).
    func close() async
}

extension DestinationSender {
    public func close() async {}

    public func deliver(_ entries: [ClaimedEntry], delivered: @escaping @Sendable (ClaimedEntry, String) -> Void) async -> [DeliveryOutcome] {
        var outcomes: [DeliveryOutcome] = []
        for entry in entries {
            if !outcomes.isEmpty && Task.isCancelled { break }
            let outcome = await deliver(entry)
            outcomes.append(outcome)
            guard case .delivered(let response) = outcome else { break }
            delivered(entry, response)
        }
        return outcomes
    }
}
