// HL7 MLLP Release 2 — the channel pipeline shared by the server and the client: optional TLS, block decoder and
// encoder, then the server's block handler or the client's request/reply handler.

import NIOCore
import NIOSSL

enum MLLPPipeline {
    /// Adds TLS (when given) and the MLLP codec to `channel`, synchronously on its event loop.
    static func addCodec(_ channel: Channel, maximumFrameSize: Int, statistics: MLLPStatistics?,
                         tls: NIOSSLHandler?) throws {
        let ops = channel.pipeline.syncOperations
        if let tls { try ops.addHandler(tls) }
        try ops.addHandler(ByteToMessageHandler(MLLPFrameDecoder(maximumFrameSize: maximumFrameSize, statistics: statistics)))
        try ops.addHandler(MessageToByteHandler(MLLPFrameEncoder()))
    }
}
