// PS3.4 §J.3.2 Storage Commitment Push Model, SCP behaviour: the SCP decides which of the
// requested instances it commits to keep (and then must keep) and gives a failure reason
// (PS3.3 C.14.1.1) for the others.

import DICOM
import Foundation

/// Decides a storage commitment request. Called off the event loop, after the N-ACTION has been
/// answered; the result is sent in an N-EVENT-REPORT.
public protocol StorageCommitmentHandler: Sendable {
    func commit(_ request: CommitmentRequest) async -> CommitmentResult
}

/// Commits to what is in a storage folder as `DirectoryStorageHandler` names files
/// (`<SOP Instance UID>.dcm`): a missing file is 0112H no such object instance, a file of
/// another SOP class 0119H class/instance conflict, an unreadable one 0110H processing failure.
public struct DirectoryCommitmentHandler: StorageCommitmentHandler {
    public let directory: String
    /// Put in the result as Retrieve AE Title (0008,0054), when set.
    public var retrieveAETitle: String?

    public init(directory: String, retrieveAETitle: String? = nil) {
        self.directory = directory
        self.retrieveAETitle = retrieveAETitle
    }

    public func commit(_ request: CommitmentRequest) async -> CommitmentResult {
        var committed: [SOPReference] = []
        var failed: [CommitmentResult.Failure] = []
        for ref in request.references {
            let name = ref.sopInstanceUID.filter { $0.isNumber || $0 == "." }
            let path = directory + "/" + name + ".dcm"
            guard !name.isEmpty, FileManager.default.fileExists(atPath: path) else {
                failed.append(.init(reference: ref, reason: StorageCommitment.FailureReason.noSuchObjectInstance))
                continue
            }
            guard let file = try? DICOMFile.read(contentsOf: path) else {
                failed.append(.init(reference: ref, reason: StorageCommitment.FailureReason.processingFailure))
                continue
            }
            let sopClass = file.fileMetaInformation.string(.mediaStorageSOPClassUID) ?? file.dataSet.string(.sopClassUID)
            if sopClass != ref.sopClassUID {
                failed.append(.init(reference: ref, reason: StorageCommitment.FailureReason.classInstanceConflict))
            } else {
                committed.append(ref)
            }
        }
        return CommitmentResult(transactionUID: request.transactionUID, committed: committed, failed: failed, retrieveAETitle: retrieveAETitle)
    }
}
