// PS3.4 F.7 (Modality Performed Procedure Step SOP Class): N-CREATE with status IN PROGRESS,
// N-SET while IN PROGRESS, final states COMPLETED and DISCONTINUED (F.7.2.2);
// PS3.3 C.4.14 Performed Procedure Step Status (0040,0252).
import DICOM
import Foundation

/// Performed Procedure Step Status (0040,0252).
public enum PerformedProcedureStepStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case inProgress = "IN PROGRESS"
    case completed = "COMPLETED"
    case discontinued = "DISCONTINUED"
}

/// A stored MPPS instance.
public struct StoredPerformedProcedureStep: Sendable {
    public var sopInstanceUID: String
    public var status: PerformedProcedureStepStatus
    /// The attributes of the N-CREATE with every N-SET applied.
    public var dataSet: DataSet
    /// Patient ID + issuer of the MPPS (moved by merges).
    public var patient: PatientKey
    /// Study Instance UID of its (first) Scheduled Step Attributes Sequence item.
    public var studyInstanceUID: String?
    public var createdAt: Date
    public var updatedAt: Date
}
