// HL7 MLLP Release 2 §"Block format": <SB> payload <EB><CR>, with SB = 0x0B (VT), EB = 0x1C (FS), CR = 0x0D.

/// The bytes that delimit an MLLP block.
public enum MLLPFrame {
    /// Start block, VT.
    public static let startBlock: UInt8 = 0x0B
    /// End block, FS.
    public static let endBlock: UInt8 = 0x1C
    /// Carriage return that follows the end block.
    public static let carriageReturn: UInt8 = 0x0D

    /// Wraps a payload in an MLLP block.
    public static func frame(_ payload: some Collection<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(payload.count + 3)
        out.append(startBlock)
        out.append(contentsOf: payload)
        out.append(endBlock)
        out.append(carriageReturn)
        return out
    }
}
