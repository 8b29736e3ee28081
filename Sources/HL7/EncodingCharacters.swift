// HL7 v2.8 §2.5.4 Message delimiters; §2.14.9.1 MSH-1 Field Separator, §2.14.9.2 MSH-2 Encoding Characters
// (v2.7+ adds the truncation character as the fifth encoding character).

/// The delimiters of one message, read from MSH-1 and MSH-2.
///
/// A delimiter that MSH-2 leaves out (old or sloppy senders send `^~\` only) is set to the
/// field separator: inside a field the field separator never occurs, so an absent delimiter
/// then simply never matches.
public struct EncodingCharacters: Hashable, Sendable {
    /// MSH-1, usually `|`.
    public var field: UInt8
    /// Component separator, usually `^`.
    public var component: UInt8
    /// Repetition separator, usually `~`.
    public var repetition: UInt8
    /// Escape character, usually `\`.
    public var escape: UInt8
    /// Subcomponent separator, usually `&`.
    public var subcomponent: UInt8
    /// v2.7+ truncation character, usually `#`; `nil` when MSH-2 has only four characters.
    public var truncation: UInt8?

    /// The usual `|^~\&` delimiters, without truncation character.
    public static let standard = EncodingCharacters(field: 0x7C, component: 0x5E, repetition: 0x7E, escape: 0x5C, subcomponent: 0x26, truncation: nil)

    /// Creates a set of delimiters.
    public init(field: UInt8, component: UInt8, repetition: UInt8, escape: UInt8, subcomponent: UInt8, truncation: UInt8? = nil) {
        self.field = field
        self.component = component
        self.repetition = repetition
        self.escape = escape
        self.subcomponent = subcomponent
        self.truncation = truncation
    }

    /// Whether the escape character is defined by MSH-2 (it is absent when it equals the field separator).
    public var hasEscape: Bool { escape != field }

    /// MSH-2 as written: component, repetition, escape, subcomponent and (if any) truncation characters.
    public var msh2: [UInt8] {
        var out: [UInt8] = []
        for c in [component, repetition, escape, subcomponent] where c != field { out.append(c) }
        if let truncation { out.append(truncation) }
        return out
    }

    /// Reads the delimiters from MSH-1 (`fieldSeparator`) and the MSH-2 bytes.
    /// - Throws: ``HL7Error/Code/invalidEncodingCharacters`` when a delimiter is a letter, digit,
    ///   space, control character, or is used twice.
    public init(fieldSeparator fs: UInt8, msh2: some Collection<UInt8>, offset: Int = 0) throws(HL7Error) {
        // No allocation: this runs once per parsed message.
        let count = msh2.count
        guard count <= 5 else {
            throw HL7Error(.invalidEncodingCharacters, "MSH-2 has \(count) characters; at most 5 are allowed", offset: offset, segment: "MSH", field: 2)
        }
        guard EncodingCharacters.isValidDelimiter(fs) else {
            throw HL7Error(.invalidEncodingCharacters, "MSH-1 byte 0x\(hex(fs)) cannot be a field separator", offset: offset, segment: "MSH", field: 1)
        }
        var chars: (UInt8, UInt8, UInt8, UInt8, UInt8) = (fs, fs, fs, fs, fs)
        var k = 0
        for c in msh2 {
            guard EncodingCharacters.isValidDelimiter(c) else {
                throw HL7Error(.invalidEncodingCharacters, "MSH-2 contains byte 0x\(hex(c)), which cannot be a delimiter", offset: offset + k, segment: "MSH", field: 2)
            }
            let seen = c == fs || (k > 0 && c == chars.0) || (k > 1 && c == chars.1) || (k > 2 && c == chars.2) || (k > 3 && c == chars.3)
            guard !seen else {
                throw HL7Error(.invalidEncodingCharacters, "MSH-2 uses byte 0x\(hex(c)) twice or as the field separator", offset: offset + k, segment: "MSH", field: 2)
            }
            switch k {
            case 0: chars.0 = c
            case 1: chars.1 = c
            case 2: chars.2 = c
            case 3: chars.3 = c
            default: chars.4 = c
            }
            k += 1
        }
        self.init(field: fs, component: chars.0, repetition: chars.1, escape: chars.2, subcomponent: chars.3,
                  truncation: count == 5 ? chars.4 : nil)
    }

    /// A delimiter must be printable ASCII punctuation.
    static func isValidDelimiter(_ c: UInt8) -> Bool {
        guard c > 0x20 && c < 0x7F else { return false }
        switch c {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return false
        default: return true
        }
    }
}

@inline(__always) func hex(_ b: UInt8) -> String {
    let digits: [Character] = Array("0123456789ABCDEF")
    return String([digits[Int(b >> 4)], digits[Int(b & 0xF)]])
}
