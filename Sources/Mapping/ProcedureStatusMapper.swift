// ../shared/standards/hl7-dicom-mapping.md §4 MPPS → HL7 procedure status (IHE RAD-6/RAD-7 → status
// update): a procedure status (from an MPPS instance, or a study that became stable) becomes an ORM^O01
// (v2.3.1, study UID in ZDS-1), OMI^O23 (v2.5.1, IPC-3), OMG^O19 (v2.5.1, OBX) or ORU^R01 (v2.5.1, OBX,
// the OBX convention of §6) with ORC-1 SC. Segment order follows each message structure of HL7 v2.5.1
// chapter 4 (OMI_O23, OMG_O19) and chapter 7 (ORU_R01): TQ1 before OBR in orders, after it in results.

import DICOM
import HL7

/// The HL7 structure procedure status messages are sent as (§4: configurable, per destination in the engine).
public enum StatusMessageType: String, Sendable, Hashable, CaseIterable {
    /// ORM^O01, v2.3.1 (study UID in ZDS-1).
    case orm = "ORM^O01"
    /// OMI^O23, v2.5.1 (study UID in IPC-3, start in TQ1-7).
    case omi = "OMI^O23"
    /// OMG^O19, v2.5.1 (general clinical order; study UID in an OBX, start in TQ1-7).
    case omg = "OMG^O19"
    /// ORU^R01, v2.5.1 (unsolicited result; study UID in an OBX, OBR-25 from HL7 table 0123).
    case oru = "ORU^R01"

    /// MSH-12.
    public var version: String { self == .orm ? "2.3.1" : "2.5.1" }
    /// MSH-9.3 (none in 2.3.1).
    public var structure: String? {
        switch self {
        case .orm: nil
        case .omi: "OMI_O23"
        case .omg: "OMG_O19"
        case .oru: "ORU_R01"
        }
    }
}

/// Performed Procedure Step Status (0040,0252) → ORC-5 and the worklist SPS status (§4).
public enum PerformedProcedureStepStatus: String, Sendable, Hashable, CaseIterable {
    case inProgress = "IN PROGRESS", completed = "COMPLETED", discontinued = "DISCONTINUED"

    /// ORC-5 order status (HL7 table 0038).
    public var orderStatus: String {
        switch self {
        case .inProgress: "IP"
        case .completed: "CM"
        case .discontinued: "DC"
        }
    }

    /// OBR-25 result status (HL7 table 0123): I (in process), R (results stored, not yet verified: the images
    /// are there, the report is not), X (no results: procedure discontinued).
    public var resultStatus: String {
        switch self {
        case .inProgress: "I"
        case .completed: "R"
        case .discontinued: "X"
        }
    }

    /// The worklist item's SPS status once the step has this status.
    public var spsStatus: SPSStatus {
        switch self {
        case .inProgress: .started
        case .completed: .completed
        case .discontinued: .discontinued
        }
    }
}

/// Builds procedure status messages from MPPS instances or ``ProcedureStatus`` values.
public struct ProcedureStatusMapper: Sendable {
    public var messageType: StatusMessageType
    public var sendingApplication: String
    public var sendingFacility: String
    public var receivingApplication: String
    public var receivingFacility: String

    /// OBX-3 of the Study Instance UID (§4, §6): DICOM's code 113014 "DICOM Study".
    public static let studyObservation = "113014^DICOM Study^DCM"
    /// OBX-3 of the numbers of instances and series the engine holds (local codes, HL7's `99` prefix).
    public static let instancesObservation = "NUMINST^Number of Study Related Instances^99ISTHMUS"
    public static let seriesObservation = "NUMSER^Number of Study Related Series^99ISTHMUS"

    public init(messageType: StatusMessageType = .orm, sendingApplication: String = "ISTHMUS", sendingFacility: String = "",
                receivingApplication: String = "", receivingFacility: String = "") {
        self.messageType = messageType
        self.sendingApplication = sendingApplication
        self.sendingFacility = sendingFacility
        self.receivingApplication = receivingApplication
        self.receivingFacility = receivingFacility
    }

    /// The status message for an MPPS instance (the N-CREATE data set, with any N-SET changes applied).
    public func message(for mpps: DataSet, controlID: String, timestamp: HL7Timestamp = .now()) throws(MappingError) -> Message {
        try message(for: ProcedureStatus(mpps: mpps), controlID: controlID, timestamp: timestamp)
    }

