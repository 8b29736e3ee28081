// PS3.8 §9.3.1: framing of PDUs on a TCP stream — 6-byte header, then PDU-length bytes.

import NIOCore

/// Frames the byte stream into PDUs. Returns "need more data" until a whole PDU is there;
/// a PDU whose declared length is above `maximumPDULength` is refused as soon as its header is
/// read, so its body is never buffered.
public struct PDUDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = PDU

    /// The largest PDU variable field accepted.
    public let maximumPDULength: Int

    /// A default limit comfortably above the 16 KiB–1 MiB P-DATA-TF sizes peers use, and the
    /// largest A-ASSOCIATE-RQ seen in practice.
    public static let defaultMaximumPDULength = 4 << 20

    public init(maximumPDULength: Int = PDUDecoder.defaultMaximumPDULength) {
        self.maximumPDULength = maximumPDULength
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> PDU? {
        guard let type: UInt8 = buffer.getInteger(at: buffer.readerIndex),
              let length: UInt32 = buffer.getInteger(at: buffer.readerIndex + 2) else { return nil }
        guard PDU.PDUType(rawValue: type) != nil else {
            throw DICOMNetworkError(.unknownPDUType, "unknown PDU type 0x\(String(type, radix: 16, uppercase: true))")
        }
        guard Int(length) <= maximumPDULength else {
            throw DICOMNetworkError(.pduTooLong, "PDU length \(length) above the limit of \(maximumPDULength)")
        }
        guard buffer.readableBytes >= PDU.headerLength + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: PDU.headerLength)
        let body = buffer.readSlice(length: Int(length))!
        return try PDU.read(type: type, body: body)
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> PDU? {
        try decode(buffer: &buffer)
    }
}

/// Writes PDUs to the stream.
public struct PDUEncoder: MessageToByteEncoder {
    public typealias OutboundIn = PDU
    public init() {}
    public func encode(data: PDU, out: inout ByteBuffer) throws {
        data.write(to: &out)
    }
}
