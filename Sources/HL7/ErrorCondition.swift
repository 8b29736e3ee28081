// HL7 v2.8 Table 0357 – Message error condition codes; §2.14.5 ERR segment ERR-2 Error Location (ERL:
// 1 Segment ID ^ 2 Segment Sequence ^ 3 Field Position ^ 4 Field Repetition ^ 5 Component Number ^ 6 Sub-Component Number),
// ERR-4 Severity (table 0516: E error, W warning, I information, F fatal).

/// An HL7 table 0357 message error condition code.
public struct ErrorConditionCode: Hashable, Sendable {
    /// The numeric code (0, 100–207).
    public var code: Int
    /// The table's description of it.
    public var text: String

    /// Creates a code (use the static members for table 0357 values).
    public init(code: Int, text: String) {
        self.code = code
        self.text = text
    }

    /// 0 – Message accepted.
    public static let messageAccepted = Self(code: 0, text: "Message accepted")
    /// 100 – Segment sequence error.
    public static let segmentSequenceError = Self(code: 100, text: "Segment sequence error")
    /// 101 – Required field missing.
    public static let requiredFieldMissing = Self(code: 101, text: "Required field missing")
    /// 102 – Data type error.
    public static let dataTypeError = Self(code: 102, text: "Data type error")
    /// 103 – Table value not found.
    public static let tableValueNotFound = Self(code: 103, text: "Table value not found")
    /// 104 – Value too long.
    public static let valueTooLong = Self(code: 104, text: "Value too long")
    /// 200 – Unsupported message type.
    public static let unsupportedMessageType = Self(code: 200, text: "Unsupported message type")
    /// 201 – Unsupported event code.
    public static let unsupportedEventCode = Self(code: 201, text: "Unsupported event code")
    /// 202 – Unsupported processing id.
    public static let unsupportedProcessingID = Self(code: 202, text: "Unsupported processing id")
    /// 203 – Unsupported version id.
    public static let unsupportedVersionID = Self(code: 203, text: "Unsupported version id")
    /// 204 – Unknown key identifier.
    public static let unknownKeyIdentifier = Self(code: 204, text: "Unknown key identifier")
    /// 205 – Duplicate key identifier.
    public static let duplicateKeyIdentifier = Self(code: 205, text: "Duplicate key identifier")
    /// 206 – Application record locked.
    public static let applicationRecordLocked = Self(code: 206, text: "Application record locked")
    /// 207 – Application internal error.
    public static let applicationInternalError = Self(code: 207, text: "Application internal error")
}

/// Where in the acknowledged message an error was found (ERL).
public struct ErrorLocation: Hashable, Sendable {
    /// Segment ID, e.g. `PID`.
    public var segment: String
    /// Occurrence of the segment in the message (1-based).
    public var sequence: Int?
    /// Field position.
    public var field: Int?
    /// Field repetition.
    public var fieldRepetition: Int?
    /// Component number.
    public var component: Int?
    /// Subcomponent number.
    public var subcomponent: Int?

    /// Creates a location.
    public init(segment: String, sequence: Int? = 1, field: Int? = nil, fieldRepetition: Int? = nil, component: Int? = nil, subcomponent: Int? = nil) {
        self.segment = segment
        self.sequence = sequence
        self.field = field
        self.fieldRepetition = fieldRepetition
        self.component = component
        self.subcomponent = subcomponent
    }

    /// The location a path points at.
    public init(_ path: HL7Path) {
        self.init(segment: path.segment, sequence: path.occurrence, field: path.field, fieldRepetition: path.repetition,
                  component: path.component, subcomponent: path.subcomponent)
    }
}

/// One error to report in an acknowledgment's ERR segment.
public struct AcknowledgmentError: Hashable, Sendable {
    /// ERR-4 severity (HL7 table 0516).
    public enum Severity: String, Sendable {
        case error = "E", warning = "W", information = "I", fatal = "F"
    }
    /// Where the error is, if it is tied to a position.
    public var location: ErrorLocation?
    /// Table 0357 code.
    public var condition: ErrorConditionCode
    /// Severity (v2.5+ ERR-4).
    public var severity: Severity
    /// Free text for the sender (v2.5+ ERR-8 user message). Must not contain PHI if logged.
    public var message: String?

    /// Creates an error entry.
    public init(_ condition: ErrorConditionCode, at location: ErrorLocation? = nil, severity: Severity = .error, message: String? = nil) {
        self.condition = condition
        self.location = location
        self.severity = severity
        self.message = message
    }
}
