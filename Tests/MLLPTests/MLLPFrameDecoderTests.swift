import MLLP
import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

@Suite struct MLLPFrameDecoderTests {
    let msg1 = "MSH|^~\\&|A|B|C|D|2026||ADT^A01|1|P|2.5\rPID|1\r"
    let msg2 = "MSH|^~\\&|A|B|C|D|2026||ORU^R01|2|P|2.5\rOBX|1|TX|||a\r"

    private func framed(_ s: String) -> String { "\u{0B}" + s + "\u{1C}\r" }
    private func buffer(_ s: String) -> ByteBuffer { ByteBuffer(string: s) }

    @Test func verifierSplitsAtEveryByte() throws {
        // The verifier re-feeds each input split at every position and in every grouping.
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: [
                (buffer(framed(msg1)), [buffer(msg1)]),
                (buffer(framed(msg1) + framed(msg2)), [buffer(msg1), buffer(msg2)]),
                (buffer("\r\n" + framed(msg2) + "\n"), [buffer(msg2)]),
                (buffer(framed("")), [buffer("")]),
            ],
            decoderFactory: { MLLPFrameDecoder() }
        )
    }

    @Test func endBlockWithoutCarriageReturnIsAccepted() throws {
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: [(buffer("\u{0B}" + msg1 + "\u{1C}" + framed(msg2)), [buffer(msg1), buffer(msg2)])],
            decoderFactory: { MLLPFrameDecoder() }
        )
    }

    @Test func needsMoreDataUntilTheBlockIsComplete() throws {
        var d = MLLPFrameDecoder()
        var b = buffer("\u{0B}" + msg1)
        #expect(try d.decode(buffer: &b) == nil)
        b.writeString("\u{1C}")
        #expect(try d.decode(buffer: &b) == nil) // waits to see whether CR follows
        b.writeString("\r")
        #expect(try d.decode(buffer: &b) == buffer(msg1))
        #expect(b.readableBytes == 0)
    }

    @Test func oversizedBlockIsRejectedBeforeItsEnd() throws {
        var d = MLLPFrameDecoder(maximumFrameSize: 16)
        var b = buffer("\u{0B}" + String(repeating: "x", count: 17))
        #expect { try d.decode(buffer: &b) } throws: { ($0 as? MLLPError)?.code == .frameTooLarge }
        var d2 = MLLPFrameDecoder(maximumFrameSize: 16)
        var b2 = buffer(framed(String(repeating: "y", count: 17)))
        #expect { try d2.decode(buffer: &b2) } throws: { ($0 as? MLLPError)?.code == .frameTooLarge }
        var d3 = MLLPFrameDecoder(maximumFrameSize: 16)
        var b3 = buffer(framed(String(repeating: "z", count: 16)))
        #expect(try d3.decode(buffer: &b3)?.readableBytes == 16)
    }

    @Test func bytesOutsideABlockAreDiscardedAndCounted() throws {
        let statistics = MLLPStatistics()
        var d = MLLPFrameDecoder(statistics: statistics)
        var b = buffer("junk\r\n" + framed(msg1) + "xy" + framed(msg2) + "z")
        #expect(try d.decode(buffer: &b) == buffer(msg1))
        #expect(try d.decode(buffer: &b) == buffer(msg2))
        #expect(try d.decode(buffer: &b) == nil)
        #expect(b.readableBytes == 0)
        #expect(d.discardedBytes == 7) // "junk", "xy", "z"; white space is not counted
        #expect(statistics.discardedBytes == 7)
        #expect(statistics.frames == 2)
        // Only junk: dropped as it arrives, never buffered.
        var d2 = MLLPFrameDecoder()
        var b2 = buffer(String(repeating: "j", count: 1000))
        #expect(try d2.decode(buffer: &b2) == nil)
        #expect(b2.readableBytes == 0)
        #expect(d2.discardedBytes == 1000)
    }

    @Test func verifierWithBytesOutsideBlocks() throws {
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: [
                (buffer("garbage" + framed(msg1) + "\u{1C}\r" + framed(msg2)), [buffer(msg1), buffer(msg2)]),
                (buffer("\u{1C}\r" + framed("") + "tail"), [buffer("")]),
            ],
            decoderFactory: { MLLPFrameDecoder() }
        )
    }

    @Test func oversizedBlockIsCounted() throws {
        let statistics = MLLPStatistics()
        var d = MLLPFrameDecoder(maximumFrameSize: 4, statistics: statistics)
        var b = buffer("\u{0B}12345")
        #expect { try d.decode(buffer: &b) } throws: { ($0 as? MLLPError)?.code == .frameTooLarge }
        #expect(statistics.oversizedFrames == 1)
    }

    @Test func endOfStreamInsideABlock() throws {
        var d = MLLPFrameDecoder()
        var b = buffer("\u{0B}" + msg1)
        #expect(try d.decode(buffer: &b) == nil)
        #expect { try d.decodeLast(buffer: &b, seenEOF: true) } throws: { ($0 as? MLLPError)?.code == .truncatedFrame }
        // A lone end block at the end of the stream still ends the block.
        var d2 = MLLPFrameDecoder()
        var b2 = buffer("\u{0B}" + msg1 + "\u{1C}")
        #expect(try d2.decodeLast(buffer: &b2, seenEOF: true) == buffer(msg1))
        #expect(try d2.decodeLast(buffer: &b2, seenEOF: true) == nil)
    }

    @Test func throughAChannelPipeline() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(MLLPFrameDecoder()))
        try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(MLLPFrameEncoder()))
        try channel.writeInbound(buffer(framed(msg1) + "\u{0B}" + msg2.prefix(10)))
        #expect(try channel.readInbound(as: ByteBuffer.self) == buffer(msg1))
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        try channel.writeInbound(buffer(String(msg2.dropFirst(10)) + "\u{1C}\r"))
        #expect(try channel.readInbound(as: ByteBuffer.self) == buffer(msg2))
        try channel.writeOutbound(buffer(msg1))
        #expect(try channel.readOutbound(as: ByteBuffer.self) == buffer(framed(msg1)))
        #expect(try channel.finish().isClean)
    }

    @Test func frameHelper() {
        #expect(MLLPFrame.frame(Array("ab".utf8)) == [0x0B, 0x61, 0x62, 0x1C, 0x0D])
    }
}
