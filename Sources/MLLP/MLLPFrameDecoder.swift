// HL7 MLLP Release 2 — block decoding: <SB> payload <EB><CR>. Lenient in: white space between blocks is
// skipped and an <EB> not followed by <CR> still ends the block; strict about size and about bytes outside blocks.

import NIOCore

/// Decodes MLLP blocks from a byte stream into their payloads (the HL7 message bytes, unframed).
///
/// Returns "need more data" until a whole block is there; a payload larger than
/// ``maximumFrameSize`` is an error as soon as that many bytes have arrived without an end block,
/// so memory stays bounded. Use with `ByteToMessageHandler(MLLPFrameDecoder())`.
public struct MLLPFrameDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    /// The default maximum payload size: 16 MiB.
    public static let defaultMaximumFrameSize = 16 * 1024 * 1024

    /// The largest payload accepted, in bytes.
    public let maximumFrameSize: Int

    /// Payload bytes of the current block already searched for the end block (so that a block arriving
    /// in many small reads is scanned once, not once per read).
    private var searched = 0

    /// Creates a decoder.
    public init(maximumFrameSize: Int = MLLPFrameDecoder.defaultMaximumFrameSize) {
        precondition(maximumFrameSize > 0, "maximumFrameSize must be positive")
        self.maximumFrameSize = maximumFrameSize
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> ByteBuffer? {
        try decodeFrame(buffer: &buffer, atEOF: false)
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> ByteBuffer? {
        try decodeFrame(buffer: &buffer, atEOF: true)
    }

    private mutating func decodeFrame(buffer: inout ByteBuffer, atEOF: Bool) throws -> ByteBuffer? {
        // Skip white space between blocks.
        while let b = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self), b == 0x0D || b == 0x0A || b == 0x20 || b == 0x09 {
            buffer.moveReaderIndex(forwardBy: 1)
        }
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
        guard first == MLLPFrame.startBlock else {
            throw MLLPError(.missingStartBlock, "byte 0x\(String(first, radix: 16, uppercase: true)) outside an MLLP block")
        }
        let payloadStart = buffer.readerIndex + 1
        let available = buffer.writerIndex - payloadStart
        // Find the end block after what was already searched.
        let found: Int? = buffer.withUnsafeReadableBytes { raw in
            let base = payloadStart - buffer.readerIndex
            var i = base + searched
            let end = raw.count
            while i < end {
                if raw[i] == MLLPFrame.endBlock { return i - base }
                i += 1
            }
            return nil
        }
        guard let length = found else {
            searched = available
            if available > maximumFrameSize {
                throw MLLPError(.frameTooLarge, "no end block within \(maximumFrameSize) bytes")
            }
            if atEOF {
                throw MLLPError(.truncatedFrame, "the stream ended \(available) bytes into a block")
            }
            return nil
        }
        guard length <= maximumFrameSize else {
            throw MLLPError(.frameTooLarge, "block of \(length) bytes exceeds \(maximumFrameSize)")
        }
        // The end block must be followed by CR; wait to see the next byte (lenient: accept a lone end block).
        let after = payloadStart + length + 1
        let trailer: Int
        if let next = buffer.getInteger(at: after, as: UInt8.self) {
            trailer = next == MLLPFrame.carriageReturn ? 2 : 1
        } else if atEOF {
            trailer = 1
        } else {
            searched = length
            return nil
        }
        let payload = buffer.getSlice(at: payloadStart, length: length)!
        buffer.moveReaderIndex(to: payloadStart + length + trailer)
        searched = 0
        return payload
    }
}
