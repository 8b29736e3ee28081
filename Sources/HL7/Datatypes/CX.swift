// HL7 v2.8 §2A.22 CX – extended composite ID with check digit: 1 ID Number (ST) ^ 2 Identifier Check Digit (ST) ^
// 3 Check Digit Scheme (ID) ^ 4 Assigning Authority (HD) ^ 5 Identifier Type Code (ID) ^ 6 Assigning Facility (HD) ^
// 7 Effective Date (DT) ^ 8 Expiration Date (DT) ^ …

/// CX – extended composite ID (patient identifiers in PID-3).
public struct CX: HL7DataType, Hashable {
    /// CX.1 ID Number.
    public var idNumber: String?
    /// CX.2 Identifier Check Digit.
    public var checkDigit: String?
    /// CX.3 Check Digit Scheme.
    public var checkDigitScheme: String?
    /// CX.4 Assigning Authority (HD in subcomponents).
    public var assigningAuthority: HD?
    /// CX.5 Identifier Type Code (e.g. `MR`, `SS`).
    public var identifierTypeCode: String?
    /// CX.6 Assigning Facility (HD in subcomponents).
    public var assigningFacility: HD?
    /// CX.7 Effective Date.
    public var effectiveDate: String?
    /// CX.8 Expiration Date.
    public var expirationDate: String?

    /// Reads the type from an element (see ``HL7DataType``).
    public init(_ e: Element) {
        idNumber = e.partText(1)
        checkDigit = e.partText(2)
        checkDigitScheme = e.partText(3)
        assigningAuthority = e.part(4).flatMap { $0.isEmpty ? nil : HD($0) }
        identifierTypeCode = e.partText(5)
        assigningFacility = e.part(6).flatMap { $0.isEmpty ? nil : HD($0) }
        effectiveDate = e.partText(7)
        expirationDate = e.partText(8)
    }
}
