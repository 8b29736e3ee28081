// PS3.3 C.12.1.1.2 Specific Character Set
//   "Specific Character Set (0008,0005) identifies the Character Set that expands or replaces
//    the Basic Graphic Set (ISO 646) for values of Data Elements that have Value Representation
//    of SH, LO, ST, PN, LT, UC or UT. […] If the Attribute Specific Character Set (0008,0005)
//    has more than one value and value 1 is empty, it is assumed that value 1 is ISO 2022 IR 6."
//
// PS3.5 §6.1.2.5.3 Requirements (initial designation, per value of (0008,0005)):
//   a. absent:                            7-bit ISO-IR 6 as G0, no code extension.
//   b. single value other than ISO_IR 192, GB18030, GBK:
//                                         8-bit code, value 1 as G0 and G1, no code extension.
//   c. multi-valued:                      value 1 as G0 and G1 (if value 1 is empty, ISO-IR 6
//                                         as G0 and G1 undefined); all values may take part
//                                         in code extension.
//   d. single value ISO_IR 192, GB18030 or GBK: variable-length code, no code extension.
//
// PS3.5 §6.1.2.5.3: if another character set has been invoked, the one of value 1 shall be
// active again before CR, LF, FF, any other control character except ESC (e.g. TAB), before
// the value delimiter 05/12 and, for PN, before the "^" and "=" delimiters, and at the end of
// the value.

/// PS3.3 C.12.1.1.2 Specific Character Set; PS3.5 §6.1 and Annexes H–K.
///
/// A pure codec between the bytes of a text value and Swift strings. It applies only to the
/// VRs of PS3.5 §6.1.2.3 (`VR.usesSpecificCharacterSet`: SH, LO, ST, LT, PN, UC, UT); other
/// VRs are read and written in the default repertoire (ISO-IR 6).
///
/// Decode a whole value (all its values, with the 05/12 delimiters) before splitting it on
/// "\\": in GBK and GB18030 the byte 0x5C can be the second byte of a character, and ISO 2022
/// code extensions reset at the delimiters.
public struct SpecificCharacterSet: Sendable, Hashable, CustomStringConvertible {
    /// ISO_IR 6: the default repertoire (ASCII), used when (0008,0005) is absent or empty.
    public static let `default` = SpecificCharacterSet(terms: [])

    /// The terms as given (surrounding spaces and NULs removed). Empty for `default`.
    public let terms: [String]

    /// Terms that were not recognized, or that cannot be used where they stand (a stand-alone
    /// term such as ISO_IR 192 together with others). They are ignored; a reader should turn
    /// them into warnings. If value 1 is unknown, ASCII is used in its place; and when a term is
    /// unknown, bytes 0x80–0xFF that no designated or declared set covers are read as ISO 8859-1
    /// (ASCII-safe and lossless). Encoding never guesses: such characters cannot be written.
    public let unknownTerms: [String]

    /// Recognized terms that are not spelled as PS3.3 defines them (e.g. "ISO-IR 100", or
    /// "ISO_IR 100" among several values where "ISO 2022 IR 100" is meant). They are used as the
    /// term they resemble; a reader may warn about them.
    public let nonStandardTerms: [String]

    let configuration: CharacterSetConfiguration

    /// Creates the character set from the raw value of (0008,0005): values separated by
    /// backslashes, padding trimmed. The first value may be empty (default repertoire).
    public init(_ value: String) {
        let parts = value.split(separator: "\\", omittingEmptySubsequences: false).map(String.init)
        self.init(terms: parts)
    }

    /// Creates the character set from the values of (0008,0005).
    public init(terms: [String]) {
        var trimmed = terms.map { SpecificCharacterSet.trim($0) }
        // Trailing empty values (and so a single empty value) carry no information.
        while trimmed.last?.isEmpty == true { trimmed.removeLast() }
        self.terms = trimmed
        let parsed = CharacterSetConfiguration.parse(trimmed)
        self.configuration = parsed.configuration
        self.unknownTerms = parsed.unknown
        self.nonStandardTerms = parsed.nonStandard
    }

    /// Whether this is the default repertoire, ISO-IR 6 (ASCII) without code extensions.
    public var isDefault: Bool { configuration == CharacterSetConfiguration.defaultRepertoire }

