// PS3.4 §C.4.2 C-MOVE and §C.4.3 C-GET SCP behaviour (PS3.7 §9.1.3, §9.1.4; messages §9.3.4,
// §9.3.3; C-CANCEL §9.3.2.3): the handler names the instances, one C-STORE sub-operation each —
// on a sub-association to the Move Destination (looked up in the AE table; unknown: A801H), or on
// this association for C-GET, on the storage contexts whose SCP role the requestor proposed and
// we accepted (PS3.7 §D.3.3.4 SCP/SCU Role Selection). Pending responses carry the counts.

import DICOM
import Foundation
import Logging
import NIOCore
import NIOPosix

/// The C-STORE sub-operation of a C-GET in flight on an association (one at a time).
struct GetSubOperationState {
    var nextMessageID: UInt16 = 1
    var waiting: (messageID: UInt16, promise: EventLoopPromise<UInt16>, timer: Scheduled<Void>?)?
}

extension ServerAssociationHandler {
    /// PS3.7 §D.3.3.4: the answer to the requestor's role selection items for the abstract
    /// syntaxes it proposed — every role it asks for is accepted (a C-GET SCP needs the
    /// requestor to be a storage SCP).
    static func answerRoleSelections(_ rq: AAssociateRQ) -> [UserInformation.RoleSelection] {
        let proposed = Set(rq.presentationContexts.map(\.abstractSyntax))
        return rq.userInformation.roleSelections.filter { proposed.contains($0.sopClassUID) }
    }

    /// Whether a C-MOVE-RQ or C-GET-RQ on this context is served (a MOVE model for C-MOVE, a GET one for C-GET).
    func servesRetrieve(_ command: DIMSECommand, contextID: UInt8) -> Bool {
        configuration.retrieve != nil && command.hasDataSet && retrieveModel(contextID, command) != nil
    }

    func retrieveModel(_ contextID: UInt8, _ command: DIMSECommand) -> RetrieveModel? {
        guard let abstract = request?.presentationContexts.first(where: { $0.id == contextID })?.abstractSyntax,
              let found = RetrieveModel.of(sopClassUID: abstract), found.isMove == (command.field == .cMoveRQ) else { return nil }
        return found.model
    }

    /// Accepted storage contexts the requestor may receive C-STORE-RQs on (SCP role accepted), by SOP class.
    private func getStorageContexts() -> [String: [PresentationContextAC]] {
        guard let rq = request else { return [:] }
        let scp = Set(rq.userInformation.roleSelections.filter(\.scpRole).map(\.sopClassUID))
        var out: [String: [PresentationContextAC]] = [:]
        for pc in rq.presentationContexts where scp.contains(pc.abstractSyntax) {
            if let ac = accepted[pc.id] { out[pc.abstractSyntax, default: []].append(ac) }
        }
        return out
    }

