// One error type for the DICOM module, in the manner of swift-asn1: a code that can grow
// without breaking callers, a human reason, and where in the input it happened.

/// An error reading or writing DICOM data.
public struct DICOMError: Error, Sendable, CustomStringConvertible {
    /// What kind of error this is. New codes may be added; compare with `==`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The input ended in the middle of an element, item or header.
        public static let truncated = Code("truncated")
        /// A length field that cannot be right (beyond the input, odd where it must be even, …).
        public static let invalidLength = Code("invalidLength")
        /// A structure the reader does not understand (bad item tag, bad delimiter, …).
        public static let malformed = Code("malformed")
        /// Nesting of sequences deeper than the configured limit.
        public static let nestingTooDeep = Code("nestingTooDeep")
        /// The file is not DICOM at all.
        public static let notDICOM = Code("notDICOM")
        /// A transfer syntax the codec cannot read or write.
        public static let unsupportedTransferSyntax = Code("unsupportedTransferSyntax")
        /// A value that cannot be encoded in the requested form.
        public static let invalidValue = Code("invalidValue")
        /// Text that cannot be represented in the declared character set.
        public static let characterSet = Code("characterSet")
        /// An I/O error from the operating system.
        public static let io = Code("io")
        /// A JSON or XML document that does not follow PS3.18 Annex F / PS3.19 Annex A.
        public static let invalidDocument = Code("invalidDocument")
    }

    public var code: Code
    public var reason: String
    /// Byte offset in the input where the problem was found, if known.
    public var offset: Int?
    /// The tag of the element being read, if known.
    public var tag: Tag?

    public init(_ code: Code, _ reason: String, offset: Int? = nil, tag: Tag? = nil) {
        self.code = code
        self.reason = reason
        self.offset = offset
        self.tag = tag
    }

    public var description: String {
        var s = reason
        if let tag { s += " [tag \(tag)]" }
        if let offset { s += " [at byte \(offset)]" }
        return s
    }
}

/// A problem the reader tolerated: the data was read, but is not quite conformant.
public struct DICOMWarning: Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var offset: Int?
    public var tag: Tag?

    public init(_ message: String, offset: Int? = nil, tag: Tag? = nil) {
        self.message = message
        self.offset = offset
        self.tag = tag
    }

    public var description: String {
        var s = message
        if let tag { s += " [tag \(tag)]" }
        if let offset { s += " [at byte \(offset)]" }
        return s
    }
}
