// PS3.8 §9.2 carried out for the association requestor: the state machine's effects on a NIO
// channel, with promises for the A-ASSOCIATE confirmation, DIMSE responses and the release;
// C-STORE-RQs of a C-GET handed to ClientAssociationHandler+GetStore.

import DICOM
import Logging
import NIOCore

/// One association on the requestor side. Lives on its channel's event loop.
final class ClientAssociationHandler: ChannelInboundHandler {
    typealias InboundIn = PDU
    typealias OutboundOut = PDU

    private(set) var machine = UpperLayerStateMachine()
    let request: AAssociateRQ
    private let timeouts: DICOMTimeouts
    var logger: Logger
    private(set) var context: ChannelHandlerContext?
    private var abortReason: UInt8 = AAbort.unexpectedPDU

    let associated: EventLoopPromise<AAssociateAC>
    private var associationTimer: Scheduled<Void>?
    private(set) var acceptance: AAssociateAC?
    var fragmenter = PDataFragmenter(peerMaximumLength: nil)

    private var nextMessageID: UInt16 = 1
    private var pending: (messageID: UInt16, promise: EventLoopPromise<DIMSECommand>, timer: Scheduled<Void>?)?
    /// Called with each pending response (FF00/FF01) to the outstanding request and its data set
    /// (C-FIND); the final response completes the request's promise.
    private var onPending: ((DIMSECommand, [UInt8]) -> Void)?
    /// A response command whose data set is still arriving.
    private var responseCommand: DIMSECommand?
    private var responseData: [UInt8] = []
    private var commandBytes: [UInt8] = []
    private var releasing: EventLoopPromise<Void>?
    private var failure: DICOMNetworkError?
    /// The data set of the last final response (a C-MOVE/C-GET Failed SOP Instance UID List).
    private(set) var finalResponseData: [UInt8] = []
    /// C-STORE sub-operations of a C-GET received on this association (ClientAssociationHandler+GetStore).
    var getStore = ClientGetStoreState()

    init(request: AAssociateRQ, timeouts: DICOMTimeouts, logger: Logger, eventLoop: any EventLoop) {
        self.request = request
        self.timeouts = timeouts
        self.logger = logger
        self.associated = eventLoop.makePromise()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { start() }
    }

    func channelActive(context: ChannelHandlerContext) {
        start()
        context.fireChannelActive()
    }

