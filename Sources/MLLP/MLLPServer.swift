// HL7 MLLP Release 2 — receiver: one block in, at most one block (the acknowledgment) out, in order, per connection.

import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// A listening MLLP server. Each received payload is handed to the handler; the payload it returns
/// (usually the ACK) is framed and sent back on the same connection before the next block is handled.
///
/// ```swift
/// let server = try await MLLPServer.bind(host: "127.0.0.1", port: 2575)
/// try await server.serve { message in try makeACK(for: message) }
/// ```
///
/// Connections are served concurrently; blocks of one connection are handled one at a time, in order (while
/// one awaits its reply the connection reads no more). The handler decides what is acknowledged: per the
/// architecture it must commit the message before returning a positive ACK. It is either async
/// (``serve(_:)``) or runs on the connection's event loop and returns a future
/// (``serve(onEventLoop:)``): the second costs no thread hand-off per message, for handlers that do not
/// block (the engine's intake hands the commit to the store and completes the future from its callback). A
/// block above the maximum size, a failed reply or a TLS failure closes that connection only.
/// ``shutdown(gracePeriod:)`` stops accepting, lets every block being handled get its reply, then closes the
/// connections.
public struct MLLPServer: Sendable {
    /// Handles one received payload; returns the payload to send back, or nil to send nothing.
    public typealias Handler = @Sendable (ByteBuffer) async throws -> ByteBuffer?
    /// Handles one received payload on the connection's event loop (it must not block it); the future's value
    /// is the payload to send back, or nil to send nothing. A failed future closes the connection.
    public typealias EventLoopHandler = @Sendable (ByteBuffer, any EventLoop) -> EventLoopFuture<ByteBuffer?>

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


    private let serverChannel: any Channel
    private let connections: Connections
    private let slot: HandlerSlot

    /// Counters of this server (blocks, discarded bytes, oversized blocks).
    public let statistics: MLLPStatistics

    /// The local port the server listens on (useful after binding port 0).
    public var localPort: Int? { serverChannel.localAddress?.port }

    /// Binds a listening socket.
    public static func bind(host: String, port: Int, maximumFrameSize: Int = MLLPFrameDecoder.defaultMaximumFrameSize,
                            group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> MLLPServer {
        var configuration = Configuration()
        configuration.maximumFrameSize = maximumFrameSize
        return try await bind(host: host, port: port, configuration: configuration, group: group)
    }

    /// Binds a listening socket with `configuration`. Connections are accepted once ``serve(_:)`` (or
    /// ``serve(onEventLoop:)``) is called; until then they wait in the kernel's backlog.
    public static func bind(host: String, port: Int, configuration: Configuration,
                            group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> MLLPServer {
        let idle = configuration.idleTimeout.map { TimeAmount.nanoseconds(Int64($0.components.seconds) * 1_000_000_000 + $0.components.attoseconds / 1_000_000_000) }
        let connections = Connections()
        let slot = HandlerSlot()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: configuration.backlog)
            .serverChannelOption(.autoRead, value: false)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: false)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try MLLPPipeline.addCodec(child, maximumFrameSize: configuration.maximumFrameSize, statistics: configuration.statistics,
                                              tls: configuration.tls.map { NIOSSLServerHandler(context: $0) })
                    if let idle { try child.pipeline.syncOperations.addHandler(MLLPIdleHandler(timeout: idle)) }
                    try child.pipeline.syncOperations.addHandler(MLLPServerHandler(slot: slot, connections: connections))
                }
            }
            .bind(host: host, port: port).get()
        return MLLPServer(serverChannel: channel, connections: connections, slot: slot, statistics: configuration.statistics)
    }

    /// Accepts connections and serves them concurrently until the server is closed or shut down; returns
    /// when every connection has ended. Each block is handed to `handler` in a task of its own.
    public func serve(_ handler: @escaping Handler) async throws {
        try await serve(onEventLoop: { payload, loop in loop.makeFutureWithTask { try await handler(payload) } })
    }

    /// Accepts connections and serves them concurrently until the server is closed or shut down; returns
    /// when every connection has ended. Each block is handed to `handler` on its connection's event loop.
    public func serve(onEventLoop handler: @escaping EventLoopHandler) async throws {
        slot.set(handler)
        let channel = serverChannel, connections = self.connections
        await withTaskCancellationHandler {
            // Start accepting (a server closed before this point has nothing to accept).
            try? await channel.setOption(.autoRead, value: true).get()
            try? await channel.closeFuture.get()
            await connections.waitUntilEmpty()
        } onCancel: {
            channel.close(promise: nil)
            connections.closeAll()
        }
    }

    /// The number of open connections.
    public var openConnections: Int { connections.count }

    /// Stops listening at once; open connections go on until their peers close or they go idle.
    public func close() async throws {
        try await serverChannel.close()
    }

    /// Graceful shutdown: stops listening, closes idle connections, lets each block being handled get its
    /// reply before its connection closes. Blocks received but not yet handled are not acknowledged (their
    /// senders resend them). Connections still busy after `gracePeriod` are closed.
    public func shutdown(gracePeriod: Duration = .seconds(30)) async {
        try? await serverChannel.close()
        connections.drain()
        let deadline = ContinuousClock.now + gracePeriod
        while connections.count > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        connections.closeAll()
    }
}

