// HL7 v2.8 §2A.47 NM – numeric: an optional leading sign, digits and an optional decimal point
// ("leading zeros, or trailing zeros after a decimal point, are not significant").

/// NM – a decimal number, kept as written (no precision lost) with a `Double` view.
public struct NM: HL7DataType, Hashable {
    /// The number as written, or nil when empty.
    public var text: String?
    /// The value, or nil when empty or not a valid NM.
    public var value: Double? {
        guard let text, NM.isValid(text) else { return nil }
        return Double(text)
    }

    /// Reads the type from an element (see ``HL7DataType``).
    public init(_ e: Element) {
        let t = e.leaf.value
        text = t.isEmpty ? nil : t
    }

    /// Whether text matches the NM grammar `[+-]?digits[.digits]` (at least one digit).
    public static func isValid(_ s: String) -> Bool {
        var u = Substring(s).utf8[...]
        if let f = u.first, f == UInt8(ascii: "+") || f == UInt8(ascii: "-") { u = u.dropFirst() }
        var digits = 0, dots = 0
        for c in u {
            if c >= 0x30 && c <= 0x39 { digits += 1 } else if c == UInt8(ascii: ".") { dots += 1 } else { return false }
        }
        return digits > 0 && dots <= 1
    }
}
