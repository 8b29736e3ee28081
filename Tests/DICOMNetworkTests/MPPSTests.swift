// PS3.4 Annex F MPPS: DIMSE-N command sets, the SCP's state rules (§F.7.2), Isthmus SCU ↔ SCP
// over loopback with instances kept as files, pynetdicom as SCU against the Isthmus SCP and as
// SCP for the Isthmus SCU.

import DICOM
import Foundation
import Testing
@testable import DICOMNetwork

enum MPPSFixtures {
    static func attributes(status: String = MPPS.inProgress) -> DataSet {
        var ds = DataSet()
        try? ds.set(.performedProcedureStepStatus, vr: .CS, string: status)
        try? ds.set(Tag(0x0040, 0x0253), vr: .SH, string: "PPS-1")        // Performed Procedure Step ID
        try? ds.set(Tag(0x0040, 0x0241), vr: .AE, string: "MODALITY")     // Performed Station AE Title
        try? ds.set(Tag(0x0008, 0x0060), vr: .CS, string: "CT")           // Modality
        try? ds.set(.patientID, vr: .LO, string: "MPPS-1")
        var step = DataSet()
        try? step.set(Tag(0x0020, 0x000D), vr: .UI, string: "1.2.826.0.1.3680043.10.1472.7.1")
        ds.set(Tag(0x0040, 0x0270), items: [DICOM.Item(dataSet: step)])         // Scheduled Step Attributes Sequence
        return ds
    }

    static func completion(_ status: String = MPPS.completed) -> DataSet {
        var ds = DataSet()
        try? ds.set(.performedProcedureStepStatus, vr: .CS, string: status)
        try? ds.set(Tag(0x0040, 0x0250), vr: .DA, string: "20261129")     // Performed Procedure Step End Date
        try? ds.set(Tag(0x0040, 0x0251), vr: .TM, string: "181500")       // Performed Procedure Step End Time
        return ds
    }
}

