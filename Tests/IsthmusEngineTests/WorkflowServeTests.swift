import DICOM
import Foundation
import HL7
import IsthmusStore
import MLLP
import NIOCore
import Testing
import TestSupport

/// IHE Scheduled Workflow and PIR through `isthmus serve` with no configuration beyond ports: an order sent
/// over MLLP is found by DCMTK `findscu -W` on the DICOM port, an ADT^A08 changes the name the next query
/// sees, a cancel hides the item, an unmappable order is answered AE naming the field.
@Suite(.serialized) struct WorkflowServeTests {
    static func order(_ id: String, control: String = "NW", status: String = "SC", accession: String = "ACC1", name: String = "MÜLLER^RENÉE") -> String {
        [
            "MSH|^~\\&|RIS|HOSP|ISTHMUS|HOSP|20260301080000||ORM^O01|\(id)|P|2.3.1||||||UNICODE UTF-8",
            "PID|||MRN1^^^HOSP^MR||\(name)||19800214|F",
            "ORC|\(control)|PLC1^RIS|FIL1^PACS||\(status)||^^^202603051030^^R|||||||||||CT01",
            "OBR|1|PLC1^RIS|FIL1^PACS|CT1^CT HEAD^L^P1^Head plain^L||||||||||||||\(accession)|RP1|SPS1||||CT",
        ].joined(separator: "\r") + "\r"
    }

    /// Runs findscu -W with `keys`; returns the responses (read back with the DICOM reader).
    func findWorklist(port: Int, _ keys: [String]) throws -> [DataSet] {
        let out = try Peers.temporaryDirectory("wl-rsp")
        var args = ["-W", "-aec", "ISTHMUS", "-aet", "CT01", "-X", "-od", out]
        for k in keys { args += ["-k", k] }
        args += ["127.0.0.1", "\(port)"]
        let r = try Peers.run(Peers.findscu, args, environment: Peers.dcmtkEnvironment)
        #expect(r.status == 0, "\(r.stderr)")
        return try FileManager.default.contentsOfDirectory(atPath: out).sorted().map { try DICOMFile.read(contentsOf: out + "/" + $0).dataSet }
    }

    let keys = ["SpecificCharacterSet", "PatientName", "PatientID", "PatientBirthDate", "AccessionNumber", "RequestedProcedureID",
                "StudyInstanceUID", "ScheduledProcedureStepSequence[0].Modality=CT",
                "ScheduledProcedureStepSequence[0].ScheduledStationAETitle=CT01",
                "ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartDate=20260301-20260331",
                "ScheduledProcedureStepSequence[0].ScheduledProcedureStepID",
                "ScheduledProcedureStepSequence[0].ScheduledProcedureStepDescription"]

