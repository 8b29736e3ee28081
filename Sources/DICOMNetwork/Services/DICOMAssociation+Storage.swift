// PS3.4 Annex B Storage Service Class, SCU side; PS3.7 §9.1.1 C-STORE (§9.3.1 messages).
// Transfer syntax choice per PS3.5 §10: send as stored when accepted, otherwise convert among
// the uncompressed syntaxes.

import DICOM
import Foundation
import NIOCore

extension DICOMAssociation {
    /// Presentation contexts to propose for sending `files`: one per SOP class and kind of
    /// transfer syntax — native files offer their own syntax first then the other uncompressed
    /// ones; compressed files offer their own syntax.
    public static func storageContexts(for files: [DICOMFile]) -> [PresentationContextRQ] {
        storageContexts(for: files.compactMap { f in f.sopClassUID.map { ($0, f.transferSyntax) } })
    }

    /// The same for instances known by SOP class and transfer syntax (a C-MOVE's sub-association).
    public static func storageContexts(for instances: [(sopClassUID: String, transferSyntax: TransferSyntax)]) -> [PresentationContextRQ] {
        var contexts: [PresentationContextRQ] = []
        var seen: [String: Int] = [:]
        for (sopClass, ts) in instances {
            let key = ts.isEncapsulated ? sopClass + "|" + ts.uid : sopClass
            if let i = seen[key] {
                if !contexts[i].transferSyntaxes.contains(ts.uid) { contexts[i].transferSyntaxes.append(ts.uid) }
                continue
            }
            guard contexts.count < 128 else { break }
            var syntaxes = [ts.uid]
            if !ts.isEncapsulated {
                for u in ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2"] where !syntaxes.contains(u) { syntaxes.append(u) }
            }
            seen[key] = contexts.count
            contexts.append(PresentationContextRQ(id: UInt8(contexts.count * 2 + 1), abstractSyntax: sopClass, transferSyntaxes: syntaxes))
        }
        return contexts
    }

    /// Sends one instance with C-STORE; returns the response status.
    ///
    /// Uses an accepted context in the file's own transfer syntax, or else converts between
    /// uncompressed syntaxes (`DICOMFile.converted(to:)`). Throws `.noPresentationContext` when
    /// neither is possible.
    public func store(_ file: DICOMFile, priority: UInt16 = 0, moveOriginator: MoveOriginator? = nil) async throws -> UInt16 {
        guard let sopClass = file.sopClassUID, let sopInstance = file.sopInstanceUID else {
            throw DICOMNetworkError(.malformedMessage, "instance without SOP Class UID or SOP Instance UID")
        }
        let candidates = acceptedContexts(for: sopClass)
        var toSend = file
        let context: PresentationContextAC
        if let same = candidates.first(where: { $0.transferSyntax == file.transferSyntax.uid }) {
            context = same
        } else if !file.transferSyntax.isEncapsulated,
                  let other = candidates.first(where: { !TransferSyntax(uid: $0.transferSyntax).isEncapsulated }) {
            context = other
            toSend = try file.converted(to: TransferSyntax(uid: other.transferSyntax))
        } else {
            throw DICOMNetworkError(.noPresentationContext, "\(parameters.calledAETitle) accepted no context for SOP class \(sopClass) in \(file.transferSyntax.uid)")
        }
        let dataSet = try toSend.encodedDataSet()
        var rq = DIMSECommand(field: .cStoreRQ)
        rq.affectedSOPClassUID = sopClass
        rq.affectedSOPInstanceUID = sopInstance
        rq.priority = priority
        rq.setMoveOriginator(moveOriginator)
        let rsp = try await send(rq, dataSet: ByteBuffer(bytes: dataSet), contextID: context.id)
        guard rsp.field == .cStoreRSP, let status = rsp.status else {
            throw DICOMNetworkError(.malformedMessage, "C-STORE answered by command field \(rsp.commandFieldValue.map { String($0, radix: 16) } ?? "-")")
        }
        return status
    }
}

extension DICOMAssociation {
    /// Sends the instance in the file at `path` with C-STORE; returns the response status.
    ///
    /// When an accepted context has the file's own transfer syntax, the data set is streamed
    /// from the file as it is stored (memory bounded whatever the size); otherwise the file is
    /// converted in memory as `store(_:)` does.
    ///
    /// With `replacements` (top-level elements, values encoded in the file's character set), the instance is
    /// sent with those elements set: a copy is written to a temporary file with the streaming writer (large
    /// values copied from the stored file in chunks) and streamed; the stored file is not changed.
    public func store(contentsOf path: String, priority: UInt16 = 0, moveOriginator: MoveOriginator? = nil,
                      replacing replacements: DataSet?) async throws -> UInt16 {
        guard let replacements, !replacements.isEmpty else {
            return try await store(contentsOf: path, priority: priority, moveOriginator: moveOriginator)
        }
        let copy = try InstanceRewrite.rewrittenCopy(of: path, replacements: replacements)
        defer { unlink(copy) }
        return try await store(contentsOf: copy, priority: priority, moveOriginator: moveOriginator)
    }

