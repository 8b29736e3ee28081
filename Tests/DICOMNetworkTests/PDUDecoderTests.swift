// PS3.8 §9.3.1 PDU framing on TCP: the decoder, fed the stream split at every byte.

import Testing
import NIOCore
import NIOEmbedded
import NIOTestUtils
@testable import DICOMNetwork

@Suite struct PDUDecoderTests {
    @Test func decodesEveryFixtureWhateverTheSplit() throws {
        let fixtures = [EncodedPDUs.associateRQ, EncodedPDUs.associateAC, EncodedPDUs.associateRJ, EncodedPDUs.pDataTF,
                        EncodedPDUs.releaseRQ, EncodedPDUs.releaseRP, EncodedPDUs.abort]
        var pairs: [(ByteBuffer, [PDU])] = []
        for f in fixtures { pairs.append((ByteBuffer(bytes: f), [try PDU.read(bytes: f)])) }
        // All seven back to back in one stream, too.
        pairs.append((ByteBuffer(bytes: fixtures.flatMap { $0 }), try fixtures.map { try PDU.read(bytes: $0) }))
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs, decoderFactory: { PDUDecoder() })
    }

    @Test func refusesAPDULongerThanTheLimitBeforeItsBody() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(PDUDecoder(maximumPDULength: 1024)))
        // A P-DATA-TF declaring 4 GB - 1: only the header is sent; the decoder refuses at once.
        let header: [UInt8] = [0x04, 0x00, 0xFF, 0xFF, 0xFF, 0xFF]
        #expect(throws: DICOMNetworkError(.pduTooLong, "PDU length 4294967295 above the limit of 1024")) {
            try channel.writeInbound(ByteBuffer(bytes: header))
        }
        _ = try? channel.finish()
    }

    @Test func waitsForTheWholePDU() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(PDUDecoder()))
        try channel.writeInbound(ByteBuffer(bytes: EncodedPDUs.associateRQ.dropLast()))
        #expect(try channel.readInbound(as: PDU.self) == nil)
        try channel.writeInbound(ByteBuffer(bytes: [EncodedPDUs.associateRQ.last!]))
        #expect(try channel.readInbound(as: PDU.self) == .associateRQ(PDUTests.expectedRQ))
        _ = try channel.finish()
    }

    @Test func garbageIsAnUnknownPDUType() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(PDUDecoder()))
        #expect(throws: DICOMNetworkError.self) {
            try channel.writeInbound(ByteBuffer(bytes: Array("GET / HTTP/1.1\r\n".utf8)))
        }
        _ = try? channel.finish()
    }
}