@Suite struct MPPSRuleTests {
    @Test func normalizedCommandSetsRoundTrip() throws {
        var rq = DIMSECommand(field: .nSetRQ)
        rq.messageID = 3
        rq.requestedSOPClassUID = MPPS.sopClassUID
        rq.requestedSOPInstanceUID = "1.2.3"
        rq.hasDataSet = true
        let back = try DIMSECommand.decode(try rq.encoded())
        #expect(back.field == .nSetRQ && back.requestedSOPClassUID == MPPS.sopClassUID && back.requestedSOPInstanceUID == "1.2.3" && back.hasDataSet)
        let rsp = DIMSECommand.normalizedResponse(to: back, status: DIMSEStatus.processingFailure)
        let r = try DIMSECommand.decode(try rsp.encoded())
        #expect(r.field == .nSetRSP && r.messageIDBeingRespondedTo == 3 && r.affectedSOPClassUID == MPPS.sopClassUID
                && r.affectedSOPInstanceUID == "1.2.3" && r.status == 0x0110 && !r.hasDataSet)
        var action = DIMSECommand(field: .nActionRQ)
        action.messageID = 4
        action.actionTypeID = 1
        let a = DIMSECommand.normalizedResponse(to: try DIMSECommand.decode(try action.encoded()), status: 0)
        #expect(a.field == .nActionRSP && a.actionTypeID == 1)
        // The bytes of Action Type ID: (0000,1008) US, length 2, value 1.
        #expect(try action.encoded().windowed(8 + 2).contains([0x00, 0x00, 0x08, 0x10, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00]))
    }

    @Test func createAndSetFollowTheStateRules() async {
        let store = MPPSStore()
        let uid = "1.2.826.0.1.3680043.10.1472.7.2"
        var missing = MPPSFixtures.attributes()
        missing.remove(.performedProcedureStepStatus)
        #expect(await MPPSService.create(sopInstanceUID: uid, attributes: missing, callingAETitle: "M", handler: store).status == DIMSEStatus.missingAttribute)
        #expect(await MPPSService.create(sopInstanceUID: uid, attributes: MPPSFixtures.attributes(status: MPPS.completed), callingAETitle: "M", handler: store).status == DIMSEStatus.invalidAttributeValue)
        #expect(await MPPSService.create(sopInstanceUID: "1.02.x", attributes: MPPSFixtures.attributes(), callingAETitle: "M", handler: store).status == DIMSEStatus.invalidObjectInstance)
        #expect(await MPPSService.set(sopInstanceUID: uid, modification: MPPSFixtures.completion(), callingAETitle: "M", handler: store).status == DIMSEStatus.noSuchSOPInstance)
        #expect(await MPPSService.create(sopInstanceUID: uid, attributes: MPPSFixtures.attributes(), callingAETitle: "M", handler: store).status == DIMSEStatus.success)
        #expect(await MPPSService.create(sopInstanceUID: uid, attributes: MPPSFixtures.attributes(), callingAETitle: "M", handler: store).status == DIMSEStatus.duplicateSOPInstance)
        #expect(await MPPSService.set(sopInstanceUID: uid, modification: MPPSFixtures.completion("PAUSED"), callingAETitle: "M", handler: store).status == DIMSEStatus.invalidAttributeValue)
        #expect(await MPPSService.set(sopInstanceUID: uid, modification: MPPSFixtures.completion(MPPS.inProgress), callingAETitle: "M", handler: store).status == DIMSEStatus.success)
        #expect(await MPPSService.set(sopInstanceUID: uid, modification: MPPSFixtures.completion(MPPS.discontinued), callingAETitle: "M", handler: store).status == DIMSEStatus.success)
        let final = await MPPSService.set(sopInstanceUID: uid, modification: MPPSFixtures.completion(), callingAETitle: "M", handler: store)
        #expect(final.status == DIMSEStatus.processingFailure && final.errorComment != nil)
        let kept = await store.instance(uid)
        #expect(kept?.string(.performedProcedureStepStatus) == MPPS.discontinued)
        #expect(kept?.string(.patientID) == "MPPS-1" && kept?.string(.sopInstanceUID) == uid && kept?.string(.sopClassUID) == MPPS.sopClassUID)
        // A generated UID: 2.25 and a decimal integer.
        let generated = await MPPSService.create(sopInstanceUID: nil, attributes: MPPSFixtures.attributes(), callingAETitle: "M", handler: store)
        #expect(generated.status == 0 && generated.sopInstanceUID.map { $0.hasPrefix("2.25.") && MPPSService.isValidUID($0) } == true)
        var zero = [UInt8](repeating: 0, count: 16)
        var max = [UInt8](repeating: 0xFF, count: 16)
        #expect(UIDGenerator.decimal(&zero) == "0" && UIDGenerator.decimal(&max) == "340282366920938463463374607431768211455")
    }
}

extension Array where Element == UInt8 {
    func windowed(_ n: Int) -> [[UInt8]] { count < n ? [] : (0...(count - n)).map { Array(self[$0..<($0 + n)]) } }
}

@Suite(.serialized) struct MPPSLoopbackTests {
    @Test func isthmusSCUCreatesAndCompletesAStepKeptAsAFile() async throws {
        let folder = try Peers.temporaryDirectory("mpps")
        let store = MPPSStore(directory: folder)
        let scp = try await TestSCP.start { $0.mpps = store }
        let params = AssociationParameters(host: "127.0.0.1", port: scp.port, callingAETitle: "MODALITY", calledAETitle: "ISTHMUS",
                                           presentationContexts: [DICOMAssociation.mppsContext()])
        let assoc = try await DICOMAssociation.open(params)
        let created = try await assoc.mppsCreate(MPPSFixtures.attributes())
        #expect(created.status == DIMSEStatus.success)
        let uid = try #require(created.affectedSOPInstanceUID)
        #expect(uid.hasPrefix("2.25."))
        #expect(try await assoc.mppsCreate(MPPSFixtures.attributes(), sopInstanceUID: uid).status == DIMSEStatus.duplicateSOPInstance)
        #expect(try await assoc.mppsSet(uid, modifications: MPPSFixtures.completion()).status == DIMSEStatus.success)
        let again = try await assoc.mppsSet(uid, modifications: MPPSFixtures.completion(MPPS.discontinued))
        #expect(again.status == DIMSEStatus.processingFailure && again.errorComment?.contains("no longer") == true)
        #expect(try await assoc.mppsSet("1.2.826.0.1.3680043.10.1472.7.404", modifications: MPPSFixtures.completion()).status == DIMSEStatus.noSuchSOPInstance)
        try await assoc.release()
        await scp.server.shutdown()

        let file = try DICOMFile.read(contentsOf: folder + "/" + uid + ".dcm")
        #expect(file.dataSet.string(.performedProcedureStepStatus) == MPPS.completed)
        #expect(file.dataSet.string(Tag(0x0040, 0x0250)) == "20261129" && file.dataSet.string(Tag(0x0040, 0x0253)) == "PPS-1")
        #expect(file.fileMetaInformation.string(.mediaStorageSOPClassUID) == MPPS.sopClassUID)
        // A new store over the folder knows the step (and that it is final).
        let reloaded = MPPSStore(directory: folder)
        #expect(await reloaded.instance(uid)?.string(.performedProcedureStepStatus) == MPPS.completed)
        #expect(!scp.log.text.contains("MPPS-1"), "patient data in the log")
    }

