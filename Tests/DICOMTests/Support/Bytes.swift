@testable import DICOM

/// Builders for hand-made DICOM byte fixtures. Each test says what its bytes mean.
enum Bytes {
    static func u16(_ v: UInt16, big: Bool = false) -> [UInt8] {
        big ? [UInt8(v >> 8), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8)]
    }

    static func u32(_ v: UInt32, big: Bool = false) -> [UInt8] {
        let le = [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)]
        return big ? le.reversed() : le
    }

    /// An explicit VR element: tag, VR, length (2 or 4 bytes by VR), value.
    static func explicit(_ g: UInt16, _ e: UInt16, _ vr: String, _ value: [UInt8], big: Bool = false, length: UInt32? = nil) -> [UInt8] {
        let long = ["OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"].contains(vr)
        var out = u16(g, big: big) + u16(e, big: big) + Array(vr.utf8)
        if long {
            out += [0, 0] + u32(length ?? UInt32(value.count), big: big)
        } else {
            out += u16(UInt16(length ?? UInt32(value.count)), big: big)
        }
        return out + value
    }

    /// An implicit VR little endian element: tag, 4-byte length, value.
    static func implicit(_ g: UInt16, _ e: UInt16, _ value: [UInt8], length: UInt32? = nil) -> [UInt8] {
        u16(g) + u16(e) + u32(length ?? UInt32(value.count)) + value
    }

    static func text(_ s: String) -> [UInt8] {
        var b = Array(s.utf8)
        if b.count % 2 == 1 { b.append(0x20) }
        return b
    }

    static func uid(_ s: String) -> [UInt8] {
        var b = Array(s.utf8)
        if b.count % 2 == 1 { b.append(0) }
        return b
    }

    /// Item / delimiter headers (always tag + 4-byte length).
    static func item(_ length: UInt32 = 0xFFFF_FFFF) -> [UInt8] { u16(0xFFFE) + u16(0xE000) + u32(length) }
    static let itemDelimiter: [UInt8] = u16(0xFFFE) + u16(0xE00D) + u32(0)
    static let sequenceDelimiter: [UInt8] = u16(0xFFFE) + u16(0xE0DD) + u32(0)

    /// File meta information for `ts`, with group length.
    static func meta(_ ts: String, withGroupLength: Bool = true) -> [UInt8] {
        let body = explicit(0x0002, 0x0001, "OB", [0, 1]) + explicit(0x0002, 0x0010, "UI", uid(ts))
            + explicit(0x0002, 0x0012, "UI", uid(DICOMFile.implementationClassUID))
        let gl = withGroupLength ? explicit(0x0002, 0x0000, "UL", u32(UInt32(body.count))) : []
        return gl + body
    }

    static func part10(_ ts: String, _ dataSet: [UInt8], preamble: Bool = true, groupLength: Bool = true) -> [UInt8] {
        (preamble ? [UInt8](repeating: 0, count: 128) : []) + Array("DICM".utf8) + meta(ts, withGroupLength: groupLength) + dataSet
    }

    static let explicitLE = "1.2.840.10008.1.2.1"
    static let implicitLE = "1.2.840.10008.1.2"
    static let explicitBE = "1.2.840.10008.1.2.2"
}
