// Errors of the HL7 ⇄ DICOM mapping (../shared/standards/hl7-dicom-mapping.md): each names the HL7
// field (or DICOM tag) at fault and carries the HL7 table 0357 condition the engine puts in the ACK.

import DICOM
import HL7

/// Why a message could not be mapped, and where.
public struct MappingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The HL7 field at fault, e.g. `OBR-18` (nil when the fault is in a DICOM input).
    public var path: HL7Path?
    /// The DICOM attribute at fault, when there is one.
    public var tag: Tag?
    /// The HL7 error condition (table 0357) for the ERR segment of the ACK.
    public var condition: ErrorConditionCode
    /// Plain-language reason, without patient data.
    public var reason: String

    public init(_ condition: ErrorConditionCode, at path: HL7Path? = nil, tag: Tag? = nil, _ reason: String) {
        self.condition = condition
        self.path = path
        self.tag = tag
        self.reason = reason
    }

    public var description: String {
        var where_ = ""
        if let path { where_ += path.description }
        if let tag { where_ += (where_.isEmpty ? "" : " → ") + tag.description }
        return (where_.isEmpty ? "" : where_ + ": ") + reason
    }

    /// The ERR entry of an AE acknowledgment for this error.
    public var acknowledgmentError: AcknowledgmentError {
        AcknowledgmentError(condition, at: path.map(ErrorLocation.init), message: description)
    }
}