    @Test func mppsIsRefusedWhenNotConfigured() async throws {
        let scp = try await TestSCP.start { $0.storage = nil }
        let params = AssociationParameters(host: "127.0.0.1", port: scp.port, callingAETitle: "MODALITY", calledAETitle: "ISTHMUS",
                                           presentationContexts: [DICOMAssociation.verificationContext(), DICOMAssociation.mppsContext(id: 3)])
        let assoc = try await DICOMAssociation.open(params)
        await #expect(throws: DICOMNetworkError.self) { try await assoc.mppsCreate(MPPSFixtures.attributes()) }
        try await assoc.release()
        await scp.server.shutdown()
    }
}

@Suite(.serialized) struct MPPSPynetdicomTests {
    static let scu = """
    import sys, json
    from pydicom.dataset import Dataset
    from pydicom.uid import generate_uid
    from pynetdicom import AE
    from pynetdicom.sop_class import ModalityPerformedProcedureStep as MPPS

    port, uid = int(sys.argv[1]), sys.argv[2]
    def attrs(status):
        ds = Dataset()
        ds.PerformedProcedureStepStatus = status
        ds.PerformedProcedureStepID = "PPS-PY"
        ds.PerformedStationAETitle = "PYMPPS"
        ds.Modality = "MR"
        ds.PatientID = "PY-1"
        item = Dataset()
        item.StudyInstanceUID = "1.2.826.0.1.3680043.10.1472.7.9"
        ds.ScheduledStepAttributesSequence = [item]
        return ds
    ae = AE(ae_title="PYMPPS")
    ae.add_requested_context(MPPS)
    assoc = ae.associate("127.0.0.1", port, ae_title="ISTHMUS")
    assert assoc.is_established
    out = {}
    out["create"] = assoc.send_n_create(attrs("IN PROGRESS"), MPPS, uid)[0].Status
    out["duplicate"] = assoc.send_n_create(attrs("IN PROGRESS"), MPPS, uid)[0].Status
    out["createCompleted"] = assoc.send_n_create(attrs("COMPLETED"), MPPS, generate_uid())[0].Status
    mod = Dataset()
    mod.PerformedProcedureStepStatus = "COMPLETED"
    mod.PerformedProcedureStepEndDate = "20261129"
    mod.PerformedProcedureStepEndTime = "181500"
    out["set"] = assoc.send_n_set(mod, MPPS, uid)[0].Status
    out["setAgain"] = assoc.send_n_set(mod, MPPS, uid)[0].Status
    out["setUnknown"] = assoc.send_n_set(mod, MPPS, generate_uid())[0].Status
    assoc.release()
    print(json.dumps(out))
    """

