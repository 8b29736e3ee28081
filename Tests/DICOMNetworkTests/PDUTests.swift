// PS3.8 §9.3 PDU structures: decoding the annotated fixtures, encoding back to the same bytes.

import Testing
import NIOCore
@testable import DICOMNetwork

@Suite struct PDUTests {
    static let expectedRQ: AAssociateRQ = {
        var rq = AAssociateRQ(
            calledAETitle: "ANY-SCP", callingAETitle: "ECHOSCU",
            presentationContexts: [PresentationContextRQ(id: 1, abstractSyntax: "1.2.840.10008.1.1", transferSyntaxes: ["1.2.840.10008.1.2"])],
            userInformation: UserInformation(maximumLength: 16384, implementationClassUID: "1.2.3", implementationVersionName: "ISTHMUS"))
        rq.protocolVersion = 1
        return rq
    }()

    @Test func associateRQDecodesAndEncodes() throws {
        let pdu = try PDU.read(bytes: EncodedPDUs.associateRQ)
        #expect(pdu == .associateRQ(Self.expectedRQ))
        #expect(PDU.associateRQ(Self.expectedRQ).bytes == EncodedPDUs.associateRQ)
    }

    @Test func associateACDecodesAndEncodes() throws {
        var ui = UserInformation(maximumLength: 65536, implementationClassUID: "1.2.3", implementationVersionName: "ISTHMUS")
        ui.asynchronousOperationsWindow = .init(maximumInvoked: 1, maximumPerformed: 1)
        ui.userIdentityAC = .init(serverResponse: Array("OKAY".utf8))
        let ac = AAssociateAC(calledAETitle: "ANY-SCP", callingAETitle: "ECHOSCU", presentationContexts: [
            PresentationContextAC(id: 1, result: .acceptance, transferSyntax: "1.2.840.10008.1.2"),
            PresentationContextAC(id: 3, result: .abstractSyntaxNotSupported, transferSyntax: "1.2.840.10008.1.2"),
        ], userInformation: ui)
        let pdu = try PDU.read(bytes: EncodedPDUs.associateAC)
        #expect(pdu == .associateAC(ac))
        guard case .associateAC(let read) = pdu else { return }
        #expect(read.presentationContexts[0].isAccepted)
        #expect(read.presentationContexts[1].result == .abstractSyntaxNotSupported)
        #expect(PDU.associateAC(ac).bytes == EncodedPDUs.associateAC)
    }

    @Test func everyUserInformationSubItem() throws {
        var b = ByteBuffer(bytes: EncodedPDUs.userInformationRQ)
        let item = try Item.read(&b, in: "test")
        var body = item.body
        let ui = try UserInformation.read(&body)
        #expect(ui.maximumLength == 0)
        #expect(ui.implementationClassUID == "1.2.3")
        #expect(ui.implementationVersionName == "ISTHMUS")
        #expect(ui.asynchronousOperationsWindow == .init(maximumInvoked: 5, maximumPerformed: 0))
        #expect(ui.roleSelections == [.init(sopClassUID: "1.2.840.10008.1.1", scuRole: true, scpRole: false)])
        #expect(ui.sopClassExtendedNegotiations == [.init(sopClassUID: "1.2", serviceClassApplicationInformation: [1, 0, 1])])
        #expect(ui.sopClassCommonExtendedNegotiations == [.init(sopClassUID: "1.3", serviceClassUID: "1.4", relatedGeneralSOPClassUIDs: ["1.5.6"])])
        #expect(ui.userIdentityRQ == .init(type: 2, positiveResponseRequested: true, primaryField: Array("SCANNR".utf8), secondaryField: Array("SECRET".utf8)))
        #expect(ui.unknownItems == [RawItem(type: 0x5A, value: [0xAB, 0xCD])])
        // Written back: the same bytes (the unknown sub-item kept, sub-items in PS3.7's order).
        var out = ByteBuffer()
        ui.write(to: &out)
        #expect(Array(out.readableBytesView) == EncodedPDUs.userInformationRQ)
    }

