// PS3.7 §9.3 / Annex E command sets and PS3.8 Annex E fragmentation, without sockets.

import DICOM
import NIOCore
import Testing
@testable import DICOMNetwork

@Suite struct DIMSETests {
    /// C-ECHO-RQ, message ID 7, as PS3.7 Annex E lays it out in Implicit VR Little Endian.
    static let echoRQ: [UInt8] = [
        0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,   // (0000,0000) UL length 4
        0x38, 0x00, 0x00, 0x00,                           //   command group length 56
        0x00, 0x00, 0x02, 0x00, 0x12, 0x00, 0x00, 0x00,   // (0000,0002) UI length 18
    ] + Array("1.2.840.10008.1.1\0".utf8) + [             //   Verification SOP Class, NUL padded
        0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00,   // (0000,0100) US length 2
        0x30, 0x00,                                       //   C-ECHO-RQ
        0x00, 0x00, 0x10, 0x01, 0x02, 0x00, 0x00, 0x00,   // (0000,0110) US length 2
        0x07, 0x00,                                       //   message ID 7
        0x00, 0x00, 0x00, 0x08, 0x02, 0x00, 0x00, 0x00,   // (0000,0800) US length 2
        0x01, 0x01,                                       //   0101H: no data set
    ]

    @Test func echoRequestEncodesAsAnnexE() throws {
        var rq = DIMSECommand(field: .cEchoRQ)
        rq.affectedSOPClassUID = "1.2.840.10008.1.1"
        rq.messageID = 7
        #expect(try rq.encoded() == Self.echoRQ)
        let read = try DIMSECommand.decode(Self.echoRQ)
        #expect(read.field == .cEchoRQ)
        #expect(read.messageID == 7)
        #expect(read.affectedSOPClassUID == "1.2.840.10008.1.1")
        #expect(!read.hasDataSet)
    }

    @Test func malformedCommandSets() {
        #expect(throws: DICOMNetworkError.self) { try DIMSECommand.decode(Array(Self.echoRQ.dropLast())) }
        #expect(throws: DICOMNetworkError.self) { try DIMSECommand.decode([0x08, 0x00, 0x18, 0x00, 0x00, 0x00, 0x00, 0x00]) }
        #expect(throws: DICOMNetworkError.self) { try DIMSECommand.decode([]) }
    }

    @Test func fragmentsFitThePeersMaximumLength() {
        let f = PDataFragmenter(peerMaximumLength: 16384)
        let data = ByteBuffer(bytes: [UInt8](repeating: 0xAB, count: 100_001))
        let pdus = f.pdus(contextID: 3, isCommand: false, bytes: data)
        var total = 0
        for (i, pdu) in pdus.enumerated() {
            guard case .dataTF(let tf) = pdu else { Issue.record("not P-DATA"); return }
            #expect(pdu.bytes.count - PDU.headerLength <= 16384)
            #expect(tf.values.count == 1)
            #expect(tf.values[0].isLast == (i == pdus.count - 1))
            #expect(!tf.values[0].isCommand && tf.values[0].presentationContextID == 3)
            if i < pdus.count - 1 { #expect(tf.values[0].data.readableBytes % 2 == 0) }
            total += tf.values[0].data.readableBytes
        }
        #expect(total == 100_001)
        // No limit (0): fragments of 1 MiB; an empty message is one empty last fragment.
        #expect(PDataFragmenter(peerMaximumLength: 0).maximumFragmentLength == 1 << 20)
        #expect(PDataFragmenter(peerMaximumLength: 0).pdus(contextID: 1, isCommand: true, bytes: ByteBuffer()).count == 1)
    }
}
