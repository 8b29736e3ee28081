// PS3.4 Table B.2-1 and PS3.7 Annex C (Error Comment, LO: 64 characters of the default repertoire, for failure and
// warning statuses) and PS3.4 §B.2.3: a storage handler's decision reaches the SCU as the C-STORE-RSP's status
// and Error Comment — on the event loop (decideImmediately) and off it (decide) — and a success never carries one.

import DICOM
import Foundation
import NIOCore
import NIOEmbedded
import Testing
@testable import DICOMNetwork

@Suite(.serialized) struct StorageDecisionTests {
    @Test func theCommentIsCutTo64CharactersOfPrintableASCII() {
        let long = String(repeating: "0123456789", count: 8)
        #expect(StorageDecision.outOfResources(long).responseComment == String(long.prefix(64)))
        #expect(StorageDecision.errorCommentValue(long)?.count == 64)
        // Spaces at either end go, also where the cut leaves one; control, non-ASCII and backslash become "?".
        #expect(StorageDecision.errorCommentValue("  a b  ") == "a b")
        #expect(StorageDecision.errorCommentValue(String(repeating: "x", count: 63) + " yz") == String(repeating: "x", count: 63))
        #expect(StorageDecision.errorCommentValue("é\\\n\u{7F}ok") == "????ok")
        #expect(StorageDecision.errorCommentValue("   ") == nil)
        #expect(StorageDecision.errorCommentValue("") == nil)
    }

    @Test func onlyFailuresAndWarningsCarryTheComment() {
        #expect(StorageDecision(status: DIMSEStatus.success, errorComment: "stored, with a remark").responseComment == nil)
        #expect(StorageDecision.success.responseComment == nil)
        #expect(StorageDecision(status: DIMSEStatus.pending, errorComment: "x").responseComment == nil)
        #expect(StorageDecision(status: DIMSEStatus.cancel, errorComment: "x").responseComment == nil)
        #expect(StorageDecision.coercionOfDataElements("Patient ID coerced").responseComment == "Patient ID coerced")
        #expect(StorageDecision.cannotUnderstand("(0020,000D) missing").responseComment == "(0020,000D) missing")
        #expect(StorageDecision(status: 0x0111, errorComment: "duplicate").responseComment == "duplicate")
        #expect(StorageDecision(status: DIMSEStatus.outOfResources).responseComment == nil)
    }

    @Test func errnoNames() {
        #expect(StorageDecision.errnoName(ENOENT) == "ENOENT")
        #expect(StorageDecision.errnoName(ENOSPC) == "ENOSPC")
        #expect(StorageDecision.errnoName(EDQUOT) == "EDQUOT")
        #expect(StorageDecision.errnoName(9999) == "errno 9999")
    }

    /// The directly encoded response with an Error Comment is the DataSet encoder's bytes (odd and even lengths, 64
    /// characters), and decodes back to the comment.
    @Test(arguments: ["cannot move the instance into the folder: ENOENT", "odd", "even", String(repeating: "7", count: 64)])
    func aResponseWithACommentIsTheDataSetEncodersBytes(comment: String) throws {
        var rsp = DIMSECommand(field: .cStoreRSP)
        rsp.messageIDBeingRespondedTo = 9
        rsp.affectedSOPClassUID = StoreFastPathTests.ct
        rsp.affectedSOPInstanceUID = "1.2.3.45"
        rsp.status = DIMSEStatus.outOfResources
        rsp.errorComment = comment
        let fast = DIMSECommand.encodedStoreResponse(messageIDBeingRespondedTo: 9, affectedSOPClassUID: StoreFastPathTests.ct,
                                                     affectedSOPInstanceUID: "1.2.3.45", status: DIMSEStatus.outOfResources, errorComment: comment)
        #expect(fast == (try rsp.encoded()))
        let back = try DIMSECommand.decode(fast)
        #expect(back.errorComment == comment && back.status == DIMSEStatus.outOfResources && back.affectedSOPInstanceUID == "1.2.3.45")
    }

