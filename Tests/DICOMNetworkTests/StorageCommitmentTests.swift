// PS3.4 Annex J Storage Commitment Push Model: the Action and Event Information data sets, the
// directory handler's decisions, Isthmus SCU ↔ SCP over loopback (result on the same association,
// N-ACTION refusals), pynetdicom as SCU (result on the same association, and on a new association
// with SCP/SCU role selection once the SCU has released) and as SCP for the Isthmus SCU.

import DICOM
import Foundation
import NIOCore
import Testing
@testable import DICOMNetwork

enum CommitmentFixtures {
    static let ctClass = "1.2.840.10008.5.1.4.1.1.2"
    static let mrClass = "1.2.840.10008.5.1.4.1.1.4"

    /// Writes a small instance into `directory` as DirectoryStorageHandler names it.
    static func storeInstance(_ uid: String, sopClass: String = ctClass, in directory: String) throws {
        var ds = DataSet()
        try ds.set(.sopClassUID, vr: .UI, string: sopClass)
        try ds.set(.sopInstanceUID, vr: .UI, string: uid)
        try ds.set(.patientID, vr: .LO, string: "COMMIT-1")
        try DICOMFile(dataSet: ds, transferSyntax: .explicitVRLittleEndian).write(toPath: directory + "/" + uid + ".dcm")
    }
}

/// Holds the commitment back until a condition holds (the requesting association has closed),
/// then asks the directory handler.
struct GatedCommitmentHandler: StorageCommitmentHandler {
    let inner: DirectoryCommitmentHandler
    let gate: @Sendable () -> Bool
    func commit(_ request: CommitmentRequest) async -> CommitmentResult {
        while !gate() { try? await Task.sleep(for: .milliseconds(10)) }
        return await inner.commit(request)
    }
}

@Suite struct StorageCommitmentUnitTests {
    @Test func eventInformationRoundTrips() throws {
        let a = SOPReference(sopClassUID: CommitmentFixtures.ctClass, sopInstanceUID: "1.2.3.1")
        let b = SOPReference(sopClassUID: CommitmentFixtures.ctClass, sopInstanceUID: "1.2.3.2")
        let result = CommitmentResult(transactionUID: "1.2.3.9", committed: [a], failed: [.init(reference: b, reason: 0x0112)], retrieveAETitle: "ISTHMUS")
        #expect(result.eventTypeID == 2)
        let bytes = try DataSetWriter.encode(result.dataSet, transferSyntax: .implicitVRLittleEndian)
        let back = try CommitmentResult(dataSet: try ServerAssociationHandler.decodeDataSet(bytes, transferSyntax: .implicitVRLittleEndian))
        #expect(back == result)
        let all = CommitmentResult(transactionUID: "1.2.3.9", committed: [a, b], failed: [])
        #expect(all.eventTypeID == 1 && all.dataSet[.failedSOPSequence] == nil && all.dataSet.items(.referencedSOPSequence)?.count == 2)
        // Failure Reason is US: (0008,1197) in the failed item.
        #expect(result.dataSet.items(.failedSOPSequence)?.first?.dataSet.int(.failureReason) == 0x0112)
    }

