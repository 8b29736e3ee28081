// PS3.7 §10.1.1 N-EVENT-REPORT received by the association requestor: the Storage Commitment
// SCP reports on the SCU's association (PS3.4 §J.3.3). Each report is answered at once
// (N-EVENT-REPORT-RSP, success) and kept until the SCU API takes it; any other request from the
// acceptor is answered 0211H unrecognized operation.

import DICOM
import NIOCore

/// Event reports received and not yet taken, and the one waiter for the next.
struct EventReportInbox {
    var received: [(command: DIMSECommand, dataSet: [UInt8])] = []
    var waiter: (promise: EventLoopPromise<(command: DIMSECommand, dataSet: [UInt8])>, timer: Scheduled<Void>?)?
    var failure: DICOMNetworkError?

    mutating func fail(_ error: DICOMNetworkError) {
        if failure == nil { failure = error }
        if let w = waiter {
            waiter = nil
            w.timer?.cancel()
            w.promise.fail(error)
        }
    }
}

extension ClientAssociationHandler {
    func receiveRequest(_ command: DIMSECommand, contextID: UInt8) {
        if command.hasDataSet {
            incomingRequest = (command, contextID, [])
        } else {
            answerRequest(command, contextID: contextID, dataSet: [])
        }
    }

    /// A data set fragment of an incoming request; false once the association is aborted.
    func receiveRequestData(_ pdv: PresentationDataValue) -> Bool {
        guard var r = incomingRequest else { return true }
        guard pdv.presentationContextID == r.contextID else {
            abort(DICOMNetworkError(.malformedMessage, "request data set fragment on another presentation context"))
            return false
        }
        r.data.append(contentsOf: pdv.data.readableBytesView)
        guard r.data.count <= ServerAssociationHandler.maximumIdentifierLength else {
            abort(DICOMNetworkError(.malformedMessage, "request data set too long"))
            return false
        }
        if pdv.isLast {
            incomingRequest = nil
            answerRequest(r.command, contextID: r.contextID, dataSet: r.data)
        } else {
            incomingRequest = r
        }
        return true
    }

    private func answerRequest(_ command: DIMSECommand, contextID: UInt8, dataSet: [UInt8]) {
        let known = command.field == .nEventReportRQ
        let rsp = DIMSECommand.normalizedResponse(to: command, status: known ? DIMSEStatus.success : DIMSEStatus.unrecognizedOperation)
        logger.debug("request from the acceptor", metadata: ["commandField": "\(String(command.commandFieldValue ?? 0, radix: 16))"])
        if let bytes = try? rsp.encoded() {
            for pdu in fragmenter.pdus(contextID: contextID, isCommand: true, bytes: ByteBuffer(bytes: bytes)) {
                fire(.pDataRequest, outgoing: pdu)
            }
        }
        guard known else { return }
        if let w = eventReports.waiter {
            eventReports.waiter = nil
            w.timer?.cancel()
            w.promise.succeed((command, dataSet))
        } else {
            eventReports.received.append((command, dataSet))
        }
    }

    /// The next N-EVENT-REPORT-RQ (command and data set bytes), waiting up to `timeout`.
    func nextEventReport(timeout: TimeAmount) -> EventLoopFuture<(command: DIMSECommand, dataSet: [UInt8])> {
        let loop = associated.futureResult.eventLoop
        if !eventReports.received.isEmpty { return loop.makeSucceededFuture(eventReports.received.removeFirst()) }
        if let failure = eventReports.failure { return loop.makeFailedFuture(failure) }
        guard eventReports.waiter == nil else {
            return loop.makeFailedFuture(DICOMNetworkError(.invalidState, "already waiting for an event report"))
        }
        let promise = loop.makePromise(of: (command: DIMSECommand, dataSet: [UInt8]).self)
        let timer = loop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
            guard let self, let w = self.eventReports.waiter else { return }
            self.eventReports.waiter = nil
            w.promise.fail(DICOMNetworkError(.timeout, "no N-EVENT-REPORT from \(self.request.calledAETitle)"))
        }
        eventReports.waiter = (promise, timer)
        return promise.futureResult
    }
}
