import DICOM
import Foundation

/// One DICOM instance of the archive: where its Part 10 file is and the attributes indexed for
/// queries (Patient, Study, Series and Instance levels of PS3.4 C.6.1.1 / C.6.2.1).
public struct InstanceRecord: Sendable, Hashable {
    /// The Part 10 file, relative to the store's content folder.
    public var path: String
    // Patient level
    public var patientID: String?
    public var issuerOfPatientID: String?
    /// Patient's Name as stored (the PN value, `^`-separated components).
    public var patientName: String?
    /// Patient's Birth Date (DA, `YYYYMMDD`).
    public var patientBirthDate: String?
    public var patientSex: String?
    // Study level
    public var studyInstanceUID: String
    public var studyDate: String?
    public var studyTime: String?
    public var accessionNumber: String?
    public var studyDescription: String?
    public var studyID: String?
    /// Modalities in Study (0008,0061); when the instance lacks it, its series' modality.
    public var modalitiesInStudy: [String]
    // Series level
    public var seriesInstanceUID: String
    public var seriesNumber: Int?
    public var modality: String?
    // Instance level
    public var sopClassUID: String
    public var sopInstanceUID: String
    public var instanceNumber: Int?
    public var transferSyntaxUID: String
    /// The file's size in bytes.
    public var size: Int64
    /// The calling AE title of the association that sent it.
    public var callingAE: String?
    public var receivedAt: Date

    public init(
        path: String, patientID: String? = nil, issuerOfPatientID: String? = nil, patientName: String? = nil,
        patientBirthDate: String? = nil, patientSex: String? = nil, studyInstanceUID: String, studyDate: String? = nil,
        studyTime: String? = nil, accessionNumber: String? = nil, studyDescription: String? = nil, studyID: String? = nil,
        modalitiesInStudy: [String] = [], seriesInstanceUID: String, seriesNumber: Int? = nil, modality: String? = nil,
        sopClassUID: String, sopInstanceUID: String, instanceNumber: Int? = nil, transferSyntaxUID: String, size: Int64,
        callingAE: String? = nil, receivedAt: Date = Date()
    ) {
        self.path = path
        self.patientID = patientID
        self.issuerOfPatientID = issuerOfPatientID
        self.patientName = patientName
        self.patientBirthDate = patientBirthDate
        self.patientSex = patientSex
        self.studyInstanceUID = studyInstanceUID
        self.studyDate = studyDate
        self.studyTime = studyTime
        self.accessionNumber = accessionNumber
        self.studyDescription = studyDescription
        self.studyID = studyID
        self.modalitiesInStudy = modalitiesInStudy
        self.seriesInstanceUID = seriesInstanceUID
        self.seriesNumber = seriesNumber
        self.modality = modality
        self.sopClassUID = sopClassUID
        self.sopInstanceUID = sopInstanceUID
        self.instanceNumber = instanceNumber
        self.transferSyntaxUID = transferSyntaxUID
        self.size = size
        self.callingAE = callingAE
        self.receivedAt = receivedAt
    }
}

/// What to do when an instance arrives whose SOP Instance UID is already indexed.
public enum DuplicateInstancePolicy: String, Sendable, Hashable, Codable, CaseIterable {
    /// Keep the indexed instance; the new file is dropped and the store answers success.
    case ignore
    /// The new instance replaces the indexed one (its file is removed if at another path).
    case replace
    /// Keep the indexed instance and refuse the new one (the SCP answers a failure status).
    case reject
}

/// What `Store.indexInstance` did.
public enum IndexOutcome: Sendable, Hashable {
    /// Indexed (a new SOP Instance UID); `message` is its journal entry if deliveries were given.
    case indexed(message: MessageID?)
    /// Replaced the instance that was at `previousPath`.
    case replaced(previousPath: String, message: MessageID?)
    /// Already indexed (at `existingPath`); policy `.ignore`: nothing changed.
    case ignored(existingPath: String)
    /// Already indexed (at `existingPath`); policy `.reject`: nothing changed, answer a failure.
    case rejected(existingPath: String)

    /// Whether the sender should be told the store succeeded.
    public var isSuccess: Bool {
        if case .rejected = self { return false }
        return true
    }

    /// The journal entry created with the instance's deliveries, if any.
    public var messageID: MessageID? {
        switch self {
        case .indexed(let m), .replaced(_, let m): m
        case .ignored, .rejected: nil
        }
    }
}

/// Attribute matching for `Store.instances(matching:)`: every non-nil field must match exactly
/// (dates: `studyDateFrom`…`studyDateThrough` inclusive, as `YYYYMMDD`).
public struct InstanceQuery: Sendable, Hashable {
    public var patientID: String?
    public var issuerOfPatientID: String?
    public var patientName: String?
    public var studyInstanceUID: String?
    public var accessionNumber: String?
    public var studyID: String?
    public var studyDateFrom: String?
    public var studyDateThrough: String?
    public var seriesInstanceUID: String?
    public var modality: String?
    public var sopInstanceUID: String?
    public var sopClassUID: String?
    public var callingAE: String?
    /// At most this many (0: all).
    public var limit: Int

    public init(
        patientID: String? = nil, issuerOfPatientID: String? = nil, patientName: String? = nil, studyInstanceUID: String? = nil,
        accessionNumber: String? = nil, studyID: String? = nil, studyDateFrom: String? = nil, studyDateThrough: String? = nil,
        seriesInstanceUID: String? = nil, modality: String? = nil, sopInstanceUID: String? = nil, sopClassUID: String? = nil,
        callingAE: String? = nil, limit: Int = 0
    ) {
        self.patientID = patientID
        self.issuerOfPatientID = issuerOfPatientID
        self.patientName = patientName
        self.studyInstanceUID = studyInstanceUID
        self.accessionNumber = accessionNumber
        self.studyID = studyID
        self.studyDateFrom = studyDateFrom
        self.studyDateThrough = studyDateThrough
        self.seriesInstanceUID = seriesInstanceUID
        self.modality = modality
        self.sopInstanceUID = sopInstanceUID
        self.sopClassUID = sopClassUID
        self.callingAE = callingAE
        self.limit = limit
    }
}