    /// The identifier has arrived: check the destination (C-MOVE), then run the handler and
    /// the sub-operations off the event loop.
    func startRetrieve(_ command: DIMSECommand, contextID: UInt8, bytes: [UInt8]) {
        guard let context, let handler = configuration.retrieve, let pc = accepted[contextID],
              let model = retrieveModel(contextID, command) else { return }
        let isMove = command.field == .cMoveRQ
        let ts = TransferSyntax(uid: pc.transferSyntax)
        let identifier: DataSet
        do {
            identifier = try Self.decodeDataSet(bytes, transferSyntax: ts)
        } catch {
            logger.notice("retrieve identifier cannot be read", metadata: ["error": "\(error.code)"])
            respondRetrieve(command, contextID: contextID, result: RetrieveResult(status: DIMSEStatus.identifierDoesNotMatchSOPClass), transferSyntax: ts)
            return
        }
        let callingAE = request?.callingAETitle ?? ""
        let moveDestination = isMove ? command.moveDestination ?? "" : nil
        let address = moveDestination.flatMap { configuration.moveDestinations[$0] }
        if let moveDestination, address == nil {
            logger.notice("C-MOVE destination unknown", metadata: ["destination": "\(moveDestination)"])
            respondRetrieve(command, contextID: contextID, result: RetrieveResult(status: DIMSEStatus.moveDestinationUnknown), transferSyntax: ts)
            return
        }
        let retrieveRequest = RetrieveRequest(identifier: identifier, model: model,
                                              operation: moveDestination.map { .move(destination: $0) } ?? .get, callingAETitle: callingAE)
        let storageContexts = isMove ? [:] : getStorageContexts()
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loop = context.eventLoop
        let ourAE = configuration.policy.aeTitle
        let timeouts = configuration.timeouts
        let log = logger
        busy += 1
        let job = RetrieveJob(handler: handler, request: retrieveRequest, moveDestination: moveDestination, address: address, ourAETitle: ourAE,
                              originator: MoveOriginator(aeTitle: callingAE, messageID: command.messageID ?? 0), timeouts: timeouts,
                              storageContexts: storageContexts, priority: command.priority ?? 0, logger: log)
        let task = Task<Void, Never> {
            let sender = SubOperationSender(
                begin: { instance, id in
                    try await loop.submit { try bound.value.beginSubOperation(instance, contextID: id, priority: job.priority) }.get()
                },
                data: { id, bytes, isLast in
                    try await loop.flatSubmit { bound.value.sendSubOperationData(contextID: id, bytes: bytes, isLast: isLast) }.get()
                },
                abort: { why in
                    loop.execute { bound.value.abortForSubOperation(why) }
                })
            let final = await job.run(
                send: sender,
                progress: { result in
                    try? await loop.submit { bound.value.respondRetrieve(command, contextID: contextID, result: result, transferSyntax: ts) }.get()
                })
            loop.execute { bound.value.finishRetrieve(command, contextID: contextID, result: final, transferSyntax: ts) }
        }
        finding = (command.messageID, task)
    }

}

/// One C-MOVE or C-GET, run off the event loop: the handler, then the sub-operations.
struct RetrieveJob: Sendable {
    let handler: any RetrieveHandler
    let request: RetrieveRequest
    let moveDestination: String?
    let address: RetrieveDestination?
    let ourAETitle: String
    let originator: MoveOriginator
    let timeouts: DICOMTimeouts
    let storageContexts: [String: [PresentationContextAC]]
    let priority: UInt16
    let logger: Logger

    func run(send: SubOperationSender,
             progress: @Sendable (RetrieveResult) async -> Void) async -> RetrieveResult {
        let instances: [RetrieveInstance]
        do {
            instances = try await handler.instances(for: request)
        } catch let failure as QueryFailure {
            return RetrieveResult(status: failure.status)
        } catch {
            return RetrieveResult(status: DIMSEStatus.unableToProcess)
        }
        if let moveDestination, let address {
            return await Self.moveSubOperations(instances, to: moveDestination, at: address, callingAETitle: ourAETitle,
                                                originator: originator, timeouts: timeouts, logger: logger, progress: progress)
        }
        return await Self.getSubOperations(instances, contexts: storageContexts, logger: logger, send: send, progress: progress)
    }

    /// C-GET: a C-STORE-RQ on this association per instance, in the file's syntax or converted.
    private static func getSubOperations(_ instances: [RetrieveInstance], contexts: [String: [PresentationContextAC]], logger: Logger,
                                         send: SubOperationSender,
                                         progress: @Sendable (RetrieveResult) async -> Void) async -> RetrieveResult {
        var tally = SubOperationTally(total: instances.count)
        for instance in instances {
            if Task.isCancelled { break }
            var status: UInt16?
            var gone = false
            do {
                if let plan = try subOperationPlan(instance, contexts: contexts[instance.sopClassUID] ?? []) {
                    status = try await send.run(plan, instance: instance)
                } else {
                    logger.notice("C-GET: no storage context with SCP role for an instance",
                                  metadata: ["sopClassUID": "\(instance.sopClassUID)", "transferSyntax": "\(instance.transferSyntaxUID)"])
                }
            } catch {
                logger.notice("C-GET sub-operation failed", metadata: ["sopInstanceUID": "\(instance.sopInstanceUID)", "error": "\(error)"])
                if let e = error as? DICOMNetworkError, [.aborted, .connectionClosed, .timeout, .invalidState].contains(e.code) { gone = true }
            }
            tally.record(status, sopInstanceUID: instance.sopInstanceUID)
            if gone { break }  // the association is gone: no final response can be sent either
            if tally.remaining > 0 && !Task.isCancelled { await progress(tally.pending) }
        }
        return tally.final(cancelled: Task.isCancelled && tally.remaining > 0)
    }

