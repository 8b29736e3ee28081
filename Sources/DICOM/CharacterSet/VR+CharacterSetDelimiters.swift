// PS3.5 §6.1.2.5.3: the points in a text value where the character sets of value 1 of
// Specific Character Set (0008,0005) must be active again.

extension VR {
    /// PS3.5 §6.1.2.5.3: whether the character `value` (a byte of the single-byte G0 set, or a
    /// scalar) ends a run of code extension in a value of this VR, so that the initial
    /// designations are active again: control characters other than ESC, the value delimiter
    /// 05/12 in VRs with multiple values, and "^" and "=" in PN.
    func resetsDesignations(at value: UInt32) -> Bool {
        switch value {
        case 0x1B: return false
        case 0x00..<0x20: return true
        case 0x5C: return allowsMultipleValues
        case 0x5E, 0x3D: return self == .PN
        default: return false
        }
    }
}
