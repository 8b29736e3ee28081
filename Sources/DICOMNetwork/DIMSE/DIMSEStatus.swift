// PS3.7 Annex C status types and the codes the services here use: §C.1 Success, §C.4
// Failure (general codes 0xA700…, 0xC000…, 0x0211 unrecognized operation), PS3.4 §B.2.3
// Storage status codes.

/// DIMSE status codes (0000,0900).
public enum DIMSEStatus {
    public static let success: UInt16 = 0x0000
    /// Storage: Out of resources (PS3.4 Table B.2-1 A7xx).
    public static let outOfResources: UInt16 = 0xA700
    /// Storage: Data set does not match SOP class (A9xx).
    public static let dataSetDoesNotMatchSOPClass: UInt16 = 0xA900
    /// Storage: Cannot understand (Cxxx).
    public static let cannotUnderstand: UInt16 = 0xC000
    /// Refused: SOP class not supported (PS3.7 §C.5.x 0122H).
    public static let sopClassNotSupported: UInt16 = 0x0122
    /// Unrecognized operation (0211H).
    public static let unrecognizedOperation: UInt16 = 0x0211
    /// Processing failure (0110H).
    public static let processingFailure: UInt16 = 0x0110
    /// Storage warnings: coercion of data elements (B000H), elements discarded (B007H), data set does not match SOP class (B006H).
    public static let coercionOfDataElements: UInt16 = 0xB000
    /// C-FIND pending: a match follows (FF00H), or one with optional keys not supported (FF01H).
    public static let pending: UInt16 = 0xFF00
    public static let pendingWithWarning: UInt16 = 0xFF01
    /// Matching terminated due to a C-CANCEL (FE00H).
    public static let cancel: UInt16 = 0xFE00
    /// C-FIND: identifier does not match SOP class (A900H) — the same code as for storage.
    public static let identifierDoesNotMatchSOPClass: UInt16 = 0xA900
    /// C-FIND: unable to process (C000H).
    public static let unableToProcess: UInt16 = 0xC000

    public enum Category: Sendable, Equatable { case success, warning, failure, cancel, pending }

    /// The status type of a code (PS3.7 Annex C).
    public static func category(_ status: UInt16) -> Category {
        switch status {
        case 0x0000: return .success
        case 0x0001, 0x0107, 0x0116, 0xB000...0xBFFF: return .warning
        case 0xFE00: return .cancel
        case 0xFF00, 0xFF01: return .pending
        default: return .failure
        }
    }
}
