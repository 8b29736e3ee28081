// HL7 v2.8 §2A.14 CWE – coded with exceptions (and §2A.8 CE – coded element, v2.5 and earlier):
// 1 Identifier ^ 2 Text ^ 3 Name of Coding System ^ 4 Alternate Identifier ^ 5 Alternate Text ^
// 6 Name of Alternate Coding System ^ 7 Coding System Version ID ^ 8 Alternate Coding System Version ID ^ 9 Original Text.

/// CWE – coded value (CE is its first six components; read CE fields with this type too).
public struct CWE: HL7DataType, Hashable {
    /// CWE.1 Identifier (the code).
    public var identifier: String?
    /// CWE.2 Text.
    public var text: String?
    /// CWE.3 Name of Coding System (e.g. `LN`, `HL70063`).
    public var codingSystem: String?
    /// CWE.4 Alternate Identifier.
    public var alternateIdentifier: String?
    /// CWE.5 Alternate Text.
    public var alternateText: String?
    /// CWE.6 Name of Alternate Coding System.
    public var alternateCodingSystem: String?
    /// CWE.7 Coding System Version ID (not in CE).
    public var codingSystemVersion: String?
    /// CWE.8 Alternate Coding System Version ID (not in CE).
    public var alternateCodingSystemVersion: String?
    /// CWE.9 Original Text (not in CE).
    public var originalText: String?

    /// Reads the type from an element (see ``HL7DataType``).
    public init(_ e: Element) {
        identifier = e.partText(1)
        text = e.partText(2)
        codingSystem = e.partText(3)
        alternateIdentifier = e.partText(4)
        alternateText = e.partText(5)
        alternateCodingSystem = e.partText(6)
        codingSystemVersion = e.partText(7)
        alternateCodingSystemVersion = e.partText(8)
        originalText = e.partText(9)
    }
}

/// CE – coded element (v2.5 and earlier); the same reader as ``CWE``.
public typealias CE = CWE
