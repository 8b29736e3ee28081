// ../shared/standards/hl7-dicom-mapping.md §4 MPPS → HL7 procedure status: what a status message says
// about a performed procedure, read from an MPPS instance (PS3.3 C.4.13–C.4.16, the Scheduled Step
// Attributes Sequence (0040,0270)) or filled in by the engine for a study that became stable.

import DICOM

/// The content of a procedure status message, independent of its HL7 structure: the patient, the order's
/// identifiers, the procedure, the study and its status. ``ProcedureStatusMapper`` writes it as ORM^O01,
/// OMI^O23, OMG^O19 or ORU^R01.
public struct ProcedureStatus: Sendable, Hashable {
    /// ORC-5 (IP, CM, DC) and OBR-25.
    public var status: PerformedProcedureStepStatus
    /// Specific Character Set (0008,0005) of the values (→ MSH-18); nil: ASCII, or UTF-8 when a value needs it.
    public var characterSet: String?
    // Patient (PID)
    public var patientID = ""
    public var issuerOfPatientID = ""
    /// Patient's Name as a DICOM PN value (`FAMILY^GIVEN^MIDDLE^PREFIX^SUFFIX`).
    public var patientName = ""
    /// Patient's Birth Date (DA).
    public var birthDate = ""
    public var sex = ""
    // Order (ORC, OBR, IPC)
    public var placerOrderNumber = ""
    public var fillerOrderNumber = ""
    public var accessionNumber = ""
    public var requestedProcedureID = ""
    public var scheduledProcedureStepID = ""
    /// OBR-4 from a code (value, meaning, scheme) or, without one, a description alone.
    public var procedureCode: Code?
    public var procedureDescription = ""
    /// OBR-7 / TQ1-7: when the procedure started, an HL7 TS (`YYYYMMDDHHMMSS`).
    public var start: String?
    /// OBR-8: when it ended (not written while IN PROGRESS).
    public var end: String?
    /// OBR-24 / IPC-5.
    public var modality = ""
    /// IPC-9: the station that performed it.
    public var stationAETitle = ""
    // Study (ZDS-1 / IPC-3 / OBX)
    public var studyInstanceUID = ""
    /// Instances and series of the study the engine holds (an OBX each when known).
    public var numberOfInstances: Int?
    public var numberOfSeries: Int?

    /// A coded entry (CE/CWE: identifier ^ text ^ coding system).
    public struct Code: Sendable, Hashable {
        public var value: String
        public var meaning: String
        public var scheme: String
        public init(value: String, meaning: String, scheme: String) {
            self.value = value
            self.meaning = meaning
            self.scheme = scheme
        }
    }

    public init(status: PerformedProcedureStepStatus) {
        self.status = status
    }

    /// Reads an MPPS instance (the N-CREATE data set, with any N-SET changes applied): the status from
    /// Performed Procedure Step Status (0040,0252), the order from the first Scheduled Step Attributes
    /// Sequence item. Throws when the status is missing or not a defined term.
    public init(mpps: DataSet) throws(MappingError) {
        let statusTag = Tag(0x0040, 0x0252)
        guard let raw = mpps.string(statusTag), let status = PerformedProcedureStepStatus(rawValue: raw) else {
            throw MappingError(.requiredFieldMissing, tag: statusTag, "the MPPS has no valid Performed Procedure Step Status")
        }
        self.status = status
        let ssas = mpps.items(Tag(0x0040, 0x0270))?.first?.dataSet ?? DataSet()
        func v(_ ds: DataSet, _ g: UInt16, _ e: UInt16) -> String { ds.string(Tag(g, e)) ?? "" }
        characterSet = mpps.string(.specificCharacterSet)
        patientID = v(mpps, 0x0010, 0x0020)
        issuerOfPatientID = v(mpps, 0x0010, 0x0021)
        patientName = v(mpps, 0x0010, 0x0010)
        birthDate = v(mpps, 0x0010, 0x0030)
        sex = v(mpps, 0x0010, 0x0040)
        placerOrderNumber = v(ssas, 0x0040, 0x2016)
        fillerOrderNumber = v(ssas, 0x0040, 0x2017)
        accessionNumber = v(ssas, 0x0008, 0x0050)
        requestedProcedureID = v(ssas, 0x0040, 0x1001)
        scheduledProcedureStepID = v(ssas, 0x0040, 0x0009)
        if let code = mpps.items(Tag(0x0008, 0x1032))?.first?.dataSet {
            procedureCode = Code(value: v(code, 0x0008, 0x0100), meaning: v(code, 0x0008, 0x0104), scheme: v(code, 0x0008, 0x0102))
        }
        procedureDescription = v(ssas, 0x0032, 0x1060)
        start = Conversions.timestamp(date: mpps.string(Tag(0x0040, 0x0244)), time: mpps.string(Tag(0x0040, 0x0245)))
        end = Conversions.timestamp(date: mpps.string(Tag(0x0040, 0x0250)), time: mpps.string(Tag(0x0040, 0x0251)))
        modality = v(mpps, 0x0008, 0x0060)
        stationAETitle = v(mpps, 0x0040, 0x0241)
        studyInstanceUID = v(ssas, 0x0020, 0x000D)
    }
}
