// HL7 MLLP Release 2 — sender side of one connection: a block out, the reply block back, in order.

import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// One MLLP connection from the sending side: ``send(_:timeout:)`` writes a block and returns the peer's
/// next block (its reply). Replies are matched to sends in order.
public final class MLLPConnection: Sendable {
    let channel: any Channel
    private let replies: MLLPReplyHandler

    /// How to connect.
    public struct Configuration: Sendable {
        /// The longest a TCP connect (and TLS handshake) may take.
        public var connectTimeout: Duration = .seconds(10)
        /// The largest reply accepted.
        public var maximumFrameSize = MLLPFrameDecoder.defaultMaximumFrameSize
        /// TLS: the client context (see ``MLLPTLS/clientContext(ca:certificateChain:privateKey:verifyHostname:)``).
        public var tls: NIOSSLContext?
        /// The name the server's certificate must carry; nil: the host connected to unless it is an IP address
        /// (then the certificate's IP address entries are checked).
        public var serverHostname: String?

        /// The defaults: 10 s connect timeout, 16 MiB frames, no TLS.
        public init() {}
    }

    private init(channel: any Channel, replies: MLLPReplyHandler) {
        self.channel = channel
        self.replies = replies
    }

    /// Whether the connection is still open.
    public var isActive: Bool { channel.isActive }

    /// Connects to an MLLP receiver.
    /// - Throws: ``MLLPError`` `.connectFailed` when refused or not connected within the timeout.
    public static func connect(host: String, port: Int, configuration: Configuration = Configuration(),
                               group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> MLLPConnection {
        let hostname = configuration.serverHostname ?? (isIPAddress(host) ? nil : host)
        let tls = configuration.tls
        let maximum = configuration.maximumFrameSize
        let replies = MLLPReplyHandler()
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.milliseconds(configuration.connectTimeout.milliseconds))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let ssl = try tls.map { try NIOSSLClientHandler(context: $0, serverHostname: hostname) }
                    try MLLPPipeline.addCodec(channel, maximumFrameSize: maximum, statistics: nil, tls: ssl)
                    try channel.pipeline.syncOperations.addHandler(replies)
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            throw MLLPError(.connectFailed, "cannot connect to \(host):\(port): \(error)")
        }
        return MLLPConnection(channel: channel, replies: replies)
    }

    /// Sends one payload (framed) and returns the reply block's payload.
    /// - Throws: ``MLLPError`` `.timeout` (the connection is then closed, as the reply order is lost),
    ///   `.connectionClosed`, or the channel's error (TLS, framing).
    public func send(_ payload: ByteBuffer, timeout: Duration = .seconds(30)) async throws -> ByteBuffer {
        try await sendFuture(payload, timeout: timeout).get()
    }

    /// The event loop of the connection (where ``sendFuture(_:timeout:)`` completes).
    public var eventLoop: any EventLoop { channel.eventLoop }

    /// ``send(_:timeout:)`` without a task: the reply block as a future completed on the connection's event
    /// loop, for callers that chain sends there.
    public func sendFuture(_ payload: ByteBuffer, timeout: Duration = .seconds(30)) -> EventLoopFuture<ByteBuffer> {
        let promise = channel.eventLoop.makePromise(of: ByteBuffer.self)
        let channel = self.channel
        let replies = self.replies
        let work: @Sendable () -> Void = {
            replies.enqueue(promise, channel: channel, timeout: .milliseconds(timeout.milliseconds))
            channel.writeAndFlush(payload).whenFailure { promise.fail($0) }
        }
        if channel.eventLoop.inEventLoop { work() } else { channel.eventLoop.execute(work) }
        return promise.futureResult
    }

    /// Closes the connection.
    public func close() async {
        try? await channel.close()
    }

    static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }
}

extension Duration {
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}

/// Matches reply blocks to the promises of sends, first in first out; fails them all when the connection ends.
final class MLLPReplyHandler: ChannelInboundHandler, @unchecked Sendable {
    // Sendable only to be returned from the pipeline; all state is touched on the channel's event loop.
    typealias InboundIn = ByteBuffer

    private var waiting: [(promise: EventLoopPromise<ByteBuffer>, timer: Scheduled<Void>?)] = []
    private var closed = false

    func enqueue(_ promise: EventLoopPromise<ByteBuffer>, channel: any Channel, timeout: TimeAmount) {
        guard !closed else {
            promise.fail(MLLPError(.connectionClosed, "the connection is closed"))
            return
        }
        let timer = channel.eventLoop.scheduleTask(in: timeout) {
            promise.fail(MLLPError(.timeout, "no reply within \(timeout.nanoseconds / 1_000_000) ms"))
            channel.close(promise: nil)
        }
        waiting.append((promise, timer))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let reply = unwrapInboundIn(data)
        guard !waiting.isEmpty else { return } // an unsolicited block: nothing waits for it
        let first = waiting.removeFirst()
        first.timer?.cancel()
        first.promise.succeed(reply)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        failAll(MLLPError(.connectionClosed, "the peer closed the connection before replying"))
        context.fireChannelInactive()
    }

    private func failAll(_ error: any Error) {
        let all = waiting
        waiting.removeAll()
        for w in all {
            w.timer?.cancel()
            w.promise.fail(error)
        }
    }
}
