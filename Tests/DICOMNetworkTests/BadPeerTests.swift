// PS3.8 §9.2 Evt19 (unrecognized or invalid PDU) and the acceptor's timers, over real
// sockets: each bad peer's association ends with an A-ABORT and a log line, while other
// associations carry on.

import DICOM
import Foundation
import NIOCore
import Testing
@testable import DICOMNetwork

@Suite(.serialized) struct BadPeerTests {
    /// The last PDU in `bytes` is an A-ABORT.
    static func endsWithAbort(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 10 && bytes[bytes.count - 10] == 0x07 && bytes[bytes.count - 5] == 0x04
    }

    static func echoWorks(_ scp: TestSCP) async throws -> Bool {
        let assoc = try await DICOMAssociation.open(AssociationParameters(
            host: "127.0.0.1", port: scp.port, callingAETitle: "GOODSCU", calledAETitle: "ANY-SCP",
            presentationContexts: [DICOMAssociation.verificationContext()]))
        let status = try await assoc.echo()
        try await assoc.release()
        return status == DIMSEStatus.success
    }

    @Test func garbageBytes() async throws {
        let scp = try await TestSCP.start(aeTitle: "ANY-SCP")
        let reply = try await RawPeer.exchange(port: scp.port, [Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)])
        #expect(Self.endsWithAbort(reply))
        #expect(scp.log.text.contains("invalid PDU"))
        #expect(scp.log.text.contains("unknownPDUType"))
        #expect(try await Self.echoWorks(scp))
        await scp.server.shutdown()
    }

    @Test func fourGigabytePDULength() async throws {
        let scp = try await TestSCP.start(aeTitle: "ANY-SCP")
        // An A-ASSOCIATE-RQ header declaring 0xFFFFFFFF bytes, then a little of its body.
        let reply = try await RawPeer.exchange(port: scp.port, [[0x01, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x01, 0x00, 0x00]])
        #expect(Self.endsWithAbort(reply))
        #expect(scp.log.text.contains("pduTooLong"))
        #expect(try await Self.echoWorks(scp))
        await scp.server.shutdown()
    }

    @Test func truncatedPDUInsideAnAssociation() async throws {
        let scp = try await TestSCP.start(aeTitle: "ANY-SCP", quickTimers: true)
        // A valid association request, then a P-DATA-TF declaring 100 bytes of which 10 come.
        let truncated: [UInt8] = [0x04, 0x00, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00, 0x60, 0x01, 0x03, 0, 0, 0, 0]
        async let reply = RawPeer.exchange(port: scp.port, [EncodedPDUs.associateRQ, truncated])
        // Meanwhile another association works.
        #expect(try await Self.echoWorks(scp))
        let bytes = try await reply
        #expect(bytes.first == 0x02, "the association was accepted first")
        #expect(Self.endsWithAbort(bytes))
        #expect(scp.log.text.contains("aborting association"))
        await scp.server.shutdown()
    }

    @Test func associationThatNeverReleases() async throws {
        let scp = try await TestSCP.start(aeTitle: "ANY-SCP", quickTimers: true)
        async let reply = RawPeer.exchange(port: scp.port, [EncodedPDUs.associateRQ])
        #expect(try await Self.echoWorks(scp))
        let bytes = try await reply
        #expect(bytes.first == 0x02)
        #expect(Self.endsWithAbort(bytes))
        #expect(scp.log.text.contains("nothing received"))
        await scp.server.shutdown()
    }

    /// The idle timer counts from the last PDU received (it is armed once and looks at the time of the
    /// last PDU when it fires): an association that keeps sending, for longer than the timeout in all, stays up.
    @Test func associationThatKeepsSendingIsNotIdle() async throws {
        let scp = try await TestSCP.start(aeTitle: "ANY-SCP", quickTimers: true)  // 3 s
        let assoc = try await DICOMAssociation.open(AssociationParameters(
            host: "127.0.0.1", port: scp.port, callingAETitle: "GOODSCU", calledAETitle: "ANY-SCP",
            presentationContexts: [DICOMAssociation.verificationContext()]))
        for _ in 0..<5 {
            #expect(try await assoc.echo() == DIMSEStatus.success)
            try await Task.sleep(for: .milliseconds(1000))
        }
        #expect(try await assoc.echo() == DIMSEStatus.success)
        try await assoc.release()
        #expect(!scp.log.text.contains("nothing received"))
        await scp.server.shutdown()
    }

    @Test func peerThatNeverSendsARequestIsClosedByARTIM() async throws {
        let scp = try await TestSCP.start(aeTitle: "ANY-SCP", quickTimers: true)
        let reply = try await RawPeer.exchange(port: scp.port, [])
        #expect(reply.isEmpty)  // Sta2 + Evt18 → AA-2: close, no PDU
        #expect(scp.log.text.contains("ARTIM timer expired"))
        await scp.server.shutdown()
    }

    @Test func unexpectedPDUAfterAssociation() async throws {
        let scp = try await TestSCP.start(aeTitle: "ANY-SCP")
        // A second A-ASSOCIATE-RQ on an established association: Sta6 + Evt6 → AA-8.
        let reply = try await RawPeer.exchange(port: scp.port, [EncodedPDUs.associateRQ, EncodedPDUs.associateRQ])
        #expect(Self.endsWithAbort(reply))
        #expect(reply.last == AAbort.unexpectedPDU)
        #expect(scp.log.text.contains("aborted by provider"))
        await scp.server.shutdown()
    }
}
