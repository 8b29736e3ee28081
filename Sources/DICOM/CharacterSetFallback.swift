// Interim ASCII/UTF-8 SpecificCharacterSet: replaced by the full implementation (CharacterSet/) when that branch lands.
public struct SpecificCharacterSet: Sendable, Hashable {
    public static let `default` = SpecificCharacterSet("")
    public let terms: [String]
    public init(_ value: String) { terms = value.split(separator: "\\", omittingEmptySubsequences: false).map { String($0.filter { $0 != " " }) } }
    public var unknownTerms: [String] { [] }
    public var isDefault: Bool { terms.allSatisfy { $0.isEmpty || $0 == "ISO_IR 6" } }
    public func decode(_ bytes: some Collection<UInt8>, vr: VR) -> String { String(decoding: Array(bytes), as: UTF8.self) }
    public func encode(_ string: String, vr: VR) throws(DICOMError) -> [UInt8] { Array(string.utf8) }
}
