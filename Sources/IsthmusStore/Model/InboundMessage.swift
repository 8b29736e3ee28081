import Foundation
import HL7

/// What a journal entry holds.
public enum MessageKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// An HL7 v2 message (raw ER7 bytes).
    case hl7
    /// A DICOM instance (the raw bytes are empty; the Part 10 file is in the content folder).
    case dicom
}

/// A message as received, to be journaled by `Store.receive`.
public struct InboundMessage: Sendable, Hashable {
    public var kind: MessageKind
    /// The bytes as received (one ER7 message, segments separated by CR).
    public var raw: [UInt8]
    /// The channel (or listener) that received it.
    public var channel: String
    /// Who sent it: for HL7, MSH-3 and MSH-4 namespace IDs as `APP|FACILITY`; for DICOM, the calling AE title.
    public var sender: String
    /// MSH-10 (for DICOM, the SOP Instance UID). With `sender`, the key of duplicate detection.
    public var controlID: String
    /// MSH-9 as `CODE^EVENT` (e.g. `ADT^A01`); for DICOM, the SOP Class UID.
    public var messageType: String
    public var receivedAt: Date
    /// Parsed metadata worth listing or filtering on (e.g. `version`, `processingID`, `remote`); no PHI.
    public var metadata: [String: String]
    /// A repeat of (`sender`, `controlID`) received within this window of the original is a
    /// duplicate. nil: the store's default (`SQLiteStore.Configuration.duplicateWindow`);
    /// `.zero`: no duplicate detection for this message.
    public var duplicateWindow: Duration?

    public init(
        kind: MessageKind = .hl7, raw: [UInt8], channel: String, sender: String, controlID: String,
        messageType: String, receivedAt: Date = Date(), metadata: [String: String] = [:], duplicateWindow: Duration? = nil
    ) {
        self.kind = kind
        self.raw = raw
        self.channel = channel
        self.sender = sender
        self.controlID = controlID
        self.messageType = messageType
        self.receivedAt = receivedAt
        self.metadata = metadata
        self.duplicateWindow = duplicateWindow
    }

    /// Reads sender (MSH-3/MSH-4), control ID (MSH-10), type (MSH-9) and version, processing ID
    /// and character set (as metadata) from a parsed HL7 message.
    public init(_ message: Message, channel: String, receivedAt: Date = Date(), metadata: [String: String] = [:], duplicateWindow: Duration? = nil) {
        let app = message.sendingApplication.flatMap { $0.namespaceID ?? $0.universalID } ?? ""
        let facility = message.sendingFacility.flatMap { $0.namespaceID ?? $0.universalID } ?? ""
        var type = message.messageType ?? ""
        if let event = message.triggerEvent { type += "^" + event }
        var meta = metadata
        if let v = message.version { meta["version"] = v }
        if let p = message.processingID { meta["processingID"] = p }
        if let c = message.characterSetName { meta["characterSet"] = c }
        if let s = message.messageStructure { meta["structure"] = s }
        self.init(
            kind: .hl7, raw: message.serialized(), channel: channel, sender: app + "|" + facility,
            controlID: message.controlID ?? "", messageType: type, receivedAt: receivedAt, metadata: meta,
            duplicateWindow: duplicateWindow)
    }
}

/// One destination a message is to be delivered to: becomes one queue entry.
public struct Delivery: Sendable, Hashable {
    /// The destination's name (from the configuration); each destination has its own FIFO queue.
    public var destination: String
    /// The transformed form to send; nil sends the raw message unchanged.
    public var payload: [UInt8]?
    /// The first attempt is due at this time (nil: now).
    public var notBefore: Date?

    public init(destination: String, payload: [UInt8]? = nil, notBefore: Date? = nil) {
        self.destination = destination
        self.payload = payload
        self.notBefore = notBefore
    }
}

/// What `Store.receive` did.
public enum ReceiveOutcome: Sendable, Hashable {
    /// Stored and enqueued.
    case stored(MessageID)
    /// The same sender and control ID were received within the duplicate window as `of`:
    /// acknowledge, but nothing was enqueued (a `.duplicate` state change was added to `of`).
    case duplicate(of: MessageID)

    /// The journal entry (the new one, or the original of a duplicate).
    public var id: MessageID {
        switch self {
        case .stored(let id), .duplicate(of: let id): id
        }
    }

    public var isDuplicate: Bool {
        if case .duplicate = self { return true }
        return false
    }
}