    /// The status message for a procedure status.
    public func message(for s: ProcedureStatus, controlID: String, timestamp: HL7Timestamp = .now()) throws(MappingError) -> Message {
        let type = messageType
        let parts = type.rawValue.split(separator: "^").map(String.init)
        // MSH-18: the values' character set; UTF-8 when they hold non-ASCII text in no known set.
        var msh18 = s.characterSet.flatMap { Conversions.msh18ForDICOM[$0] }
        if msh18 == nil && [s.patientName, s.procedureDescription, s.procedureCode?.meaning ?? ""].contains(where: { !$0.allSatisfy(\.isASCII) }) {
            msh18 = "UNICODE UTF-8"
        }
        do throws(HL7Error) {
            var b = try MessageBuilder(
                messageType: parts[0], triggerEvent: parts[1], structure: type.structure, controlID: controlID, version: type.version,
                timestamp: timestamp.description, sendingApplication: sendingApplication, sendingFacility: sendingFacility,
                receivingApplication: receivingApplication, receivingFacility: receivingFacility, characterSet: msh18)
            // Segments are appended in the order they are first set: PID, ORC, then the structure's order.
            func set(_ path: String, _ value: String?) throws(HL7Error) {
                if let value, !value.isEmpty { try b.set(path, value) }
            }
            // PID: identifier, name (PN → XPN), birth date, sex.
            try b.set("PID-3.1", s.patientID)
            try set("PID-3.4", s.issuerOfPatientID)
            for (i, part) in Conversions.xpn(fromPersonName: s.patientName).enumerated() where !part.isEmpty {
                try b.set("PID-5.\(i + 1)", part)
            }
            try set("PID-7", s.birthDate)
            try set("PID-8", s.sex)
            // ORC: status change of the order.
            try b.set("ORC-1", "SC")
            try set("ORC-2", s.placerOrderNumber)
            try set("ORC-3", s.fillerOrderNumber)
            try b.set("ORC-5", s.status.orderStatus)
            // Orders: the timing (TQ1) comes before the OBR.
            if type == .omi || type == .omg, let start = s.start {
                try b.set("TQ1-1", "1")
                try b.set("TQ1-7", start)
            }
            // OBR: order numbers, procedure, start/end, accession, requested procedure ID, SPS ID, modality, result status.
            try b.set("OBR-1", "1")
            try set("OBR-2", s.placerOrderNumber)
            try set("OBR-3", s.fillerOrderNumber)
            if let code = s.procedureCode {
                try set("OBR-4.1", code.value)
                try set("OBR-4.2", code.meaning.isEmpty ? s.procedureDescription : code.meaning)
                try set("OBR-4.3", code.scheme)
            } else {
                try set("OBR-4.2", s.procedureDescription)
            }
            try set("OBR-7", s.start)
            if s.status != .inProgress { try set("OBR-8", s.end) }
            try set("OBR-18", s.accessionNumber)
            try set("OBR-19", s.requestedProcedureID)
            try set("OBR-20", s.scheduledProcedureStepID)
            try set("OBR-24", s.modality)
            try b.set("OBR-25", s.status.resultStatus)
            // Results: the timing follows the OBR.
            if type == .oru, let start = s.start {
                try b.set("TQ1-1", "1")
                try b.set("TQ1-7", start)
            }
            // OBX: the study (OMG, ORU; ORM and OMI carry it in ZDS / IPC), then what the engine holds of it.
            var observations: [(type: String, id: String, value: String)] = []
            if (type == .omg || type == .oru) && !s.studyInstanceUID.isEmpty {
                observations.append(("HD", Self.studyObservation, s.studyInstanceUID))
            }
            if let n = s.numberOfInstances { observations.append(("NM", Self.instancesObservation, String(n))) }
            if let n = s.numberOfSeries { observations.append(("NM", Self.seriesObservation, String(n))) }
            for (i, o) in observations.enumerated() {
                let obx = "OBX[\(i + 1)]"
                try b.set("\(obx)-1", String(i + 1))
                try b.set("\(obx)-2", o.type)
                let code = o.id.split(separator: "^", omittingEmptySubsequences: false).map(String.init)
                for (c, v) in code.enumerated() { try b.set("\(obx)-3.\(c + 1)", v) }
                try b.set("\(obx)-5", o.value)
                try b.set("\(obx)-11", "F")
            }
            switch type {
            case .orm:
                if !s.studyInstanceUID.isEmpty {
                    try b.set("ZDS-1.1", s.studyInstanceUID)
                    try b.set("ZDS-1.2", "")
                    try b.set("ZDS-1.3", "Application")
                    try b.set("ZDS-1.4", "DICOM")
                }
            case .omi:
                try set("IPC-1", s.accessionNumber)
                try b.set("IPC-2", s.requestedProcedureID)
                try b.set("IPC-3", s.studyInstanceUID)
                try b.set("IPC-4", s.scheduledProcedureStepID)
                try set("IPC-5", s.modality)
                try set("IPC-9", s.stationAETitle)
            case .omg, .oru:
                break
            }
            return b.message
        } catch {
            throw MappingError(.applicationInternalError, "building the \(type.rawValue) status message: \(error)")
        }
    }
}
