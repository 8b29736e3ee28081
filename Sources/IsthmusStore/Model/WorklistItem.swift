// PS3.4 K.6.1.2 (Modality Worklist Information Model, Scheduled Procedure Step entity) and
// PS3.3 C.4.10 / C.4.11 (Scheduled Procedure Step, Requested Procedure): the attributes indexed
// for worklist queries; SPS Status (0040,0020) defined terms.
import DICOM
import Foundation

/// Scheduled Procedure Step Status (0040,0020): the defined terms of PS3.3 C.4.10, or any other
/// value found in a data set.
public struct ProcedureStepStatus: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let scheduled = Self("SCHEDULED")
    public static let arrived = Self("ARRIVED")
    public static let ready = Self("READY")
    public static let started = Self("STARTED")
    public static let completed = Self("COMPLETED")
    public static let discontinued = Self("DISCONTINUED")
    public static let canceled = Self("CANCELED")

    /// COMPLETED, DISCONTINUED and CANCELED: a status change from MPPS leaves such an item alone.
    public var isFinal: Bool { self == .completed || self == .discontinued || self == .canceled }
}

/// What identifies a worklist item: one Scheduled Procedure Step of one Requested Procedure of
/// one order (accession number, "" when the order has none).
public struct WorklistKey: Sendable, Hashable, Codable, CustomStringConvertible {
    public var accessionNumber: String
    public var requestedProcedureID: String
    public var scheduledProcedureStepID: String

    public init(accessionNumber: String, requestedProcedureID: String, scheduledProcedureStepID: String) {
        self.accessionNumber = accessionNumber
        self.requestedProcedureID = requestedProcedureID
        self.scheduledProcedureStepID = scheduledProcedureStepID
    }

    public var description: String { "\(accessionNumber)/\(requestedProcedureID)/\(scheduledProcedureStepID)" }
}

/// One worklist item: its data set (as the Modality Worklist C-FIND SCP returns it, with one
/// Scheduled Procedure Step Sequence item) and the attributes indexed for queries.
public struct WorklistItem: Sendable {
    public var dataSet: DataSet
    public var key: WorklistKey
    public var patient: PatientKey
    /// Patient's Name as stored (PN, `^`-separated components).
    public var patientName: String?
    /// Scheduled Station AE Title (0040,0001), "" when absent.
    public var stationAETitle: String
    /// Modality (0008,0060) of the SPS, "" when absent.
    public var modality: String
    /// SPS Start Date (0040,0002) `YYYYMMDD`, "" when absent.
    public var startDate: String
    /// SPS Start Time (0040,0003) `HHMMSS[.F]`, "" when absent.
    public var startTime: String
    public var status: ProcedureStepStatus
    public var studyInstanceUID: String?
    /// When the store last wrote it (set by the store).
    public var updatedAt: Date

    init(
        dataSet: DataSet, key: WorklistKey, patient: PatientKey, patientName: String?, stationAETitle: String, modality: String,
        startDate: String, startTime: String, status: ProcedureStepStatus, studyInstanceUID: String?, updatedAt: Date
    ) {
        self.dataSet = dataSet
        self.key = key
        self.patient = patient
        self.patientName = patientName
        self.stationAETitle = stationAETitle
        self.modality = modality
        self.startDate = startDate
        self.startTime = startTime
        self.status = status
        self.studyInstanceUID = studyInstanceUID
        self.updatedAt = updatedAt
    }

    /// Reads the indexed attributes from an item's data set. Requested Procedure ID (0040,1001)
    /// and the Scheduled Procedure Step Sequence (0040,0100) with an SPS ID (0040,0009) are
    /// required; a missing SPS Status counts as SCHEDULED.
    public init(dataSet ds: DataSet, updatedAt: Date = Date()) throws(WorkflowError) {
        func text(_ d: DataSet, _ tag: Tag) -> String? {
            guard let s = d.string(tag)?.trimmingCharacters(in: .whitespaces), !s.isEmpty else { return nil }
            return s
        }
        func missing(_ tag: Tag) -> WorkflowError {
            WorkflowError(.invalidItem, "the worklist item has no \(tag) (\(tag.keyword ?? "?"))")
        }
        guard let step = ds.items(WorklistTag.spsSequence)?.first?.dataSet else { throw missing(WorklistTag.spsSequence) }
        guard let rpID = text(ds, WorklistTag.requestedProcedureID) else { throw missing(WorklistTag.requestedProcedureID) }
        guard let spsID = text(step, WorklistTag.spsID) else { throw missing(WorklistTag.spsID) }
        self.dataSet = ds
        self.key = WorklistKey(accessionNumber: text(ds, WorklistTag.accessionNumber) ?? "", requestedProcedureID: rpID, scheduledProcedureStepID: spsID)
        self.patient = PatientKey(id: text(ds, .patientID) ?? "", issuer: text(ds, WorklistTag.issuerOfPatientID) ?? "")
        self.patientName = text(ds, .patientName)
        self.stationAETitle = text(step, WorklistTag.stationAETitle) ?? ""
        self.modality = text(step, WorklistTag.modality) ?? ""
        self.startDate = text(step, WorklistTag.startDate) ?? ""
        self.startTime = text(step, WorklistTag.startTime) ?? ""
        self.status = text(step, WorklistTag.spsStatus).map { ProcedureStepStatus(rawValue: $0) } ?? .scheduled
        self.studyInstanceUID = text(ds, WorklistTag.studyInstanceUID)
        self.updatedAt = updatedAt
    }
}

