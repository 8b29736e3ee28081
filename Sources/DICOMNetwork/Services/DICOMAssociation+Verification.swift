// PS3.4 Annex A Verification Service Class; PS3.7 §9.1.5 C-ECHO (§9.3.5 messages).

import NIOCore

extension DICOMAssociation {
    /// Sends a C-ECHO-RQ on an accepted Verification context; returns the response status.
    public func echo() async throws -> UInt16 {
        guard let pc = acceptedContexts(for: AssociationNegotiator.verificationSOPClass).first else {
            throw DICOMNetworkError(.noPresentationContext, "\(parameters.calledAETitle) did not accept Verification")
        }
        var rq = DIMSECommand(field: .cEchoRQ)
        rq.affectedSOPClassUID = AssociationNegotiator.verificationSOPClass
        let rsp = try await send(rq, contextID: pc.id)
        guard rsp.field == .cEchoRSP, let status = rsp.status else {
            throw DICOMNetworkError(.malformedMessage, "C-ECHO answered by command field \(rsp.commandFieldValue.map { String($0, radix: 16) } ?? "-")")
        }
        return status
    }

    /// The presentation context proposing Verification in both little endian syntaxes.
    public static func verificationContext(id: UInt8 = 1) -> PresentationContextRQ {
        PresentationContextRQ(id: id, abstractSyntax: AssociationNegotiator.verificationSOPClass,
                              transferSyntaxes: ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2"])
    }
}
