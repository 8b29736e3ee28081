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
    /// Releases connections (the worker is stopping).
    func close() async
}

extension DestinationSender {
    public func close() async {}
}
