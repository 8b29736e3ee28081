import Foundation

/// A message's state: the kind of each state change in its history, and its current status.
public enum MessageStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Journaled (the first state change of every message).
    case received
    /// A channel filter dropped it: nothing to deliver.
    case filtered
    /// A transform produced the destination's form.
    case transformed
    /// Waiting in one or more destinations' queues.
    case queued
    /// Delivered to every destination it was queued for (as a state change: to `destination`).
    case sent
    /// An attempt failed (it will be retried), or processing failed.
    case error
    /// At least one destination gave up on it (see the dead letters).
    case deadLettered = "dead-lettered"
    /// Run again through its channel.
    case replayed
    /// Enqueued again for a destination by an operator.
    case resent
    /// The same sender and control ID arrived again within the duplicate window (history only:
    /// never a message's status).
    case duplicate
}

/// One entry of a message's state history.
public struct StateChange: Sendable, Hashable {
    public var state: MessageStatus
    public var at: Date
    /// The destination it concerns, if any.
    public var destination: String?
    /// Why (an error, the filter that dropped it, the operator's note, …); no PHI.
    public var reason: String?

    public init(_ state: MessageStatus, at: Date = Date(), destination: String? = nil, reason: String? = nil) {
        self.state = state
        self.at = at
        self.destination = destination
        self.reason = reason
    }
}

/// A journal entry without its bytes, as listed.
public struct MessageSummary: Sendable, Hashable {
    public var id: MessageID
    public var kind: MessageKind
    public var channel: String
    public var sender: String
    public var controlID: String
    public var messageType: String
    public var receivedAt: Date
    public var status: MessageStatus
    /// Size of the raw message in bytes.
    public var size: Int

    public init(id: MessageID, kind: MessageKind, channel: String, sender: String, controlID: String, messageType: String, receivedAt: Date, status: MessageStatus, size: Int) {
        self.id = id
        self.kind = kind
        self.channel = channel
        self.sender = sender
        self.controlID = controlID
        self.messageType = messageType
        self.receivedAt = receivedAt
        self.status = status
        self.size = size
    }
}

/// A journal entry in full: raw bytes, metadata, state history and queue entries.
public struct StoredMessage: Sendable, Hashable {
    public var summary: MessageSummary
    public var raw: [UInt8]
    public var metadata: [String: String]
    /// Every state change, oldest first.
    public var history: [StateChange]
    /// Its queue entries (one per delivery, including sent and dead-lettered ones), oldest first.
    public var entries: [QueueEntry]

    public var id: MessageID { summary.id }
    public var status: MessageStatus { summary.status }

    public init(summary: MessageSummary, raw: [UInt8], metadata: [String: String], history: [StateChange], entries: [QueueEntry]) {
        self.summary = summary
        self.raw = raw
        self.metadata = metadata
        self.history = history
        self.entries = entries
    }
}
