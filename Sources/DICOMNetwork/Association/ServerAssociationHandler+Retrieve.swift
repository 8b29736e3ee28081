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
        let address = moveDestination.flatMap { configuration.remoteEntities[$0] }
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
