// PS3.5 §6.2 Value Representation (VR), Table 6.2-1.

/// A DICOM value representation: all 34 of PS3.5 Table 6.2-1.
public enum VR: String, Sendable, CaseIterable, Hashable {
    case AE, AS, AT, CS, DA, DS, DT, FD, FL, IS, LO, LT, OB, OD, OF, OL, OV, OW, PN, SH, SL, SQ, SS, ST, SV, TM, UC, UI, UL, UN, UR, US, UT, UV

    /// Creates a VR from the two bytes found in an explicit VR encoding.
    @inlinable
    public init?(byte0: UInt8, byte1: UInt8) {
        guard let vr = VR.byCode[Int(byte0) << 8 | Int(byte1)] else { return nil }
        self = vr
    }

    @usableFromInline
    static let byCode: [Int: VR] = {
        var d: [Int: VR] = [:]
        for vr in VR.allCases {
            let u = Array(vr.rawValue.utf8)
            d[Int(u[0]) << 8 | Int(u[1])] = vr
        }
        return d
    }()

    /// The two ASCII bytes written in explicit VR encodings.
    public var bytes: (UInt8, UInt8) {
        let u = Array(rawValue.utf8)
        return (u[0], u[1])
    }

    /// PS3.5 §7.1.2: VRs whose explicit-VR header has two reserved bytes and a 32-bit length.
    public var hasLongExplicitLength: Bool {
        switch self {
        case .OB, .OD, .OF, .OL, .OV, .OW, .SQ, .SV, .UC, .UN, .UR, .UT, .UV: return true
        default: return false
        }
    }

    /// Character-string VRs (values are text in some character set).
    public var isString: Bool {
        switch self {
        case .AE, .AS, .CS, .DA, .DS, .DT, .IS, .LO, .LT, .PN, .SH, .ST, .TM, .UC, .UI, .UR, .UT: return true
        default: return false
        }
    }

    /// String VRs whose text is affected by Specific Character Set (0008,0005) (PS3.5 §6.1.2.3).
    public var usesSpecificCharacterSet: Bool {
        switch self {
        case .LO, .LT, .PN, .SH, .ST, .UC, .UT: return true
        default: return false
        }
    }

    /// String VRs that may hold several values separated by a backslash.
    public var allowsMultipleValues: Bool {
        switch self {
        case .LT, .ST, .UT, .UR: return false
        default: return isString
        }
    }

    /// The byte used to pad a value to even length: NUL for UI and binary VRs, space for text.
    public var paddingByte: UInt8 {
        switch self {
        case .UI: return 0x00
        default: return isString ? 0x20 : 0x00
        }
    }

    /// The size of one binary number for numeric VRs (2 for US, 4 for FL, …), and the
    /// word size to swap between little and big endian for OW/OF/OD/OL/OV. `nil` for bytes and strings.
    public var binaryWidth: Int? {
        switch self {
        case .US, .SS, .OW: return 2
        case .UL, .SL, .FL, .OF, .OL: return 4
        case .FD, .OD, .SV, .UV, .OV: return 8
        case .AT: return 2  // a tag is two 16-bit numbers
        default: return nil
        }
    }

    /// VRs whose values may be large binary data kept as a bulk data reference.
    public var isBulkCandidate: Bool {
        switch self {
        case .OB, .OD, .OF, .OL, .OV, .OW, .UN: return true
        default: return false
        }
    }

    /// Maximum length in bytes (or characters for LO/SH/PN groups) per PS3.5 Table 6.2-1, where fixed.
    public var maximumLength: Int? {
        switch self {
        case .AE: return 16
        case .AS: return 4
        case .CS: return 16
        case .DA: return 8
        case .DS: return 16
        case .DT: return 26
        case .IS: return 12
        case .LO: return 64
        case .LT: return 10240
        case .PN: return 64
        case .SH: return 16
        case .ST: return 1024
        case .TM: return 14
        case .UI: return 64
        default: return nil
        }
    }
}