    @Test func orderToWorklistPatientUpdateAndCancel() async throws {
        guard haveIsthmus(), Peers.need("DCMTK findscu", Peers.available(Peers.findscu)) else { return }
        let data = try Peers.temporaryDirectory("serve-workflow")
        let server = try await ServeProcess.start(data: data)
        defer { server.kill() }
        let client = MLLPClient(host: "127.0.0.1", port: server.mllpPort)

        #expect(try await client.send(try Message(Self.order("W1"))).code == "AA")
        var found = try findWorklist(port: server.dicomPort, keys)
        #expect(found.count == 1)
        if let item = found.first {
            #expect(item.string(.specificCharacterSet) == "ISO_IR 192")
            #expect(item.string(.patientName) == "MÜLLER^RENÉE")
            #expect(item.string(.patientID) == "MRN1")
            #expect(item.string(Tag(0x0008, 0x0050)) == "ACC1")
            #expect(item.string(Tag(0x0040, 0x1001)) == "RP1")
            #expect(UIDsValid(item.string(Tag(0x0020, 0x000D))))
            let step = item.items(Tag(0x0040, 0x0100))?.first?.dataSet
            #expect(step?.string(Tag(0x0040, 0x0009)) == "SPS1")
            #expect(step?.string(Tag(0x0040, 0x0007)) == "Head plain")
        }
        // Outside the date range, another station: nothing.
        #expect(try findWorklist(port: server.dicomPort, keys.map { $0.replacingOccurrences(of: "=CT01", with: "=MR01") }).isEmpty)

        // ADT^A08: the next query sees the new name.
        let a08 = "MSH|^~\\&|ADT|HOSP|ISTHMUS|HOSP|20260302090000||ADT^A08|A1|P|2.5.1||||||UNICODE UTF-8\rEVN|A08\rPID|||MRN1^^^HOSP^MR||SCHMIDT^RENÉE||19800214|F\r"
        #expect(try await client.send(try Message(a08)).code == "AA")
        found = try findWorklist(port: server.dicomPort, keys)
        #expect(found.first?.string(.patientName) == "SCHMIDT^RENÉE")

        // The same order again (a lost ACK): AA, still one item.
        #expect(try await client.send(try Message(Self.order("W1"))).code == "AA")
        #expect(try findWorklist(port: server.dicomPort, keys).count == 1)

        // Unmappable: AE naming the field, nothing changed.
        let long = try await client.send(try Message(Self.order("W2", accession: "ACCESSION-NUMBER-TOO-LONG")))
        #expect(long.code == "AE")
        let reply = try await client.sendRaw(ByteBuffer(bytes: try Message(Self.order("W3", control: "SN")).serialized()))
        let ae = try Message(Array(reply.readableBytesView))
        #expect(ae["MSA-1"] == "AE")
        #expect(ae["ERR-1"]?.contains("ORC") == true || ae["ERR-2.1"] == "ORC", "ERR names ORC-1: \(ae.er7)")

        // Cancel: hidden from the worklist.
        #expect(try await client.send(try Message(Self.order("W4", control: "CA", status: "CA"))).code == "AA")
        #expect(try findWorklist(port: server.dicomPort, keys).isEmpty)
        await client.close()
        #expect(server.terminate() == 0)
        #expect(!server.stdout.contains("MÜLLER") && !server.stdout.contains("SCHMIDT"), "no PHI in the log")
    }
}

func UIDsValid(_ uid: String?) -> Bool {
    guard let uid, !uid.isEmpty, uid.count <= 64 else { return false }
    return uid.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
}

/// The README's "imaging workflow in five commands", with the Examples files, on free ports.
@Suite(.serialized) struct ReadmeWorkflowTests {
    @Test func fiveCommands() async throws {
        guard haveIsthmus() else { return }
        let examples = Peers.repositoryRoot.appendingPathComponent("Examples").path
        let data = try Peers.temporaryDirectory("readme-workflow")
        let server = try await ServeProcess.start(data: data)
        defer { server.kill() }
        let send = { (file: String) throws -> String in
            let r = try Peers.run(isthmusExecutable, ["hl7", "send", "127.0.0.1:\(server.mllpPort)", examples + "/" + file])
            #expect(r.status == 0, "\(r.stderr)")
            return r.text
        }
        let find = { () throws -> String in
            let r = try Peers.run(isthmusExecutable, ["dicom", "find", "ISTHMUS@127.0.0.1:\(server.dicomPort)", "--worklist",
                                                       "-k", "PatientName", "-k", "AccessionNumber", "-k", "ScheduledProcedureStepSequence.Modality=CT",
                                                       "-k", "ScheduledProcedureStepSequence.ScheduledStationAETitle=CT01"])
            #expect(r.status == 0, "\(r.stderr)")
            return r.text
        }
        #expect(try send("orm-o01.hl7").hasPrefix("AA\tORD0001"))
        let before = try find()
        #expect(before.contains("MÜLLER^RENÉE") && before.contains("ACC0001"))
        #expect(try send("adt-a08.hl7").hasPrefix("AA\tADT0001"))
        #expect(try find().contains("SCHMIDT^RENÉE"))
        #expect(server.terminate() == 0)
    }
}
