// PS3.4 K.6 Modality Worklist C-FIND through the archive's query handler: the worklist handler's
// answers reach the SCP already encoded (EncodingQueryHandler), as when it serves them alone.

import DICOM
import DICOMNetwork

extension StoreQueryHandler: EncodingQueryHandler {
    /// Modality Worklist requests to `worklist` when it hands its answers over encoded; false
    /// otherwise (the SCP then calls `find`).
    public func findEncoded(_ request: QueryRequest, transferSyntax: TransferSyntax, send: ([UInt8]) async -> Void) async throws -> Bool {
        guard request.model == .modalityWorklist, let worklist = worklist as? any EncodingQueryHandler else { return false }
        return try await worklist.findEncoded(request, transferSyntax: transferSyntax, send: send)
    }
}
