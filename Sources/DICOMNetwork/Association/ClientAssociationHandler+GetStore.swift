// PS3.4 §C.4.3 C-GET, requestor side: the C-STORE sub-operations (PS3.7 §9.3.1 C-STORE-RQ/RSP)
// arrive on the requesting association while the C-GET is outstanding. Each data set is
// streamed to a Part 10 file as its PDVs arrive (as the SCP does), handed to a StorageHandler,
// and answered with its decision: the status and, for a failure or warning, the Error Comment
// (PS3.4 Table B.2-1, related fields).

import DICOM
import Foundation
import NIOCore

/// Where C-GET sub-operations go, and the one being received.
struct ClientGetStoreState {
    /// Set while a C-GET is outstanding; without it, C-STORE-RQs are refused (A700H).
    var storage: (any StorageHandler)?
    var temporaryDirectory = NSTemporaryDirectory()
    /// The sub-operation whose data set is arriving (no sink: being discarded, `failure` the Error Comment saying why).
    var current: (command: DIMSECommand, contextID: UInt8, sink: FileSink?, path: String, received: Int, failure: String?)?
}

extension ClientAssociationHandler {
    /// A C-STORE-RQ command set arrived: open a file for its data set (or discard it).
    func beginIncomingStore(_ command: DIMSECommand, contextID: UInt8) {
        guard command.hasDataSet else {
            respondStore(command, contextID: contextID, decision: .cannotUnderstand("C-STORE-RQ without a data set"))
            return
        }
        let ts = acceptance?.presentationContexts.first { $0.id == contextID && $0.isAccepted }?.transferSyntax
        guard getStore.storage != nil, let ts else {
            getStore.current = (command, contextID, nil, "", 0, getStore.storage == nil ? "no C-GET outstanding" : "presentation context not accepted")
            return
        }
        let path = getStore.temporaryDirectory + "/.isthmus-\(UUID().uuidString).part"
        var created: FileSink?
        do {
            let sink = try FileSink(path: path)
            created = sink
            try ServerAssociationHandler.writePart10Header(to: sink, command: command, transferSyntax: ts, callingAETitle: request.calledAETitle)
            getStore.current = (command, contextID, sink, path, 0, nil)
        } catch {
            logger.error("cannot create a file for a C-GET sub-operation", metadata: ["error": "\(error)"])
            try? created?.close()
            if created != nil { unlink(path) }
            getStore.current = (command, contextID, nil, "", 0, "cannot create the instance file: " + Self.systemReason(error))
        }
    }

    /// A data-set PDV of the sub-operation; false when the association was aborted.
    func receiveStoreData(_ pdv: PresentationDataValue) -> Bool {
        guard var current = getStore.current else { return true }
        guard pdv.presentationContextID == current.contextID else {
            abort(DICOMNetworkError(.malformedMessage, "C-STORE data set fragment on context \(pdv.presentationContextID), expected \(current.contextID)"))
            return false
        }
        if let sink = current.sink {
            do {
                try sink.write(contentsOf: pdv.data)
            } catch {
                // Disk full or the like: this instance is lost, not the C-GET. Its file goes now, the rest of
                // its data set is read and dropped, and it is answered A700H (as the SCP does).
                logger.error("C-GET sub-operation not stored", metadata: [
                    "sopInstanceUID": "\(current.command.affectedSOPInstanceUID ?? "")", "error": "\(error)",
                ])
                try? sink.close()
                unlink(current.path)
                current.sink = nil
                current.failure = "cannot write the instance: " + Self.systemReason(error)
            }
            current.received += pdv.data.readableBytes
        }
        getStore.current = current
        if pdv.isLast { finishIncomingStore() }
        return true
    }

    private func finishIncomingStore() {
        guard let current = getStore.current, let context else { return }
        getStore.current = nil
        guard let sink = current.sink, let storage = getStore.storage else {
            respondStore(current.command, contextID: current.contextID,
                         decision: .outOfResources(current.failure ?? (getStore.storage == nil ? "no C-GET outstanding" : "cannot write the instance")))
            return
        }
        let instance = ReceivedInstance(
            path: current.path, sopClassUID: current.command.affectedSOPClassUID ?? "", sopInstanceUID: current.command.affectedSOPInstanceUID ?? "",
            transferSyntaxUID: acceptance?.presentationContexts.first { $0.id == current.contextID }?.transferSyntax ?? "",
            callingAETitle: request.calledAETitle, calledAETitle: request.callingAETitle, dataSetLength: current.received)
        let owned = OwnedSink(sink: sink)
        let log = logger
        let promise = context.eventLoop.makePromise(of: StorageDecision.self)
        promise.completeWithTask {
            do { try owned.sink.close(sync: true) } catch {
                log.error("cannot store a C-GET sub-operation", metadata: ["error": "\(error)"])
                // The last buffered bytes are written, then the file flushed: either may fail. The SCP's wording.
                let step = (error as? DICOMError)?.reason.hasPrefix("fsync") == true ? "cannot flush the instance to disk: " : "cannot write the instance: "
                return .outOfResources(step + ClientAssociationHandler.systemReason(error))
            }
            return await storage.decide(instance)
        }
        promise.futureResult.assumeIsolated().whenComplete { [self] result in
            unlink(current.path)
            let decision = (try? result.get()) ?? .outOfResources("storage handler failed")
            logger.debug("C-GET sub-operation", metadata: ["sopInstanceUID": "\(instance.sopInstanceUID)", "status": "\(String(decision.status, radix: 16))",
                                                           "comment": "\(decision.responseComment ?? "")"])
            respondStore(current.command, contextID: current.contextID, decision: decision)
        }
    }

    /// The C-STORE-RSP of a sub-operation: the Error Comment only with a failure or warning status.
    private func respondStore(_ command: DIMSECommand, contextID: UInt8, decision: StorageDecision) {
        guard machine.state == .sta6 else { return }
        let bytes = DIMSECommand.encodedStoreResponse(messageIDBeingRespondedTo: command.messageID, affectedSOPClassUID: command.affectedSOPClassUID,
                                                      affectedSOPInstanceUID: command.affectedSOPInstanceUID, status: decision.status,
                                                      errorComment: decision.responseComment)
        for pdu in fragmenter.pdus(contextID: contextID, isCommand: true, bytes: ByteBuffer(bytes: bytes)) {
            fire(.pDataRequest, outgoing: pdu)
        }
    }

    /// The system's reason at the end of a file sink's error (`write to PATH failed: File too large`), without the path.
    static func systemReason(_ error: any Error) -> String {
        let text = (error as? DICOMError)?.reason ?? "\(error)"
        guard let range = text.range(of: ": ", options: .backwards) else { return text }
        return String(text[range.upperBound...])
    }

    /// The connection went away in the middle of a sub-operation's data set.
    func discardIncomingStore() {
        if let current = getStore.current, let sink = current.sink {
            try? sink.close()
            unlink(current.path)
        }
        getStore.current = nil
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
