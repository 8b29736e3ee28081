// PS3.4 Annex F Modality Performed Procedure Step SOP Class, SCU side (§F.7.1): N-CREATE the step
// IN PROGRESS (PS3.7 §10.1.5), then N-SET its attributes and final state (§10.1.3).

import DICOM
import NIOCore

/// The answer to a DIMSE-N request: its status, the Affected SOP Instance UID (for an N-CREATE,
/// the one the SCP created) and the Error Comment of a failure.
public struct NormalizedResponse: Sendable {
    public var status: UInt16
    public var affectedSOPInstanceUID: String?
    public var errorComment: String?

    init(_ rsp: DIMSECommand) {
        status = rsp.status ?? DIMSEStatus.processingFailure
        affectedSOPInstanceUID = rsp.affectedSOPInstanceUID
        errorComment = rsp.errorComment
    }
}

extension DICOMAssociation {
    /// The presentation context proposing the MPPS SOP class in both little endian syntaxes.
    public static func mppsContext(id: UInt8 = 1) -> PresentationContextRQ {
        PresentationContextRQ(id: id, abstractSyntax: MPPS.sopClassUID, transferSyntaxes: ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2"])
    }

    /// N-CREATE of an MPPS instance with `attributes` (Performed Procedure Step Status IN
    /// PROGRESS). Without `sopInstanceUID` the SCP chooses one (returned in the response).
    /// A failure status is returned, not thrown.
    public func mppsCreate(_ attributes: DataSet, sopInstanceUID: String? = nil) async throws -> NormalizedResponse {
        var rq = DIMSECommand(field: .nCreateRQ)
        rq.affectedSOPClassUID = MPPS.sopClassUID
        rq.affectedSOPInstanceUID = sopInstanceUID
        return try await sendNormalized(rq, dataSet: attributes, abstractSyntax: MPPS.sopClassUID, name: "N-CREATE")
    }

    /// N-SET of an MPPS instance: `modifications` replace the instance's attributes (set
    /// Performed Procedure Step Status to COMPLETED or DISCONTINUED to end the step).
    public func mppsSet(_ sopInstanceUID: String, modifications: DataSet) async throws -> NormalizedResponse {
        var rq = DIMSECommand(field: .nSetRQ)
        rq.requestedSOPClassUID = MPPS.sopClassUID
        rq.requestedSOPInstanceUID = sopInstanceUID
        return try await sendNormalized(rq, dataSet: modifications, abstractSyntax: MPPS.sopClassUID, name: "N-SET")
    }

    func sendNormalized(_ rq: DIMSECommand, dataSet: DataSet, abstractSyntax: String, name: String) async throws -> NormalizedResponse {
        guard let pc = acceptedContexts(for: abstractSyntax).first else {
            throw DICOMNetworkError(.noPresentationContext, "\(parameters.calledAETitle) did not accept \(abstractSyntax)")
        }
        let bytes = try DataSetWriter.encode(dataSet, transferSyntax: TransferSyntax(uid: pc.transferSyntax))
        let rsp = try await send(rq, dataSet: ByteBuffer(bytes: bytes), contextID: pc.id)
        guard let field = rsp.commandFieldValue, field == (rq.commandFieldValue ?? 0) | 0x8000 else {
            throw DICOMNetworkError(.malformedMessage, "\(name) answered by command field \(rsp.commandFieldValue.map { String($0, radix: 16) } ?? "-")")
        }
        return NormalizedResponse(rsp)
    }
}
