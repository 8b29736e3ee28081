// The SCU side with async/await: open an association (PS3.8 §7.1 A-ASSOCIATE), send DIMSE
// requests (PS3.7 §9.1), release (§7.2 A-RELEASE) or abort (§7.3 A-ABORT).

import DICOM
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// What an SCU asks for.
public struct AssociationParameters: Sendable {
    public var host: String
    public var port: Int
    public var callingAETitle: String
    public var calledAETitle: String
    public var presentationContexts: [PresentationContextRQ]
    /// Our Maximum Length Received.
    public var maximumLength: UInt32 = 65536
    public var maximumPDULength = PDUDecoder.defaultMaximumPDULength
    public var timeouts = DICOMTimeouts()
    public var implementation = UserInformation(implementationClassUID: DICOMFile.implementationClassUID, implementationVersionName: DICOMFile.implementationVersionName)
    /// TLS (PS3.15 Annex B) with this context (see ``DICOMTLS/clientContext(ca:certificateChain:privateKey:verifyHostname:)``);
    /// nil for plain TCP.
    public var tls: NIOSSLContext?
    /// The name sent as SNI and checked against the SCP's certificate (when the context verifies
    /// host names); by default `host` unless it is an IP address (then the address is checked).
    public var tlsServerHostname: String?

    public init(host: String, port: Int, callingAETitle: String, calledAETitle: String, presentationContexts: [PresentationContextRQ]) {
        self.host = host
        self.port = port
        self.callingAETitle = callingAETitle
        self.calledAETitle = calledAETitle
        self.presentationContexts = presentationContexts
    }

    var associateRQ: AAssociateRQ {
        var ui = implementation
        ui.maximumLength = maximumLength
        return AAssociateRQ(calledAETitle: calledAETitle, callingAETitle: callingAETitle, presentationContexts: presentationContexts, userInformation: ui)
    }
}

/// The association handler created in the channel initializer, handed to `open`.
private final class HandlerSlot: Sendable {
    private let state = Mutex<(NIOLoopBound<ClientAssociationHandler>, EventLoopPromise<AAssociateAC>)?>(nil)
    func set(_ handler: NIOLoopBound<ClientAssociationHandler>, _ promise: EventLoopPromise<AAssociateAC>) { state.withLock { $0 = (handler, promise) } }
    var value: (NIOLoopBound<ClientAssociationHandler>, EventLoopPromise<AAssociateAC>)? { state.withLock { $0 } }
    /// Fails the association promise when the connect itself failed (nothing else will).
    func fail(_ error: DICOMNetworkError) { value?.1.fail(error) }
}

/// An established association, requestor side.
public final class DICOMAssociation: Sendable {
    public let parameters: AssociationParameters
    /// The acceptor's A-ASSOCIATE-AC.
    public let acceptance: AAssociateAC
    let channel: any Channel
    let handler: NIOLoopBound<ClientAssociationHandler>

    private init(parameters: AssociationParameters, acceptance: AAssociateAC, channel: any Channel, handler: NIOLoopBound<ClientAssociationHandler>) {
        self.parameters = parameters
        self.acceptance = acceptance
        self.channel = channel
        self.handler = handler
    }