    public func store(contentsOf path: String, priority: UInt16 = 0, moveOriginator: MoveOriginator? = nil) async throws -> UInt16 {
        let file = try DICOMFile.read(contentsOf: path)
        guard let sopClass = file.sopClassUID, let sopInstance = file.sopInstanceUID else {
            throw DICOMNetworkError(.malformedMessage, "instance without SOP Class UID or SOP Instance UID")
        }
        if file.warnings.isEmpty, file.readError == nil,
           let context = acceptedContexts(for: sopClass).first(where: { $0.transferSyntax == file.transferSyntax.uid }),
           let range = Part10Layout.dataSetRange(path: path), range.length > 0, range.length % 2 == 0 {
            var rq = DIMSECommand(field: .cStoreRQ)
            rq.affectedSOPClassUID = sopClass
            rq.affectedSOPInstanceUID = sopInstance
            rq.priority = priority
            rq.setMoveOriginator(moveOriginator)
            let rsp = try await send(rq, dataSetFrom: path, offset: range.offset, length: range.length, contextID: context.id)
            guard rsp.field == .cStoreRSP, let status = rsp.status else {
                throw DICOMNetworkError(.malformedMessage, "C-STORE answered by command field \(rsp.commandFieldValue.map { String($0, radix: 16) } ?? "-")")
            }
            return status
        }
        return try await store(file, priority: priority, moveOriginator: moveOriginator)
    }
}

/// PS3.10 §7.1: where the data set starts in a Part 10 file (after the preamble, "DICM" and the
/// group 0002 elements, which are always explicit VR little endian).
enum Part10Layout {
    static func dataSetRange(path: String) -> (offset: UInt64, length: Int)? {
        guard let h = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? h.close() }
        guard let size = try? h.seekToEnd(), (try? h.seek(toOffset: 0)) != nil,
              let head = try? h.read(upToCount: 1 << 16), head.count >= 132 else { return nil }
        let b = [UInt8](head)
        guard b[128] == 0x44, b[129] == 0x49, b[130] == 0x43, b[131] == 0x4D else { return nil }
        var i = 132
        let longVRs: Set<String> = ["OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"]
        while i + 8 <= b.count, b[i] == 0x02, b[i + 1] == 0x00 {
            let vr = String(decoding: b[(i + 4)..<(i + 6)], as: UTF8.self)
            if longVRs.contains(vr) {
                guard i + 12 <= b.count else { return nil }
                let n = Int(b[i + 8]) | Int(b[i + 9]) << 8 | Int(b[i + 10]) << 16 | Int(b[i + 11]) << 24
                i += 12 + n
            } else {
                i += 8 + (Int(b[i + 6]) | Int(b[i + 7]) << 8)
            }
        }
        guard i + 8 <= b.count || UInt64(i) == size, UInt64(i) <= size else { return nil }
        return (UInt64(i), Int(size - UInt64(i)))
    }
}

extension DICOMFile {
    /// SOP Class UID from the data set, else from the meta information.
    var sopClassUID: String? { dataSet.string(.sopClassUID) ?? fileMetaInformation.string(.mediaStorageSOPClassUID) }
    var sopInstanceUID: String? { dataSet.string(.sopInstanceUID) ?? fileMetaInformation.string(.mediaStorageSOPInstanceUID) }

    /// The data set as it follows the meta information in a Part 10 file (deflated for the
    /// deflated syntax): what a C-STORE carries.
    func encodedDataSet() throws(DICOMError) -> [UInt8] {
        let whole = try serialized()
        // Preamble (128), "DICM" (4), then (0002,0000) UL: tag 4, VR 2, length 2, value 4.
        guard whole.count >= 144 else { throw DICOMError(.malformed, "serialized file shorter than its meta header") }
        let groupLength = Int(whole[140]) | Int(whole[141]) << 8 | Int(whole[142]) << 16 | Int(whole[143]) << 24
        // Even length: the codec pads a deflated stream of odd length (PS3.5 §A.5), as PDVs must be.
        return Array(whole[(144 + groupLength)...])
    }
}
