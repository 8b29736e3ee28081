// PS3.4 Annex C Query/Retrieve, SCU side: C.4.2 C-MOVE and C.4.3 C-GET (PS3.7 §9.1.3, §9.1.4;
// messages §9.3.4, §9.3.3; C-CANCEL-RQ §9.3.2.3). For C-GET the requestor proposes storage
// contexts with SCP/SCU Role Selection items (PS3.7 §D.3.3.4) asking for the SCP role, and
// answers the C-STORE sub-operations that arrive on its own association.

import DICOM
import NIOCore

extension DICOMAssociation {
    /// The MOVE models in both little endian syntaxes.
    public static func moveContexts(_ models: [RetrieveModel] = RetrieveModel.allCases, firstID: UInt8 = 1) -> [PresentationContextRQ] {
        models.enumerated().map { i, m in
            PresentationContextRQ(id: firstID + UInt8(i * 2), abstractSyntax: m.moveSOPClassUID, transferSyntaxes: ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2"])
        }
    }

    /// The GET models in both little endian syntaxes.
    public static func getContexts(_ models: [RetrieveModel] = RetrieveModel.allCases, firstID: UInt8 = 1) -> [PresentationContextRQ] {
        models.enumerated().map { i, m in
            PresentationContextRQ(id: firstID + UInt8(i * 2), abstractSyntax: m.getSOPClassUID, transferSyntaxes: ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2"])
        }
    }

    /// Storage SOP classes proposed by default to receive C-GET sub-operations (images, RT, SR,
    /// PDF, presentation states, key objects, segmentations).
    public static let defaultGetStorageSOPClasses: [String] = [
        "1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.5.1.4.1.1.2.1", "1.2.840.10008.5.1.4.1.1.4", "1.2.840.10008.5.1.4.1.1.4.1",
        "1.2.840.10008.5.1.4.1.1.1", "1.2.840.10008.5.1.4.1.1.1.1", "1.2.840.10008.5.1.4.1.1.1.1.1", "1.2.840.10008.5.1.4.1.1.1.2",
        "1.2.840.10008.5.1.4.1.1.6.1", "1.2.840.10008.5.1.4.1.1.3.1", "1.2.840.10008.5.1.4.1.1.7", "1.2.840.10008.5.1.4.1.1.7.4",
        "1.2.840.10008.5.1.4.1.1.7.2", "1.2.840.10008.5.1.4.1.1.20", "1.2.840.10008.5.1.4.1.1.128", "1.2.840.10008.5.1.4.1.1.12.1",
        "1.2.840.10008.5.1.4.1.1.12.2", "1.2.840.10008.5.1.4.1.1.481.1", "1.2.840.10008.5.1.4.1.1.481.2", "1.2.840.10008.5.1.4.1.1.77.1.4",
        // Non-image classes: proposed uncompressed only.
        "1.2.840.10008.5.1.4.1.1.481.3", "1.2.840.10008.5.1.4.1.1.481.5", "1.2.840.10008.5.1.4.1.1.104.1", "1.2.840.10008.5.1.4.1.1.88.11",
        "1.2.840.10008.5.1.4.1.1.88.22", "1.2.840.10008.5.1.4.1.1.88.33", "1.2.840.10008.5.1.4.1.1.11.1", "1.2.840.10008.5.1.4.1.1.88.59",
        "1.2.840.10008.5.1.4.1.1.66.4",
    ]

    /// Compressed syntaxes proposed, one context each, for the image classes of the default
    /// list: RLE Lossless, JPEG Baseline, JPEG Lossless SV1.
    public static let defaultGetCompressedSyntaxes = ["1.2.840.10008.1.2.5", "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.70"]

    /// Storage contexts to receive C-GET sub-operations on: per SOP class, one with the
    /// uncompressed syntaxes, then (for the first 20 default classes, the image ones, or every
    /// class given) one per compressed syntax. At most 128 contexts in all with `firstID`.
    public static func getStorageContexts(sopClassUIDs: [String] = defaultGetStorageSOPClasses,
                                          compressedSyntaxes: [String] = defaultGetCompressedSyntaxes,
                                          firstID: UInt8 = 1) -> [PresentationContextRQ] {
        let images = sopClassUIDs == defaultGetStorageSOPClasses ? Set(sopClassUIDs.prefix(20)) : Set(sopClassUIDs)
        var out: [PresentationContextRQ] = []
        let limit = 128 - Int(firstID / 2)
        func add(_ sopClass: String, _ syntaxes: [String]) {
            guard out.count < limit else { return }
            out.append(PresentationContextRQ(id: firstID + UInt8(out.count * 2), abstractSyntax: sopClass, transferSyntaxes: syntaxes))
        }
        for uid in sopClassUIDs {
            add(uid, ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2", "1.2.840.10008.1.2.2"])
            if images.contains(uid) { for ts in compressedSyntaxes { add(uid, [ts]) } }
        }
        return out
    }

    /// SCP/SCU Role Selection items asking for the SCP role (only) for the SOP classes of `contexts`.
    public static func scpRoleSelections(for contexts: [PresentationContextRQ]) -> [UserInformation.RoleSelection] {
        var seen = Set<String>()
        return contexts.compactMap { pc in
            seen.insert(pc.abstractSyntax).inserted ? UserInformation.RoleSelection(sopClassUID: pc.abstractSyntax, scuRole: false, scpRole: true) : nil
        }
    }

    /// C-MOVE: asks the peer to send the instances named by `identifier` to `destination` (an AE
    /// title the peer knows). `progress` gets each pending response's counts (on an event loop:
    /// do not block in it). Returns the final response: status (0000H, B000H with failures,
    /// FE00H after a cancel, or a failure such as A801H) with the counts and failed UIDs.
    /// Throws on a network error, or when no MOVE context of the model was accepted.
    public func move(identifier: DataSet, model: RetrieveModel, destination: String, priority: UInt16 = 0,
                     progress: @escaping @Sendable (RetrieveResult) -> Void = { _ in }) async throws -> RetrieveResult {
        var rq = DIMSECommand(field: .cMoveRQ)
        rq.affectedSOPClassUID = model.moveSOPClassUID
        rq.priority = priority
        rq.moveDestination = destination
        return try await retrieve(rq, identifier: identifier, sopClass: model.moveSOPClassUID, storage: nil, progress: progress)
    }

    /// C-GET: the instances named by `identifier` come back on this association as C-STORE
    /// sub-operations, each handed to `storage` (files streamed into `temporaryDirectory` first,
    /// which should be on the storage's file system). Propose `getStorageContexts()` with
    /// `scpRoleSelections(for:)` when opening the association. Returns as `move` does.
    public func get(identifier: DataSet, model: RetrieveModel, storage: any StorageHandler, temporaryDirectory: String,
                    priority: UInt16 = 0, progress: @escaping @Sendable (RetrieveResult) -> Void = { _ in }) async throws -> RetrieveResult {
        var rq = DIMSECommand(field: .cGetRQ)
        rq.affectedSOPClassUID = model.getSOPClassUID
        rq.priority = priority
        return try await retrieve(rq, identifier: identifier, sopClass: model.getSOPClassUID, storage: (storage, temporaryDirectory), progress: progress)
    }

    /// C-GET into a folder: each instance written as SOPInstanceUID.dcm.
    public func get(identifier: DataSet, model: RetrieveModel, into directory: String,
                    progress: @escaping @Sendable (RetrieveResult) -> Void = { _ in }) async throws -> RetrieveResult {
        try await get(identifier: identifier, model: model, storage: DirectoryStorageHandler(directory: directory), temporaryDirectory: directory, progress: progress)
    }

    /// Sends a C-CANCEL-RQ for the outstanding C-MOVE of `model`; its final response (FE00H) ends it.
    public func cancelMove(model: RetrieveModel) async {
        guard let pc = acceptedContexts(for: model.moveSOPClassUID).first else { return }
        await cancelFind(contextID: pc.id)
    }

    /// Sends a C-CANCEL-RQ for the outstanding C-GET of `model`.
    public func cancelGet(model: RetrieveModel) async {
        guard let pc = acceptedContexts(for: model.getSOPClassUID).first else { return }
        await cancelFind(contextID: pc.id)
    }

    private func retrieve(_ command: DIMSECommand, identifier: DataSet, sopClass: String, storage: (any StorageHandler, String)?,
                          progress: @escaping @Sendable (RetrieveResult) -> Void) async throws -> RetrieveResult {
        guard let pc = acceptedContexts(for: sopClass).first else {
            throw DICOMNetworkError(.noPresentationContext, "\(parameters.calledAETitle) did not accept \(sopClass)")
        }
        let ts = TransferSyntax(uid: pc.transferSyntax)
        let encoded = try DataSetWriter.encode(identifier, transferSyntax: ts)
        let handler = self.handler
        let contextID = pc.id
        let (rsp, data) = try await channel.eventLoop.flatSubmit {
            if let (store, dir) = storage {
                handler.value.getStore.storage = store
                handler.value.getStore.temporaryDirectory = dir
            }
            let future = handler.value.send(command, dataSet: ByteBuffer(bytes: encoded), contextID: contextID) { rsp, _ in
                progress(RetrieveResult(rsp, identifier: nil))
            }
            return future.map { ($0, handler.value.finalResponseData) }.always { _ in
                handler.value.getStore.storage = nil
            }
        }.get()
        let expected: DIMSECommand.Field = command.field == .cMoveRQ ? .cMoveRSP : .cGetRSP
        guard rsp.field == expected else {
            throw DICOMNetworkError(.malformedMessage, "\(command.field == .cMoveRQ ? "C-MOVE" : "C-GET") answered by command field \(rsp.commandFieldValue.map { String($0, radix: 16) } ?? "-")")
        }
        let failedList = rsp.hasDataSet ? try? ServerAssociationHandler.decodeDataSet(data, transferSyntax: ts) : nil
        return RetrieveResult(rsp, identifier: failedList)
    }
}

extension AssociationParameters {
    /// Parameters for C-GET: the GET models of `models`, the storage contexts of
    /// `DICOMAssociation.getStorageContexts(sopClassUIDs:)` after them, and an SCP/SCU Role
    /// Selection item asking for the SCP role for each of their SOP classes.
    public static func forGet(host: String, port: Int, callingAETitle: String, calledAETitle: String,
                              models: [RetrieveModel] = RetrieveModel.allCases,
                              storageSOPClassUIDs: [String] = DICOMAssociation.defaultGetStorageSOPClasses) -> AssociationParameters {
        let get = DICOMAssociation.getContexts(models)
        let storage = DICOMAssociation.getStorageContexts(sopClassUIDs: storageSOPClassUIDs, firstID: UInt8(get.count * 2 + 1))
        var params = AssociationParameters(host: host, port: port, callingAETitle: callingAETitle, calledAETitle: calledAETitle,
                                           presentationContexts: get + storage)
        params.implementation.roleSelections = DICOMAssociation.scpRoleSelections(for: storage)
        return params
    }
}
