// HL7 MLLP Release 2 — receiver: one block in, at most one block (the acknowledgment) out, in order, per connection.

import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// A listening MLLP server. Each received payload is handed to the handler; the payload it returns
/// (usually the ACK) is framed and sent back on the same connection before the next block is read.
///
/// ```swift
/// let server = try await MLLPServer.bind(host: "127.0.0.1", port: 2575)
/// try await server.serve { message in try makeACK(for: message) }
/// ```
///
/// Connections are served concurrently; blocks of one connection are handled one at a time, in order. The
/// handler is async and decides what is acknowledged: per the architecture it must commit the message
/// before returning a positive ACK. A block above the maximum size, a handler error or a TLS failure
/// closes that connection only. ``shutdown(gracePeriod:)`` stops accepting, lets every block being
/// handled get its reply, then closes the connections.
public struct MLLPServer: Sendable {
    /// Handles one received payload; returns the payload to send back, or nil to send nothing.
    public typealias Handler = @Sendable (ByteBuffer) async throws -> ByteBuffer?

    /// How a server listens and serves.
    public struct Configuration: Sendable {
        /// The largest payload accepted; a larger block closes its connection.
        public var maximumFrameSize = MLLPFrameDecoder.defaultMaximumFrameSize
        /// A connection with no block for this long, and none awaiting its reply, is closed (nil: never).
        public var idleTimeout: Duration? = .seconds(300)
        /// TLS: the server context (see ``MLLPTLS/serverContext(certificateChain:privateKey:clientCA:)``).
        public var tls: NIOSSLContext?
        /// Counters shared by all connections.
        public var statistics = MLLPStatistics()
        /// Pending connections queued by the kernel.
        public var backlog: Int32 = 256

        /// The defaults: 16 MiB frames, 5 minutes idle timeout, no TLS.
        public init() {}
    }

    private let serverChannel: NIOAsyncChannel<MLLPAsyncChannel, Never>
    private let connections: Connections

    /// Counters of this server (blocks, discarded bytes, oversized blocks).
    public let statistics: MLLPStatistics

    /// The local port the server listens on (useful after binding port 0).
    public var localPort: Int? { serverChannel.channel.localAddress?.port }

    /// Binds a listening socket.
    public static func bind(host: String, port: Int, maximumFrameSize: Int = MLLPFrameDecoder.defaultMaximumFrameSize,
                            group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> MLLPServer {
        var configuration = Configuration()
        configuration.maximumFrameSize = maximumFrameSize
        return try await bind(host: host, port: port, configuration: configuration, group: group)
    }

    /// Binds a listening socket with `configuration`.
    public static func bind(host: String, port: Int, configuration: Configuration,
                            group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> MLLPServer {
        let idle = configuration.idleTimeout.map { TimeAmount.nanoseconds(Int64($0.components.seconds) * 1_000_000_000 + $0.components.attoseconds / 1_000_000_000) }
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: configuration.backlog)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: false)
            .bind(host: host, port: port) { child in
                MLLPPipeline.configure(child, maximumFrameSize: configuration.maximumFrameSize,
                                       statistics: configuration.statistics,
                                       tls: configuration.tls.map { NIOSSLServerHandler(context: $0) },
                                       idleTimeout: idle)
            }
        return MLLPServer(serverChannel: channel, connections: Connections(), statistics: configuration.statistics)
    }

    /// Accepts connections and serves them concurrently until the server is closed or shut down; returns
    /// when every connection has ended.
    public func serve(_ handler: @escaping Handler) async throws {
        let connections = self.connections
        try await withThrowingDiscardingTaskGroup { group in
            try await serverChannel.executeThenClose { inbound in
                for try await connection in inbound {
                    group.addTask {
                        await MLLPServer.serveConnection(connection, handler, connections)
                    }
                }
            }
        }
    }

    /// The number of open connections.
    public var openConnections: Int { connections.count }

    /// Stops listening at once; open connections go on until their peers close or they go idle.
    public func close() async throws {
        try await serverChannel.channel.close()
    }

    /// Graceful shutdown: stops listening, closes idle connections, lets each block being handled get its
    /// reply before its connection closes. Blocks received but not yet handled are not acknowledged (their
    /// senders resend them). Connections still busy after `gracePeriod` are closed.
    public func shutdown(gracePeriod: Duration = .seconds(30)) async {
        try? await serverChannel.channel.close()
        connections.drain()
        let deadline = ContinuousClock.now + gracePeriod
        while connections.count > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        connections.closeAll()
    }

    private static func serveConnection(_ connection: MLLPAsyncChannel, _ handler: Handler, _ connections: Connections) async {
        let channel = connection.channel
        let id = ObjectIdentifier(channel)
        guard connections.add(id, channel) else {
            channel.close(promise: nil)
            return
        }
        defer { connections.remove(id) }
        do {
            try await connection.executeThenClose { inbound, outbound in
                for try await payload in inbound {
                    guard connections.begin(id) else { break }
                    let reply = try await handler(payload)
                    if let reply {
                        try await outbound.write(reply)
                    } else {
                        channel.triggerUserOutboundEvent(MLLPIdleHandler.Handled(), promise: nil)
                    }
                    guard connections.end(id) else { break }
                }
            }
        } catch {
            // Framing errors, handler errors, TLS failures and resets end this connection only.
        }
    }
}

/// The open connections of a server and whether each is handling a block, for graceful shutdown.
final class Connections: Sendable {
    private struct State {
        var busy: [ObjectIdentifier: (channel: any Channel, busy: Bool)] = [:]
        var draining = false
    }
    private let state = NIOLockedValueBox(State())

    var count: Int { state.withLockedValue { $0.busy.count } }

    func add(_ id: ObjectIdentifier, _ channel: any Channel) -> Bool {
        state.withLockedValue { s in
            guard !s.draining else { return false }
            s.busy[id] = (channel, false)
            return true
        }
    }

    func remove(_ id: ObjectIdentifier) { state.withLockedValue { _ = $0.busy.removeValue(forKey: id) } }

    /// Marks a connection busy; false when the server is draining (the block is left unanswered).
    func begin(_ id: ObjectIdentifier) -> Bool {
        state.withLockedValue { s in
            guard !s.draining else { return false }
            s.busy[id]?.busy = true
            return true
        }
    }

    /// Marks a connection idle; false when the server is draining (the connection should end).
    func end(_ id: ObjectIdentifier) -> Bool {
        state.withLockedValue { s in
            s.busy[id]?.busy = false
            return !s.draining
        }
    }

    /// Enters draining: idle connections are closed now, busy ones after their reply.
    func drain() {
        let idle: [any Channel] = state.withLockedValue { s in
            s.draining = true
            return s.busy.values.filter { !$0.busy }.map(\.channel)
        }
        for channel in idle { channel.close(promise: nil) }
    }

    func closeAll() {
        let all = state.withLockedValue { $0.busy.values.map(\.channel) }
        for channel in all { channel.close(promise: nil) }
    }
}