    @Test func smallPDUs() throws {
        #expect(try PDU.read(bytes: EncodedPDUs.associateRJ) == .associateRJ(.calledAETitleNotRecognized()))
        #expect(PDU.associateRJ(.calledAETitleNotRecognized()).bytes == EncodedPDUs.associateRJ)
        #expect(try PDU.read(bytes: EncodedPDUs.releaseRQ) == .releaseRQ)
        #expect(PDU.releaseRQ.bytes == EncodedPDUs.releaseRQ)
        #expect(try PDU.read(bytes: EncodedPDUs.releaseRP) == .releaseRP)
        #expect(PDU.releaseRP.bytes == EncodedPDUs.releaseRP)
        #expect(try PDU.read(bytes: EncodedPDUs.abort) == .abort(.provider(AAbort.unexpectedPDU)))
        #expect(PDU.abort(.provider(AAbort.unexpectedPDU)).bytes == EncodedPDUs.abort)
    }

    @Test func pDataTF() throws {
        let expected = PDataTF(values: [
            PresentationDataValue(presentationContextID: 1, isCommand: true, isLast: true, data: ByteBuffer(bytes: [0xDE, 0xAD, 0xBE, 0xEF])),
            PresentationDataValue(presentationContextID: 1, isCommand: false, isLast: false, data: ByteBuffer(bytes: [1, 2])),
        ])
        #expect(try PDU.read(bytes: EncodedPDUs.pDataTF) == .dataTF(expected))
        #expect(PDU.dataTF(expected).bytes == EncodedPDUs.pDataTF)
    }

    @Test func unknownItemsAreSkippedAndKept() throws {
        // An item of type 60H between the presentation context and the user information.
        var bytes = EncodedPDUs.associateRQ
        let userInfoAt = bytes.count - 32
        bytes.insert(contentsOf: [0x60, 0x00, 0x00, 0x03, 0x01, 0x02, 0x03], at: userInfoAt)
        bytes[5] += 7
        guard case .associateRQ(let rq) = try PDU.read(bytes: bytes) else { Issue.record("not an RQ"); return }
        #expect(rq.unknownItems == [RawItem(type: 0x60, value: [1, 2, 3])])
        #expect(rq.presentationContexts == Self.expectedRQ.presentationContexts)
        #expect(rq.userInformation == Self.expectedRQ.userInformation)
    }

    @Test func malformedPDUsAreErrors() {
        func code(_ bytes: [UInt8]) -> DICOMNetworkError.Code? {
            do { _ = try PDU.read(bytes: bytes); return nil } catch { return error.code }
        }
        // An item whose length runs past the PDU: the presentation context claims 255 bytes.
        var bad = EncodedPDUs.associateRQ
        bad[6 + 68 + 25 + 3] = 0xFF
        #expect(code(bad) == .malformedPDU)
        // A-ASSOCIATE-RQ shorter than its fixed part.
        #expect(code([0x01, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x01, 0x00, 0x00]) == .malformedPDU)
        // A PDV item length that runs past the PDU.
        #expect(code([0x04, 0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x09, 0x01, 0x03]) == .malformedPDU)
        // A PDV item length below 2 (no room for the context ID and control header).
        #expect(code([0x04, 0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x01, 0x01, 0x03]) == .malformedPDU)
        // A-ABORT with a wrong length.
        #expect(code([0x07, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00]) == .malformedPDU)
        // A PDU type PS3.8 does not define.
        #expect(code([0x08, 0x00, 0x00, 0x00, 0x00, 0x00]) == .unknownPDUType)
        // An RQ without the user information item.
        var noUI = Array(EncodedPDUs.associateRQ.dropLast(32))
        noUI[5] -= 32
        #expect(code(noUI) == .malformedPDU)
    }
}
