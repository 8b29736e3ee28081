// HL7 MLLP Release 2 — block decoding: <SB> payload <EB><CR>. Lenient in: white space between blocks is
// skipped, other bytes outside a block are discarded and counted, and an <EB> not followed by <CR> still ends the
// block. Strict about size: a block above the maximum is an error, never an unbounded buffer.

import NIOCore

/// Decodes MLLP blocks from a byte stream into their payloads (the HL7 message bytes, unframed).
///
/// Returns "need more data" until a whole block is there; a payload larger than
/// ``maximumFrameSize`` is an error as soon as that many bytes have arrived without an end block,
/// so memory stays bounded. Bytes other than white space that arrive outside a block are dropped and
/// counted in ``discardedBytes`` (and in ``statistics`` when given). Use with `ByteToMessageHandler(MLLPFrameDecoder())`.
public struct MLLPFrameDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    /// The default maximum payload size: 16 MiB.
    public static let defaultMaximumFrameSize = 16 * 1024 * 1024

    /// The largest payload accepted, in bytes.
    public let maximumFrameSize: Int

    /// Payload bytes of the current block already searched for the end block (so that a block arriving
    /// in many small reads is scanned once, not once per read).
    private var searched = 0

    /// Bytes other than white space dropped because they arrived outside a block.
    public private(set) var discardedBytes = 0

    /// Shared counters to update, if any.
    public let statistics: MLLPStatistics?

    /// Creates a decoder.
    public init(maximumFrameSize: Int = MLLPFrameDecoder.defaultMaximumFrameSize, statistics: MLLPStatistics? = nil) {
        precondition(maximumFrameSize > 0, "maximumFrameSize must be positive")
        self.maximumFrameSize = maximumFrameSize
        self.statistics = statistics
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> ByteBuffer? {
        try decodeFrame(buffer: &buffer, atEOF: false)
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> ByteBuffer? {
        try decodeFrame(buffer: &buffer, atEOF: true)
    }

    private mutating func decodeFrame(buffer: inout ByteBuffer, atEOF: Bool) throws -> ByteBuffer? {
        // Drop everything before the next start block: white space silently, anything else counted.
        let (skip, junk): (Int, Int) = buffer.withUnsafeReadableBytes { raw in
            var junk = 0
            for (i, b) in raw.enumerated() {
                if b == MLLPFrame.startBlock { return (i, junk) }
                if !(b == 0x0D || b == 0x0A || b == 0x20 || b == 0x09) { junk += 1 }
            }
            return (raw.count, junk)
        }
        buffer.moveReaderIndex(forwardBy: skip)
        if junk > 0 {
            discardedBytes += junk
            statistics?.addDiscarded(junk)
        }
        guard buffer.readableBytes > 0 else { return nil }
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
                statistics?.addOversized()
                throw MLLPError(.frameTooLarge, "no end block within \(maximumFrameSize) bytes")
            }
            if atEOF {
                throw MLLPError(.truncatedFrame, "the stream ended \(available) bytes into a block")
            }
            return nil
        }
        guard length <= maximumFrameSize else {
            statistics?.addOversized()
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
        statistics?.addFrame()
        return payload
    }
}
