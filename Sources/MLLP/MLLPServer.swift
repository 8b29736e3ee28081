// HL7 MLLP Release 2 — receiver: one block in, at most one block (the acknowledgment) out, in order, per connection.

import NIOCore
import NIOPosix

/// A listening MLLP server. Each received payload is handed to the handler; the payload it returns
/// (usually the ACK) is framed and sent back on the same connection before the next block is read.
///
/// ```swift
/// let server = try await MLLPServer.bind(host: "127.0.0.1", port: 2575)
/// try await server.serve { message in try makeACK(for: message) }
/// ```
///
/// The handler decides what is acknowledged; per the architecture it must commit the message before
/// returning a positive ACK. A connection that sends bytes outside a block, or a block above the
/// maximum size, is closed.
public struct MLLPServer: Sendable {
    /// Handles one received payload; returns the payload to send back, or nil to send nothing.
    public typealias Handler = @Sendable (ByteBuffer) async throws -> ByteBuffer?

    private let serverChannel: NIOAsyncChannel<MLLPAsyncChannel, Never>

    /// The local port the server listens on (useful after binding port 0).
    public var localPort: Int? { serverChannel.channel.localAddress?.port }

    /// Binds a listening socket.
    public static func bind(host: String, port: Int, maximumFrameSize: Int = MLLPFrameDecoder.defaultMaximumFrameSize,
                            group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> MLLPServer {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { child in
                MLLPPipeline.configure(child, maximumFrameSize: maximumFrameSize)
            }
        return MLLPServer(serverChannel: channel)
    }

    /// Accepts connections and serves them concurrently until the server is closed or the task cancelled.
    public func serve(_ handler: @escaping Handler) async throws {
        try await withThrowingDiscardingTaskGroup { group in
            try await serverChannel.executeThenClose { connections in
                for try await connection in connections {
                    group.addTask {
                        await MLLPServer.serveConnection(connection, handler)
                    }
                }
            }
        }
    }

    /// Stops listening (open connections finish their current block and end when their peers close).
    public func close() async throws {
        try await serverChannel.channel.close()
    }

    private static func serveConnection(_ connection: MLLPAsyncChannel, _ handler: Handler) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                for try await payload in inbound {
                    if let reply = try await handler(payload) {
                        try await outbound.write(reply)
                    }
                }
            }
        } catch {
            // Framing errors, handler errors and resets end this connection only.
        }
    }
}