    @Test func actionInformationIsChecked() {
        var ds = CommitmentRequest(transactionUID: "1.2.3", references: [SOPReference(sopClassUID: "1.2", sopInstanceUID: "1.2.3.4")]).dataSet
        guard case .success(let r) = CommitmentRequest.read(ds, callingAETitle: "A") else { Issue.record("not read"); return }
        #expect(r.transactionUID == "1.2.3" && r.references.count == 1 && r.callingAETitle == "A")
        ds.set(.referencedSOPSequence, items: [])
        if case .failure(let e) = CommitmentRequest.read(ds, callingAETitle: "A") { #expect(e.status == DIMSEStatus.missingAttributeValue) } else { Issue.record("empty sequence accepted") }
        ds.remove(.transactionUID)
        if case .failure(let e) = CommitmentRequest.read(ds, callingAETitle: "A") { #expect(e.status == DIMSEStatus.missingAttribute) } else { Issue.record("no transaction accepted") }
    }

    @Test func directoryHandlerCommitsWhatIsStored() async throws {
        let dir = try Peers.temporaryDirectory("commit")
        try CommitmentFixtures.storeInstance("1.2.3.1", in: dir)
        try CommitmentFixtures.storeInstance("1.2.3.2", sopClass: CommitmentFixtures.mrClass, in: dir)
        let refs = [SOPReference(sopClassUID: CommitmentFixtures.ctClass, sopInstanceUID: "1.2.3.1"),
                    SOPReference(sopClassUID: CommitmentFixtures.ctClass, sopInstanceUID: "1.2.3.2"),
                    SOPReference(sopClassUID: CommitmentFixtures.ctClass, sopInstanceUID: "1.2.3.3")]
        let r = await DirectoryCommitmentHandler(directory: dir).commit(CommitmentRequest(transactionUID: "9.9", references: refs))
        #expect(r.committed == [refs[0]])
        #expect(r.failed == [.init(reference: refs[1], reason: 0x0119), .init(reference: refs[2], reason: 0x0112)])
    }
}

@Suite(.serialized) struct StorageCommitmentLoopbackTests {
    @Test func isthmusSCUGetsTheResultOnTheSameAssociation() async throws {
        // Commitment over what the SCP stored (TestSCP stores into its temporary folder).
        let scp = try await TestSCP.start { $0.storageCommitment = DirectoryCommitmentHandler(directory: $0.temporaryDirectory) }
        let port = scp.port
        let file = try DICOMFile(dataSet: {
            var ds = DataSet()
            try ds.set(.sopClassUID, vr: .UI, string: CommitmentFixtures.ctClass)
            try ds.set(.sopInstanceUID, vr: .UI, string: "1.2.826.0.1.3680043.10.1472.8.1")
            try ds.set(.patientID, vr: .LO, string: "COMMIT-1")
            return ds
        }(), transferSyntax: .explicitVRLittleEndian)
        let params = AssociationParameters(host: "127.0.0.1", port: port, callingAETitle: "MODALITY", calledAETitle: "ISTHMUS",
                                           presentationContexts: [DICOMAssociation.storageCommitmentContext()] + DICOMAssociation.storageContexts(for: [file]).map { var c = $0; c.id += 2; return c })
        let assoc = try await DICOMAssociation.open(params)
        #expect(try await assoc.store(file) == DIMSEStatus.success)
        let stored = SOPReference(sopClassUID: CommitmentFixtures.ctClass, sopInstanceUID: "1.2.826.0.1.3680043.10.1472.8.1")
        let missing = SOPReference(sopClassUID: CommitmentFixtures.ctClass, sopInstanceUID: "1.2.826.0.1.3680043.10.1472.8.404")
        let wrongClass = SOPReference(sopClassUID: CommitmentFixtures.mrClass, sopInstanceUID: "1.2.826.0.1.3680043.10.1472.8.1")

        let ok = try await assoc.requestCommitment([stored], transactionUID: "1.2.826.0.1.3680043.10.1472.8.100")
        #expect(ok.eventTypeID == 1 && ok.committed == [stored] && ok.failed.isEmpty && ok.transactionUID == "1.2.826.0.1.3680043.10.1472.8.100")
        let mixed = try await assoc.requestCommitment([stored, missing, wrongClass])
        #expect(mixed.eventTypeID == 2 && mixed.committed == [stored])
        #expect(mixed.failed == [.init(reference: missing, reason: 0x0112), .init(reference: wrongClass, reason: 0x0119)])

        // Refused N-ACTIONs: another instance than the well-known one, another action type.
        let pc = try #require(assoc.acceptedContexts(for: StorageCommitment.sopClassUID).first)
        let info = try DataSetWriter.encode(CommitmentRequest(transactionUID: "1.2.3", references: [stored]).dataSet, transferSyntax: TransferSyntax(uid: pc.transferSyntax))
        var rq = DIMSECommand(field: .nActionRQ)
        rq.requestedSOPClassUID = StorageCommitment.sopClassUID
        rq.requestedSOPInstanceUID = "1.2.3.4"
        rq.actionTypeID = 1
        #expect(try await assoc.send(rq, dataSet: ByteBuffer(bytes: info), contextID: pc.id).status == DIMSEStatus.invalidObjectInstance)
        rq.requestedSOPInstanceUID = StorageCommitment.wellKnownInstanceUID
        rq.actionTypeID = 2
        let refused = try await assoc.send(rq, dataSet: ByteBuffer(bytes: info), contextID: pc.id)
        #expect(refused.status == DIMSEStatus.noSuchActionType && refused.field == .nActionRSP)
        // Still usable after the refusals.
        #expect(try await assoc.requestCommitment([missing]).failed.count == 1)
        try await assoc.release()
        await scp.server.shutdown()
        #expect(!scp.log.text.contains("COMMIT-1"), "patient data in the log")
    }
}

@Suite(.serialized) struct StorageCommitmentPynetdicomTests {
    /// pynetdicom SCU: N-ACTION, then the report (argument 3 "same": waited for on this association;
    /// "new": the SCU releases at once and receives the report as an SCP on its own port, argument 4).
    static let scu = """
    import sys, json, threading
    from pydicom.dataset import Dataset
    from pynetdicom import AE, evt
    from pynetdicom.sop_class import StorageCommitmentPushModel as SC

    port, transaction, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    refs = json.loads(sys.argv[5])
    got = {}
    done = threading.Event()
    def on_report(event):
        ds = event.event_information
        got["eventType"] = event.request.EventTypeID
        got["transaction"] = ds.TransactionUID
        got["committed"] = [[i.ReferencedSOPClassUID, i.ReferencedSOPInstanceUID] for i in ds.get("ReferencedSOPSequence", [])]
        got["failed"] = [[i.ReferencedSOPClassUID, i.ReferencedSOPInstanceUID, i.FailureReason] for i in ds.get("FailedSOPSequence", [])]
        got["onRequestingAssociation"] = event.assoc.is_requestor
        done.set()
        return 0x0000, None
    ae = AE(ae_title="PYCOMMIT")
    ae.add_requested_context(SC)
    handlers = [(evt.EVT_N_EVENT_REPORT, on_report)]
    server = None
    if mode == "new":
        ae.add_supported_context(SC, scu_role=False, scp_role=True)
        server = ae.start_server(("127.0.0.1", int(sys.argv[4])), block=False, evt_handlers=handlers)
    assoc = ae.associate("127.0.0.1", port, ae_title="ISTHMUS", evt_handlers=handlers if mode == "same" else [])
    assert assoc.is_established
    ds = Dataset()
    ds.TransactionUID = transaction
    items = []
    for c, i in refs:
        item = Dataset()
        item.ReferencedSOPClassUID = c
        item.ReferencedSOPInstanceUID = i
        items.append(item)
    ds.ReferencedSOPSequence = items
    got["wrongActionType"] = assoc.send_n_action(ds, 5, SC, "1.2.840.10008.1.20.1.1")[0].Status
    got["action"] = assoc.send_n_action(ds, 1, SC, "1.2.840.10008.1.20.1.1")[0].Status
    if mode == "new":
        assoc.release()
    got["received"] = done.wait(60)
    if mode == "same":
        assoc.release()
    if server:
        server.shutdown()
    print(json.dumps(got))
    """

    /// With `callBack`, the SCP knows PYCOMMIT at that port, and holds each commitment back until
    /// it has no connection open: the requesting association has ended, so the result must go on
    /// a new one.
    static func startSCP(callBack: Int? = nil) async throws -> TestSCP {
        let server = LockedBox<DICOMServer?>(nil)
        let scp = try await TestSCP.start { c in
            let inner = DirectoryCommitmentHandler(directory: c.temporaryDirectory)
            if let callBack {
                c.storageCommitment = GatedCommitmentHandler(inner: inner) { server.value.map { $0.openConnections == 0 } ?? false }
                c.remoteEntities["PYCOMMIT"] = RemoteApplicationEntity(host: "127.0.0.1", port: callBack)
            } else {
                c.storageCommitment = inner
            }
        }
        server.set(scp.server)
        try CommitmentFixtures.storeInstance("1.2.826.0.1.3680043.10.1472.8.2", in: scp.directory)
        return scp
    }

    static let refs = #"[["1.2.840.10008.5.1.4.1.1.2", "1.2.826.0.1.3680043.10.1472.8.2"], ["1.2.840.10008.5.1.4.1.1.2", "1.2.826.0.1.3680043.10.1472.8.404"]]"#

    static func check(_ r: [String: Any]) {
        #expect(r["wrongActionType"] as? Int == 0x0123)
        #expect(r["action"] as? Int == 0x0000)
        #expect(r["received"] as? Bool == true)
        #expect(r["eventType"] as? Int == 2)
        #expect(r["transaction"] as? String == "1.2.826.0.1.3680043.10.1472.8.300")
        #expect(r["committed"] as? [[String]] == [["1.2.840.10008.5.1.4.1.1.2", "1.2.826.0.1.3680043.10.1472.8.2"]])
        let failed = r["failed"] as? [[Any]]
        #expect(failed?.count == 1 && failed?.first?[1] as? String == "1.2.826.0.1.3680043.10.1472.8.404" && failed?.first?[2] as? Int == 0x0112)
    }

    @Test func pynetdicomSCUReceivesTheReportOnItsAssociation() async throws {
        guard Peers.need("pynetdicom (pip install pynetdicom)", PythonPeer.pynetdicomAvailable) else { return }
        let scp = try await Self.startSCP()
        let out = try await PythonPeer.run(Self.scu, name: "commit_scu", arguments: ["\(scp.port)", "1.2.826.0.1.3680043.10.1472.8.300", "same", "0", Self.refs])
        await scp.server.shutdown()
        #expect(out.status == 0, "\(out.stderr)")
        let r = try #require(PythonPeer.json(out.text), "\(out.text) \(out.stderr)")
        Self.check(r)
        #expect(r["onRequestingAssociation"] as? Bool == true)
        #expect(scp.log.text.contains("association=same"))
    }

    @Test func pynetdicomSCUReceivesTheReportOnANewAssociationAfterReleasing() async throws {
        guard Peers.need("pynetdicom (pip install pynetdicom)", PythonPeer.pynetdicomAvailable) else { return }
        let back = try await PythonPeer.freePort()
        let scp = try await Self.startSCP(callBack: back)
        let out = try await PythonPeer.run(Self.scu, name: "commit_scu", arguments: ["\(scp.port)", "1.2.826.0.1.3680043.10.1472.8.300", "new", "\(back)", Self.refs])
        await scp.server.shutdown()
        #expect(out.status == 0, "\(out.stderr)")
        let r = try #require(PythonPeer.json(out.text), "\(out.text) \(out.stderr)")
        Self.check(r)
        #expect(r["onRequestingAssociation"] as? Bool == false)
        #expect(scp.log.text.contains("association=new"), "\(scp.log.text)")
    }

    static let scp = """
    import sys, json, threading
    from pydicom.dataset import Dataset
    from pynetdicom import AE, evt
    from pynetdicom.sop_class import StorageCommitmentPushModel as SC

    port = int(sys.argv[1])
    log, pending = {}, {}
    released = threading.Event()
    def on_action(event):
        ds = event.action_information
        log["actionType"] = event.request.ActionTypeID
        log["transaction"] = ds.TransactionUID
        log["refs"] = [[i.ReferencedSOPClassUID, i.ReferencedSOPInstanceUID] for i in ds.ReferencedSOPSequence]
        pending["ds"] = ds
        return 0x0000, None
    def report(assoc, ds):
        rep = Dataset()
        rep.TransactionUID = ds.TransactionUID
        ok, bad = [], []
        for i in ds.ReferencedSOPSequence:
            item = Dataset()
            item.ReferencedSOPClassUID = i.ReferencedSOPClassUID
            item.ReferencedSOPInstanceUID = i.ReferencedSOPInstanceUID
            if i.ReferencedSOPInstanceUID.endswith(".404"):
                item.FailureReason = 0x0112
                bad.append(item)
            else:
                ok.append(item)
        rep.ReferencedSOPSequence = ok
        if bad:
            rep.FailedSOPSequence = bad
        status, _ = assoc.send_n_event_report(rep, 2 if bad else 1, SC, "1.2.840.10008.1.20.1.1")
        log["reportStatus"] = status.Status
    def on_sent(event):
        # After the N-ACTION-RSP has gone: report from another thread (send_* waits for the response).
        if type(event.message).__name__ == "N_ACTION_RSP" and "ds" in pending:
            threading.Thread(target=report, args=(event.assoc, pending.pop("ds"))).start()
    ae = AE(ae_title="PYCOMMITSCP")
    ae.add_supported_context(SC)
    server = ae.start_server(("127.0.0.1", port), block=False, evt_handlers=[
        (evt.EVT_N_ACTION, on_action), (evt.EVT_DIMSE_SENT, on_sent), (evt.EVT_RELEASED, lambda e: released.set())])
    released.wait(60)
    server.shutdown()
    print(json.dumps(log))
    """

    @Test func isthmusSCUAgainstPynetdicomSCP() async throws {
        guard Peers.need("pynetdicom (pip install pynetdicom)", PythonPeer.pynetdicomAvailable) else { return }
        let port = try await PythonPeer.freePort()
        let peer = try PythonPeer.Running(Self.scp, name: "commit_scp", arguments: ["\(port)"])
        defer { peer.stop() }
        let params = AssociationParameters(host: "127.0.0.1", port: port, callingAETitle: "MODALITY", calledAETitle: "PYCOMMITSCP",
                                           presentationContexts: [DICOMAssociation.storageCommitmentContext()])
        guard let assoc = try await PythonPeer.open(params) else { Issue.record("could not associate with pynetdicom: \(peer.stderr)"); return }
        let stored = SOPReference(sopClassUID: CommitmentFixtures.ctClass, sopInstanceUID: "1.2.826.0.1.3680043.10.1472.8.5")
        let missing = SOPReference(sopClassUID: CommitmentFixtures.ctClass, sopInstanceUID: "1.2.826.0.1.3680043.10.1472.8.404")
        let result = try await assoc.requestCommitment([stored, missing], transactionUID: "1.2.826.0.1.3680043.10.1472.8.400")
        #expect(result.eventTypeID == 2 && result.committed == [stored] && result.failed == [.init(reference: missing, reason: 0x0112)])
        try await assoc.release()
        let out = await peer.finish()
        let log = try #require(PythonPeer.json(out), "\(out) \(peer.stderr)")
        #expect(log["actionType"] as? Int == 1 && log["transaction"] as? String == "1.2.826.0.1.3680043.10.1472.8.400")
        #expect(log["refs"] as? [[String]] == [[stored.sopClassUID, stored.sopInstanceUID], [missing.sopClassUID, missing.sopInstanceUID]])
        #expect(log["reportStatus"] as? Int == 0)
    }
}