    /// C-MOVE: one sub-association to the destination, a C-STORE per instance; A702H when the
    /// sub-association cannot be opened.
    private static func moveSubOperations(_ instances: [RetrieveInstance], to aeTitle: String, at address: RetrieveDestination,
                                          callingAETitle: String, originator: MoveOriginator, timeouts: DICOMTimeouts, logger: Logger,
                                          progress: @Sendable (RetrieveResult) async -> Void) async -> RetrieveResult {
        var tally = SubOperationTally(total: instances.count)
        guard !instances.isEmpty else { return tally.final(cancelled: false) }
        var params = AssociationParameters(host: address.host, port: address.port, callingAETitle: callingAETitle, calledAETitle: aeTitle,
                                           presentationContexts: DICOMAssociation.storageContexts(for: instances.map { ($0.sopClassUID, TransferSyntax(uid: $0.transferSyntaxUID)) }))
        params.timeouts = timeouts
        let sub: DICOMAssociation
        do {
            sub = try await DICOMAssociation.open(params, logger: logger)
        } catch {
            logger.notice("C-MOVE sub-association failed", metadata: ["destination": "\(aeTitle)", "error": "\(error)"])
            for i in instances { tally.record(nil, sopInstanceUID: i.sopInstanceUID) }
            var result = tally.final(cancelled: false)
            result.status = DIMSEStatus.unableToPerformSubOperations
            return result
        }
        var lost = false
        for instance in instances {
            if Task.isCancelled { break }
            var status: UInt16?
            if !lost {
                do {
                    status = try await sub.store(contentsOf: instance.path, moveOriginator: originator)
                } catch {
                    logger.notice("C-MOVE sub-operation failed", metadata: ["sopInstanceUID": "\(instance.sopInstanceUID)", "error": "\(error)"])
                    if let e = error as? DICOMNetworkError, [.aborted, .connectionClosed, .timeout].contains(e.code) { lost = true }
                }
            }
            tally.record(status, sopInstanceUID: instance.sopInstanceUID)
            if tally.remaining > 0 && !Task.isCancelled { await progress(tally.pending) }
        }
        if lost { await sub.abort() } else { try? await sub.release() }
        return tally.final(cancelled: Task.isCancelled && tally.remaining > 0)
    }

    /// How to send a C-GET sub-operation's data set, and on which context: streamed from the
    /// file when its own transfer syntax was accepted (one chunk in memory at a time), else
    /// converted in memory to an accepted uncompressed syntax; nil when neither is possible.
    private static func subOperationPlan(_ instance: RetrieveInstance, contexts: [PresentationContextAC]) throws -> SubOperationPlan? {
        guard !contexts.isEmpty else { return nil }
        let file = try DICOMFile.read(contentsOf: instance.path)
        if let same = contexts.first(where: { $0.transferSyntax == file.transferSyntax.uid }) {
            if file.warnings.isEmpty, file.readError == nil, let range = Part10Layout.dataSetRange(path: instance.path), range.length > 0, range.length % 2 == 0 {
                return .stream(contextID: same.id, offset: range.offset, length: range.length)
            }
            return .memory(contextID: same.id, bytes: try file.encodedDataSet())
        }
        if !file.transferSyntax.isEncapsulated, let other = contexts.first(where: { !TransferSyntax(uid: $0.transferSyntax).isEncapsulated }) {
            return .memory(contextID: other.id, bytes: try file.converted(to: TransferSyntax(uid: other.transferSyntax)).encodedDataSet())
        }
        return nil
    }
}

enum SubOperationPlan: Sendable {
    case stream(contextID: UInt8, offset: UInt64, length: Int)
    case memory(contextID: UInt8, bytes: [UInt8])
}

/// The C-GET SCP's side of a C-STORE sub-operation, as seen from the retrieve task: the
/// command, the data set in pieces (each awaited until written), an abort.
struct SubOperationSender: Sendable {
    let begin: @Sendable (RetrieveInstance, UInt8) async throws -> EventLoopFuture<UInt16>
    let data: @Sendable (UInt8, ByteBuffer, Bool) async throws -> Void
    let abort: @Sendable (String) -> Void

    static let chunkSize = 1 << 18

