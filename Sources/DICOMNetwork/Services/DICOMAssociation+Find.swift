// PS3.4 Annex C Query/Retrieve and Annex K Basic Worklist Management, SCU side; PS3.7 §9.1.2
// C-FIND (§9.3.2 messages, §9.3.2.3 C-CANCEL-RQ).

import DICOM
import NIOCore

extension DICOMAssociation {
    /// Presentation contexts proposing the C-FIND information models in both little endian syntaxes.
    public static func findContexts(_ models: [QueryModel] = QueryModel.allCases, firstID: UInt8 = 1) -> [PresentationContextRQ] {
        models.enumerated().map { i, model in
            PresentationContextRQ(id: firstID + UInt8(i * 2), abstractSyntax: model.rawValue, transferSyntaxes: ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2"])
        }
    }

    /// Sends a C-FIND-RQ with `identifier` and returns the matches as they arrive (one per
    /// pending response). The stream finishes on the final response: normally on Success or
    /// Cancel, with `.failureStatus` (the status in its reason) otherwise. Ending the
    /// iteration early (or `cancelFind()`) sends a C-CANCEL-RQ; the association stays usable.
    public func find(identifier: DataSet, model: QueryModel, priority: UInt16 = 0) -> AsyncThrowingStream<DataSet, any Error> {
        let (stream, continuation) = AsyncThrowingStream<DataSet, any Error>.makeStream()
        let request: (future: EventLoopFuture<DIMSECommand>, contextID: UInt8)
        do {
            request = try sendFind(identifier: identifier, model: model, priority: priority) { continuation.yield($0) }
        } catch {
            continuation.finish(throwing: error)
            return stream
        }
        request.future.whenComplete { result in
            switch result {
            case .success(let rsp):
                if let failure = Self.findFailure(rsp) { continuation.finish(throwing: failure) } else { continuation.finish() }
            case .failure(let error):
                continuation.finish(throwing: error)
            }
        }
        let contextID = request.contextID
        continuation.onTermination = { [weak self] termination in
            if case .cancelled = termination, let self {
                Task { await self.cancelFind(contextID: contextID) }
            }
        }
        return stream
    }

    /// All the matches of a C-FIND, gathered on the event loop and handed over once, with the
    /// final response. Cancelling the calling task sends a C-CANCEL-RQ; the matches that came
    /// before the Cancel status are returned.
    public func findAll(identifier: DataSet, model: QueryModel) async throws -> [DataSet] {
        let matches = NIOLoopBoundBox.makeBoxSendingValue([DataSet](), eventLoop: channel.eventLoop)
        let request = try sendFind(identifier: identifier, model: model, priority: 0) { matches.value.append($0) }
        let contextID = request.contextID
        return try await withTaskCancellationHandler {
            try await request.future.flatMapThrowing { rsp -> [DataSet] in
                if let failure = Self.findFailure(rsp) { throw failure }
                return matches.value
            }.get()
        } onCancel: {
            Task { await self.cancelFind(contextID: contextID) }
        }
    }

    /// Sends the C-FIND-RQ; `onMatch` gets the identifier of each pending response, on the event
    /// loop. The future completes with the final response.
    private func sendFind(identifier: DataSet, model: QueryModel, priority: UInt16,
                          onMatch: @escaping @Sendable (DataSet) -> Void) throws -> (future: EventLoopFuture<DIMSECommand>, contextID: UInt8) {
        guard let pc = acceptedContexts(for: model.rawValue).first else {
            throw DICOMNetworkError(.noPresentationContext, "\(parameters.calledAETitle) did not accept \(model.rawValue)")
        }
        let ts = TransferSyntax(uid: pc.transferSyntax)
        let encoded = try DataSetWriter.encode(identifier, transferSyntax: ts)
        var rq = DIMSECommand(field: .cFindRQ)
        rq.affectedSOPClassUID = model.rawValue
        rq.priority = priority
        let command = rq
        let handler = self.handler
        let contextID = pc.id
        let future = channel.eventLoop.flatSubmit {
            handler.value.send(command, dataSet: ByteBuffer(bytes: encoded), contextID: contextID) { _, data in
                do {
                    onMatch(try ServerAssociationHandler.decodeDataSet(data, transferSyntax: ts))
                } catch {
                    handler.value.logger.notice("C-FIND response identifier cannot be read", metadata: ["error": "\(error)"])
                }
            }
        }
        return (future, contextID)
    }

    /// The error a final C-FIND response stands for: none for Success, Cancel or a warning.
    static func findFailure(_ rsp: DIMSECommand) -> DICOMNetworkError? {
        let status = rsp.status ?? DIMSEStatus.unableToProcess
        switch DIMSEStatus.category(status) {
        case .success, .cancel, .warning: return nil
        default: return DICOMNetworkError(.failureStatus, "C-FIND failed with status \(String(status, radix: 16))")
        }
    }

    /// Sends a C-CANCEL-RQ for the outstanding C-FIND of `model`; matches already sent still arrive.
    public func cancelFind(model: QueryModel) async {
        guard let pc = acceptedContexts(for: model.rawValue).first else { return }
        await cancelFind(contextID: pc.id)
    }

    func cancelFind(contextID: UInt8) async {
        let handler = self.handler
        try? await channel.eventLoop.submit { handler.value.cancelRequest(contextID: contextID) }.get()
    }
}
