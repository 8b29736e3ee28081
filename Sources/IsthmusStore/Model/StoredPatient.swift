// IHE RAD TF-2 PIR (ADT A01/A04/A05/A08/A28/A31 update, A40 merge, A47 change identifier):
// a patient's current demographics (PS3.3 C.7.1.1 Patient Module attributes) and merge state.
import DICOM
import Foundation

/// A patient record: identity, current demographics, and whether it was merged into another.
public struct StoredPatient: Sendable {
    public var key: PatientKey
    /// The Patient Module attributes (Patient's Name, Birth Date, Sex, …) as last updated.
    public var attributes: DataSet
    /// The patient this one was merged into (A40), nil while it is current.
    public var mergedInto: PatientKey?
    public var mergedAt: Date?
    public var updatedAt: Date

    public init(key: PatientKey, attributes: DataSet, mergedInto: PatientKey? = nil, mergedAt: Date? = nil, updatedAt: Date) {
        self.key = key
        self.attributes = attributes
        self.mergedInto = mergedInto
        self.mergedAt = mergedAt
        self.updatedAt = updatedAt
    }
}

/// What `updatePatient` did.
public enum PatientUpdateOutcome: Sendable, Hashable {
    case created
    case updated
}

/// What a merge or identifier change moved to the surviving (or new) identity.
public struct PatientMoveResult: Sendable, Hashable {
    public var worklistItems: Int
    public var instances: Int
    public var performedProcedureSteps: Int
    public init(worklistItems: Int, instances: Int, performedProcedureSteps: Int) {
        self.worklistItems = worklistItems
        self.instances = instances
        self.performedProcedureSteps = performedProcedureSteps
    }
}