    /// Sends the sub-operation and returns the C-STORE-RSP status.
    func run(_ plan: SubOperationPlan, instance: RetrieveInstance) async throws -> UInt16 {
        switch plan {
        case .memory(let id, let bytes):
            let response = try await begin(instance, id)
            do { try await data(id, ByteBuffer(bytes: bytes), true) } catch {
                return try await response.get()  // the peer may have answered before taking it all
            }
            return try await response.get()
        case .stream(let id, let offset, let length):
            guard let file = FileHandle(forReadingAtPath: instance.path) else { throw DICOMNetworkError(.io, "cannot open an instance to send") }
            defer { try? file.close() }
            try file.seek(toOffset: offset)
            let response = try await begin(instance, id)
            var sent = 0
            repeat {
                let n = min(Self.chunkSize, length - sent)
                guard let chunk = try? file.read(upToCount: n), chunk.count == n else {
                    // Half a data set was sent: the association cannot carry on.
                    abort("an instance file ended before its data set did")
                    throw DICOMNetworkError(.aborted, "instance file shorter than its data set")
                }
                sent += n
                do { try await data(id, ByteBuffer(bytes: chunk), sent == length) } catch {
                    return try await response.get()
                }
            } while sent < length
            return try await response.get()
        }
    }
}

extension ServerAssociationHandler {
    /// Sends the C-STORE-RQ command of a C-GET sub-operation; the returned future completes
    /// with the C-STORE-RSP status (or fails when the connection closes).
    func beginSubOperation(_ instance: RetrieveInstance, contextID: UInt8, priority: UInt16) throws -> EventLoopFuture<UInt16> {
        guard let context, machine.state == .sta6, getSubOperation.waiting == nil else {
            throw DICOMNetworkError(.invalidState, "association not established (\(machine.state))")
        }
        let id = getSubOperation.nextMessageID
        getSubOperation.nextMessageID = id == .max ? 1 : id + 1
        var rq = DIMSECommand(field: .cStoreRQ)
        rq.messageID = id
        rq.affectedSOPClassUID = instance.sopClassUID
        rq.affectedSOPInstanceUID = instance.sopInstanceUID
        rq.priority = priority
        rq.hasDataSet = true
        let promise = context.eventLoop.makePromise(of: UInt16.self)
        getSubOperation.waiting = (id, promise, nil)
        context.channel.closeFuture.assumeIsolated().whenComplete { [weak self] _ in
            guard let self, let w = self.getSubOperation.waiting, w.messageID == id else { return }
            self.getSubOperation.waiting = nil
            w.timer?.cancel()
            w.promise.fail(DICOMNetworkError(.connectionClosed, "connection closed during a C-GET sub-operation"))
        }
        send(rq, contextID: contextID)
        return promise.futureResult
    }

    /// Sends part of the sub-operation's data set; completes once written. After the last part
    /// the C-STORE-RSP is awaited for the DIMSE timeout, then the association is aborted.
    func sendSubOperationData(contextID: UInt8, bytes: ByteBuffer, isLast: Bool) -> EventLoopFuture<Void> {
        guard let context else { return MultiThreadedEventLoopGroup.singleton.next().makeFailedFuture(DICOMNetworkError(.connectionClosed, "no channel")) }
        guard machine.state == .sta6, let w = getSubOperation.waiting else {
            return context.eventLoop.makeFailedFuture(DICOMNetworkError(.invalidState, "no C-GET sub-operation in progress (\(machine.state))"))
        }
        let written = context.eventLoop.makePromise(of: Void.self)
        let pdus = fragmenter.pdus(contextID: contextID, isCommand: false, bytes: bytes, isLast: isLast)
        for (i, pdu) in pdus.enumerated() {
            fire(.pDataRequest, outgoing: pdu, written: i == pdus.count - 1 ? written : nil)
        }
        if isLast {
            let id = w.messageID
            let timer = context.eventLoop.assumeIsolated().scheduleTask(in: configuration.timeouts.dimse) { [weak self] in
                guard let self, let w = self.getSubOperation.waiting, w.messageID == id else { return }
                self.getSubOperation.waiting = nil
                w.promise.fail(DICOMNetworkError(.timeout, "no C-STORE-RSP to C-GET sub-operation \(id)"))
                self.abortForSubOperation("no C-STORE-RSP to a C-GET sub-operation")
            }
            getSubOperation.waiting = (id, w.promise, timer)
        }
        return written.futureResult
    }

