// HL7 MLLP Release 2 (HL7 Version 3 Standard: Transport Specification – MLLP, R2) — errors of the framing layer.

/// An error raised by the MLLP framing layer: a stable ``Code`` and a reason (never message content).
public struct MLLPError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A machine-comparable error kind.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's stable name.
        public let name: String
        private init(_ name: String) { self.name = name }

        /// Bytes other than white space arrived outside a frame (no start block 0x0B). The decoder drops and
        /// counts such bytes instead of failing; kept for callers that want to treat them as an error.
        public static let missingStartBlock = Code("missingStartBlock")
        /// The connection could not be established in time, or was refused.
        public static let connectFailed = Code("connectFailed")
        /// The connection closed while a reply was awaited, or the endpoint is shut down.
        public static let connectionClosed = Code("connectionClosed")
        /// The reply is not an HL7 acknowledgment (no MSA segment, or not parsable).
        public static let invalidAcknowledgment = Code("invalidAcknowledgment")
        /// The acknowledgment's MSA-2 is not the control ID (MSH-10) of the message sent.
        public static let controlIDMismatch = Code("controlIDMismatch")
        /// A frame's payload exceeds the decoder's maximum frame size.
        public static let frameTooLarge = Code("frameTooLarge")
        /// The connection ended in the middle of a frame, or before the expected reply.
        public static let truncatedFrame = Code("truncatedFrame")
        /// No reply arrived in time.
        public static let timeout = Code("timeout")

        public var description: String { name }
    }

    /// What went wrong.
    public var code: Code
    /// Why, in words.
    public var reason: String

    /// Creates an error.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "MLLPError.\(code): \(reason)" }
}
