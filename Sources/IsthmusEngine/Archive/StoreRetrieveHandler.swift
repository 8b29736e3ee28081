// PS3.4 Annex C Query/Retrieve Service Class, C-MOVE (C.4.2.2) and C-GET (C.4.3.2) SCP behaviour over the archive
// index: the identifier's Query/Retrieve Level and unique keys (C.2.2.1, Table C.6-1/C.6-5; a list of UIDs for the
// level's own key) select the stored instances, each sent from its Part 10 file in the content folder.

import DICOM
import DICOMNetwork
import Foundation
import IsthmusStore

/// Resolves a C-MOVE or C-GET identifier to the stored files (content folder + the index's relative path).
///
/// A900 when the level is missing or unknown for the model, or its unique key is absent; A701 (out of resources:
/// unable to calculate number of matches) when the store cannot be read. An instance whose file has gone missing is
/// still named: its sub-operation fails and is counted as failed.
public struct StoreRetrieveHandler: RetrieveHandler {
    public let store: any Store
    public let contentDirectory: String

    /// Out of resources – unable to calculate number of matches (PS3.4 Table C.4-2).
    static let unableToCalculateMatches: UInt16 = 0xA701

    public init(store: any Store, contentDirectory: String) {
        self.store = store
        self.contentDirectory = contentDirectory
    }

    public func instances(for request: RetrieveRequest) async throws -> [RetrieveInstance] {
        let keys = try DirectoryRetrieveHandler.uniqueKeys(request.identifier, model: request.model)
        guard let level = ArchiveLevel(identifier: request.identifier, patientRoot: request.model == .patientRoot) else {
            throw QueryFailure(status: DIMSEStatus.identifierDoesNotMatchSOPClass)
        }
        let records: [InstanceRecord]
        do {
            records = try await store.instances(matchingAny: InstanceQuery.prefilter(keys, level: level))
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw QueryFailure(status: Self.unableToCalculateMatches)
        }
        // PIR: each instance carries its patient's current demographics (the file is not changed).
        var current: [PatientKey: StoredPatient?] = [:]
        var out: [RetrieveInstance] = []
        for r in records where QueryMatcher.matches(r.dataSet(at: .image), keys) {
            let path = r.path.hasPrefix("/") ? r.path : contentDirectory + "/" + r.path
            var instance = RetrieveInstance(path: path, sopClassUID: r.sopClassUID, sopInstanceUID: r.sopInstanceUID,
                                            transferSyntaxUID: r.transferSyntaxUID)
            let key = PatientKey(id: r.patientID ?? "", issuer: r.issuerOfPatientID ?? "")
            if current[key] == nil {
                current[key] = .some(await CurrentDemographics.currentPatient(store, patientID: r.patientID, issuer: r.issuerOfPatientID))
            }
            if let patient = current[key] ?? nil {
                instance.replacements = CurrentDemographics.replacements(forFileAt: path, current: patient)
            }
            out.append(instance)
        }
        return out
    }
}
