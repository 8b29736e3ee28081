// PS3.4 Annex C Query/Retrieve Service Class, C-FIND SCP behaviour (C.4.1.2) for the Patient Root and Study Root
// information models (C.6.1, C.6.2) over the archive index: hierarchical search at PATIENT, STUDY, SERIES and IMAGE
// level with the matching of C.2.2.2, one response per matching entity at the requested level (C.4.1.2.1), holding
// the requested keys (C.4.1.1.3.2) and the aggregate optional keys of C.3.2–C.3.4.

import DICOM
import DICOMNetwork
import Foundation
import IsthmusStore

/// Answers C-FIND (Patient Root and Study Root) from the store's instance index.
///
/// The identifier's indexed keys at the requested level and above narrow an SQL query (`instances(matching:)`); the
/// records are grouped by patient, study, series or instance, each group turned into a data set (with counts such
/// as Number of Study Related Instances and Modalities in Study) and matched with `QueryMatcher`. Keys the index does
/// not hold are not matched (universal) and come back empty. Failures: A900 for a missing or unknown level; A700
/// when the store cannot be read. Modality Worklist requests go to `worklist` when given (C000 without one).
public struct StoreQueryHandler: QueryHandler {
    public let store: any Store
    /// Returned in Retrieve AE Title (0008,0054) when asked for: the listener's AE title.
    public let retrieveAETitle: String?
    /// Answers Modality Worklist C-FIND on the same listener (the archive answers only Patient and Study Root).
    public let worklist: (any QueryHandler)?

    public init(store: any Store, retrieveAETitle: String? = nil, worklist: (any QueryHandler)? = nil) {
        self.store = store
        self.retrieveAETitle = retrieveAETitle
        self.worklist = worklist
    }

    public func find(_ request: QueryRequest) -> AsyncThrowingStream<DataSet, any Error> {
        if request.model == .modalityWorklist, let worklist { return worklist.find(request) }
        let (stream, continuation) = AsyncThrowingStream<DataSet, any Error>.makeStream()
        let task = Task {
            do {
                for response in try await responses(request) {
                    try Task.checkCancellation()
                    continuation.yield(response)
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// Every response to `request`, in the store's order (patient, study, series, instance number).
    public func responses(_ request: QueryRequest) async throws -> [DataSet] {
        guard request.model != .modalityWorklist else { throw QueryFailure(status: DIMSEStatus.unableToProcess) }
        let identifier = request.identifier
        guard let level = ArchiveLevel(identifier: identifier, patientRoot: request.model == .patientRoot) else {
            throw QueryFailure(status: DIMSEStatus.identifierDoesNotMatchSOPClass)
        }
        let records: [InstanceRecord]
        do {
            records = try await store.instances(matchingAny: InstanceQuery.prefilter(identifier, level: level))
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw QueryFailure(status: DIMSEStatus.outOfResources)
        }
        // The keys the index can match; the others are universal.
        let matchable = level.matchableTags
        var matchKeys = DataSet()
        for e in identifier where matchable.contains(e.tag) { matchKeys.set(e) }

        var order: [String] = []
        var groups: [String: [InstanceRecord]] = [:]
        for r in records {
            let key = level.groupKey(r)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(r)
        }
        var out: [DataSet] = []
        for key in order {
            let group = groups[key]!
            var ds = Self.dataSet(group, level: level)
            guard QueryMatcher.matches(ds, matchKeys) else { continue }
            if let retrieveAETitle, identifier[ArchiveTag.retrieveAETitle] != nil {
                try? ds.set(ArchiveTag.retrieveAETitle, vr: .AE, string: retrieveAETitle)
            }
            out.append(QueryMatcher.response(ds, identifier))
        }
        return out
    }

    /// One entity at `level` as a data set: the first record's attributes at that level and above, and the
    /// aggregates over the group's records.
    static func dataSet(_ group: [InstanceRecord], level: ArchiveLevel) -> DataSet {
        var ds = group[0].dataSet(at: level)
        func count(_ tag: Tag, _ n: Int) { try? ds.set(tag, vr: .IS, integers: [n]) }
        let series = Set(group.map(\.seriesInstanceUID)).count
        switch level {
        case .patient:
            count(ArchiveTag.patientRelatedStudies, Set(group.map(\.studyInstanceUID)).count)
            count(ArchiveTag.patientRelatedSeries, series)
            count(ArchiveTag.patientRelatedInstances, group.count)
        case .study:
            var modalities: [String] = []
            for r in group {
                for m in r.modalitiesInStudy + [r.modality].compactMap({ $0 }) where !modalities.contains(m) { modalities.append(m) }
            }
            if !modalities.isEmpty { try? ds.set(ArchiveTag.modalitiesInStudy, vr: .CS, strings: modalities.sorted()) }
            count(ArchiveTag.studyRelatedSeries, series)
            count(ArchiveTag.studyRelatedInstances, group.count)
        case .series:
            count(ArchiveTag.seriesRelatedInstances, group.count)
        case .image:
            break
        }
        return ds
    }
}
