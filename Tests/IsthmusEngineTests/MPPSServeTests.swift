import DICOM
import Foundation
import HL7
import IsthmusStore
import MLLP
import NIOCore
import Testing
import TestSupport

/// IHE RAD-6/RAD-7 through `isthmus serve`: pynetdicom sends MPPS N-CREATE (IN PROGRESS) then N-SET
/// (COMPLETED) for a worklist item made from an order; the item leaves the SCHEDULED worklist, and the
/// procedure status messages (ORM^O01, ORC-1 SC, ORC-5 IP then CM) reach the RIS's MLLP listener.
@Suite(.serialized) struct MPPSServeTests {
    static let script = """
    import sys
    from pydicom.dataset import Dataset
    from pynetdicom import AE
    from pynetdicom.sop_class import ModalityPerformedProcedureStep
    port, uid, step = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    ae = AE(ae_title="CT01")
    ae.add_requested_context(ModalityPerformedProcedureStep)
    assoc = ae.associate("127.0.0.1", port, ae_title="ISTHMUS")
    assert assoc.is_established
    if step == "create":
        ds = Dataset()
        ds.PerformedProcedureStepStatus = "IN PROGRESS"
        ds.PatientName = "DOE^JANE"
        ds.PatientID = "MRN1"
        ds.Modality = "CT"
        ds.PerformedStationAETitle = "CT01"
        ds.PerformedProcedureStepStartDate = "20260305"
        ds.PerformedProcedureStepStartTime = "103000"
        item = Dataset()
        item.AccessionNumber = "ACC1"
        item.RequestedProcedureID = "RP1"
        item.ScheduledProcedureStepID = "SPS1"
        item.StudyInstanceUID = sys.argv[4]
        item.PlacerOrderNumberImagingServiceRequest = "PLC1"
        item.FillerOrderNumberImagingServiceRequest = "FIL1"
        ds.ScheduledStepAttributesSequence = [item]
        status, _ = assoc.send_n_create(ds, ModalityPerformedProcedureStep, uid)
    else:
        mod = Dataset()
        mod.PerformedProcedureStepStatus = "COMPLETED"
        mod.PerformedProcedureStepEndDate = "20260305"
        mod.PerformedProcedureStepEndTime = "104500"
        status, _ = assoc.send_n_set(mod, ModalityPerformedProcedureStep, uid)
    print("0x%04X" % status.Status)
    assoc.release()
    """

    @Test func mppsUpdatesTheWorklistAndSendsStatusMessages() async throws {
        guard haveIsthmus(), Peers.need("pynetdicom", (try? Peers.run("python3", ["-c", "import pynetdicom"]))?.status == 0),
              Peers.need("DCMTK findscu", Peers.available(Peers.findscu)) else { return }
        let ris = try await RecordingListener()
        defer { Task { await ris.stop() } }
        let data = try Peers.temporaryDirectory("serve-mpps")
        let config = data + "/isthmus.yaml"
        try """
        listeners:
          mllp: [ { name: orders, port: 0 } ]
          dicom: [ { name: scp, ae-title: ISTHMUS, port: 0 } ]
        peers:
          mllp: [ { name: ris, host: 127.0.0.1, port: \(ris.port) } ]
        workflow:
          status-to: [ { mllp: ris } ]
        """.write(toFile: config, atomically: true, encoding: .utf8)
        try Self.script.write(toFile: data + "/mpps.py", atomically: true, encoding: .utf8)
        let server = try await ServeProcess.start(data: data, ["--config", config])
        defer { server.kill() }

        let client = MLLPClient(host: "127.0.0.1", port: server.mllpPort)
        #expect(try await client.send(try Message(WorkflowServeTests.order("O1"))).code == "AA")
        await client.close()
        let scheduled = ["PatientID", "StudyInstanceUID", "ScheduledProcedureStepSequence[0].ScheduledProcedureStepID",
                         "ScheduledProcedureStepSequence[0].ScheduledProcedureStepStatus"]
        let items = try WorkflowServeTests().findWorklist(port: server.dicomPort, scheduled)
        let study = try #require(items.first?.string(Tag(0x0020, 0x000D)))

        let uid = "1.2.826.0.1.3680043.10.1472.99.\(Int.random(in: 1 ... 999_999))"
        var r = try Peers.run("python3", [data + "/mpps.py", "\(server.dicomPort)", uid, "create", study])
        #expect(r.text.trimmingCharacters(in: .whitespacesAndNewlines) == "0x0000", "\(r.stderr)")
        // STARTED: no longer in the default (SCHEDULED) worklist, found when asked for STARTED.
        #expect(try WorkflowServeTests().findWorklist(port: server.dicomPort, scheduled).isEmpty)
        #expect(try WorkflowServeTests().findWorklist(port: server.dicomPort, scheduled.dropLast() + ["ScheduledProcedureStepSequence[0].ScheduledProcedureStepStatus=STARTED"]).count == 1)
        // A second N-CREATE of the same instance: duplicate (0111H).
        r = try Peers.run("python3", [data + "/mpps.py", "\(server.dicomPort)", uid, "create", study])
        #expect(r.text.trimmingCharacters(in: .whitespacesAndNewlines) == "0x0111")
        r = try Peers.run("python3", [data + "/mpps.py", "\(server.dicomPort)", uid, "set"])
        #expect(r.text.trimmingCharacters(in: .whitespacesAndNewlines) == "0x0000", "\(r.stderr)")
        // COMPLETED is final: another N-SET is refused.
        r = try Peers.run("python3", [data + "/mpps.py", "\(server.dicomPort)", uid, "set"])
        #expect(r.text.trimmingCharacters(in: .whitespacesAndNewlines) != "0x0000")

        // The status messages reach the RIS: IP then CM, with the order's identifiers and the study UID.
        let end = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < end, ris.messages.withLockedValue({ $0.count }) < 2 {
            try await Task.sleep(for: .milliseconds(50))
        }
        let messages = ris.messages.withLockedValue { $0 }
        #expect(messages.count == 2)
        #expect(messages.map { $0["ORC-5"] } == ["IP", "CM"])
        for m in messages {
            #expect(m["MSH-9.1"] == "ORM" && m["ORC-1"] == "SC")
            #expect(m["ORC-2"] == "PLC1" && m["ORC-3"] == "FIL1")
            #expect(m["OBR-18"] == "ACC1" && m["OBR-19"] == "RP1")
            #expect(m["ZDS-1.1"] == study)
            #expect(m["PID-3.1"] == "MRN1")
        }
        #expect(server.terminate() == 0)
    }
}
