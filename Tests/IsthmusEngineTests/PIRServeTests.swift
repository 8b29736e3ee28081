// IHE Patient Information Reconciliation end to end (HL7 v2.5.1 ADT^A40 / MRG, PS3.4 C.2.2 queries): `isthmus serve`
// as a child process holds a study DCMTK storescu stored for patient PRIOR; an ADT^A40 sent over MLLP merges PRIOR
// into SURV, and DCMTK findscu then finds the study under SURV only — the stored file is not rewritten. A circular
// merge and a merge of a patient into itself are answered AE naming MRG-1, and change nothing.

import DICOM
import Foundation
import HL7
import MLLP
import NIOCore
import Testing
import TestSupport

@Suite(.serialized) struct PIRServeTests {
    static func a40(_ control: String, surviving: String, prior: String) -> String {
        [
            "MSH|^~\\&|ADT|HOSP|ISTHMUS|HOSP|20260310090000||ADT^A40^ADT_A39|\(control)|P|2.5.1",
            "EVN|A40|20260310090000",
            "PID|||\(surviving)||SURVIVOR^SAM||19700101|M",
            "MRG|\(prior)",
        ].joined(separator: "\r") + "\r"
    }

    /// Study Root STUDY level and Patient Root PATIENT level queries by Patient ID: (study UIDs, patient IDs).
    static func find(_ port: Int, patientID: String) async throws -> (studies: [DataSet], patients: [DataSet]) {
        let studies = try await ArchiveServeTests.find(port, ["-S", "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID",
                                                              "-k", "PatientName", "-k", "PatientID=\(patientID)"])
        let patients = try await ArchiveServeTests.find(port, ["-P", "-k", "QueryRetrieveLevel=PATIENT", "-k", "PatientName",
                                                               "-k", "PatientID=\(patientID)"])
        return (studies, patients)
    }

    @Test func mergeMovesStoredStudyAndRefusesCircularAndSelfMerges() async throws {
        guard haveIsthmus(),
              Peers.need("DCMTK storescu", Peers.available(Peers.storescu)), Peers.need("DCMTK findscu", Peers.available(Peers.findscu)),
              Peers.need("pydicom corpus", Peers.pydicomTestFiles != nil), let corpus = Peers.pydicomTestFiles else { return }
        let data = try Peers.temporaryDirectory("pir-serve")
        defer { try? FileManager.default.removeItem(atPath: data) }

        // A corpus study, its patient renamed PRIOR (no issuer), written as a modified Part 10 copy.
        var file = try DICOMFile.read(contentsOf: corpus + "/CT_small.dcm")
        try file.dataSet.set(.patientID, vr: .LO, string: "PRIOR")
        file.dataSet.remove(DICOM.Tag(0x0010, 0x0021))
        let study = try #require(file.dataSet.string(DICOM.Tag(0x0020, 0x000D))?.trimmingCharacters(in: CharacterSet(charactersIn: " \0")))
        let copy = data + "/prior.dcm"
        try file.write(toPath: copy)

        let server = try await ServeProcess.start(data: data + "/serve")
        defer { server.kill() }
        let port = server.dicomPort
        let stored = try await ArchiveServeTests.run(Peers.storescu, ["-aet", "MODALITY", "-aec", "ISTHMUS", "127.0.0.1", "\(port)", copy])
        #expect(stored.status == 0, "storescu: \(stored.stderr)")
        var prior = try await Self.find(port, patientID: "PRIOR")
        #expect(prior.studies.compactMap { $0.string(DICOM.Tag(0x0020, 0x000D)) } == [study])
        #expect(prior.patients.count == 1)
        #expect(try await Self.find(port, patientID: "SURV").studies.isEmpty)

        // ADT^A40: PRIOR merged into SURV.
        let client = MLLPClient(host: "127.0.0.1", port: server.mllpPort)
        #expect(try await client.send(try Message(Self.a40("M1", surviving: "SURV", prior: "PRIOR"))).code == "AA")
        let surv = try await Self.find(port, patientID: "SURV")
        #expect(surv.studies.compactMap { $0.string(DICOM.Tag(0x0020, 0x000D)) } == [study])
        #expect(surv.studies.first?.string(.patientName) == "SURVIVOR^SAM")
        #expect(surv.patients.compactMap { $0.string(.patientID) } == ["SURV"])
        prior = try await Self.find(port, patientID: "PRIOR")
        #expect(prior.studies.isEmpty)
        #expect(prior.patients.isEmpty)

        // Circular (SURV into PRIOR, which was merged into SURV) and self merges: AE naming MRG-1, nothing changes.
        for (control, surviving, priorID) in [("M2", "PRIOR", "SURV"), ("M3", "SURV", "SURV")] {
            let reply = try await client.sendRaw(ByteBuffer(bytes: try Message(Self.a40(control, surviving: surviving, prior: priorID)).serialized()))
            let ack = try Message(Array(reply.readableBytesView))
            #expect(ack["MSA-1"] == "AE", "\(control): \(ack.er7)")
            #expect(ack["ERR-2.1"] == "MRG" && ack["ERR-2.3"] == "1", "ERR names MRG-1: \(ack.er7)")
            #expect(!(ack["ERR-8"] ?? "").isEmpty, "a clear text: \(ack.er7)")
        }
        #expect(try await Self.find(port, patientID: "SURV").studies.count == 1)
        #expect(try await Self.find(port, patientID: "PRIOR").studies.isEmpty)
        await client.close()
        #expect(server.terminate() == 0)
        #expect(!server.stdout.contains("SURVIVOR"), "no PHI in the log")
    }
}
