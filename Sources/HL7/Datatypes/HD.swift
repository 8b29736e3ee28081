// HL7 v2.8 §2A.36 HD – hierarchic designator: 1 Namespace ID (IS) ^ 2 Universal ID (ST) ^ 3 Universal ID Type (ID).

/// HD – hierarchic designator (an application, facility or assigning authority).
public struct HD: HL7DataType, Hashable {
    /// HD.1 Namespace ID.
    public var namespaceID: String?
    /// HD.2 Universal ID (e.g. an OID).
    public var universalID: String?
    /// HD.3 Universal ID Type (e.g. `ISO`, `DNS`).
    public var universalIDType: String?

    /// Reads the type from an element (see ``HL7DataType``).
    public init(_ e: Element) {
        namespaceID = e.partText(1)
        universalID = e.partText(2)
        universalIDType = e.partText(3)
    }

    /// Creates an HD from its parts.
    public init(namespaceID: String? = nil, universalID: String? = nil, universalIDType: String? = nil) {
        self.namespaceID = namespaceID
        self.universalID = universalID
        self.universalIDType = universalIDType
    }
}
