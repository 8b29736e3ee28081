// PS3.8 §9.2 carried out for the association acceptor: the upper-layer state machine's
// effects on a NIO channel; PS3.7 §9.1 DIMSE messages reassembled from PDVs; C-ECHO (PS3.7
// §9.3.5), C-STORE (§9.3.1) and C-FIND with C-CANCEL (§9.3.2, PS3.4 §C.4.1.3) served; C-MOVE and
// C-GET routed to ServerAssociationHandler+Retrieve.

import DICOM
import Foundation
import Logging
import NIOCore

/// One association on the acceptor side. Lives on its channel's event loop.
final class ServerAssociationHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = PDU
    typealias OutboundOut = PDU

    private(set) var machine = UpperLayerStateMachine()
    let configuration: DICOMServerConfiguration
    private let policy: AcceptorPolicy
    /// The storage handler, when it may decide at once and nothing is fsync'd: instances are then finished on the loop.
    private let immediateStorage: (any ImmediateStorageHandler)?
    var logger: Logger
    private let admission: @Sendable () -> Bool
    private(set) var context: ChannelHandlerContext?
    private var artim: Scheduled<Void>?
    /// Aborts an established association that sends nothing for `timeouts.dimse`: a peer that
    /// never releases, or stops in the middle of a PDU.
    private var idle: Scheduled<Void>?
    /// Whether the logger takes trace messages, read once: asking the log handler for its level on every
    /// state machine event (several per instance) showed in the profile of small C-STOREs.
    private lazy var tracing = logger.logLevel <= .trace
    /// When the last PDU was received (the idle timer's reference).
    private var lastReceived = NIODeadline.now()
    private var abortReason: UInt8 = 0

    private(set) var request: AAssociateRQ?
    private(set) var accepted: [UInt8: PresentationContextAC] = [:]
    var fragmenter = PDataFragmenter(peerMaximumLength: nil)

    // DIMSE reassembly.
    private var commandBytes: [UInt8] = []
    private var commandContextID: UInt8?
    private var incoming: Incoming?
    var busy = 0
    var releasePending = false
    private var instancesStarted = 0
    /// Names the temporary files of this association's instances: `.isthmus-<random>-<n>.part`.
    private lazy var temporaryNamePrefix = configuration.temporaryDirectory + "/.isthmus-" + String(UInt64.random(in: 1...UInt64.max), radix: 36) + "-"
    /// The C-FIND being answered: its request's message ID and the task iterating the matches.
    var finding: (messageID: UInt16?, task: Task<Void, Never>)?
    /// The pending responses of the C-FIND being answered, on their way to the loop.
    private var findResponses: FindResponseQueue?
    /// While true, P-DATA-TF PDUs are written without a flush; `flushDeferred()` flushes them.
    private var deferFlush = false
    private var unflushed = false
    /// The C-STORE sub-operation of a C-GET waiting for its response (ServerAssociationHandler+Retrieve).
    var getSubOperation = GetSubOperationState()
    /// MPPS and storage commitment (ServerAssociationHandler+Normalized.swift).
    var normalized = NormalizedServiceState()

    /// Largest C-FIND identifier accepted.
    static let maximumIdentifierLength = 1 << 20

    static let maximumCommandLength = 1 << 16

    private enum Incoming {
        case store(command: DIMSECommand, contextID: UInt8, file: ReceivedInstanceFile, received: Int)
        /// A C-STORE whose file could not be created or written: the rest of its data set is read and
        /// dropped, then it is answered A700H with `comment`.
        case failedStore(command: DIMSECommand, contextID: UInt8, comment: String, error: String, received: Int)
        case discard(command: DIMSECommand, contextID: UInt8)
        case find(command: DIMSECommand, contextID: UInt8, bytes: [UInt8])
        case normalized(command: DIMSECommand, contextID: UInt8, bytes: [UInt8])

        var contextID: UInt8 {
            switch self {
            case .store(_, let id, _, _), .failedStore(_, let id, _, _, _), .discard(_, let id), .find(_, let id, _), .normalized(_, let id, _): id
            }
        }
    }

    init(configuration: DICOMServerConfiguration, logger: Logger, admission: @escaping @Sendable () -> Bool) {
        self.configuration = configuration
        self.policy = configuration.effectivePolicy
        self.immediateStorage = configuration.syncReceivedFiles ? nil : configuration.storage as? any ImmediateStorageHandler
        self.logger = logger
        self.admission = admission
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if let remote = context.channel.remoteAddress { logger[metadataKey: "peer"] = "\(remote)" }
    }

    func channelActive(context: ChannelHandlerContext) {
        fire(.transportConnectionIndication)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        idle?.cancel()
        artim?.cancel()
        fire(.transportClosed)
        discardIncoming()
        associationEnded()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let pdu = unwrapInboundIn(data)
        abortReason = AAbort.unexpectedPDU
        defer { restartIdleTimer() }
        switch pdu {
        case .associateRQ(let rq):
            request = rq
            fire(.associateRQReceived, received: pdu)
        case .associateAC: fire(.associateACReceived)
        case .associateRJ: fire(.associateRJReceived)
        case .dataTF: fire(.pDataReceived, received: pdu)
        case .releaseRQ: fire(.releaseRQReceived)
        case .releaseRP: fire(.releaseRPReceived)
        case .abort: fire(.abortReceived, received: pdu)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let e = error as? DICOMNetworkError {
            logger.warning("invalid PDU, aborting association", metadata: ["error": "\(e)"])
            abortReason = e.code == .unknownPDUType ? AAbort.unrecognizedPDU : AAbort.invalidPDUParameter
            fire(.invalidPDUReceived)
        } else {
            logger.warning("transport error, closing", metadata: ["error": "\(error)"])
            context.close(promise: nil)
        }
    }

    /// Notes that something was received: the idle timer, armed once, counts from the last PDU. Re-arming
    /// a timer per PDU (a cancel and a schedule, several per small instance) cost more than reading the clock.
    private func restartIdleTimer() {
        guard let context, (6...12).contains(machine.state.rawValue) else {
            idle?.cancel()
            idle = nil
            return
        }
        lastReceived = .now()
        if idle == nil { armIdleTimer(context, deadline: lastReceived + configuration.timeouts.dimse) }
    }

    private func armIdleTimer(_ context: ChannelHandlerContext, deadline: NIODeadline) {
        idle = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
            guard let self else { return }
            self.idle = nil
            guard let context = self.context, (6...12).contains(self.machine.state.rawValue) else { return }
            let due = self.lastReceived + self.configuration.timeouts.dimse
            if due > .now() { self.armIdleTimer(context, deadline: due); return }
            if self.busy > 0 { self.restartIdleTimer(); return }
            self.abort("nothing received for \(self.configuration.timeouts.dimse.nanoseconds / 1_000_000) ms")
        }
    }

    // MARK: The state machine's effects

    func fire(_ event: UpperLayerStateMachine.Event, received: PDU? = nil, outgoing: PDU? = nil, written: EventLoopPromise<Void>? = nil) {
        guard let context else { return }
        guard let t = machine.handle(event) else {
            logger.debug("event ignored in state", metadata: ["event": "\(event)", "state": "\(machine.state)"])
            return
        }
        if tracing { logger.trace("upper layer", metadata: ["transition": "\(t.from) + \(event) -> \(t.action.rawValue) -> \(t.to)"]) }
        for effect in t.effects {
            switch effect {
            case .openTransport, .indicateAssociateAccepted, .indicateAssociateRejected, .confirmRelease:
                break  // requestor-side effects
            case .sendPData where deferFlush:
                if let outgoing {
                    context.write(wrapOutboundOut(outgoing), promise: written)
                    unflushed = true
                }
            case .sendAssociateRQ, .sendAssociateAC, .sendAssociateRJ, .sendPData, .sendReleaseRQ, .sendReleaseRP:
                if let outgoing { context.writeAndFlush(wrapOutboundOut(outgoing), promise: written) }
            case .indicateAssociateRequest:
                decide()
            case .indicatePData:
                if case .dataTF(let tf)? = received { receive(tf) }
            case .indicateRelease:
                if busy > 0 || incoming != nil { releasePending = true } else { fire(.releaseResponse, outgoing: .releaseRP) }
            case .sendAbort(let source):
                let abort = AAbort(source: source, reason: source == AAbort.serviceProvider ? abortReason : 0)
                // Logged before the write: once the connection drops, the peer may look at once.
                logger.notice(source == AAbort.serviceProvider ? "association aborted by provider" : "association aborted",
                              metadata: ["source": "\(abort.source)", "reason": "\(abort.reason)"])
                // Send the A-ABORT, then drop the connection rather than wait for the peer to.
                context.writeAndFlush(wrapOutboundOut(.abort(abort))).assumeIsolated().whenComplete { _ in
                    context.close(promise: nil)
                }
            case .indicateAbort:
                if t.action == .aa4 { logger.notice("connection closed without release (A-P-ABORT)", metadata: ["state": "\(t.from)"]) }
                discardIncoming()
            case .indicatePeerAbort:
                if case .abort(let a)? = received {
                    logger.notice("association aborted by peer", metadata: ["source": "\(a.source)", "reason": "\(a.reason)"])
                }
                discardIncoming()
            case .startARTIM:
                artim?.cancel()
                artim = context.eventLoop.assumeIsolated().scheduleTask(in: configuration.timeouts.association) { [weak self] in
                    self?.logger.notice("ARTIM timer expired")
                    self?.fire(.artimExpired)
                }
            case .stopARTIM:
                artim?.cancel()
                artim = nil
            case .closeTransport:
                context.close(promise: nil)
            }
        }
    }

    /// AE-6: accept or reject the A-ASSOCIATE-RQ.
    private func decide() {
        guard let rq = request else { return }
        logger[metadataKey: "calling"] = "\(rq.callingAETitle)"
        logger[metadataKey: "called"] = "\(rq.calledAETitle)"
        if !admission() {
            logger.warning("association rejected: too many associations")
            fire(.associateReject, outgoing: .associateRJ(.localLimitExceeded()))
            return
        }
        switch AssociationNegotiator.negotiate(rq, policy: policy, implementation: configuration.implementation) {
        case .accept(var ac):
            if configuration.retrieve != nil { ac.userInformation.roleSelections = Self.answerRoleSelections(rq) }
            for pc in ac.presentationContexts where pc.isAccepted { accepted[pc.id] = pc }
            fragmenter = PDataFragmenter(peerMaximumLength: rq.userInformation.maximumLength)
            logger.info("association accepted", metadata: ["contexts": "\(accepted.count)/\(rq.presentationContexts.count)"])
            fire(.associateAccept, outgoing: .associateAC(ac))
        case .reject(let rj):
            logger.notice("association rejected", metadata: ["result": "\(rj.result)", "source": "\(rj.source)", "reason": "\(rj.reason)"])
            fire(.associateReject, outgoing: .associateRJ(rj))
        }
    }

    private func abort(_ why: String) {
        logger.warning("aborting association", metadata: ["why": "\(why)"])
        abortReason = AAbort.invalidPDUParameter
        fire(.abortRequest)
    }

    // MARK: DIMSE

    private func receive(_ tf: PDataTF) {
        for pdv in tf.values {
            guard machine.state == .sta6 || machine.state == .sta7 || machine.state == .sta8 else { return }
            guard accepted[pdv.presentationContextID] != nil else {
                abort("PDV on presentation context \(pdv.presentationContextID), which was not accepted")
                return
            }
            if pdv.isCommand {
                guard incoming == nil else { abort("command fragment inside a data set"); return }
                if let id = commandContextID, id != pdv.presentationContextID { abort("command fragments on two contexts"); return }
                commandContextID = pdv.presentationContextID
                commandBytes.append(contentsOf: pdv.data.readableBytesView)
                guard commandBytes.count <= Self.maximumCommandLength else { abort("command set longer than \(Self.maximumCommandLength)"); return }
                if pdv.isLast {
                    let bytes = commandBytes
                    commandBytes = []
                    commandContextID = nil
                    do {
                        start(try DIMSECommand.decode(bytes), contextID: pdv.presentationContextID)
                    } catch {
                        abort("\(error)")
                        return
                    }
                }
            } else {
                guard let current = incoming, current.contextID == pdv.presentationContextID else {
                    abort("data set fragment without a command on its context")
                    return
                }
                if case .store(let command, let id, let file, let received) = current {
                    do {
                        try file.write(contentsOf: pdv.data)
                        incoming = .store(command: command, contextID: id, file: file, received: received + pdv.data.readableBytes)
                    } catch {
                        // Disk full, file too large, I/O error: the instance is lost, not the association.
                        // Stop writing, free the space now, read and drop the rest of the data set, answer A700H.
                        file.abandon()
                        unlink(file.path)
                        incoming = .failedStore(command: command, contextID: id, comment: file.failure ?? "cannot write the instance",
                                                error: "\(error)", received: received + pdv.data.readableBytes)
                    }
                }
                if case .failedStore(let command, let id, let comment, let error, let received) = current {
                    incoming = .failedStore(command: command, contextID: id, comment: comment, error: error, received: received + pdv.data.readableBytes)
                }
                if case .find(let command, let id, var bytes) = current {
                    incoming = nil
                    bytes.append(contentsOf: pdv.data.readableBytesView)
                    guard bytes.count <= Self.maximumIdentifierLength else { abort("C-FIND identifier longer than \(Self.maximumIdentifierLength)"); return }
                    incoming = .find(command: command, contextID: id, bytes: bytes)
                }
                if case .normalized(let command, let id, var bytes) = current {
                    incoming = nil
                    bytes.append(contentsOf: pdv.data.readableBytesView)
                    guard bytes.count <= Self.maximumIdentifierLength else { abort("DIMSE-N data set longer than \(Self.maximumIdentifierLength)"); return }
                    incoming = .normalized(command: command, contextID: id, bytes: bytes)
                }
                if pdv.isLast { finishDataSet() }
            }
        }
    }

    /// A complete command set arrived.
    private func start(_ command: DIMSECommand, contextID: UInt8) {
        let pc = accepted[contextID]!
        if servesNormalized(command, contextID: contextID) {
            if command.isResponse { return }
            if command.hasDataSet { incoming = .normalized(command: command, contextID: contextID, bytes: []) } else { serveNormalized(command, contextID: contextID, bytes: []) }
            return
        }
        switch command.field {
        case .cEchoRQ where configuration.echo:
            var rsp = DIMSECommand(field: .cEchoRSP)
            rsp.messageIDBeingRespondedTo = command.messageID
            rsp.affectedSOPClassUID = command.affectedSOPClassUID ?? AssociationNegotiator.verificationSOPClass
            rsp.status = DIMSEStatus.success
            logger.debug("C-ECHO")
            send(rsp, contextID: contextID)
        case .cStoreRQ where configuration.storage != nil && command.hasDataSet:
            instancesStarted += 1
            // A 32 KiB buffer: PDVs of 32 KiB or more (those of 64 KiB PDUs) go straight from the
            // receive buffer to the kernel, without a copy; smaller ones are gathered. Write-back is
            // started while a large instance arrives when it is to be fsync'd.
            switch ReceivedInstanceFile.create(path: temporaryNamePrefix + "\(instancesStarted).part", bufferSize: 1 << 15,
                                               writeBehind: configuration.syncReceivedFiles) {
            case .success(let file):
                do {
                    let calling = request?.callingAETitle ?? ""
                    try file.write(contentsOf: Self.fastPart10Header(sopClassUID: command.affectedSOPClassUID, sopInstanceUID: command.affectedSOPInstanceUID,
                                                                     transferSyntax: pc.transferSyntax, callingAETitle: calling)
                                   ?? Self.part10Header(command: command, transferSyntax: pc.transferSyntax, callingAETitle: calling))
                    incoming = .store(command: command, contextID: contextID, file: file, received: 0)
                } catch {
                    file.abandon()
                    unlink(file.path)
                    incoming = .failedStore(command: command, contextID: contextID, comment: file.failure ?? "cannot write the instance",
                                            error: "\(error)", received: 0)
                }
            case .failure(let failure):
                // Answered with A700H once the data set has arrived (read and dropped meanwhile).
                incoming = .failedStore(command: command, contextID: contextID, comment: failure.comment, error: "\(failure.error)", received: 0)
            }
        case .cFindRQ where configuration.query != nil && command.hasDataSet && model(contextID) != nil:
            incoming = .find(command: command, contextID: contextID, bytes: [])
        case .cMoveRQ where servesRetrieve(command, contextID: contextID), .cGetRQ where servesRetrieve(command, contextID: contextID):
            incoming = .find(command: command, contextID: contextID, bytes: [])  // the identifier, read as C-FIND's
        case .cStoreRSP:
            deliverSubOperationResponse(command)
        case .cCancelRQ:
            // No response of its own (PS3.7 §9.3.2.3): the C-FIND, C-MOVE or C-GET ends with a Cancel status.
            if let f = finding, f.messageID == command.messageIDBeingRespondedTo {
                logger.debug("C-CANCEL", metadata: ["messageID": "\(f.messageID.map { "\($0)" } ?? "-")"])
                findResponses?.discard()
                f.task.cancel()
            }
        default:
            if command.hasDataSet {
                incoming = .discard(command: command, contextID: contextID)
            } else {
                respondUnsupported(command, contextID: contextID)
            }
        }
    }

    private func finishDataSet() {
        guard let current = incoming else { return }
        incoming = nil
        switch current {
        case .discard(let command, let contextID):
            respondUnsupported(command, contextID: contextID, status: command.field == .cStoreRQ ? DIMSEStatus.outOfResources : DIMSEStatus.unrecognizedOperation)
        case .failedStore(let command, let contextID, let comment, let error, let received):
            storeFailed(command, contextID: contextID, bytes: received, failure: (comment, error))
        case .find(let command, let contextID, let bytes):
            if command.field == .cFindRQ { startFind(command, contextID: contextID, bytes: bytes) } else { startRetrieve(command, contextID: contextID, bytes: bytes) }
        case .normalized(let command, let contextID, let bytes):
            serveNormalized(command, contextID: contextID, bytes: bytes)
        case .store(let command, let contextID, let file, let received):
            let instance = ReceivedInstance(
                path: file.path, sopClassUID: command.affectedSOPClassUID ?? "", sopInstanceUID: command.affectedSOPInstanceUID ?? "",
                transferSyntaxUID: accepted[contextID]?.transferSyntax ?? "", callingAETitle: request?.callingAETitle ?? "",
                calledAETitle: request?.calledAETitle ?? "", dataSetLength: received)
            guard let context, let storage = configuration.storage else {
                file.abandon()
                unlink(file.path)
                respondStore(command, contextID: contextID, status: DIMSEStatus.outOfResources)
                return
            }
            let sync = configuration.syncReceivedFiles
            if let immediate = immediateStorage {
                // Nothing to wait for: close, store and answer here, on the event loop.
                do { try file.finish(sync: false) } catch {
                    unlink(file.path)
                    storeFailed(command, contextID: contextID, bytes: received, failure: (file.failure ?? "cannot write the instance", "\(error)"))
                    return
                }
                if let decision = immediate.decideImmediately(instance) {
                    storeFinished(command, contextID: contextID, instance: instance, decision: decision,
                                  fileLeft: decision.status != DIMSEStatus.success || !immediate.movesFileWhenStoredImmediately)
                    return
                }
            }
            // The fsync and the storage handler run off the event loop; the file is theirs now.
            let owned = OwnedReceivedFile(file: file)
            busy += 1
            let promise = context.eventLoop.makePromise(of: StoreOutcome.self)
            promise.completeWithTask {
                do { try owned.file.finish(sync: sync) } catch {
                    return StoreOutcome(decision: .outOfResources(owned.file.failure ?? "cannot write the instance"), failure: "\(error)")
                }
                return StoreOutcome(decision: await storage.decide(instance), failure: nil)
            }
            promise.futureResult.assumeIsolated().whenComplete { [self] result in
                busy -= 1
                let outcome = (try? result.get()) ?? StoreOutcome(decision: .outOfResources("storage handler failed"), failure: nil)
                if let failure = outcome.failure {
                    unlink(instance.path)
                    storeFailed(command, contextID: contextID, bytes: instance.dataSetLength,
                                failure: (outcome.decision.errorComment ?? "cannot write the instance", failure))
                } else {
                    storeFinished(command, contextID: contextID, instance: instance, decision: outcome.decision)
                }
            }
        }
    }

    /// The storage handler has decided: whatever is left at the temporary path goes, the SCU gets the status and,
    /// with a failure or a warning, the Error Comment. `fileLeft` false: the handler said the file was moved away,
    /// nothing to delete.
    private func storeFinished(_ command: DIMSECommand, contextID: UInt8, instance: ReceivedInstance, decision: StorageDecision, fileLeft: Bool = true) {
        if fileLeft { unlink(instance.path) }
        let comment = decision.responseComment
        if let comment {
            logger.info("C-STORE", metadata: ["sopInstanceUID": "\(instance.sopInstanceUID)", "bytes": "\(instance.dataSetLength)",
                                              "status": "\(String(decision.status, radix: 16))", "comment": "\(comment)"])
        } else {
            logger.info("C-STORE", metadata: ["sopInstanceUID": "\(instance.sopInstanceUID)", "bytes": "\(instance.dataSetLength)", "status": "\(String(decision.status, radix: 16))"])
        }
        respondStore(command, contextID: contextID, status: decision.status, comment: comment)
        releaseIfDue()
    }

    /// The instance could not be created, written or flushed (its file is gone already): one line in the
    /// log (the SOP Instance UID, the bytes received, the system's error), A700H with `failure.comment`
    /// to the SCU. The association goes on.
    private func storeFailed(_ command: DIMSECommand, contextID: UInt8, bytes: Int, failure: (comment: String, error: String)) {
        logger.error("C-STORE failed, instance not stored", metadata: [
            "sopInstanceUID": "\(command.affectedSOPInstanceUID ?? "")", "bytes": "\(bytes)",
            "status": "\(String(DIMSEStatus.outOfResources, radix: 16))", "error": "\(failure.error)",
        ])
        respondStore(command, contextID: contextID, status: DIMSEStatus.outOfResources, comment: failure.comment)
        releaseIfDue()
    }

    private func releaseIfDue() {
        if releasePending && busy == 0 && incoming == nil {
            releasePending = false
            fire(.releaseResponse, outgoing: .releaseRP)
        }
    }

    /// Runs the query handler off the event loop; the matches come back to the loop as pending
    /// responses, as many at a time as are waiting (FindResponseQueue: one wake-up and one flush
    /// for all of them), then the final status.
    private func startFind(_ command: DIMSECommand, contextID: UInt8, bytes: [UInt8]) {
        guard let context, let handler = configuration.query, let pc = accepted[contextID], let model = model(contextID) else { return }
        let ts = TransferSyntax(uid: pc.transferSyntax)
        let identifier: DataSet
        do {
            identifier = try Self.decodeDataSet(bytes, transferSyntax: ts)
        } catch {
            logger.notice("C-FIND identifier cannot be read", metadata: ["error": "\(error.code)"])
            respondFind(command, contextID: contextID, status: DIMSEStatus.identifierDoesNotMatchSOPClass, identifier: nil)
            return
        }
        let request = QueryRequest(identifier: identifier, model: model, callingAETitle: self.request?.callingAETitle ?? "")
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loop = context.eventLoop
        busy += 1
        let responses = FindResponseQueue()
        let task = Task<Void, Never> {
            var status = DIMSEStatus.success
            do {
                func hand(_ encoded: [UInt8]) async {
                    if responses.append(encoded) {
                        loop.execute { bound.value.writeFindResponses(command, contextID: contextID, responses) }
                    }
                    if responses.isFull { await responses.waitForRoom() }
                }
                let encoding = handler as? any EncodingQueryHandler
                if try await encoding?.findEncoded(request, transferSyntax: ts, send: { await hand($0) }) != true {
                    for try await match in handler.find(request) {
                        if Task.isCancelled { break }
                        await hand(try DataSetWriter.encode(match, transferSyntax: ts))
                    }
                }
                if Task.isCancelled { status = DIMSEStatus.cancel }
            } catch let failure as QueryFailure {
                status = failure.status
            } catch {
                status = Task.isCancelled ? DIMSEStatus.cancel : DIMSEStatus.unableToProcess
            }
            let final = status
            loop.execute { bound.value.finishFind(command, contextID: contextID, status: final, responses) }
        }
        finding = (command.messageID, task)
        findResponses = responses
    }

    /// The pending responses waiting in `responses`, written with one flush.
    private func writeFindResponses(_ command: DIMSECommand, contextID: UInt8, _ responses: FindResponseQueue) {
        let identifiers = responses.take()
        guard !identifiers.isEmpty, let context else { return }
        // respondFind's pending response, its command set encoded once for all of them.
        var rsp = DIMSECommand(field: .cFindRSP)
        rsp.messageIDBeingRespondedTo = command.messageID
        rsp.affectedSOPClassUID = command.affectedSOPClassUID
        rsp.status = DIMSEStatus.pending
        rsp.hasDataSet = true
        guard let commandBytes = try? rsp.encoded() else { return }
        deferFlush = true
        for identifier in identifiers {
            guard machine.state == .sta6 || machine.state == .sta7 || machine.state == .sta8 else { break }
            for pdu in fragmenter.pdus(contextID: contextID, isCommand: true, bytes: ByteBuffer(bytes: commandBytes)) {
                fire(.pDataRequest, outgoing: pdu)
            }
            for pdu in fragmenter.pdus(contextID: contextID, isCommand: false, bytes: ByteBuffer(bytes: identifier)) {
                fire(.pDataRequest, outgoing: pdu)
            }
        }
        deferFlush = false
        if unflushed {
            unflushed = false
            context.flush()
        }
    }

    /// The C-FIND model proposed on an accepted context.
    private func model(_ contextID: UInt8) -> QueryModel? {
        request?.presentationContexts.first { $0.id == contextID }.flatMap { QueryModel(rawValue: $0.abstractSyntax) }
    }

    private func finishFind(_ command: DIMSECommand, contextID: UInt8, status: UInt16, _ responses: FindResponseQueue) {
        writeFindResponses(command, contextID: contextID, responses)
        finding = nil
        findResponses = nil
        busy -= 1
        logger.info("C-FIND", metadata: ["sopClassUID": "\(command.affectedSOPClassUID ?? "")", "matches": "\(responses.written)", "status": "\(String(status, radix: 16))"])
        respondFind(command, contextID: contextID, status: status, identifier: nil)
        if releasePending && busy == 0 && incoming == nil {
            releasePending = false
            fire(.releaseResponse, outgoing: .releaseRP)
        }
    }

    /// Sends the A-RELEASE-RP a release request was waiting for, once nothing is in progress.
    func releaseIfIdle() {
        if releasePending && busy == 0 && incoming == nil {
            releasePending = false
            fire(.releaseResponse, outgoing: .releaseRP)
        }
    }

    private func respondFind(_ command: DIMSECommand, contextID: UInt8, status: UInt16, identifier: [UInt8]?) {
        guard machine.state == .sta6 || machine.state == .sta7 || machine.state == .sta8 else { return }
        var rsp = DIMSECommand(field: .cFindRSP)
        rsp.messageIDBeingRespondedTo = command.messageID
        rsp.affectedSOPClassUID = command.affectedSOPClassUID
        rsp.status = status
        rsp.hasDataSet = identifier != nil
        send(rsp, contextID: contextID)
        if let identifier {
            for pdu in fragmenter.pdus(contextID: contextID, isCommand: false, bytes: ByteBuffer(bytes: identifier)) {
                fire(.pDataRequest, outgoing: pdu)
            }
        }
    }

    /// The made-up meta headers of the two syntaxes nearly every association uses, made once.
    private static let explicitLittleEndianHeader = try? DICOMFile(dataSet: DataSet(), transferSyntax: .explicitVRLittleEndian).serialized()
    private static let implicitLittleEndianHeader = try? DICOMFile(dataSet: DataSet(), transferSyntax: .implicitVRLittleEndian).serialized()

    /// A data set received in `transferSyntax` (not a Part 10 file): read behind a made-up meta header.
    static func decodeDataSet(_ bytes: [UInt8], transferSyntax: TransferSyntax) throws(DICOMError) -> DataSet {
        if bytes.isEmpty { return DataSet() }
        let header: [UInt8]
        switch transferSyntax {
        case .explicitVRLittleEndian where explicitLittleEndianHeader != nil: header = explicitLittleEndianHeader!
        case .implicitVRLittleEndian where implicitLittleEndianHeader != nil: header = implicitLittleEndianHeader!
        default: header = try DICOMFile(dataSet: DataSet(), transferSyntax: transferSyntax).serialized()
        }
        let file = try DICOMFile.read(bytes: header + bytes)
        if let error = file.readError { throw error }
        return file.dataSet
    }

    /// The C-STORE-RSP; `comment` (for a failure or warning) is made an LO value of the default repertoire.
    private func respondStore(_ command: DIMSECommand, contextID: UInt8, status: UInt16, comment: String? = nil) {
        // Encoded directly (StoreResponseEncoding.swift): the bytes of a DIMSECommand with these fields, without a DataSet.
        let bytes = DIMSECommand.encodedStoreResponse(messageIDBeingRespondedTo: command.messageID, affectedSOPClassUID: command.affectedSOPClassUID,
                                                      affectedSOPInstanceUID: command.affectedSOPInstanceUID, status: status,
                                                      errorComment: comment.flatMap(StorageDecision.errorCommentValue))
        for pdu in fragmenter.pdus(contextID: contextID, isCommand: true, bytes: ByteBuffer(bytes: bytes)) {
            fire(.pDataRequest, outgoing: pdu)
        }
    }

    private func respondUnsupported(_ command: DIMSECommand, contextID: UInt8, status: UInt16 = DIMSEStatus.unrecognizedOperation) {
        guard let field = command.commandFieldValue, !command.isResponse else { return }
        logger.notice("unsupported DIMSE command", metadata: ["commandField": "\(String(field, radix: 16))"])
        var rsp = DIMSECommand(dataSet: DataSet())
        rsp.setUS(.commandField, field | 0x8000)
        rsp.hasDataSet = false
        rsp.messageIDBeingRespondedTo = command.messageID
        rsp.affectedSOPClassUID = command.affectedSOPClassUID
        rsp.affectedSOPInstanceUID = command.affectedSOPInstanceUID
        rsp.status = status
        send(rsp, contextID: contextID)
    }

    // MARK: For the services in extensions (ServerAssociationHandler+Normalized.swift)

    var eventLoop: (any EventLoop)? { context?.eventLoop }
    var isEstablished: Bool { machine.state == .sta6 }
    var callingAETitle: String { request?.callingAETitle ?? "" }
    var calledAETitle: String { request?.calledAETitle ?? "" }
    func abstractSyntax(of contextID: UInt8) -> String? {
        accepted[contextID] == nil ? nil : request?.presentationContexts.first { $0.id == contextID }?.abstractSyntax
    }
    func transferSyntax(of contextID: UInt8) -> String? { accepted[contextID]?.transferSyntax }

    /// Work a release waits for (a response still to send) begins or ends.
    func beginWork() { busy += 1 }
    func endWork() {
        busy -= 1
        if releasePending && busy == 0 && incoming == nil {
            releasePending = false
            fire(.releaseResponse, outgoing: .releaseRP)
        }
    }

    /// Sends a command and its data set (already encoded in the context's transfer syntax) while
    /// the association is up.
    func send(_ command: DIMSECommand, dataSet: [UInt8]?, contextID: UInt8) {
        guard machine.state == .sta6 || machine.state == .sta7 || machine.state == .sta8 else { return }
        var command = command
        command.hasDataSet = dataSet != nil
        send(command, contextID: contextID)
        if let dataSet {
            for pdu in fragmenter.pdus(contextID: contextID, isCommand: false, bytes: ByteBuffer(bytes: dataSet)) {
                fire(.pDataRequest, outgoing: pdu)
            }
        }
    }

    func send(_ command: DIMSECommand, contextID: UInt8) {
        guard let bytes = try? command.encoded() else { return }
        for pdu in fragmenter.pdus(contextID: contextID, isCommand: true, bytes: ByteBuffer(bytes: bytes)) {
            fire(.pDataRequest, outgoing: pdu)
        }
    }

    private func discardIncoming() {
        findResponses?.discard()
        finding?.task.cancel()
        if case .store(_, _, let file, _)? = incoming {
            file.abandon()
            unlink(file.path)
        }
        incoming = nil
    }

    /// Preamble, "DICM" and the file meta information (PS3.10 §7.1) for a received instance;
    /// the data set bytes follow as they arrive.
    static func writePart10Header(to sink: FileSink, command: DIMSECommand, transferSyntax: String, callingAETitle: String) throws(DICOMError) {
        try sink.write(contentsOf: part10Header(command: command, transferSyntax: transferSyntax, callingAETitle: callingAETitle))
    }

    static func part10Header(command: DIMSECommand, transferSyntax: String, callingAETitle: String) throws(DICOMError) -> [UInt8] {
        var file = DICOMFile(dataSet: DataSet(), transferSyntax: TransferSyntax(uid: transferSyntax))
        var meta = DataSet()
        try meta.set(.mediaStorageSOPClassUID, vr: .UI, string: command.affectedSOPClassUID ?? "")
        try meta.set(.mediaStorageSOPInstanceUID, vr: .UI, string: command.affectedSOPInstanceUID ?? "")
        try meta.set(.implementationVersionName, vr: .SH, string: DICOMFile.implementationVersionName)
        if !callingAETitle.isEmpty { try meta.set(Tag(0x0002, 0x0016), vr: .AE, string: callingAETitle) }
        file.fileMetaInformation = meta
        var header = [UInt8](repeating: 0, count: 128) + Array("DICM".utf8)
        try DataSetWriter(transferSyntax: .explicitVRLittleEndian).write(file.normalizedFileMetaInformation, to: &header)
        return header
    }
}

/// What finishing a received instance off the event loop came to: the storage handler's decision, or
/// why the file could not be written or flushed (`decision` A700H with the Error Comment, `failure` the error for the log).
struct StoreOutcome: Sendable {
    let decision: StorageDecision
    let failure: String?
}

/// A file sink handed from the event loop to the task that finishes it; the loop no longer
/// touches it once handed over.
struct OwnedSink: @unchecked Sendable {
    let sink: FileSink
}

/// The file sinks of received instances (`FileSink` for C-GET, `ReceivedInstanceFile` for C-STORE): both are
/// classes, so writing through a copy of the reference writes the file.
extension ByteSink where Self: AnyObject {
    /// Writes the readable bytes of a buffer (a PDV fragment), without copying them.
    func write(contentsOf buffer: ByteBuffer) throws(DICOMError) {
        var sink = self
        var failure: DICOMError?
        buffer.withUnsafeReadableBytes { b in
            do throws(DICOMError) { try sink.write(b) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    func write(contentsOf bytes: [UInt8]) throws(DICOMError) {
        var sink = self
        var failure: DICOMError?
        bytes.withUnsafeBytes { b in
            do throws(DICOMError) { try sink.write(b) } catch { failure = error }
        }
        if let failure { throw failure }
    }
}