    func abortForSubOperation(_ why: String) {
        logger.warning("aborting association", metadata: ["why": "\(why)"])
        fire(.abortRequest)
    }

    /// A C-STORE-RSP from the C-GET requestor.
    func deliverSubOperationResponse(_ rsp: DIMSECommand) {
        guard let w = getSubOperation.waiting, rsp.messageIDBeingRespondedTo == w.messageID else {
            logger.notice("unexpected C-STORE-RSP", metadata: ["messageIDBeingRespondedTo": "\(rsp.messageIDBeingRespondedTo.map { "\($0)" } ?? "-")"])
            return
        }
        getSubOperation.waiting = nil
        w.timer?.cancel()
        w.promise.succeed(rsp.status ?? DIMSEStatus.unableToProcess)
    }

    func finishRetrieve(_ command: DIMSECommand, contextID: UInt8, result: RetrieveResult, transferSyntax: TransferSyntax) {
        finding = nil
        busy -= 1
        logger.info(command.field == .cMoveRQ ? "C-MOVE" : "C-GET", metadata: [
            "completed": "\(result.completed)", "failed": "\(result.failed)", "warning": "\(result.warning)",
            "status": "\(String(result.status, radix: 16))",
        ])
        respondRetrieve(command, contextID: contextID, result: result, transferSyntax: transferSyntax)
        releaseIfIdle()
    }

    /// A C-MOVE-RSP or C-GET-RSP; the Failed SOP Instance UID List goes in an identifier.
    func respondRetrieve(_ command: DIMSECommand, contextID: UInt8, result: RetrieveResult, transferSyntax: TransferSyntax) {
        guard machine.state == .sta6 || machine.state == .sta7 || machine.state == .sta8 else { return }
        var rsp = DIMSECommand(field: command.field == .cMoveRQ ? .cMoveRSP : .cGetRSP)
        rsp.messageIDBeingRespondedTo = command.messageID
        rsp.affectedSOPClassUID = command.affectedSOPClassUID
        result.write(to: &rsp)
        var identifier: [UInt8]?
        if !result.failedSOPInstanceUIDs.isEmpty {
            var ds = DataSet()
            // A UI value longer than 64 KiB cannot be written in explicit VR: then sent without the list.
            if (try? ds.set(.failedSOPInstanceUIDList, vr: .UI, strings: result.failedSOPInstanceUIDs)) != nil {
                identifier = try? DataSetWriter.encode(ds, transferSyntax: transferSyntax)
            }
        }
        rsp.hasDataSet = identifier != nil
        send(rsp, contextID: contextID)
        if let identifier {
            for pdu in fragmenter.pdus(contextID: contextID, isCommand: false, bytes: ByteBuffer(bytes: identifier)) {
                fire(.pDataRequest, outgoing: pdu)
            }
        }
    }
}

/// PS3.7 §9.3.1.1: a C-STORE-RQ sent as a C-MOVE sub-operation names the C-MOVE's requestor
/// and message (Move Originator Application Entity Title and Message ID).
public struct MoveOriginator: Sendable, Equatable {
    public var aeTitle: String
    public var messageID: UInt16
    public init(aeTitle: String, messageID: UInt16) {
        self.aeTitle = aeTitle
        self.messageID = messageID
    }
}

extension DIMSECommand {
    mutating func setMoveOriginator(_ originator: MoveOriginator?) {
        guard let originator else { return }
        var ae = Array(originator.aeTitle.utf8.prefix(16))
        if ae.count % 2 == 1 { ae.append(0x20) }
        dataSet.set(DataElement(tag: .moveOriginatorApplicationEntityTitle, vr: .AE, bytes: ae))
        setUS(.moveOriginatorMessageID, originator.messageID)
    }

    public var moveDestination: String? {
        get { dataSet.string(.moveDestination).map(QueryMatcher.trim) }
        set {
            guard let newValue else { dataSet.remove(.moveDestination); return }
            var ae = Array(newValue.utf8.prefix(16))
            if ae.count % 2 == 1 { ae.append(0x20) }
            dataSet.set(DataElement(tag: .moveDestination, vr: .AE, bytes: ae))
        }
    }
}
