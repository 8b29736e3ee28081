// PS3.7 §10.1 DIMSE-N on the acceptor: MPPS N-CREATE and N-SET (PS3.4 §F.7.2) and Storage
// Commitment Push Model N-ACTION, then its N-EVENT-REPORT (PS3.4 §J.3.2, §J.3.3) — on this
// association while it is established, otherwise on a new one to the requesting AE.

import DICOM
import Logging
import NIOCore

/// Per-association state of the N-services.
struct NormalizedServiceState {
    var nextMessageID: UInt16 = 1
    /// Commitment results sent here whose N-EVENT-REPORT-RSP has not come: sent again on a new
    /// association if this one ends first (the SCU may have released at the same moment).
    var outstanding: [UInt16: CommitmentResult] = [:]
    var ended = false
}

extension ServerAssociationHandler {
    /// Whether a command is one of the N-services served here (for an N-EVENT-REPORT-RSP: taken
    /// and logged here).
    func servesNormalized(_ command: DIMSECommand, contextID: UInt8) -> Bool {
        let abstract = abstractSyntax(of: contextID)
        switch command.field {
        case .nCreateRQ?, .nSetRQ?:
            return abstract == MPPS.sopClassUID && configuration.mpps != nil
        case .nActionRQ?:
            return abstract == StorageCommitment.sopClassUID && configuration.storageCommitment != nil
        case .nEventReportRSP?:
            guard let id = command.messageIDBeingRespondedTo, let result = normalized.outstanding.removeValue(forKey: id) else { return false }
            logger.info("storage commitment result acknowledged", metadata: [
                "transactionUID": "\(result.transactionUID)", "status": "\(String(command.status ?? 0xFFFF, radix: 16))"])
            return true
        default:
            return false
        }
    }

    /// A whole N-CREATE, N-SET or N-ACTION request (data set bytes in the context's syntax).
    func serveNormalized(_ command: DIMSECommand, contextID: UInt8, bytes: [UInt8]) {
        let ts = TransferSyntax(uid: transferSyntax(of: contextID) ?? TransferSyntax.implicitVRLittleEndian.uid)
        let dataSet: DataSet
        do {
            dataSet = try Self.decodeDataSet(bytes, transferSyntax: ts)
        } catch {
            logger.notice("DIMSE-N data set cannot be read", metadata: ["error": "\(error.code)"])
            respondNormalized(command, contextID: contextID, status: DIMSEStatus.processingFailure, comment: "data set cannot be read")
            return
        }
        if command.field == .nActionRQ {
            storageCommitmentAction(command, contextID: contextID, actionInformation: dataSet)
            return
        }
        guard let handler = configuration.mpps, let loop = eventLoop else { return }
        if command.sopClassOfRequest != MPPS.sopClassUID {
            respondNormalized(command, contextID: contextID, status: DIMSEStatus.noSuchSOPClass, comment: nil)
            return
        }
        let calling = callingAETitle
        let bound = NIOLoopBound(self, eventLoop: loop)
        beginWork()
        Task {
            let outcome: MPPSOutcome
            if command.field == .nCreateRQ {
                outcome = await MPPSService.create(sopInstanceUID: command.affectedSOPInstanceUID, attributes: dataSet, callingAETitle: calling, handler: handler)
            } else {
                outcome = await MPPSService.set(sopInstanceUID: command.requestedSOPInstanceUID, modification: dataSet, callingAETitle: calling, handler: handler)
            }
            loop.execute {
                let this = bound.value
                this.logger.info(command.field == .nCreateRQ ? "MPPS N-CREATE" : "MPPS N-SET", metadata: [
                    "sopInstanceUID": "\(outcome.sopInstanceUID ?? "-")", "status": "\(String(outcome.status, radix: 16))"])
                this.respondNormalized(command, contextID: contextID, status: outcome.status, comment: outcome.errorComment, instance: outcome.sopInstanceUID)
                this.endWork()
            }
        }
    }

