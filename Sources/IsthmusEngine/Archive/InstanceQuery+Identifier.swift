// PS3.4 C.2.2.2: the part of a C-FIND/C-MOVE/C-GET identifier the index can answer in SQL — single value matching
// on the indexed keys, List of UID matching (one query per UID), and Study Date single values and ranges. Every
// record the prefilter returns is then matched in full by DICOMNetwork's QueryMatcher.

import DICOM
import DICOMNetwork
import IsthmusStore

extension InstanceQuery {
    /// The store queries whose union holds every record that can match `identifier` at `level` (keys below the
    /// level are not used, so the records of a matching patient/study/series are all there for the counts).
    /// Wildcards, Patient's Name (matched case-insensitively) and time ranges are left to the matcher.
    static func prefilter(_ identifier: DataSet, level: ArchiveLevel) -> [InstanceQuery] {
        var q = InstanceQuery()
        var uidLists: [(WritableKeyPath<InstanceQuery, String?>, [String])] = []
        func values(_ tag: Tag) -> [String] {
            (identifier.strings(tag) ?? []).map(QueryText.trim).filter { !$0.isEmpty }
        }
        func single(_ tag: Tag, _ path: WritableKeyPath<InstanceQuery, String?>) {
            let v = values(tag)
            guard v.count == 1, !v[0].contains("*"), !v[0].contains("?") else { return }
            q[keyPath: path] = v[0]
        }
        func uids(_ tag: Tag, _ path: WritableKeyPath<InstanceQuery, String?>) {
            let v = values(tag)
            if v.count == 1 { q[keyPath: path] = v[0] } else if v.count > 1 { uidLists.append((path, v)) }
        }
        single(.patientID, \.patientID)
        single(ArchiveTag.issuerOfPatientID, \.issuerOfPatientID)
        if level >= .study {
            uids(ArchiveTag.studyInstanceUID, \.studyInstanceUID)
            single(ArchiveTag.accessionNumber, \.accessionNumber)
            single(ArchiveTag.studyID, \.studyID)
            let date = values(ArchiveTag.studyDate)
            if date.count == 1 {
                let d = date[0]
                if let dash = d.firstIndex(of: "-") {
                    let lo = String(d[..<dash]), hi = String(d[d.index(after: dash)...])
                    if !lo.isEmpty { q.studyDateFrom = lo }
                    if !hi.isEmpty { q.studyDateThrough = hi }
                } else {
                    q.studyDateFrom = d
                    q.studyDateThrough = d
                }
            }
        }
        if level >= .series {
            uids(ArchiveTag.seriesInstanceUID, \.seriesInstanceUID)
            single(ArchiveTag.modality, \.modality)
        }
        if level >= .image {
            uids(.sopInstanceUID, \.sopInstanceUID)
            uids(.sopClassUID, \.sopClassUID)
        }
        // Lists of UIDs: one query per UID of the shortest list; the matcher checks the other lists.
        guard let list = uidLists.min(by: { $0.1.count < $1.1.count }) else { return [q] }
        return list.1.map { uid in
            var one = q
            one[keyPath: list.0] = uid
            return one
        }
    }
}

extension Store {
    /// The union of `queries`, each record once, in the store's order per query.
    func instances(matchingAny queries: [InstanceQuery]) async throws -> [InstanceRecord] {
        if queries.count == 1 { return try await instances(matching: queries[0]) }
        var seen = Set<String>()
        var out: [InstanceRecord] = []
        for q in queries {
            try Task.checkCancellation()
            for r in try await instances(matching: q) where seen.insert(r.sopInstanceUID).inserted { out.append(r) }
        }
        return out
    }
}
