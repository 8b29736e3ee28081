// Errors of the DICOM upper layer (PS3.8) and DIMSE (PS3.7).

/// The one error type of DICOMNetwork: a code that can grow without breaking callers, and a
/// reason meant for logs (never PHI: AE titles, UIDs, lengths and counts only).
public struct DICOMNetworkError: Error, Sendable, CustomStringConvertible, Equatable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A PDU or item that does not follow PS3.8 §9.3 (Evt19: invalid PDU).
        public static let malformedPDU = Code("malformedPDU")
        /// A PDU type byte that PS3.8 does not define (Evt19: unrecognised PDU).
        public static let unknownPDUType = Code("unknownPDUType")
        /// A PDU declaring a length above the configured maximum; it is never buffered.
        public static let pduTooLong = Code("pduTooLong")
        /// A DIMSE command set or message that cannot be read or does not fit PS3.7.
        public static let malformedMessage = Code("malformedMessage")
        /// The peer rejected the association (A-ASSOCIATE-RJ).
        public static let associationRejected = Code("associationRejected")
        /// The association was aborted (A-ABORT or A-P-ABORT).
        public static let aborted = Code("aborted")
        /// No accepted presentation context fits what is to be sent.
        public static let noPresentationContext = Code("noPresentationContext")
        /// A connect, association or DIMSE response timeout.
        public static let timeout = Code("timeout")
        /// The connection closed before the exchange completed.
        public static let connectionClosed = Code("connectionClosed")
        /// A local primitive not allowed in the current upper-layer state.
        public static let invalidState = Code("invalidState")
        /// Reading or writing a file failed.
        public static let io = Code("io")
        /// The peer answered with a failure status (the status is in the reason).
        public static let failureStatus = Code("failureStatus")
    }

    public var code: Code
    public var reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code): \(reason)" }
}