    func respondNormalized(_ command: DIMSECommand, contextID: UInt8, status: UInt16, comment: String?, instance: String? = nil) {
        var rsp = DIMSECommand.normalizedResponse(to: command, status: status, affectedSOPInstanceUID: instance)
        if DIMSEStatus.category(status) == .failure, let comment { rsp.errorComment = comment }
        send(rsp, dataSet: nil, contextID: contextID)
    }

    // MARK: Storage commitment

    /// N-ACTION: checked and answered at once; the handler then runs off the loop and its result
    /// is reported.
    private func storageCommitmentAction(_ command: DIMSECommand, contextID: UInt8, actionInformation: DataSet) {
        guard let handler = configuration.storageCommitment, let loop = eventLoop else { return }
        var status = DIMSEStatus.success
        var comment: String?
        var request: CommitmentRequest?
        if command.requestedSOPClassUID != StorageCommitment.sopClassUID {
            status = DIMSEStatus.noSuchSOPClass
        } else if command.requestedSOPInstanceUID != StorageCommitment.wellKnownInstanceUID {
            status = DIMSEStatus.invalidObjectInstance
            comment = "not the well-known Storage Commitment instance"
        } else if command.actionTypeID != StorageCommitment.requestActionType {
            status = DIMSEStatus.noSuchActionType
        } else {
            switch CommitmentRequest.read(actionInformation, callingAETitle: callingAETitle) {
            case .success(let r): request = r
            case .failure(let e):
                status = e.status
                comment = e.comment
            }
        }
        logger.info("storage commitment N-ACTION", metadata: [
            "transactionUID": "\(request?.transactionUID ?? "-")", "instances": "\(request?.references.count ?? 0)",
            "status": "\(String(status, radix: 16))"])
        respondNormalized(command, contextID: contextID, status: status, comment: comment)
        guard let request else { return }
        let bound = NIOLoopBound(self, eventLoop: loop)
        Task {
            let result = await handler.commit(request)
            loop.execute { bound.value.reportCommitment(result, contextID: contextID) }
        }
    }

    /// Sends the N-EVENT-REPORT here while the association is established, else on a new one.
    private func reportCommitment(_ result: CommitmentResult, contextID: UInt8) {
        guard isEstablished, !normalized.ended else {
            deliverOnNewAssociation(result)
            return
        }
        let ts = TransferSyntax(uid: transferSyntax(of: contextID) ?? TransferSyntax.implicitVRLittleEndian.uid)
        guard let bytes = try? DataSetWriter.encode(result.dataSet, transferSyntax: ts) else { return }
        var rq = DIMSECommand(field: .nEventReportRQ)
        let id = normalized.nextMessageID
        normalized.nextMessageID = id == .max ? 1 : id + 1
        rq.messageID = id
        rq.affectedSOPClassUID = StorageCommitment.sopClassUID
        rq.affectedSOPInstanceUID = StorageCommitment.wellKnownInstanceUID
        rq.eventTypeID = result.eventTypeID
        normalized.outstanding[id] = result
        logger.info("storage commitment result", metadata: [
            "transactionUID": "\(result.transactionUID)", "committed": "\(result.committed.count)", "failed": "\(result.failed.count)",
            "association": "same"])
        send(rq, dataSet: bytes, contextID: contextID)
    }

    /// The association is gone: results not acknowledged go on new associations.
    func associationEnded() {
        guard !normalized.ended else { return }
        normalized.ended = true
        let left = normalized.outstanding.values
        normalized.outstanding = [:]
        for result in left { deliverOnNewAssociation(result) }
    }

    private func deliverOnNewAssociation(_ result: CommitmentResult) {
        let aet = callingAETitle
        let config = configuration
        let log = logger
        Task { await StorageCommitmentReporter.deliver(result, to: aet, configuration: config, logger: log) }
    }
}
