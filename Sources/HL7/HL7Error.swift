// HL7 v2 ER7 codec errors (one error struct for the whole module).

/// An error raised by the HL7 codec: a stable ``Code`` that callers can compare,
/// a human-readable reason, and where in the input it happened when known.
///
/// The reason never contains message content (no PHI): only positions, segment IDs
/// and structural facts.
public struct HL7Error: Error, Hashable, Sendable, CustomStringConvertible {
    /// A machine-comparable error kind. New codes may be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's stable name, e.g. `"missingHeader"`.
        public let name: String
        private init(_ name: String) { self.name = name }

        /// The input does not start with an `MSH` (or `FHS`/`BHS` for batches) segment.
        public static let missingHeader = Code("missingHeader")
        /// The input ends in the middle of a structure that must be complete (e.g. MSH-1/MSH-2).
        public static let truncated = Code("truncated")
        /// MSH-1/MSH-2 do not define a valid, distinct set of delimiters.
        public static let invalidEncodingCharacters = Code("invalidEncodingCharacters")
        /// A segment ID is not three upper-case letters or digits.
        public static let invalidSegmentID = Code("invalidSegmentID")
        /// The input contains bytes that cannot occur in ER7 text (e.g. NUL).
        public static let binaryContent = Code("binaryContent")
        /// The input is larger than the codec's limits.
        public static let tooLarge = Code("tooLarge")
        /// A path expression such as `PID-3(2).4.1` could not be parsed.
        public static let invalidPath = Code("invalidPath")
        /// The character set named in MSH-18 is not supported.
        public static let unsupportedCharacterSet = Code("unsupportedCharacterSet")
        /// Bytes cannot be decoded (or a string encoded) with the declared character set.
        public static let invalidCharacterData = Code("invalidCharacterData")
        /// FHS/BHS/BTS/FTS structure of a batch file is inconsistent.
        public static let invalidBatch = Code("invalidBatch")
        /// A value cannot be read as the requested data type.
        public static let invalidValue = Code("invalidValue")
        /// A required element (e.g. MSH-10 for an ACK) is missing.
        public static let missingValue = Code("missingValue")

        public var description: String { name }
    }

    /// What went wrong, as a comparable code.
    public var code: Code
    /// Why, in words (never message content).
    public var reason: String
    /// Byte offset in the input where the problem was detected, when known.
    public var offset: Int?
    /// Segment ID involved, when known.
    public var segment: String?
    /// Field number (1-based) involved, when known.
    public var field: Int?

    /// Creates an error.
    public init(_ code: Code, _ reason: String, offset: Int? = nil, segment: String? = nil, field: Int? = nil) {
        self.code = code
        self.reason = reason
        self.offset = offset
        self.segment = segment
        self.field = field
    }

    public var description: String {
        var s = "HL7Error.\(code): \(reason)"
        if let offset { s += " (offset \(offset)" } else { s += " (" }
        if let segment {
            s += offset == nil ? "" : ", "
            s += "segment \(segment)"
            if let field { s += "-\(field)" }
        }
        s += ")"
        if s.hasSuffix(" ()") { s.removeLast(3) }
        return s
    }
}