    private func start() {
        guard machine.state == .sta1, let context else { return }
        fire(.associateRequest)                                           // AE-1 (the connect is done)
        fire(.transportConnectConfirmation, outgoing: .associateRQ(request)) // AE-2
        associationTimer = context.eventLoop.assumeIsolated().scheduleTask(in: timeouts.association) { [weak self] in
            guard let self, self.machine.state == .sta5 else { return }
            self.fail(DICOMNetworkError(.timeout, "no A-ASSOCIATE-AC or -RJ from \(self.request.calledAETitle)"))
            self.fire(.abortRequest)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        discardIncomingStore()
        fire(.transportClosed)
        fail(failure ?? DICOMNetworkError(.connectionClosed, "connection to \(request.calledAETitle) closed"))
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let pdu = unwrapInboundIn(data)
        abortReason = AAbort.unexpectedPDU
        switch pdu {
        case .associateRQ: fire(.associateRQReceived)
        case .associateAC(let ac):
            acceptance = ac
            fire(.associateACReceived)
        case .associateRJ(let rj):
            failure = DICOMNetworkError(.associationRejected, "\(request.calledAETitle) rejected the association (result \(rj.result), source \(rj.source), reason \(rj.reason))")
            fire(.associateRJReceived)
        case .dataTF: fire(.pDataReceived, received: pdu)
        case .releaseRQ: fire(.releaseRQReceived)
        case .releaseRP: fire(.releaseRPReceived)
        case .abort(let a):
            failure = DICOMNetworkError(.aborted, "\(request.calledAETitle) aborted the association (source \(a.source), reason \(a.reason))")
            fire(.abortReceived, received: pdu)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let e = error as? DICOMNetworkError {
            logger.warning("invalid PDU, aborting association", metadata: ["error": "\(e)"])
            failure = e
            abortReason = e.code == .unknownPDUType ? AAbort.unrecognizedPDU : AAbort.invalidPDUParameter
            fire(.invalidPDUReceived)
        } else {
            failure = DICOMNetworkError(.connectionClosed, "\(error)")
            context.close(promise: nil)
        }
    }

    private func fail(_ error: DICOMNetworkError) {
        associationTimer?.cancel()
        associated.fail(error)
        if let p = pending {
            pending = nil
            p.timer?.cancel()
            p.promise.fail(error)
        }
        releasing?.fail(error)
        releasing = nil
    }

    @discardableResult
    func fire(_ event: UpperLayerStateMachine.Event, received: PDU? = nil, outgoing: PDU? = nil,
                      written: EventLoopPromise<Void>? = nil) -> Bool {
        guard let context else { return false }
        guard let t = machine.handle(event) else {
            logger.debug("event ignored in state", metadata: ["event": "\(event)", "state": "\(machine.state)"])
            return false
        }
        for effect in t.effects {
            switch effect {
            case .openTransport, .indicateAssociateRequest, .sendAssociateAC, .sendAssociateRJ:
                break  // acceptor-side effects; the transport is opened by the bootstrap
            case .sendAssociateRQ, .sendPData, .sendReleaseRQ, .sendReleaseRP:
                if let outgoing { context.writeAndFlush(wrapOutboundOut(outgoing), promise: written) }
            case .indicateAssociateAccepted:
                associationTimer?.cancel()
                if let ac = acceptance {
                    fragmenter = PDataFragmenter(peerMaximumLength: ac.userInformation.maximumLength)
                    associated.succeed(ac)
                }
            case .indicateAssociateRejected:
                fail(failure ?? DICOMNetworkError(.associationRejected, "association rejected"))
            case .indicatePData:
                if case .dataTF(let tf)? = received { receive(tf) }
            case .indicateRelease:
                // The peer asks to release (or a release collision): answer at once.
                fire(.releaseResponse, outgoing: .releaseRP)
            case .confirmRelease:
                releasing?.succeed(())
                releasing = nil
            case .sendAbort(let source):
                let abort = AAbort(source: source, reason: source == AAbort.serviceProvider ? abortReason : 0)
                context.writeAndFlush(wrapOutboundOut(.abort(abort))).assumeIsolated().whenComplete { _ in
                    context.close(promise: nil)
                }
            case .indicateAbort, .indicatePeerAbort:
                logger.notice("association aborted", metadata: ["error": "\(failure.map { "\($0)" } ?? "provider abort")"])
                fail(failure ?? DICOMNetworkError(.aborted, "association aborted"))
            case .startARTIM:
                break  // the close after a release or abort is not awaited on this side
            case .stopARTIM:
                break
            case .closeTransport:
                context.close(promise: nil)
            }
        }
        return true
    }

    private func receive(_ tf: PDataTF) {
        for pdv in tf.values {
            if pdv.isCommand {
                commandBytes.append(contentsOf: pdv.data.readableBytesView)
                guard commandBytes.count <= ServerAssociationHandler.maximumCommandLength else {
                    abort(DICOMNetworkError(.malformedMessage, "response command set too long"))
                    return
                }
                guard pdv.isLast else { continue }
                let bytes = commandBytes
                commandBytes = []
                do {
                    let rsp = try DIMSECommand.decode(bytes)
                    if rsp.field == .cStoreRQ {  // a C-GET sub-operation
                        beginIncomingStore(rsp, contextID: pdv.presentationContextID)
                        continue
                    }
                    guard let p = pending, rsp.messageIDBeingRespondedTo == p.messageID else {
                        logger.notice("unexpected DIMSE response", metadata: ["messageIDBeingRespondedTo": "\(rsp.messageIDBeingRespondedTo.map { "\($0)" } ?? "-")"])
                        continue
                    }
                    if rsp.hasDataSet {
                        responseCommand = rsp
                        responseData = []
                    } else {
                        deliver(rsp, dataSet: [])
                    }
                } catch {
                    abort(error)
                    return
                }
            } else if getStore.current != nil {
                guard receiveStoreData(pdv) else { return }
            } else if responseCommand != nil {
                responseData.append(contentsOf: pdv.data.readableBytesView)
                guard responseData.count <= ServerAssociationHandler.maximumIdentifierLength else {
                    abort(DICOMNetworkError(.malformedMessage, "response data set too long"))
                    return
                }
                if pdv.isLast, let rsp = responseCommand {
                    let data = responseData
                    responseCommand = nil
                    responseData = []
                    deliver(rsp, dataSet: data)
                }
            }
        }
    }

    /// A whole response: a pending one goes to `onPending` (the response timer starts again),
    /// any other completes the request.
    private func deliver(_ rsp: DIMSECommand, dataSet: [UInt8]) {
        guard let p = pending else { return }
        p.timer?.cancel()
        if let onPending, DIMSEStatus.category(rsp.status ?? 0) == .pending {
            onPending(rsp, dataSet)
            pending = (p.messageID, p.promise, nil)
            startResponseTimer()
            return
        }
        pending = nil
        onPending = nil
        finalResponseData = dataSet
        p.promise.succeed(rsp)
    }

    /// C-CANCEL-RQ for the outstanding request (PS3.7 §9.3.2.3); its final response still comes.
    func cancelRequest(contextID: UInt8) {
        guard let p = pending, machine.state == .sta6 else { return }
        var rq = DIMSECommand(field: .cCancelRQ)
        rq.messageIDBeingRespondedTo = p.messageID
        guard let bytes = try? rq.encoded() else { return }
        logger.debug("C-CANCEL", metadata: ["messageID": "\(p.messageID)"])
        for pdu in fragmenter.pdus(contextID: contextID, isCommand: true, bytes: ByteBuffer(bytes: bytes)) {
            fire(.pDataRequest, outgoing: pdu)
        }
    }

    // MARK: Requests from the association's async API (on the event loop)

    /// Sends a DIMSE request (and its data set) and waits for its response.
    func send(_ command: DIMSECommand, dataSet: ByteBuffer?, contextID: UInt8, onPending: ((DIMSECommand, [UInt8]) -> Void)? = nil) -> EventLoopFuture<DIMSECommand> {
        let response = begin(command, hasDataSet: dataSet != nil, contextID: contextID)
        if pending != nil { self.onPending = onPending }
        if let dataSet { sendData(dataSet, contextID: contextID, isLast: true) }
        return response
    }

    /// Sends the command set of a request; when it has a data set, `sendData` must follow, and
    /// the DIMSE response timer starts with its last fragment.
    func begin(_ command: DIMSECommand, hasDataSet: Bool, contextID: UInt8) -> EventLoopFuture<DIMSECommand> {
        guard let context else { return associated.futureResult.eventLoop.makeFailedFuture(DICOMNetworkError(.connectionClosed, "no channel")) }
        guard machine.state == .sta6 else {
            return context.eventLoop.makeFailedFuture(failure ?? DICOMNetworkError(.invalidState, "association not established (\(machine.state))"))
        }
        guard pending == nil else {
            return context.eventLoop.makeFailedFuture(DICOMNetworkError(.invalidState, "one DIMSE request at a time (asynchronous operations window 1)"))
        }
        var command = command
        let id = nextMessageID
        nextMessageID = nextMessageID == .max ? 1 : nextMessageID + 1
        command.messageID = id
        command.hasDataSet = hasDataSet
        let bytes: [UInt8]
        do { bytes = try command.encoded() } catch {
            return context.eventLoop.makeFailedFuture(DICOMNetworkError(.malformedMessage, "\(error)"))
        }
        let promise = context.eventLoop.makePromise(of: DIMSECommand.self)
        pending = (id, promise, nil)
        for pdu in fragmenter.pdus(contextID: contextID, isCommand: true, bytes: ByteBuffer(bytes: bytes)) {
            fire(.pDataRequest, outgoing: pdu)
        }
        if !hasDataSet { startResponseTimer() }
        return promise.futureResult
    }

    /// Sends part of the pending request's data set; the future completes once it is written
    /// (callers streaming a file wait for it: backpressure).
    @discardableResult
    func sendData(_ bytes: ByteBuffer, contextID: UInt8, isLast: Bool) -> EventLoopFuture<Void> {
        guard let context else { return associated.futureResult.eventLoop.makeFailedFuture(DICOMNetworkError(.connectionClosed, "no channel")) }
        guard pending != nil, machine.state == .sta6 else {
            return context.eventLoop.makeFailedFuture(failure ?? DICOMNetworkError(.invalidState, "no request in progress (\(machine.state))"))
        }
        let written = context.eventLoop.makePromise(of: Void.self)
        let pdus = fragmenter.pdus(contextID: contextID, isCommand: false, bytes: bytes, isLast: isLast)
        for (i, pdu) in pdus.enumerated() {
            guard fire(.pDataRequest, outgoing: pdu, written: i == pdus.count - 1 ? written : nil) else {
                written.fail(failure ?? DICOMNetworkError(.invalidState, "association no longer established"))
                break
            }
        }
        if isLast { startResponseTimer() }
        return written.futureResult
    }

    private func startResponseTimer() {
        guard let context, let p = pending else { return }
        let id = p.messageID
        let timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeouts.dimse) { [weak self] in
            guard let self, let p = self.pending, p.messageID == id else { return }
            self.abort(DICOMNetworkError(.timeout, "no DIMSE response to message \(id) from \(self.request.calledAETitle)"))
        }
        pending = (id, p.promise, timer)
    }

    func release() -> EventLoopFuture<Void> {
        guard let context else { return associated.futureResult.eventLoop.makeSucceededVoidFuture() }
        guard machine.state == .sta6 else { return context.eventLoop.makeSucceededVoidFuture() }
        let promise = context.eventLoop.makePromise(of: Void.self)
        releasing = promise
        fire(.releaseRequest, outgoing: .releaseRQ)
        // A peer that never answers the A-RELEASE-RQ: abort after the association timeout.
        context.eventLoop.assumeIsolated().scheduleTask(in: timeouts.association) { [weak self] in
            guard let self, self.releasing != nil else { return }
            self.abort(DICOMNetworkError(.timeout, "no A-RELEASE-RP from \(self.request.calledAETitle)"))
        }
        return promise.futureResult
    }

    func abort(_ error: any Error) {
        let e = (error as? DICOMNetworkError) ?? DICOMNetworkError(.aborted, "\(error)")
        logger.warning("aborting association", metadata: ["error": "\(e)"])
        failure = e
        fail(e)
        fire(.abortRequest)
    }
}