    @Test func pynetdicomSCUAgainstIsthmusSCP() async throws {
        guard Peers.need("pynetdicom (pip install pynetdicom)", PythonPeer.pynetdicomAvailable) else { return }
        let store = MPPSStore()
        let scp = try await TestSCP.start { $0.mpps = store }
        let uid = "1.2.826.0.1.3680043.10.1472.7.100"
        let out = try await PythonPeer.run(Self.scu, name: "mpps_scu", arguments: ["\(scp.port)", uid])
        await scp.server.shutdown()
        #expect(out.status == 0, "\(out.stderr)")
        let r = try #require(PythonPeer.json(out.text), "\(out.text) \(out.stderr)")
        #expect(r["create"] as? Int == 0x0000)
        #expect(r["duplicate"] as? Int == 0x0111)
        #expect(r["createCompleted"] as? Int == 0x0106)
        #expect(r["set"] as? Int == 0x0000)
        #expect(r["setAgain"] as? Int == 0x0110)
        #expect(r["setUnknown"] as? Int == 0x0112)
        let kept = await store.instance(uid)
        #expect(kept?.string(.performedProcedureStepStatus) == MPPS.completed && kept?.string(Tag(0x0008, 0x0060)) == "MR")
        #expect(await store.all.count == 1)
    }

    static let scp = """
    import sys, json, threading
    from pynetdicom import AE, evt
    from pynetdicom.sop_class import ModalityPerformedProcedureStep as MPPS

    port = int(sys.argv[1])
    store, log = {}, []
    released = threading.Event()
    def on_create(event):
        uid = event.request.AffectedSOPInstanceUID
        ds = event.attribute_list
        if uid in store:
            return 0x0111, None
        store[uid] = ds
        log.append(["N-CREATE", str(uid), ds.PerformedProcedureStepStatus, ds.PerformedProcedureStepID])
        return 0x0000, ds
    def on_set(event):
        uid = event.request.RequestedSOPInstanceUID
        if uid not in store:
            return 0x0112, None
        ds = store[uid]
        ds.update(event.modification_list)
        log.append(["N-SET", str(uid), ds.PerformedProcedureStepStatus, ds.PerformedProcedureStepEndDate])
        return 0x0000, ds
    ae = AE(ae_title="PYMPPSSCP")
    ae.add_supported_context(MPPS)
    server = ae.start_server(("127.0.0.1", port), block=False, evt_handlers=[
        (evt.EVT_N_CREATE, on_create), (evt.EVT_N_SET, on_set), (evt.EVT_RELEASED, lambda e: released.set())])
    released.wait(60)
    server.shutdown()
    print(json.dumps(log))
    """

    @Test func isthmusSCUAgainstPynetdicomSCP() async throws {
        guard Peers.need("pynetdicom (pip install pynetdicom)", PythonPeer.pynetdicomAvailable) else { return }
        let port = try await PythonPeer.freePort()
        let peer = try PythonPeer.Running(Self.scp, name: "mpps_scp", arguments: ["\(port)"])
        defer { peer.stop() }
        let params = AssociationParameters(host: "127.0.0.1", port: port, callingAETitle: "MODALITY", calledAETitle: "PYMPPSSCP",
                                           presentationContexts: [DICOMAssociation.mppsContext()])
        guard let assoc = try await PythonPeer.open(params) else { Issue.record("could not associate with pynetdicom: \(peer.stderr)"); return }
        let uid = "1.2.826.0.1.3680043.10.1472.7.200"
        #expect(try await assoc.mppsCreate(MPPSFixtures.attributes(), sopInstanceUID: uid).status == DIMSEStatus.success)
        #expect(try await assoc.mppsCreate(MPPSFixtures.attributes(), sopInstanceUID: uid).status == DIMSEStatus.duplicateSOPInstance)
        #expect(try await assoc.mppsSet(uid, modifications: MPPSFixtures.completion()).status == DIMSEStatus.success)
        #expect(try await assoc.mppsSet("1.2.826.0.1.3680043.10.1472.7.404", modifications: MPPSFixtures.completion()).status == DIMSEStatus.noSuchSOPInstance)
        try await assoc.release()
        let out = await peer.finish()
        let log = (try? JSONSerialization.jsonObject(with: Data((out.split(separator: "\n").last ?? "").utf8))) as? [[String]]
        #expect(log == [["N-CREATE", uid, "IN PROGRESS", "PPS-1"], ["N-SET", uid, "COMPLETED", "20261129"]], "\(out) \(peer.stderr)")
    }
}
