// ../shared/standards/hl7-dicom-mapping.md §4 MPPS → HL7 procedure status (IHE RAD-6/RAD-7 → status
// update): an MPPS instance becomes an ORM^O01 (v2.3.1) or OMI^O23 (v2.5.1) with ORC-1 SC.

import DICOM
import HL7

/// The HL7 structure procedure status messages are sent as.
public enum StatusMessageType: String, Sendable, Hashable, CaseIterable {
    /// ORM^O01, v2.3.1 (study UID in ZDS-1).
    case orm = "ORM^O01"
    /// OMI^O23, v2.5.1 (study UID in IPC-3, start in TQ1-7).
    case omi = "OMI^O23"
}

/// Performed Procedure Step Status (0040,0252) → ORC-5 and the worklist SPS status (§4).
public enum PerformedProcedureStepStatus: String, Sendable, Hashable, CaseIterable {
    case inProgress = "IN PROGRESS", completed = "COMPLETED", discontinued = "DISCONTINUED"

    /// ORC-5 order status.
    public var orderStatus: String {
        switch self {
        case .inProgress: "IP"
        case .completed: "CM"
        case .discontinued: "DC"
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

/// Builds procedure status messages from MPPS instances.
public struct ProcedureStatusMapper: Sendable {
    public var messageType: StatusMessageType
    public var sendingApplication: String
    public var sendingFacility: String
    public var receivingApplication: String
    public var receivingFacility: String

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
        let statusTag = Tag(0x0040, 0x0252)
        guard let raw = mpps.string(statusTag), let status = PerformedProcedureStepStatus(rawValue: raw) else {
            throw MappingError(.requiredFieldMissing, tag: statusTag, "the MPPS has no valid Performed Procedure Step Status")
        }
        let ssas = mpps.items(Tag(0x0040, 0x0270))?.first?.dataSet ?? DataSet()
        func v(_ ds: DataSet, _ g: UInt16, _ e: UInt16) -> String { ds.string(Tag(g, e)) ?? "" }
        let version = messageType == .orm ? "2.3.1" : "2.5.1"
        let msh18 = mpps.string(.specificCharacterSet).flatMap { Conversions.msh18ForDICOM[$0] }
        do throws(HL7Error) {
            var b = try MessageBuilder(
                messageType: messageType == .orm ? "ORM" : "OMI", triggerEvent: messageType == .orm ? "O01" : "O23",
                structure: messageType == .orm ? nil : "OMI_O23", controlID: controlID, version: version,
                timestamp: timestamp.description, sendingApplication: sendingApplication, sendingFacility: sendingFacility,
                receivingApplication: receivingApplication, receivingFacility: receivingFacility, characterSet: msh18)
            // PID: identifier, name (PN → XPN), birth date, sex.
            try b.set("PID-3.1", v(mpps, 0x0010, 0x0020))
            if !v(mpps, 0x0010, 0x0021).isEmpty { try b.set("PID-3.4", v(mpps, 0x0010, 0x0021)) }
            for (i, part) in Conversions.xpn(fromPersonName: v(mpps, 0x0010, 0x0010)).enumerated() where !part.isEmpty {
                try b.set("PID-5.\(i + 1)", part)
            }
            if !v(mpps, 0x0010, 0x0030).isEmpty { try b.set("PID-7", v(mpps, 0x0010, 0x0030)) }
            if !v(mpps, 0x0010, 0x0040).isEmpty { try b.set("PID-8", v(mpps, 0x0010, 0x0040)) }
            // ORC: status change of the order.
            try b.set("ORC-1", "SC")
            if !v(ssas, 0x0040, 0x2016).isEmpty { try b.set("ORC-2", v(ssas, 0x0040, 0x2016)) }
            if !v(ssas, 0x0040, 0x2017).isEmpty { try b.set("ORC-3", v(ssas, 0x0040, 0x2017)) }
            try b.set("ORC-5", status.orderStatus)
            // OBR: order numbers, procedure, start, accession, requested procedure ID, modality.
            try b.set("OBR-1", "1")
            if !v(ssas, 0x0040, 0x2016).isEmpty { try b.set("OBR-2", v(ssas, 0x0040, 0x2016)) }
            if !v(ssas, 0x0040, 0x2017).isEmpty { try b.set("OBR-3", v(ssas, 0x0040, 0x2017)) }
            if let code = mpps.items(Tag(0x0008, 0x1032))?.first?.dataSet {
                try b.set("OBR-4.1", v(code, 0x0008, 0x0100))
                try b.set("OBR-4.2", v(code, 0x0008, 0x0104))
                try b.set("OBR-4.3", v(code, 0x0008, 0x0102))
            } else if !v(ssas, 0x0032, 0x1060).isEmpty {
                try b.set("OBR-4.2", v(ssas, 0x0032, 0x1060))
            }
            let start = Conversions.timestamp(date: mpps.string(Tag(0x0040, 0x0244)), time: mpps.string(Tag(0x0040, 0x0245)))
            if let start { try b.set("OBR-7", start) }
            if status != .inProgress, let end = Conversions.timestamp(date: mpps.string(Tag(0x0040, 0x0250)), time: mpps.string(Tag(0x0040, 0x0251))) {
                try b.set("OBR-8", end)
            }
            let accession = v(ssas, 0x0008, 0x0050)
            if !accession.isEmpty { try b.set("OBR-18", accession) }
            if !v(ssas, 0x0040, 0x1001).isEmpty { try b.set("OBR-19", v(ssas, 0x0040, 0x1001)) }
            if !v(ssas, 0x0040, 0x0009).isEmpty { try b.set("OBR-20", v(ssas, 0x0040, 0x0009)) }
            if !v(mpps, 0x0008, 0x0060).isEmpty { try b.set("OBR-24", v(mpps, 0x0008, 0x0060)) }
            try b.set("OBR-25", status == .completed ? "CM" : status.orderStatus)
            let study = v(ssas, 0x0020, 0x000D)
            switch messageType {
            case .orm:
                if !study.isEmpty {
                    try b.set("ZDS-1.1", study)
                    try b.set("ZDS-1.2", "")
                    try b.set("ZDS-1.3", "Application")
                    try b.set("ZDS-1.4", "DICOM")
                }
            case .omi:
                if let start { try b.set("TQ1-1", "1"); try b.set("TQ1-7", start) }
                if !accession.isEmpty { try b.set("IPC-1", accession) }
                try b.set("IPC-2", v(ssas, 0x0040, 0x1001))
                try b.set("IPC-3", study)
                try b.set("IPC-4", v(ssas, 0x0040, 0x0009))
                if !v(mpps, 0x0008, 0x0060).isEmpty { try b.set("IPC-5", v(mpps, 0x0008, 0x0060)) }
                if !v(mpps, 0x0040, 0x0241).isEmpty { try b.set("IPC-9", v(mpps, 0x0040, 0x0241)) }
            }
            return b.message
        } catch {
            throw MappingError(.applicationInternalError, "building the status message: \(error)")
        }
    }
}
