// HL7 MLLP Release 2 — block encoding: <SB> payload <EB><CR>.

import NIOCore

/// Frames outbound payloads (HL7 message bytes) as MLLP blocks.
/// Use with `MessageToByteHandler(MLLPFrameEncoder())`.
public struct MLLPFrameEncoder: MessageToByteEncoder, Sendable {
    public typealias OutboundIn = ByteBuffer

    /// Creates an encoder.
    public init() {}

    public func encode(data: ByteBuffer, out: inout ByteBuffer) throws {
        out.reserveCapacity(minimumWritableBytes: data.readableBytes + 3)
        out.writeInteger(MLLPFrame.startBlock)
        out.writeImmutableBuffer(data)
        out.writeInteger(MLLPFrame.endBlock)
        out.writeInteger(MLLPFrame.carriageReturn)
    }
}
