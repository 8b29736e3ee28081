// HL7 v2.8 §2A.71 SI – sequence ID: a non-negative integer (set IDs such as PID-1, OBX-1).

/// SI – sequence ID.
public struct SI: HL7DataType, Hashable {
    /// The number, or nil when empty or not a non-negative integer.
    public var value: Int?

    /// Reads the type from an element (see ``HL7DataType``).
    public init(_ e: Element) {
        let t = e.leaf.value
        guard !t.isEmpty, t.utf8.count <= 9, t.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { value = nil; return }
        value = Int(t)
    }
}
