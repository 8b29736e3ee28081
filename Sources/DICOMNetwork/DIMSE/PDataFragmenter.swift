// PS3.8 §9.3.5 and Annex E: a DIMSE message is sent as PDVs whose size fits the peer's
// Maximum Length Received (PS3.8 Annex D.1: the largest P-DATA-TF variable field it accepts,
// 0 = no limit); the command first, then the data set, each ending with its last fragment.

import NIOCore

/// Splits command and data set bytes into P-DATA-TF PDUs of one PDV each.
public struct PDataFragmenter: Sendable {
    /// The largest fragment per PDV.
    public let maximumFragmentLength: Int

    /// When the peer sets no limit (0), fragments are kept to this size.
    public static let unlimitedFragmentLength = 1 << 20

    /// - Parameter peerMaximumLength: the peer's Maximum Length Received (0 or nil: no limit).
    public init(peerMaximumLength: UInt32?) {
        let limit = Int(peerMaximumLength ?? 0)
        if limit == 0 {
            maximumFragmentLength = PDataFragmenter.unlimitedFragmentLength
        } else {
            // The PDU variable field holds Item-length (4), context ID (1), control header (1), fragment.
            // Even, so that every fragment but possibly the last is even.
            maximumFragmentLength = max(2, (min(limit, PDataFragmenter.unlimitedFragmentLength) - PresentationDataValue.overhead) & ~1)
        }
    }

    /// The PDUs carrying `bytes` (a whole command, or a whole or partial data set when `isLast`
    /// says whether it ends here).
    public func pdus(contextID: UInt8, isCommand: Bool, bytes: ByteBuffer, isLast: Bool = true) -> [PDU] {
        var rest = bytes
        var out: [PDU] = []
        repeat {
            let n = min(rest.readableBytes, maximumFragmentLength)
            let slice = rest.readSlice(length: n)!
            let last = isLast && rest.readableBytes == 0
            out.append(.dataTF(PDataTF(values: [PresentationDataValue(presentationContextID: contextID, isCommand: isCommand, isLast: last, data: slice)])))
        } while rest.readableBytes > 0
        return out
    }
}
