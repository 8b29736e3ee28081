// PS3.4 §J.3.3: an N-EVENT-REPORT sent on an association the SCP opens to the requesting AE when
// the original association is no longer there, with SCP/SCU role selection (PS3.7 §D.3.3.4) so
// that the requestor of this association is the Storage Commitment SCP: SCU-role 0, SCP-role 1.

import DICOM
import Logging
import NIOCore

enum StorageCommitmentReporter {
    /// Opens an association to `aeTitle` (looked up in `remoteEntities`) and sends the result.
    /// Returns the N-EVENT-REPORT-RSP status, or nil when it could not be delivered (logged).
    @discardableResult
    static func deliver(_ result: CommitmentResult, to aeTitle: String, configuration: DICOMServerConfiguration, logger: Logger) async -> UInt16? {
        var meta: Logger.Metadata = ["transactionUID": "\(result.transactionUID)", "to": "\(aeTitle)", "association": "new"]
        guard let entity = configuration.remoteEntities[aeTitle] else {
            logger.warning("storage commitment result not delivered: no address for the requesting AE", metadata: meta)
            return nil
        }
        var params = entity.parameters(callingAETitle: configuration.policy.aeTitle, calledAETitle: aeTitle,
                                       presentationContexts: [DICOMAssociation.storageCommitmentContext()])
        params.timeouts = configuration.timeouts
        params.implementation = configuration.implementation
        params.implementation.roleSelections = [UserInformation.RoleSelection(sopClassUID: StorageCommitment.sopClassUID, scuRole: false, scpRole: true)]
        do {
            let association = try await DICOMAssociation.open(params, logger: logger)
            guard let pc = association.acceptedContexts(for: StorageCommitment.sopClassUID).first else {
                await association.abort()
                throw DICOMNetworkError(.noPresentationContext, "\(aeTitle) did not accept Storage Commitment")
            }
            let bytes = try DataSetWriter.encode(result.dataSet, transferSyntax: TransferSyntax(uid: pc.transferSyntax))
            var rq = DIMSECommand(field: .nEventReportRQ)
            rq.affectedSOPClassUID = StorageCommitment.sopClassUID
            rq.affectedSOPInstanceUID = StorageCommitment.wellKnownInstanceUID
            rq.eventTypeID = result.eventTypeID
            let rsp = try await association.send(rq, dataSet: ByteBuffer(bytes: bytes), contextID: pc.id)
            try? await association.release()
            meta["status"] = "\(String(rsp.status ?? 0xFFFF, radix: 16))"
            meta["committed"] = "\(result.committed.count)"
            meta["failed"] = "\(result.failed.count)"
            logger.info("storage commitment result", metadata: meta)
            return rsp.status
        } catch {
            meta["error"] = "\(error)"
            logger.warning("storage commitment result not delivered", metadata: meta)
            return nil
        }
    }
}
