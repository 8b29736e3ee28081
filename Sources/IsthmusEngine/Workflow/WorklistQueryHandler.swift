// PS3.4 Annex K Basic Worklist Management, SCP (K.6 matching): the engine's Modality Worklist C-FIND over the
// worklist items in the store — an indexed prefilter (station AE, modality, SPS start date range, patient ID,
// accession number, SPS status), then exact PS3.4 C.2.2.2 matching on the item data sets, with the patient's
// current demographics (after ADT updates and merges) in place of those the order carried.

import DICOM
import DICOMNetwork
import Foundation
import IsthmusStore

/// Answers Modality Worklist queries from the store; other models go to `fallback`.
public struct WorklistQueryHandler: EncodingQueryHandler {
    public let store: any WorkflowStore
    public let fallback: (any QueryHandler)?

    public init(store: any WorkflowStore, fallback: (any QueryHandler)? = nil) {
        self.store = store
        self.fallback = fallback
    }

    public func find(_ request: QueryRequest) -> AsyncThrowingStream<DataSet, any Error> {
        guard request.model == .modalityWorklist else {
            if let fallback { return fallback.find(request) }
            return AsyncThrowingStream { $0.finish(throwing: QueryFailure(status: 0xA900)) }
        }
        let store = self.store
        let identifier = request.identifier
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await Self.answer(identifier, store: store) { response, _ in continuation.yield(response) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Worklist answers handed to the SCP already encoded (the bytes that told duplicates apart,
    /// when the syntax is explicit VR little endian), in the SCP's task; other models through `find`.
    public func findEncoded(_ request: QueryRequest, transferSyntax: TransferSyntax, send: ([UInt8]) async -> Void) async throws -> Bool {
        guard request.model == .modalityWorklist else { return false }
        try await Self.answer(request.identifier, store: store) { response, encoded in
            // (Empty bytes: the response could not be encoded; encoding it again throws, as `find`'s caller would.)
            await send(transferSyntax == .explicitVRLittleEndian && !encoded.bytes.isEmpty
                ? encoded.bytes : try DataSetWriter.encode(response, transferSyntax: transferSyntax))
        }
        return true
    }

    /// The responses to a worklist identifier, each distinct one once, with the bytes that told it apart.
    static func answer(_ identifier: DataSet, store: any WorkflowStore, _ each: (DataSet, EncodedResponse) async throws -> Void) async throws {
        // One read for the items and their patients' current records.
        let matches = try await store.worklistMatches(prefilter(identifier))
        let query = QueryMatcher.PreparedQuery(identifier)
        var seen = Set<EncodedResponse>()
        for match in matches {
            try Task.checkCancellation()
            var ds = match.item.dataSet
            if let current = match.currentPatient { overlay(current, on: &ds) }
            guard query.matches(ds) else { continue }
            let response = query.response(ds)
            let encoded = EncodedResponse(response)
            if seen.insert(encoded).inserted { try await each(response, encoded) }
        }
    }

    /// The indexed part of a worklist identifier: single values without wildcards, and date ranges.
    static func prefilter(_ q: DataSet) -> WorklistQuery {
        func exact(_ ds: DataSet, _ tag: Tag) -> String? {
            guard let v = ds.string(tag)?.trimmingCharacters(in: .whitespaces), !v.isEmpty,
                  !v.contains("*"), !v.contains("?"), !v.contains("\\") else { return nil }
            return v
        }
        var query = WorklistQuery()
        query.patientID = exact(q, .patientID)
        query.accessionNumber = exact(q, Tag(0x0008, 0x0050))
        query.studyInstanceUID = exact(q, Tag(0x0020, 0x000D))
        if let step = q.items(Tag(0x0040, 0x0100))?.first?.dataSet {
            query.stationAETitle = exact(step, Tag(0x0040, 0x0001))
            query.modality = exact(step, Tag(0x0008, 0x0060))
            if let date = step.string(Tag(0x0040, 0x0002))?.trimmingCharacters(in: .whitespaces), !date.isEmpty {
                if let dash = date.firstIndex(of: "-") {
                    let from = String(date[..<dash]), through = String(date[date.index(after: dash)...])
                    if !from.isEmpty { query.startDateFrom = from }
                    if !through.isEmpty { query.startDateThrough = through }
                } else {
                    query.startDateFrom = date
                    query.startDateThrough = date
                }
            }
            // SPS Status: the one asked for, or SCHEDULED only (items that are not are hidden from queries).
            if let status = exact(step, Tag(0x0040, 0x0020)) { query.statuses = [ProcedureStepStatus(status)] }
        }
        return query
    }

    /// The patient's current name, birth date, sex and identity in place of the order's.
    static func overlay(_ patient: StoredPatient, on ds: inout DataSet) {
        for tag in [Tag.patientName, Tag(0x0010, 0x0030), Tag(0x0010, 0x0040), Tag(0x0010, 0x1060)] {
            guard let value = patient.attributes.string(tag) else { continue }
            try? ds.set(tag, string: value)
        }
        try? ds.set(.patientID, string: patient.key.id)
        if !patient.key.issuer.isEmpty { try? ds.set(Tag(0x0010, 0x0021), string: patient.key.issuer) }
    }
}