    /// Decodes the bytes of a value of the given VR. Lossless for valid input; bytes that are
    /// not valid in the character set become U+FFFD. Never traps, whatever the input.
    /// Trailing padding is not removed (that is the caller's business).
    public func decode(_ bytes: some Collection<UInt8>, vr: VR) -> String {
        let bytes = Array(bytes)
        if bytes.isEmpty { return "" }
        let configuration = vr.usesSpecificCharacterSet ? self.configuration : CharacterSetConfiguration.defaultRepertoire
        if configuration.readsASCIIAsIs, bytes.allSatisfy({ $0 < 0x80 && $0 != 0x1B }) {
            // The common case: plain ASCII means the same in every set whose G0 is ISO-IR 6.
            return String(decoding: bytes, as: UTF8.self)
        }
        let session = IconvSession()
        switch configuration.kind {
        case .utf8:
            return String(decoding: bytes, as: UTF8.self)
        case .gb18030:
            return session.decode(bytes, from: "GB18030", unit: 1)
        case .gbk:
            return session.decode(bytes, from: "GBK", unit: 1)
        case .iso2022:
            var decoder = ISO2022Decoder(configuration: configuration, vr: vr, session: session)
            return decoder.decode(bytes)
        }
    }

    /// Encodes a value of the given VR. No padding is added. Throws `.characterSet` if a
    /// character cannot be represented in this character set.
    public func encode(_ string: String, vr: VR) throws(DICOMError) -> [UInt8] {
        if string.isEmpty { return [] }
        let configuration = vr.usesSpecificCharacterSet ? self.configuration : CharacterSetConfiguration.defaultRepertoire
        if configuration.readsASCIIAsIs, string.utf8.allSatisfy({ $0 < 0x80 && $0 != 0x1B }) {
            return Array(string.utf8)
        }
        let session = IconvSession()
        switch configuration.kind {
        case .utf8:
            return Array(string.utf8)
        case .gb18030, .gbk:
            let name = configuration.kind == .gb18030 ? "GB18030" : "GBK"
            if let bytes = session.encode(string, to: name) { return bytes }
            // Find the culprit for the message.
            for scalar in string.unicodeScalars where session.encode(String(Character(scalar)), to: name) == nil {
                throw notRepresentable(scalar, vr: vr)
            }
            throw DICOMError(.characterSet, "Text cannot be encoded in \(describe)")
        case .iso2022:
            var encoder = ISO2022Encoder(configuration: configuration, vr: vr, session: session)
            do {
                return try encoder.encode(string)
            } catch let failure {
                throw notRepresentable(failure.scalar, vr: vr)
            }
        }
    }

    // MARK: Equality

    /// Two character sets are equal when they decode and encode alike, whatever the spelling
    /// of their terms ("" and "ISO_IR 6" are both the default).
    public static func == (lhs: SpecificCharacterSet, rhs: SpecificCharacterSet) -> Bool {
        lhs.configuration == rhs.configuration && lhs.unknownTerms == rhs.unknownTerms
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(configuration)
        hasher.combine(unknownTerms)
    }

    // MARK: Helpers

    /// The value of (0008,0005) as it would be written: the terms joined by backslashes.
    public var description: String { terms.joined(separator: "\\") }

    private var describe: String {
        terms.isEmpty ? "the default character repertoire (ISO_IR 6)" : "Specific Character Set '\(terms.joined(separator: "\\"))'"
    }

    private func notRepresentable(_ scalar: Unicode.Scalar, vr: VR) -> DICOMError {
        let code = String(scalar.value, radix: 16, uppercase: true)
        let padded = String(repeating: "0", count: max(0, 4 - code.count)) + code
        let where_ = vr.usesSpecificCharacterSet ? describe : "the default character repertoire (VR \(vr.rawValue) does not use Specific Character Set)"
        return DICOMError(.characterSet, "Character U+\(padded) '\(Character(scalar).debugDescription.dropFirst().dropLast())' cannot be encoded in \(where_)")
    }

    private static func trim(_ term: String) -> String {
        let scalars = term.unicodeScalars
        let isPadding: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\u{0}" }
        guard let first = scalars.firstIndex(where: { !isPadding($0) }),
              let last = scalars.lastIndex(where: { !isPadding($0) })
        else { return "" }
        return String(scalars[first...last])
    }
}