/// Prefilter for Modality Worklist C-FIND (PS3.4 K.6.1.2): every non-nil field must match; the
/// caller applies the exact matching rules to the returned data sets. Items whose station AE or
/// modality is empty are returned for any station or modality (a superset is safe).
public struct WorklistQuery: Sendable, Hashable {
    public var stationAETitle: String?
    public var modality: String?
    /// SPS Start Date range, `YYYYMMDD`, inclusive (either end may be open).
    public var startDateFrom: String?
    public var startDateThrough: String?
    /// SPS Start Time range, `HHMMSS`, inclusive, matched independently of the date.
    public var startTimeFrom: String?
    public var startTimeThrough: String?
    public var patient: PatientKey?
    /// Patient ID alone, any issuer (when `patient` is nil).
    public var patientID: String?
    public var accessionNumber: String?
    public var studyInstanceUID: String?
    /// SPS statuses to return; empty means any. Default: SCHEDULED only.
    public var statuses: Set<ProcedureStepStatus>
    /// At most this many (0: all).
    public var limit: Int

    public init(
        stationAETitle: String? = nil, modality: String? = nil, startDateFrom: String? = nil, startDateThrough: String? = nil,
        startTimeFrom: String? = nil, startTimeThrough: String? = nil, patient: PatientKey? = nil, patientID: String? = nil,
        accessionNumber: String? = nil, studyInstanceUID: String? = nil, statuses: Set<ProcedureStepStatus> = [.scheduled], limit: Int = 0
    ) {
        self.stationAETitle = stationAETitle
        self.modality = modality
        self.startDateFrom = startDateFrom
        self.startDateThrough = startDateThrough
        self.startTimeFrom = startTimeFrom
        self.startTimeThrough = startTimeThrough
        self.patient = patient
        self.patientID = patientID
        self.accessionNumber = accessionNumber
        self.studyInstanceUID = studyInstanceUID
        self.statuses = statuses
        self.limit = limit
    }
}

/// Which worklist items a status change applies to.
public enum WorklistSelector: Sendable, Hashable {
    case key(WorklistKey)
    /// Every SPS of an order.
    case accessionNumber(String)
    /// Every SPS of a study (MPPS: the Scheduled Step Attributes Sequence's Study Instance UID).
    case studyInstanceUID(String)
    /// Every SPS with this SPS ID (MPPS: Scheduled Procedure Step ID of the scheduled step).
    case scheduledProcedureStepID(String)
}

/// What `upsertWorklistItem` did.
public enum WorklistUpsertOutcome: Sendable, Hashable {
    case created
    case updated
}

enum WorklistTag {
    static let spsSequence = Tag(0x0040, 0x0100)
    static let stationAETitle = Tag(0x0040, 0x0001)
    static let startDate = Tag(0x0040, 0x0002)
    static let startTime = Tag(0x0040, 0x0003)
    static let modality = Tag(0x0008, 0x0060)
    static let spsID = Tag(0x0040, 0x0009)
    static let spsStatus = Tag(0x0040, 0x0020)
    static let requestedProcedureID = Tag(0x0040, 0x1001)
    static let accessionNumber = Tag(0x0008, 0x0050)
    static let studyInstanceUID = Tag(0x0020, 0x000D)
    static let issuerOfPatientID = Tag(0x0010, 0x0021)
    static let patientBirthDate = Tag(0x0010, 0x0030)
    static let patientSex = Tag(0x0010, 0x0040)
    static let ppsStatus = Tag(0x0040, 0x0252)
    static let scheduledStepAttributes = Tag(0x0040, 0x0270)
}
