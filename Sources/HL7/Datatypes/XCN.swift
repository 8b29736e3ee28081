// HL7 v2.8 §2A.88 XCN – extended composite ID number and name for persons: 1 Person Identifier ^ 2 Family Name (FN) ^
// 3 Given Name ^ 4 Second Names ^ 5 Suffix ^ 6 Prefix ^ 7 Degree ^ 8 Source Table ^ 9 Assigning Authority (HD) ^
// 10 Name Type Code ^ 11 Identifier Check Digit ^ 12 Check Digit Scheme ^ 13 Identifier Type Code ^ 14 Assigning Facility (HD) ^ …

/// XCN – a person (usually a provider) with identifier and name (PV1-7, ORC-12, OBR-16…).
public struct XCN: HL7DataType, Hashable {
    /// XCN.1 Person Identifier.
    public var idNumber: String?
    /// XCN.2.1 Surname.
    public var familyName: String?
    /// XCN.2.2 Own Surname Prefix.
    public var ownSurnamePrefix: String?
    /// XCN.3 Given Name.
    public var givenName: String?
    /// XCN.4 Second and Further Given Names.
    public var secondNames: String?
    /// XCN.5 Suffix.
    public var suffix: String?
    /// XCN.6 Prefix.
    public var prefix: String?
    /// XCN.7 Degree.
    public var degree: String?
    /// XCN.8 Source Table.
    public var sourceTable: String?
    /// XCN.9 Assigning Authority.
    public var assigningAuthority: HD?
    /// XCN.10 Name Type Code.
    public var nameTypeCode: String?
    /// XCN.13 Identifier Type Code.
    public var identifierTypeCode: String?

    /// Reads the type from an element (see ``HL7DataType``).
    public init(_ e: Element) {
        idNumber = e.partText(1)
        XPN.readFN(e, at: 2, family: &familyName, prefix: &ownSurnamePrefix)
        givenName = e.partText(3)
        secondNames = e.partText(4)
        suffix = e.partText(5)
        prefix = e.partText(6)
        degree = e.partText(7)
        sourceTable = e.partText(8)
        assigningAuthority = e.part(9).flatMap { $0.isEmpty ? nil : HD($0) }
        nameTypeCode = e.partText(10)
        identifierTypeCode = e.partText(13)
    }
}
