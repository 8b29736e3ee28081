// PS3.7 §9.1.1.1.3 and Annex C (Error Comment, LO: 64 characters of the default repertoire, for failure and
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
}
