// HL7 v2.8 §2.5 Message construction rules, §2.6 Message framing and §2.10 Processing rules for
// segments (Z-segments and unknown segments are kept as they are).

/// A parsed HL7 v2 message in ER7 ("pipe and hat") encoding.
///
/// Parsing keeps the original bytes and builds a flat index of where each segment and field
/// starts; nothing else is allocated until a value is read. Serializing an unmodified message
/// (``bytes``) gives back exactly the bytes it was parsed from. Setting a value splices new bytes
/// in and re-indexes.
///
/// ```swift
/// let msg = try Message(bytes)
/// msg["PID-5.1"]          // family name, escapes and character set decoded
/// try msg.set("PID-5.2", to: "Jane")
/// ```
public struct Message: Hashable, Sendable {
    /// The message's bytes, exactly as parsed (or as rebuilt by the last `set`).
    public private(set) var bytes: [UInt8]
    /// Delimiters from MSH-1 and MSH-2.
    public private(set) var encoding: EncodingCharacters
    /// Character set declared in MSH-18 (ASCII with lenient decoding when empty or unknown).
    public private(set) var characterSet: HL7CharacterSet
    var index: ER7Index

    /// Parses one message. Segments may be terminated by CR (standard), LF or CRLF.
    /// - Throws: ``HL7Error`` with the code, byte offset and segment when the bytes are not an ER7 message.
    public init(_ bytes: [UInt8]) throws(HL7Error) {
        let (enc, idx) = try ER7Index.build(bytes)
        self.bytes = bytes
        self.encoding = enc
        self.index = idx
        self.characterSet = .ascii
        self.characterSet = declaredCharacterSet ?? .ascii
    }

    /// Parses one message from a slice of a larger buffer (the bytes are copied).
    public init(_ bytes: ArraySlice<UInt8>) throws(HL7Error) {
        try self.init(Array(bytes))
    }

    /// Parses one message from text (its UTF-8 bytes).
    public init(_ text: String) throws(HL7Error) {
        try self.init(Array(text.utf8))
    }

    init(validBytes bytes: [UInt8], header: UInt32) throws(HL7Error) {
        let (enc, idx) = try ER7Index.build(bytes, header: header)
        self.bytes = bytes
        self.encoding = enc
        self.index = idx
        self.characterSet = .ascii
        self.characterSet = declaredCharacterSet ?? .ascii
    }

    /// The character set MSH-18 names, or nil when it is empty or not in table 0211.
    public var declaredCharacterSet: HL7CharacterSet? {
        guard let r = index.fieldRange(0, 18), !r.isEmpty else { return nil }
        let first = ER7Split.part(bytes, r, encoding.repetition, 1) ?? r
        // Fast path for the common names, compared in place (this runs for every parsed message).
        let common = bytes.withUnsafeBufferPointer { p -> HL7CharacterSet? in
            let name = UnsafeBufferPointer(rebasing: p[first])
            if HL7CharacterSet.matches(name, "UNICODE UTF-8") { return .utf8 }
            if HL7CharacterSet.matches(name, "8859/1") { return .latin1 }
            if HL7CharacterSet.matches(name, "ASCII") { return .ascii }
            return nil
        }
        if let common { return common }
        // Code extension (§2.14.9.18, e.g. `ISO IR6~ISO IR87`): the repetitions after the first name the
        // sets that ISO 2022 escape sequences switch to; read the message with the ISO 2022 decoder then.
        let names = ER7Split.parts(bytes, r, encoding.repetition).map { String(decoding: bytes[$0], as: UTF8.self) }
        if names.count > 1, let extended = names.dropFirst().lazy.compactMap(HL7CharacterSet.init(msh18:)).first(where: \.isISO2022) {
            return extended
        }
        return HL7CharacterSet(msh18: names[0])
    }

    /// The serialized message: identical to the parsed bytes when unmodified.
    public func serialized() -> [UInt8] { bytes }

    /// The message as text, decoded with its character set (escapes are not decoded).
    public var er7: String { characterSet.decode(bytes) }

    /// Number of segments.
    public var segmentCount: Int { index.count }

    /// The segments, in order.
    public var segments: Segments { Segments(message: self) }

    /// The `occurrence`-th (1-based) segment with the given ID, or nil.
    public func segment(_ id: String, occurrence: Int = 1) -> Segment? {
        guard let s = segmentIndex(id, occurrence: occurrence) else { return nil }
        return Segment(message: self, index: s)
    }

    /// Index of the `occurrence`-th segment with the given ID.
    func segmentIndex(_ id: String, occurrence: Int) -> Int? {
        guard let packed = ER7Index.pack(id), occurrence >= 1 else { return nil }
        var seen = 0
        for (i, e) in index.segments.enumerated() where e.id == packed {
            seen += 1
            if seen == occurrence { return i }
        }
        return nil
    }

    /// Number of segments with the given ID.
    public func count(of id: String) -> Int {
        guard let packed = ER7Index.pack(id) else { return 0 }
        return index.segments.reduce(0) { $0 + ($1.id == packed ? 1 : 0) }
    }

    public static func == (a: Message, b: Message) -> Bool { a.bytes == b.bytes }
    public func hash(into h: inout Hasher) { h.combine(bytes) }
}

extension Message {
    /// The segments of a message as a random-access collection of lightweight views.
    public struct Segments: RandomAccessCollection, Sendable {
        let message: Message
        /// Always 0.
        public var startIndex: Int { 0 }
        /// The number of segments.
        public var endIndex: Int { message.index.count }
        /// The segment at position `i` (0-based).
        public subscript(i: Int) -> Segment { Segment(message: message, index: i) }
    }
}

/// A view of one segment of a ``Message``.
public struct Segment: Sendable {
    let message: Message
    /// Position of the segment in the message, 0-based.
    public let index: Int

    var entry: SegmentEntry { message.index.segments[index] }

    /// The segment ID, e.g. `PID` or `ZPI`.
    public var id: String { ER7Index.unpack(entry.id) }

    /// Byte range of the segment in ``Message/bytes`` (without its terminator).
    public var range: Range<Int> { Int(entry.start) ..< Int(entry.end) }

    /// The segment as ER7 text (without its terminator).
    public var er7: String { message.characterSet.decode(message.bytes[range]) }

    /// Number of fields (the last one present; for MSH, counting MSH-1).
    public var fieldCount: Int { message.index.fieldCount(index) }

    /// Field `n` (1-based), or nil when the segment has fewer fields.
    public func field(_ n: Int) -> Element? {
        guard let r = message.index.fieldRange(index, n) else { return nil }
        let literal = ER7Index.isHeader(entry.id) && n <= 2
        return Element(storage: message.bytes, range: r, level: .field, encoding: message.encoding,
                       characterSet: message.characterSet, literal: literal)
    }

    /// Field `n` (1-based).
    public subscript(n: Int) -> Element? { field(n) }

    /// The fields, from 1 to ``fieldCount``.
    public var fields: [Element] { fieldCount == 0 ? [] : (1 ... fieldCount).compactMap(field) }
}