    /// A handler that decides what the test says, at once or off the loop.
    struct ScriptedHandler: ImmediateStorageHandler {
        let decision: StorageDecision
        let immediate: Bool
        func store(_ instance: ReceivedInstance) async -> UInt16 { decision.status }
        func decide(_ instance: ReceivedInstance) async -> StorageDecision { decision }
        func storeImmediately(_ instance: ReceivedInstance) -> UInt16? { immediate ? decision.status : nil }
        func decideImmediately(_ instance: ReceivedInstance) -> StorageDecision? { immediate ? decision : nil }
    }

    /// Over the SCP: a success with a comment is answered with exactly the plain success bytes; a warning and a
    /// failure carry their comment, cut to 64 characters — on the loop (no fsync, immediate) and off it (fsync).
    @Test(arguments: [(false, true), (false, false), (true, false)])
    func theSCPSendsTheDecision(sync: Bool, immediate: Bool) async throws {
        let long = "cannot keep the instance: the archive volume is read-only (EROFS), try again later"
        let cases: [(StorageDecision, String?)] = [
            (StorageDecision(status: DIMSEStatus.success, errorComment: "should not be sent"), nil),
            (.coercionOfDataElements("Study Date (0008,0020) coerced"), "Study Date (0008,0020) coerced"),
            (.outOfResources(long), String(long.prefix(64))),
        ]
        for (n, (decision, expected)) in cases.enumerated() {
            var directory = ""
            let channel = try await StoreCompletionTests().associate {
                $0.syncReceivedFiles = sync
                $0.storage = ScriptedHandler(decision: decision, immediate: immediate)
                directory = $0.temporaryDirectory
            }
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let uid = "1.2.826.0.1.3680043.10.1472.93.\(n + 1)"
            let (_, encoded) = try StoreCompletionTests.dataSet(uid: uid, size: 3_000)
            try await StoreCompletionTests.sendStore(channel, uid: uid, messageID: UInt16(20 + n), dataSet: encoded)
            let pdu = try await channel.waitForOutboundWrite(as: PDU.self)
            let rsp = try #require(try StoreCompletionTests.decodeResponse(pdu))
            #expect(rsp.status == decision.status && rsp.messageIDBeingRespondedTo == UInt16(20 + n) && rsp.affectedSOPInstanceUID == uid)
            #expect(rsp.errorComment == expected, "\(decision)")
            if decision.status == DIMSEStatus.success, case .dataTF(let tf) = pdu {
                // Byte for byte the response without a comment.
                #expect(Array(tf.values[0].data.readableBytesView) == DIMSECommand.encodedStoreResponse(
                    messageIDBeingRespondedTo: UInt16(20 + n), affectedSOPClassUID: StoreCompletionTests.ct, affectedSOPInstanceUID: uid,
                    status: DIMSEStatus.success))
            }
            // The handler did not take the file: the SCP removed it.
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
            try await StoreCompletionTests.echo(channel, messageID: 40)
            _ = try? await channel.finish()
        }
    }

    /// pynetdicom as a C-GET SCP sending CT instances (two small ones, or one per size given, with that many bytes
    /// of a private OB value); it records the status and Error Comment of every C-STORE-RSP it receives
    /// (EVT_DIMSE_RECV: the command set as decoded) and prints them once the association of a C-GET is released.
    static let getSCP = """
    import sys, json, threading
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian
    from pynetdicom import AE, evt
    from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelGet, CTImageStorage

    port = int(sys.argv[1])
    sizes = [int(a) for a in sys.argv[2:]] or [0, 0]
    responses = []
    released = threading.Event()
    served = []
    def instance(uid, size):
        ds = Dataset()
        ds.SOPClassUID = CTImageStorage
        ds.SOPInstanceUID = uid
        ds.StudyInstanceUID = "1.2.826.0.1.3680043.10.1472.93.100"
        ds.SeriesInstanceUID = "1.2.826.0.1.3680043.10.1472.93.100.1"
        ds.Modality = "CT"
        if size:
            ds.add_new(0x00091010, "OB", bytes(size))
        ds.file_meta = FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        return ds
    def on_get(event):
        served.append(True)
        yield len(sizes)
        for n, size in enumerate(sizes):
            yield 0xFF00, instance("1.2.826.0.1.3680043.10.1472.93.%d" % (101 + n), size)
    def on_recv(event):
        cs = event.message.command_set
        if cs.CommandField == 0x8001:
            responses.append({"uid": str(cs.AffectedSOPInstanceUID), "status": cs.Status,
                              "comment": str(cs.ErrorComment) if "ErrorComment" in cs else None})
    ae = AE(ae_title="PYGETSCP")
    ae.add_supported_context(StudyRootQueryRetrieveInformationModelGet)
    ae.add_supported_context(CTImageStorage, scu_role=True, scp_role=True)
    server = ae.start_server(("127.0.0.1", port), block=False, evt_handlers=[
        (evt.EVT_C_GET, on_get), (evt.EVT_DIMSE_RECV, on_recv), (evt.EVT_RELEASED, lambda e: served and released.set())])
    released.wait(60)
    server.shutdown()
    print(json.dumps(responses))
    """

    /// Refuses the instance whose UID ends in `refuse` with a comment; stores nothing.
    struct RefusingHandler: StorageHandler {
        let refuse: String
        func store(_ instance: ReceivedInstance) async -> UInt16 { await decide(instance).status }
        func decide(_ instance: ReceivedInstance) async -> StorageDecision {
            instance.sopInstanceUID.hasSuffix(refuse) ? .outOfResources("archive volume full: ENOSPC") : StorageDecision(status: DIMSEStatus.success, errorComment: "kept")
        }
    }

    /// The C-GET requestor answers each C-STORE sub-operation with its storage handler's decision: pynetdicom (the
    /// SCP) reads the Error Comment of the refused one, and none on the other (a success).
    @Test func theCGetRequestorSendsTheDecision() async throws {
        guard Peers.need("pynetdicom (pip install pynetdicom)", PythonPeer.pynetdicomAvailable) else { return }
        let port = try await PythonPeer.freePort()
        let peer = try PythonPeer.Running(Self.getSCP, name: "get_scp", arguments: ["\(port)"])
        defer { peer.stop() }
        let params = AssociationParameters.forGet(host: "127.0.0.1", port: port, callingAETitle: "GETSCU", calledAETitle: "PYGETSCP",
                                                  models: [.studyRoot], storageSOPClassUIDs: [StoreCompletionTests.ct])
        guard let assoc = try await PythonPeer.open(params) else { Issue.record("could not associate with pynetdicom: \(peer.stderr)"); return }
        let tmp = try Peers.temporaryDirectory("get-decision")
        var identifier = DataSet()
        try identifier.set(Tag(0x0008, 0x0052), vr: .CS, string: "STUDY")
        try identifier.set(Tag(0x0020, 0x000D), vr: .UI, string: "1.2.826.0.1.3680043.10.1472.93.100")
        let result = try await assoc.get(identifier: identifier, model: .studyRoot, storage: RefusingHandler(refuse: ".102"), temporaryDirectory: tmp)
        try await assoc.release()
        #expect(result.completed == 1 && result.failed == 1, "\(result)")
        let out = await peer.finish()
        let responses = (try? JSONSerialization.jsonObject(with: Data((out.split(separator: "\n").last ?? "").utf8))) as? [[String: Any]]
        let got = try #require(responses, "\(out) \(peer.stderr)")
        try #require(got.count == 2, "\(got)")
        #expect(got[0]["uid"] as? String == "1.2.826.0.1.3680043.10.1472.93.101" && got[0]["status"] as? Int == 0)
        #expect(got[0]["comment"] is NSNull, "\(got[0])")
        #expect(got[1]["uid"] as? String == "1.2.826.0.1.3680043.10.1472.93.102" && got[1]["status"] as? Int == 0xA700)
        #expect(got[1]["comment"] as? String == "archive volume full: ENOSPC")
    }
}
