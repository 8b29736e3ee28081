// PS3.4 Annex J Storage Commitment Push Model, SCU side (§J.3.1): N-ACTION "Request Storage
// Commitment" (PS3.7 §10.1.4), then the result as an N-EVENT-REPORT (§10.1.1) received on the
// same association (§J.3.3) and answered.

import DICOM
import NIOCore

extension DICOMAssociation {
    /// The presentation context proposing Storage Commitment Push Model in both little endian syntaxes.
    public static func storageCommitmentContext(id: UInt8 = 1) -> PresentationContextRQ {
        PresentationContextRQ(id: id, abstractSyntax: StorageCommitment.sopClassUID, transferSyntaxes: ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2"])
    }

    /// Asks the SCP to commit to keeping `references` and waits (up to `timeout`, by default the
    /// DIMSE timeout) for its result on this association. Throws `.failureStatus` when the
    /// N-ACTION is refused, `.timeout` when no result with this transaction comes.
    public func requestCommitment(_ references: [SOPReference], transactionUID: String = UIDGenerator.make(),
                                  timeout: TimeAmount? = nil) async throws -> CommitmentResult {
        var rq = DIMSECommand(field: .nActionRQ)
        rq.requestedSOPClassUID = StorageCommitment.sopClassUID
        rq.requestedSOPInstanceUID = StorageCommitment.wellKnownInstanceUID
        rq.actionTypeID = StorageCommitment.requestActionType
        let request = CommitmentRequest(transactionUID: transactionUID, references: references)
        let rsp = try await sendNormalized(rq, dataSet: request.dataSet, abstractSyntax: StorageCommitment.sopClassUID, name: "N-ACTION")
        guard DIMSEStatus.category(rsp.status) != .failure else {
            throw DICOMNetworkError(.failureStatus, "storage commitment N-ACTION failed with status \(String(rsp.status, radix: 16))")
        }
        let handler = self.handler
        let wait = timeout ?? parameters.timeouts.dimse
        let pc = acceptedContexts(for: StorageCommitment.sopClassUID).first!
        let ts = TransferSyntax(uid: pc.transferSyntax)
        while true {
            let report = try await channel.eventLoop.flatSubmit { handler.value.nextEventReport(timeout: wait) }.get()
            guard report.command.affectedSOPClassUID == StorageCommitment.sopClassUID else { continue }
            let result = try CommitmentResult(dataSet: try ServerAssociationHandler.decodeDataSet(report.dataSet, transferSyntax: ts))
            if result.transactionUID == transactionUID { return result }
            handler.value.logger.notice("storage commitment result for another transaction", metadata: ["transactionUID": "\(result.transactionUID)"])
        }
    }
}
