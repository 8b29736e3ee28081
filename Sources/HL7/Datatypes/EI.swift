// HL7 v2.8 §2A.26 EI – entity identifier: 1 Entity Identifier (ST) ^ 2 Namespace ID (IS) ^ 3 Universal ID (ST) ^ 4 Universal ID Type (ID).

/// EI – entity identifier (placer/filler order numbers, accession numbers…).
public struct EI: HL7DataType, Hashable {
    /// EI.1 Entity Identifier.
    public var entityIdentifier: String?
    /// EI.2 Namespace ID.
    public var namespaceID: String?
    /// EI.3 Universal ID.
    public var universalID: String?
    /// EI.4 Universal ID Type.
    public var universalIDType: String?

    /// Reads the type from an element (see ``HL7DataType``).
    public init(_ e: Element) {
        entityIdentifier = e.partText(1)
        namespaceID = e.partText(2)
        universalID = e.partText(3)
        universalIDType = e.partText(4)
    }
}
