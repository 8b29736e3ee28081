// The acceptor's handler driven through a test channel (no sockets): PS3.8 §9.2 transitions
// and PS3.7 C-STORE reassembly of a data set arriving in many small PDVs into a file.

import DICOM
import Foundation
import NIOCore
import NIOEmbedded
import Testing
@testable import DICOMNetwork

@Suite struct ServerHandlerTests {
    static let ct = "1.2.840.10008.5.1.4.1.1.2"

    func makeChannel(_ dir: String) async throws -> (NIOAsyncTestingChannel, CapturedLog) {
        let log = CapturedLog()
        var config = DICOMServerConfiguration(aeTitle: "ANY-SCP", temporaryDirectory: dir)
        config.storage = DirectoryStorageHandler(directory: dir)
        let channel = NIOAsyncTestingChannel()
        let logger = log.logger
        let configuration = config
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(ServerAssociationHandler(configuration: configuration, logger: logger) { true })
        }.get()
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 104))
        return (channel, log)
    }

    @Test func storesADataSetSentInSmallFragments() async throws {
        let dir = try Peers.temporaryDirectory("handler")
        let (channel, _) = try await makeChannel(dir)
        var rq = AAssociateRQ(calledAETitle: "ANY-SCP", callingAETitle: "MODALITY",
                              presentationContexts: [PresentationContextRQ(id: 1, abstractSyntax: Self.ct, transferSyntaxes: ["1.2.840.10008.1.2.1"])],
                              userInformation: UserInformation(maximumLength: 4096))
        rq.userInformation.implementationClassUID = "1.2.3"
        try await channel.writeInbound(PDU.associateRQ(rq))
        guard case .associateAC(let ac) = try await channel.waitForOutboundWrite(as: PDU.self) else { Issue.record("no AC"); return }
        #expect(ac.presentationContexts == [PresentationContextAC(id: 1, result: .acceptance, transferSyntax: "1.2.840.10008.1.2.1")])

        // A data set with a 1 MB value, sent as 1000-byte PDVs (odd split points included).
        var ds = DataSet()
        try ds.set(.sopClassUID, vr: .UI, string: Self.ct)
        try ds.set(.sopInstanceUID, vr: .UI, string: "1.2.826.0.1.3680043.10.1472.99.1")
        ds.set(Tag(0x0009, 0x1010), vr: .OB, bytes: (0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let encoded = try DataSetWriter.encode(ds, transferSyntax: .explicitVRLittleEndian)
        var cmd = DIMSECommand(field: .cStoreRQ)
        cmd.messageID = 5
        cmd.affectedSOPClassUID = Self.ct
        cmd.affectedSOPInstanceUID = "1.2.826.0.1.3680043.10.1472.99.1"
        cmd.priority = 0
        cmd.hasDataSet = true
        let command = try cmd.encoded()
        // The command in two fragments, then the data set in 1001-byte fragments.
        let half = command.count / 2
        for (i, part) in [Array(command[..<half]), Array(command[half...])].enumerated() {
            try await channel.writeInbound(PDU.dataTF(PDataTF(values: [PresentationDataValue(presentationContextID: 1, isCommand: true, isLast: i == 1, data: ByteBuffer(bytes: part))])))
        }
        var offset = 0
        while offset < encoded.count {
            let end = min(offset + 1001, encoded.count)
            try await channel.writeInbound(PDU.dataTF(PDataTF(values: [PresentationDataValue(presentationContextID: 1, isCommand: false, isLast: end == encoded.count, data: ByteBuffer(bytes: encoded[offset..<end]))])))
            offset = end
        }
        guard case .dataTF(let tf) = try await channel.waitForOutboundWrite(as: PDU.self) else { Issue.record("no response"); return }
        let rsp = try DIMSECommand.decode(Array(tf.values[0].data.readableBytesView))
        #expect(rsp.field == .cStoreRSP)
        #expect(rsp.messageIDBeingRespondedTo == 5)
        #expect(rsp.status == DIMSEStatus.success)
        #expect(rsp.affectedSOPInstanceUID == "1.2.826.0.1.3680043.10.1472.99.1")

        // The stored file: Part 10, meta information naming the instance, the same data set.
        let file = try DICOMFile.read(contentsOf: dir + "/1.2.826.0.1.3680043.10.1472.99.1.dcm", options: { var o = ReadOptions(); o.bulkDataThreshold = nil; return o }())
        #expect(file.fileMetaInformation.string(.mediaStorageSOPInstanceUID) == "1.2.826.0.1.3680043.10.1472.99.1")
        #expect(file.fileMetaInformation.string(Tag(0x0002, 0x0016)) == "MODALITY")
        #expect(try file.dataSet.jsonString() == ds.jsonString())
        // No temporary file left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".part") }.isEmpty)

        // Release: A-RELEASE-RP, then the acceptor waits for the close (Sta13).
        try await channel.writeInbound(PDU.releaseRQ)
        #expect(try await channel.waitForOutboundWrite(as: PDU.self) == .releaseRP)
        _ = try? await channel.finish()
    }

    @Test func pdvOnAContextNotAcceptedAborts() async throws {
        let dir = try Peers.temporaryDirectory("handler")
        let (channel, log) = try await makeChannel(dir)
        let rq = AAssociateRQ(calledAETitle: "ANY-SCP", callingAETitle: "MODALITY",
                              presentationContexts: [PresentationContextRQ(id: 1, abstractSyntax: Self.ct, transferSyntaxes: ["1.2.840.10008.1.2"])],
                              userInformation: UserInformation(maximumLength: 0))
        try await channel.writeInbound(PDU.associateRQ(rq))
        _ = try await channel.waitForOutboundWrite(as: PDU.self)
        try await channel.writeInbound(PDU.dataTF(PDataTF(values: [PresentationDataValue(presentationContextID: 9, isCommand: true, isLast: true, data: ByteBuffer())])))
        guard case .abort = try await channel.waitForOutboundWrite(as: PDU.self) else { Issue.record("no A-ABORT"); return }
        #expect(log.text.contains("not accepted"))
        _ = try? await channel.finish()
    }
}