/// The handler a server serves with, set by `serve` before the first connection is accepted.
final class HandlerSlot: Sendable {
    private let value = NIOLockedValueBox<MLLPServer.EventLoopHandler?>(nil)
    func set(_ handler: @escaping MLLPServer.EventLoopHandler) { value.withLockedValue { $0 = handler } }
    var handler: MLLPServer.EventLoopHandler? { value.withLockedValue { $0 } }
}

/// The last handler of a server connection's pipeline: hands each block to the server's handler, one at a
/// time, and writes its reply. Once a decoded block waits behind the one awaiting its reply, the connection
/// reads no more from its socket (blocks already decoded wait here, in order), so a sender that does not wait
/// for its ACKs is held back by TCP instead of filling memory.
final class MLLPServerHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let slot: HandlerSlot
    private let connections: Connections
    private var handler: MLLPServer.EventLoopHandler?
    private var id: ObjectIdentifier?
    private var queued = CircularBuffer<ByteBuffer>()
    private var busy = false
    private var readPending = false
    private var closed = false

    init(slot: HandlerSlot, connections: Connections) {
        self.slot = slot
        self.connections = connections
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { register(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        register(context)
        context.fireChannelActive()
    }

    private func register(_ context: ChannelHandlerContext) {
        guard id == nil else { return }
        let id = ObjectIdentifier(context.channel)
        self.id = id
        handler = slot.handler
        if handler == nil || !connections.add(id, context.channel) { close(context) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        queued.removeAll()
        if let id { connections.remove(id) }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closed else { return }
        queued.append(unwrapInboundIn(data))
        if !busy { handleNext(context) }
    }

    /// Reads go on while one block is being handled and none waits behind it (a sender that waits for its ACK
    /// keeps the socket registered for reading, no epoll change per message); once a decoded block waits, reads
    /// are held back until the queue is empty, so a flooding sender is held by TCP and memory stays bounded by
    /// one read plus one partial frame.
    func read(context: ChannelHandlerContext) {
        if !queued.isEmpty {
            readPending = true
        } else {
            context.read()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Framing errors, TLS failures and resets end this connection only.
        close(context)
    }

    private func handleNext(_ context: ChannelHandlerContext) {
        guard !busy, !closed, let payload = queued.popFirst() else { return }
        guard let id, let handler, connections.begin(id) else {
            // Draining: the block is left unanswered (its sender resends it).
            close(context)
            return
        }
        busy = true
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        handler(payload, context.eventLoop).hop(to: context.eventLoop).whenComplete { result in
            let (server, context) = loopBound.value
            server.finished(context, result)
        }
    }

    private func finished(_ context: ChannelHandlerContext, _ result: Result<ByteBuffer?, any Error>) {
        busy = false
        guard !closed else { return }
        let reply: ByteBuffer?
        switch result {
        case .success(let r): reply = r
        case .failure:
            close(context)
            return
        }
        guard let id, connections.end(id) else {
            // Draining: this connection ends once its reply is out.
            if let reply {
                let channel = context.channel
                let promise = context.eventLoop.makePromise(of: Void.self)
                context.writeAndFlush(wrapOutboundOut(reply), promise: promise)
                promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
            } else {
                close(context)
            }
            return
        }
        if let reply {
            context.writeAndFlush(wrapOutboundOut(reply), promise: nil)
        } else {
            context.triggerUserOutboundEvent(MLLPIdleHandler.Handled(), promise: nil)
        }
        if !queued.isEmpty {
            handleNext(context)
        } else if readPending {
            readPending = false
            context.read()
        }
    }

    private func close(_ context: ChannelHandlerContext) {
        guard !closed else { return }
        closed = true
        queued.removeAll()
        context.close(promise: nil)
    }
}

/// The open connections of a server and whether each is handling a block, for graceful shutdown.
final class Connections: Sendable {
    private struct State {
        var busy: [ObjectIdentifier: (channel: any Channel, busy: Bool)] = [:]
        var draining = false
        var emptyWaiters: [CheckedContinuation<Void, Never>] = []
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

    func remove(_ id: ObjectIdentifier) {
        let waiters: [CheckedContinuation<Void, Never>] = state.withLockedValue { s in
            s.busy.removeValue(forKey: id)
            guard s.busy.isEmpty else { return [] }
            defer { s.emptyWaiters.removeAll() }
            return s.emptyWaiters
        }
        for w in waiters { w.resume() }
    }

    /// Returns once no connection is open.
    func waitUntilEmpty() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLockedValue { s in
                if s.busy.isEmpty { return true }
                s.emptyWaiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }

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
