// HL7 MLLP Release 2 — the channel pipeline shared by the server and the client: block decoder and encoder
// under an async channel of payloads.

import NIOCore

/// An async channel carrying MLLP payloads (unframed HL7 message bytes) in both directions.
public typealias MLLPAsyncChannel = NIOAsyncChannel<ByteBuffer, ByteBuffer>

enum MLLPPipeline {
    /// Adds the MLLP codec to `channel` and wraps it as an async channel of payloads.
    static func configure(_ channel: Channel, maximumFrameSize: Int) -> EventLoopFuture<MLLPAsyncChannel> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(MLLPFrameDecoder(maximumFrameSize: maximumFrameSize)))
            try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(MLLPFrameEncoder()))
            return try MLLPAsyncChannel(wrappingChannelSynchronously: channel)
        }
    }
}
