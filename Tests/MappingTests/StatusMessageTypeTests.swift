import DICOM
import Foundation
import HL7
import Mapping
import Testing
import TestSupport

/// ../shared/standards/hl7-dicom-mapping.md §4: the four procedure status message types, from an MPPS and from
/// a study-stable status with counts; segment order per structure; hl7apy validates the v2.5.1 ones.
@Suite struct StatusMessageTypeTests {
    func mpps(_ status: String = "COMPLETED") throws -> DataSet { try ProcedureStatusMapperTests().mpps(status) }

    /// A study-stable status: COMPLETED, with the order of a worklist item and the counts the index holds.
    var stable: ProcedureStatus {
        var s = ProcedureStatus(status: .completed)
        s.patientID = "MRN1"
        s.issuerOfPatientID = "HOSP"
        s.patientName = "MÜLLER^RENÉE"
        s.birthDate = "19800214"
        s.sex = "F"
        s.placerOrderNumber = "PLC1"
        s.fillerOrderNumber = "FIL1"
        s.accessionNumber = "ACC1"
        s.requestedProcedureID = "RP1"
        s.scheduledProcedureStepID = "SPS1"
        s.procedureCode = .init(value: "CT1", meaning: "CT HEAD", scheme: "L")
        s.start = "20260305103000"
        s.modality = "CT"
        s.studyInstanceUID = "1.2.826.0.1.3680043.10.1472.5.7"
        s.numberOfInstances = 3
        s.numberOfSeries = 2
        return s
    }

    func segments(_ m: Message) -> [String] { m.segments.map(\.id) }

    @Test func omgStatusMessage() throws {
        let m = try ProcedureStatusMapper(messageType: .omg, receivingApplication: "RIS").message(for: try mpps(), controlID: "G1")
        #expect(m.value(at: "MSH-9.1") == "OMG" && m.value(at: "MSH-9.2") == "O19" && m.value(at: "MSH-9.3") == "OMG_O19")
        #expect(m.value(at: "MSH-12") == "2.5.1" && m.value(at: "MSH-18") == "UNICODE UTF-8")
        #expect(segments(m) == ["MSH", "PID", "ORC", "TQ1", "OBR", "OBX"])
        #expect(m.value(at: "ORC-1") == "SC" && m.value(at: "ORC-5") == "CM")
        #expect(m.value(at: "ORC-2") == "PLC100" && m.value(at: "ORC-3") == "FIL200")
        #expect(m.value(at: "TQ1-7") == "20260305103000" && m.value(at: "OBR-7") == "20260305103000" && m.value(at: "OBR-8") == "20260305104500")
        #expect(m.value(at: "OBR-18") == "ACC0001" && m.value(at: "OBR-19") == "RP0001" && m.value(at: "OBR-20") == "SPS0001")
        #expect(m.value(at: "OBR-24") == "CT" && m.value(at: "OBR-25") == "R")
        #expect(m.value(at: "OBX-1") == "1" && m.value(at: "OBX-2") == "HD")
        #expect(m.value(at: "OBX-3.1") == "113014" && m.value(at: "OBX-3.2") == "DICOM Study" && m.value(at: "OBX-3.3") == "DCM")
        #expect(m.value(at: "OBX-5") == "1.2.3.4.5" && m.value(at: "OBX-11") == "F")
        #expect(m.value(at: "PID-5.1") == "MÜLLER" && m.value(at: "PID-3.4") == "HOSP")
    }

