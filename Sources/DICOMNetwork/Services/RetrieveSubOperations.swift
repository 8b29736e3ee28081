// PS3.4 §C.4.2.2 / §C.4.3.2 C-MOVE and C-GET SCP sub-operations, run off the event loop: the
// retrieve handler names the instances; C-MOVE stores them over one sub-association to the
// destination (PS3.7 §9.3.1 C-STORE with Move Originator), C-GET sends each on the requesting
// association, streamed from its file when its own transfer syntax was accepted. The counts
// follow PS3.4 §C.4.2.1.5 / §C.4.3.1.5.

import DICOM
import Foundation
import Logging
import NIOCore

/// One C-MOVE or C-GET, run off the event loop: the handler, then the sub-operations.
struct RetrieveJob: Sendable {
    let handler: any RetrieveHandler
    let request: RetrieveRequest
    let moveDestination: String?
    let address: RemoteApplicationEntity?
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
                // Replaced attributes: a rewritten copy (temporary file) is sent in place of the stored file.
                var instance = instance
                var copy: String?
                if let replacements = instance.replacements, !replacements.isEmpty {
                    copy = try InstanceRewrite.rewrittenCopy(of: instance.path, replacements: replacements)
                    instance.path = copy!
                }
                defer { if let copy { unlink(copy) } }
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
    private static func moveSubOperations(_ instances: [RetrieveInstance], to aeTitle: String, at address: RemoteApplicationEntity,
                                          callingAETitle: String, originator: MoveOriginator, timeouts: DICOMTimeouts, logger: Logger,
                                          progress: @Sendable (RetrieveResult) async -> Void) async -> RetrieveResult {
        var tally = SubOperationTally(total: instances.count)
        guard !instances.isEmpty else { return tally.final(cancelled: false) }
        var params = address.parameters(callingAETitle: callingAETitle, calledAETitle: aeTitle,
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
                    status = try await sub.store(contentsOf: instance.path, moveOriginator: originator, replacing: instance.replacements)
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

/// How a C-GET sub-operation's data set goes out.
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
