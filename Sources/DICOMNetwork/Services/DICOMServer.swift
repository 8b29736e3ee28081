// The SCP application: one TCP listener (PS3.8 §9.1.1 transport, TCP_NODELAY on every
// socket), one ServerAssociationHandler per connection, graceful shutdown.

import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// A DICOM SCP: listens, accepts associations per its policy, serves C-ECHO and C-STORE.
///
/// ```swift
/// let server = DICOMServer(configuration: config)
/// let port = try await server.start()
/// …
/// await server.shutdown()
/// ```
public final class DICOMServer: Sendable {
    public let configuration: DICOMServerConfiguration
    private let group: any EventLoopGroup
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var listener: (any Channel)?
        var children: [ObjectIdentifier: any Channel] = [:]
        var associations = 0
        var shuttingDown = false
    }

    public init(configuration: DICOMServerConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger = Logger(label: "isthmus.dicom.scp")) {
        self.configuration = configuration
        self.group = group
        self.logger = logger
    }

    /// The port listened on, once started.
    public var port: Int? { state.withLock { $0.listener?.localAddress?.port } }

    /// The number of connections open now.
    public var openConnections: Int { state.withLock { $0.children.count } }

    /// Binds and starts accepting; returns the port.
    @discardableResult
    public func start() async throws -> Int {
        let configuration = self.configuration
        let logger = self.logger
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
            .childChannelInitializer { [self] channel in
                let admitted = self.admit(channel)
                return channel.eventLoop.makeCompletedFuture {
                    guard admitted else { throw ChannelError.ioOnClosedChannel }
                    let handler = ServerAssociationHandler(configuration: configuration, logger: logger) { [self] in
                        self.takeAssociationSlot()
                    }
                    if let tls = configuration.tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.addHandlers([
                        ByteToMessageHandler(PDUDecoder(maximumPDULength: configuration.maximumPDULength)),
                        MessageToByteHandler(PDUEncoder()),
                    ])
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        let channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        state.withLock { $0.listener = channel }
        let port = channel.localAddress?.port ?? 0
        logger.info("listening", metadata: ["aet": "\(configuration.policy.aeTitle)", "port": "\(port)", "tls": "\(configuration.tls != nil)"])
        return port
    }

    private func admit(_ channel: any Channel) -> Bool {
        let id = ObjectIdentifier(channel)
        let ok = state.withLock { s -> Bool in
            guard !s.shuttingDown else { return false }
            s.children[id] = channel
            return true
        }
        if ok {
            channel.closeFuture.whenComplete { [self] _ in
                self.state.withLock { s in
                    if s.children.removeValue(forKey: id) != nil { s.associations = max(0, s.associations - 1) }
                }
            }
        }
        return ok
    }

    private func takeAssociationSlot() -> Bool {
        state.withLock { s in
            guard s.associations < configuration.maximumAssociations else { return false }
            s.associations += 1
            return true
        }
    }

    /// Closes the listener: no new connections; open associations carry on.
    public func stopAccepting() async {
        let listener = state.withLock { s -> (any Channel)? in
            s.shuttingDown = true
            return s.listener
        }
        try? await listener?.close().get()
    }

    /// Stops accepting, lets open associations finish for up to `gracePeriod`, then closes
    /// whatever is left.
    public func shutdown(gracePeriod: Duration = .seconds(10)) async {
        await stopAccepting()
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: gracePeriod)
        while clock.now < deadline, openConnections > 0 {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let left = state.withLock { Array($0.children.values) }
        for c in left { try? await c.close().get() }
        logger.info("stopped", metadata: ["closedOpenConnections": "\(left.count)"])
    }
}