    /// Connects (TCP_NODELAY set), with TLS when `parameters.tls` is set, and negotiates. A TLS
    /// failure (an SCP certificate the context does not trust, a client certificate the SCP
    /// refuses) is `.connectionClosed` with NIOSSL's reason. Throws `.associationRejected`, `.timeout`, …
    public static func open(_ parameters: AssociationParameters, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                            logger: Logger = Logger(label: "isthmus.dicom.scu")) async throws -> DICOMAssociation {
        var logger = logger
        logger[metadataKey: "calling"] = "\(parameters.callingAETitle)"
        logger[metadataKey: "called"] = "\(parameters.calledAETitle)"
        let rq = parameters.associateRQ
        let timeouts = parameters.timeouts
        let maxPDU = parameters.maximumPDULength
        let tls = parameters.tls
        let serverHostname = parameters.tlsServerHostname ?? (DICOMTLS.isIPAddress(parameters.host) ? nil : parameters.host)
        let log = logger
        // The association handler is in the pipeline from the start: a TLS handshake can fail
        // and close the channel before the connect future's callback would have added it.
        let slot = HandlerSlot()
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(timeouts.connect)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls {
                            try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverHostname))
                        }
                        try channel.pipeline.syncOperations.addHandlers([
                            ByteToMessageHandler(PDUDecoder(maximumPDULength: maxPDU)),
                            MessageToByteHandler(PDUEncoder()),
                        ])
                        let handler = ClientAssociationHandler(request: rq, timeouts: timeouts, logger: log, eventLoop: channel.eventLoop)
                        try channel.pipeline.syncOperations.addHandler(handler)
                        slot.set(NIOLoopBound(handler, eventLoop: channel.eventLoop), handler.associated)
                    }
                }
                .connect(host: parameters.host, port: parameters.port).get()
        } catch let e as ChannelError where e == .connectTimeout(timeouts.connect) {
            slot.fail(DICOMNetworkError(.timeout, "connect to \(parameters.host):\(parameters.port) timed out"))
            throw DICOMNetworkError(.timeout, "connect to \(parameters.host):\(parameters.port) timed out")
        } catch {
            slot.fail(DICOMNetworkError(.connectionClosed, "cannot connect to \(parameters.host):\(parameters.port): \(error)"))
            throw error
        }
        guard let (bound, associated) = slot.value else { throw DICOMNetworkError(.connectionClosed, "no channel pipeline") }
        let future = associated.futureResult
        let ac = try await future.get()
        logger.info("association accepted", metadata: ["accepted": "\(ac.presentationContexts.filter(\.isAccepted).count)/\(rq.presentationContexts.count)"])
        return DICOMAssociation(parameters: parameters, acceptance: ac, channel: channel, handler: bound)
    }

    /// The accepted presentation contexts for an abstract syntax.
    public func acceptedContexts(for abstractSyntax: String) -> [PresentationContextAC] {
        let ids = Set(parameters.presentationContexts.filter { $0.abstractSyntax == abstractSyntax }.map(\.id))
        return acceptance.presentationContexts.filter { $0.isAccepted && ids.contains($0.id) }
    }

    /// Sends a DIMSE request with an optional data set (already encoded in the context's
    /// transfer syntax) and returns the response command.
    public func send(_ command: DIMSECommand, dataSet: ByteBuffer? = nil, contextID: UInt8) async throws -> DIMSECommand {
        let handler = self.handler
        return try await channel.eventLoop.flatSubmit {
            handler.value.send(command, dataSet: dataSet, contextID: contextID)
        }.get()
    }

    /// Sends a request whose data set is streamed from `path`, `length` bytes from `offset`,
    /// never holding more than one chunk in memory: each chunk is written before the next is read.
    func send(_ command: DIMSECommand, dataSetFrom path: String, offset: UInt64, length: Int, contextID: UInt8) async throws -> DIMSECommand {
        let handler = self.handler
        guard let file = FileHandle(forReadingAtPath: path) else { throw DICOMNetworkError(.io, "cannot open \(path)") }
        defer { try? file.close() }
        try file.seek(toOffset: offset)
        let response = try await channel.eventLoop.submit {
            handler.value.begin(command, hasDataSet: true, contextID: contextID)
        }.get()
        let chunkSize = 1 << 18
        var sent = 0
        repeat {
            let n = min(chunkSize, length - sent)
            guard let data = try file.read(upToCount: n), data.count == n else {
                await abort()
                throw DICOMNetworkError(.io, "\(path) ended before its data set did")
            }
            sent += n
            let chunk = ByteBuffer(bytes: data)
            let isLast = sent == length
            do {
                try await channel.eventLoop.flatSubmit { handler.value.sendData(chunk, contextID: contextID, isLast: isLast) }.get()
            } catch {
                // The peer may have answered (a failure status) before taking the whole data set.
                return try await response.get()
            }
        } while sent < length
        return try await response.get()
    }

    /// A-RELEASE; returns once the peer's A-RELEASE-RP has arrived.
    public func release() async throws {
        let handler = self.handler
        try await channel.eventLoop.flatSubmit { handler.value.release() }.get()
        try? await channel.closeFuture.get()
    }

    /// A-ABORT (service user).
    public func abort() async {
        let handler = self.handler
        try? await channel.eventLoop.submit { handler.value.abort(DICOMNetworkError(.aborted, "aborted by the local user")) }.get()
        try? await channel.closeFuture.get()
    }
}