    @Test(arguments: [("IN PROGRESS", "IP", "I"), ("COMPLETED", "CM", "R"), ("DISCONTINUED", "DC", "X")])
    func oruStatusMessage(_ status: String, _ orc5: String, _ obr25: String) throws {
        let m = try ProcedureStatusMapper(messageType: .oru).message(for: try mpps(status), controlID: "U1")
        #expect(m.value(at: "MSH-9.1") == "ORU" && m.value(at: "MSH-9.2") == "R01" && m.value(at: "MSH-9.3") == "ORU_R01")
        #expect(m.value(at: "MSH-12") == "2.5.1")
        // ORU_R01: the timing follows the OBR, the observations follow the timing.
        #expect(segments(m) == ["MSH", "PID", "ORC", "OBR", "TQ1", "OBX"])
        #expect(m.value(at: "ORC-1") == "SC" && m.value(at: "ORC-5") == orc5 && m.value(at: "OBR-25") == obr25)
        #expect(m.value(at: "OBR-2") == "PLC100" && m.value(at: "OBR-3") == "FIL200" && m.value(at: "OBR-18") == "ACC0001")
        #expect(m.value(at: "OBX-3.1") == "113014" && m.value(at: "OBX-5") == "1.2.3.4.5")
        if status == "IN PROGRESS" { #expect((m.value(at: "OBR-8") ?? "").isEmpty) } else { #expect(m.value(at: "OBR-8") == "20260305104500") }
    }

    @Test(arguments: StatusMessageType.allCases)
    func stableStudyCarriesTheCounts(_ type: StatusMessageType) throws {
        let m = try ProcedureStatusMapper(messageType: type).message(for: stable, controlID: "S1")
        let expected: [String] = switch type {
        case .orm: ["MSH", "PID", "ORC", "OBR", "OBX", "OBX", "ZDS"]
        case .omi: ["MSH", "PID", "ORC", "TQ1", "OBR", "OBX", "OBX", "IPC"]
        case .omg: ["MSH", "PID", "ORC", "TQ1", "OBR", "OBX", "OBX", "OBX"]
        case .oru: ["MSH", "PID", "ORC", "OBR", "TQ1", "OBX", "OBX", "OBX"]
        }
        #expect(segments(m) == expected)
        #expect(m.value(at: "ORC-1") == "SC" && m.value(at: "ORC-5") == "CM")
        #expect(m.value(at: "OBR-4.1") == "CT1" && m.value(at: "OBR-4.2") == "CT HEAD" && m.value(at: "OBR-4.3") == "L")
        // No character set given and a non-ASCII name: UTF-8.
        #expect(m.value(at: "MSH-18") == "UNICODE UTF-8" && m.value(at: "PID-5.2") == "RENÉE")
        // OBX set IDs count up; the counts are numeric observations.
        let obx = m.segments.filter { $0.id == "OBX" }.count
        let rows = (1 ... obx).map { i in (m.value(at: "OBX[\(i)]-1"), m.value(at: "OBX[\(i)]-2"), m.value(at: "OBX[\(i)]-3.1"), m.value(at: "OBX[\(i)]-5")) }
        #expect(rows.map(\.0) == (1 ... obx).map { String($0) })
        #expect(rows.contains { $0.1 == "NM" && $0.2 == "NUMINST" && $0.3 == "3" })
        #expect(rows.contains { $0.1 == "NM" && $0.2 == "NUMSER" && $0.3 == "2" })
        let study = "1.2.826.0.1.3680043.10.1472.5.7"
        switch type {
        case .orm: #expect(m.value(at: "ZDS-1.1") == study)
        case .omi: #expect(m.value(at: "IPC-3") == study && m.value(at: "IPC-1") == "ACC1")
        case .omg, .oru: #expect(rows.first.map { $0.1 == "HD" && $0.2 == "113014" && $0.3 == study } == true)
        }
    }

    /// hl7apy reads each v2.5.1 message into its structure's groups and validates it (required fields and
    /// segment cardinality of HL7 v2.5.1).
    @Test func hl7apyValidatesTheV251Messages() throws {
        guard Peers.need("hl7apy", (try? Peers.run("python3", ["-c", "import hl7apy"]))?.status == 0) else { return }
        let dir = try Peers.temporaryDirectory("status-types")
        let script = """
        import sys
        from hl7apy.parser import parse_message
        from hl7apy.core import Group
        def names(e):
            out = []
            for c in e.children:
                out.append(c.name)
                if isinstance(c, Group): out += names(c)
            return out
        m = parse_message(open(sys.argv[1], encoding="utf-8", newline="").read(), find_groups=True)
        m.validate()
        print(" ".join(names(m)))
        """
        try script.write(toFile: dir + "/check.py", atomically: true, encoding: .utf8)
        for type in [StatusMessageType.omi, .omg, .oru] {
            let m = try ProcedureStatusMapper(messageType: type).message(for: stable, controlID: "V1")
            try Data(m.serialized()).write(to: URL(fileURLWithPath: dir + "/m.hl7"))
            let r = try Peers.run("python3", [dir + "/check.py", dir + "/m.hl7"])
            #expect(r.status == 0, "\(type.rawValue): \(r.stderr)")
            let groups = r.text
            switch type {
            case .omi: #expect(groups.contains("OMI_O23_TIMING TQ1 OBR") && groups.contains("OMI_O23_OBSERVATION OBX"), "\(groups)")
            case .omg: #expect(groups.contains("OMG_O19_TIMING TQ1 OBR") && groups.contains("OMG_O19_OBSERVATION OBX"), "\(groups)")
            default: #expect(groups.contains("OBR ORU_R01_TIMING_QTY TQ1 ORU_R01_OBSERVATION OBX"), "\(groups)")
            }
        }
    }
}
