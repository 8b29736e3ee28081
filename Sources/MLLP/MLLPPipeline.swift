// HL7 MLLP Release 2 — the channel pipeline shared by the server and the client: optional TLS, block decoder and
// encoder, then either an async channel of payloads (server) or a request/reply handler (client).

import NIOCore
import NIOSSL

/// An async channel carrying MLLP payloads (unframed HL7 message bytes) in both directions.
public typealias MLLPAsyncChannel = NIOAsyncChannel<ByteBuffer, ByteBuffer>

enum MLLPPipeline {
    /// Adds TLS (when given) and the MLLP codec to `channel`, synchronously on its event loop.
    static func addCodec(_ channel: Channel, maximumFrameSize: Int, statistics: MLLPStatistics?,
                         tls: NIOSSLHandler?) throws {
        let ops = channel.pipeline.syncOperations
        if let tls { try ops.addHandler(tls) }
        try ops.addHandler(ByteToMessageHandler(MLLPFrameDecoder(maximumFrameSize: maximumFrameSize, statistics: statistics)))
        try ops.addHandler(MessageToByteHandler(MLLPFrameEncoder()))
    }

    /// Adds the MLLP codec to `channel` and wraps it as an async channel of payloads.
    static func configure(_ channel: Channel, maximumFrameSize: Int, statistics: MLLPStatistics? = nil,
                          tls: NIOSSLHandler? = nil, idleTimeout: TimeAmount? = nil) -> EventLoopFuture<MLLPAsyncChannel> {
        channel.eventLoop.makeCompletedFuture {
            try addCodec(channel, maximumFrameSize: maximumFrameSize, statistics: statistics, tls: tls)
            if let idleTimeout {
                try channel.pipeline.syncOperations.addHandler(MLLPIdleHandler(timeout: idleTimeout))
            }
            return try MLLPAsyncChannel(wrappingChannelSynchronously: channel)
        }
    }
}
