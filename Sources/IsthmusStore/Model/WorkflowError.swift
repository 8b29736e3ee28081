/// A worklist, patient or MPPS operation the store refused because of what is stored (the
/// engine answers it with an AE acknowledgment or a DIMSE failure status). Nothing was written.
/// The description names the kind only (no patient IDs: it may be logged); `prior`, `surviving`,
/// `into` and `sopInstanceUID` give the identities for the acknowledgment text.
public struct WorkflowError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// A merge of a patient into itself (MRG-1 = PID-3).
        case samePatient
        /// The surviving patient was already merged into the prior one (directly or along a chain).
        case circularMerge
        /// The prior patient was already merged into the surviving one.
        case repeatedMerge
        /// The prior patient was already merged into another patient (`into`).
        case priorAlreadyMerged
        /// The surviving (or target, or updated) patient was merged into another one (`into`).
        case patientMerged
        /// `changePatientIdentifier`: a patient with the new identifier exists.
        case identifierExists
        /// A worklist item's data set lacks a required attribute (`tag`).
        case invalidItem
        /// No worklist item has this key.
        case itemNotFound
        /// An MPPS with this SOP Instance UID exists (N-CREATE: 0x0111 duplicate SOP instance).
        case mppsExists
        /// No MPPS with this SOP Instance UID (N-SET: 0x0112 no such SOP instance).
        case mppsNotFound
        /// The MPPS is no longer IN PROGRESS, or the status asked for is not allowed
        /// (PS3.4 F.7.2: 0xC310 / 0x0106).
        case invalidMPPSStatus
        /// A text value cannot be written in the target data set's character set.
        case characterSet
    }

    public var kind: Kind
    public var message: String
    public var prior: PatientKey?
    public var surviving: PatientKey?
    /// For `.priorAlreadyMerged` / `.patientMerged`: the patient it was merged into.
    public var into: PatientKey?
    public var sopInstanceUID: String?

    public init(_ kind: Kind, _ message: String, prior: PatientKey? = nil, surviving: PatientKey? = nil, into: PatientKey? = nil, sopInstanceUID: String? = nil) {
        self.kind = kind
        self.message = message
        self.prior = prior
        self.surviving = surviving
        self.into = into
        self.sopInstanceUID = sopInstanceUID
    }

    public var description: String { "workflow error (\(kind.rawValue)): \(message)" }
}
