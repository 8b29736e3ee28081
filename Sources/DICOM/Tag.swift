// PS3.5 §7.1 Data Elements: a tag is an ordered pair of 16-bit unsigned integers,
// the group number followed by the element number.

/// A DICOM data element tag, `(gggg,eeee)`.
public struct Tag: Hashable, Comparable, Sendable {
    /// The group number.
    public let group: UInt16
    /// The element number.
    public let element: UInt16

    @inlinable
    public init(_ group: UInt16, _ element: UInt16) {
        self.group = group
        self.element = element
    }

    /// Creates a tag from its 32-bit form `0xggggeeee`.
    @inlinable
    public init(_ value: UInt32) {
        self.group = UInt16(truncatingIfNeeded: value >> 16)
        self.element = UInt16(truncatingIfNeeded: value)
    }

    /// The 32-bit form `0xggggeeee`.
    @inlinable
    public var value: UInt32 { UInt32(group) << 16 | UInt32(element) }

    @inlinable
    public static func < (lhs: Tag, rhs: Tag) -> Bool { lhs.value < rhs.value }

    /// Private tags have an odd group number (PS3.5 §7.8).
    public var isPrivate: Bool { group & 1 == 1 && group > 0x0008 }

    /// A private creator data element `(gggg,0010-00FF)` of an odd group.
    public var isPrivateCreator: Bool { isPrivate && element >= 0x0010 && element <= 0x00FF }

    /// Group length elements `(gggg,0000)`.
    public var isGroupLength: Bool { element == 0 }

    /// For a private data element `(gggg,xxee)`, the tag of the private creator that reserves its block.
    public var privateCreatorTag: Tag? {
        guard isPrivate, element >= 0x1000 else { return nil }
        return Tag(group, element >> 8)
    }

    // Item and delimitation tags (PS3.5 §7.5).
    public static let item = Tag(0xFFFE, 0xE000)
    public static let itemDelimitationItem = Tag(0xFFFE, 0xE00D)
    public static let sequenceDelimitationItem = Tag(0xFFFE, 0xE0DD)
}

extension Tag: CustomStringConvertible {
    /// `(0010,0010)`, upper-case hexadecimal.
    public var description: String {
        "(" + Tag.hex4(group) + "," + Tag.hex4(element) + ")"
    }

    /// `00100010`, the form used by the DICOM JSON model.
    public var compactHex: String { Tag.hex4(group) + Tag.hex4(element) }

    static func hex4(_ v: UInt16) -> String {
        let digits: [Character] = Array("0123456789ABCDEF")
        return String([digits[Int(v >> 12)], digits[Int((v >> 8) & 0xF)], digits[Int((v >> 4) & 0xF)], digits[Int(v & 0xF)]])
    }

    /// Parses `(0010,0010)`, `0010,0010` or `00100010`.
    public init?(string: String) {
        let hex = string.filter { $0.isHexDigit }
        let stripped = string.filter { !"(), ".contains($0) }
        guard hex.count == 8, stripped.count == 8, let v = UInt32(hex, radix: 16) else { return nil }
        self.init(v)
    }
}
