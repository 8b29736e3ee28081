import Foundation

/// Where a queue entry is.
public enum QueueStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Waiting for its (next) attempt.
    case pending
    /// Claimed by a delivery worker.
    case inFlight = "in-flight"
    /// Delivered.
    case sent
    /// Given up on; out of the queue until released.
    case deadLettered = "dead-lettered"
}

/// One message's delivery to one destination.
public struct QueueEntry: Sendable, Hashable {
    public var id: QueueEntryID
    public var messageID: MessageID
    public var destination: String
    public var status: QueueStatus
    /// Failed attempts so far.
    public var attempts: Int
    /// When the entry is due (its next attempt).
    public var nextAttemptAt: Date
    /// The last attempt's error, or the dead-letter reason.
    public var lastError: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var sentAt: Date?
    /// The destination's response to the delivery (e.g. the ACK's MSA), if recorded.
    public var response: String?
    /// Whether the entry has its own (transformed) payload; otherwise the raw message is sent.
    public var hasPayload: Bool

    public init(
        id: QueueEntryID, messageID: MessageID, destination: String, status: QueueStatus, attempts: Int, nextAttemptAt: Date,
        lastError: String?, createdAt: Date, updatedAt: Date, sentAt: Date?, response: String?, hasPayload: Bool
    ) {
        self.id = id
        self.messageID = messageID
        self.destination = destination
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.sentAt = sentAt
        self.response = response
        self.hasPayload = hasPayload
    }
}

/// A queue entry claimed for delivery, with what to send.
public struct ClaimedEntry: Sendable, Hashable {
    public var entry: QueueEntry
    /// The bytes to send: the entry's payload, or the raw message.
    public var payload: [UInt8]
    public var kind: MessageKind
    /// The message's metadata (for DICOM entries, `path` names the Part 10 file in the content folder).
    public var metadata: [String: String]

    public var id: QueueEntryID { entry.id }
    public var messageID: MessageID { entry.messageID }
    public var attempts: Int { entry.attempts }

    public init(entry: QueueEntry, payload: [UInt8], kind: MessageKind, metadata: [String: String]) {
        self.entry = entry
        self.payload = payload
        self.kind = kind
        self.metadata = metadata
    }
}
