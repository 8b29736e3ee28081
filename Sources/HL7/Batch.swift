// HL7 v2.8 §2.10.3 Batch protocol: [FHS { [BHS] { MSH … } [BTS] } [FTS]]; §2.15.2 FHS, §2.15.1 BHS,
// §2.15.3 BTS (BTS-1 batch message count), §2.15.4 FTS (FTS-1 file batch count).

/// An HL7 batch file: an optional file header, batches of messages, an optional file trailer.
/// Parsing keeps every byte, so ``serialized()`` of an unmodified batch gives back the input.
public struct HL7Batch: Sendable {
    /// One batch: BHS, messages, BTS.
    public struct Batch: Sendable {
        /// The BHS segment, read like a message header (BHS-1/BHS-2 are the delimiters).
        public var header: Message?
        /// The messages of the batch.
        public var messages: [Message]
        /// The BTS segment bytes (with terminator), if present.
        public var trailer: [UInt8]?

        /// Creates a batch.
        public init(header: Message? = nil, messages: [Message], trailer: [UInt8]? = nil) {
            self.header = header
            self.messages = messages
            self.trailer = trailer
        }

        /// BTS-1, the number of messages the sender declared.
        public var declaredMessageCount: Int? { HL7Batch.firstFieldNumber(trailer) }
    }

    /// The FHS segment, read like a message header.
    public var header: Message?
    /// The batches.
    public var batches: [Batch]
    /// The FTS segment bytes (with terminator), if present.
    public var trailer: [UInt8]?
    /// Bytes before the first segment that belong to nothing (kept for a lossless round trip).
    var leading: [UInt8] = []

    /// FTS-1, the number of batches the sender declared.
    public var declaredBatchCount: Int? { HL7Batch.firstFieldNumber(trailer) }

    /// All messages of all batches, in order.
    public var messages: [Message] { batches.flatMap(\.messages) }

    /// Creates a batch file from parts.
    public init(header: Message? = nil, batches: [Batch], trailer: [UInt8]? = nil) {
        self.header = header
        self.batches = batches
        self.trailer = trailer
    }

    /// Parses a batch file (or a plain file of messages, which reads as one batch without header).
    /// - Throws: ``HL7Error/Code/invalidBatch`` for segments outside any message or misplaced control
    ///   segments; the message's own error (with the offset in the file) for a message that does not parse.
    public init(_ bytes: [UInt8]) throws(HL7Error) {
        self.init(batches: [])
        var currentBatch: Batch? = nil
        var sawFileTrailer = false
        for piece in MessageStream.pieces(bytes) {
            let raw = Array(bytes[piece.range])
            if sawFileTrailer {
                throw HL7Error(.invalidBatch, "segments after FTS", offset: piece.range.lowerBound)
            }
            switch piece.kind {
            case .other:
                if raw.allSatisfy({ $0 == 0x0D || $0 == 0x0A || $0 == 0x20 || $0 == 0x09 }) , piece.range.lowerBound == 0 {
                    leading = raw; continue
                }
                throw HL7Error(.invalidBatch, "segment outside any message", offset: piece.range.lowerBound)
            case .fileHeader:
                guard header == nil, batches.isEmpty, currentBatch == nil else {
                    throw HL7Error(.invalidBatch, "FHS must be the first segment of the file", offset: piece.range.lowerBound, segment: "FHS")
                }
                header = try HL7Batch.parseHeader(raw, ER7Index.fhs, at: piece.range.lowerBound)
            case .batchHeader:
                if let b = currentBatch { batches.append(b) }
                currentBatch = Batch(header: try HL7Batch.parseHeader(raw, ER7Index.bhs, at: piece.range.lowerBound), messages: [])
            case .message:
                let m: Message
                do throws(HL7Error) { m = try Message(raw) } catch {
                    var e = error
                    e.offset = (e.offset ?? 0) + piece.range.lowerBound
                    throw e
                }
                if currentBatch == nil { currentBatch = Batch(messages: []) }
                currentBatch!.messages.append(m)
            case .batchTrailer:
                guard var b = currentBatch, b.trailer == nil else {
                    throw HL7Error(.invalidBatch, "BTS without a batch", offset: piece.range.lowerBound, segment: "BTS")
                }
                b.trailer = raw
                batches.append(b)
                currentBatch = nil
            case .fileTrailer:
                if let b = currentBatch { batches.append(b); currentBatch = nil }
                trailer = raw
                sawFileTrailer = true
            }
        }
        if let b = currentBatch { batches.append(b) }
    }

    private static func parseHeader(_ raw: [UInt8], _ id: UInt32, at offset: Int) throws(HL7Error) -> Message {
        do throws(HL7Error) {
            return try Message(validBytes: raw, header: id)
        } catch {
            var e = error
            e.offset = (e.offset ?? 0) + offset
            throw e
        }
    }

    static func firstFieldNumber(_ raw: [UInt8]?) -> Int? {
        guard let raw, raw.count > 4 else { return nil }
        let fs = raw[3]
        var v = 0, digits = 0
        for c in raw[4...] {
            if c == fs || c == 0x0D || c == 0x0A { break }
            guard c >= 0x30 && c <= 0x39, digits < 9 else { return nil }
            v = v * 10 + Int(c - 0x30)
            digits += 1
        }
        return digits > 0 ? v : nil
    }

    /// Checks BTS-1 and FTS-1 against the actual counts.
    /// - Throws: ``HL7Error/Code/invalidBatch`` naming the mismatch.
    public func validateCounts() throws(HL7Error) {
        for (i, b) in batches.enumerated() {
            if let d = b.declaredMessageCount, d != b.messages.count {
                throw HL7Error(.invalidBatch, "batch \(i + 1): BTS-1 declares \(d) messages, found \(b.messages.count)", segment: "BTS", field: 1)
            }
        }
        if let d = declaredBatchCount, d != batches.count {
            throw HL7Error(.invalidBatch, "FTS-1 declares \(d) batches, found \(batches.count)", segment: "FTS", field: 1)
        }
    }

    /// The batch file's bytes: identical to the input when parsed and unmodified. Segments that were
    /// built (not parsed) are terminated with CR.
    public func serialized() -> [UInt8] {
        var parts: [[UInt8]] = []
        if let header { parts.append(header.bytes) }
        for b in batches {
            if let h = b.header { parts.append(h.bytes) }
            for m in b.messages { parts.append(m.bytes) }
            if let t = b.trailer { parts.append(t) }
        }
        if let trailer { parts.append(trailer) }
        var out = leading
        for (i, p) in parts.enumerated() {
            out.append(contentsOf: p)
            // A part without terminator gets one only when something follows it, so that a parsed
            // file whose last segment has no terminator round-trips unchanged.
            // Terminators are those the parser accepts: CR, LF and the MLLP end block 0x1C.
            if i + 1 < parts.count, let last = p.last, last != 0x0D && last != 0x0A && last != 0x1C { out.append(0x0D) }
        }
        return out
    }

    /// Builds a one-batch file around `messages`: FHS, BHS, the messages, `BTS|<count>`, `FTS|1`.
    /// - Parameters:
    ///   - fileControlID: FHS-11.
    ///   - batchControlID: BHS-11.
    ///   - timestamp: FHS-7 and BHS-7.
    ///   - sendingApplication: FHS-3 and BHS-3.
    public static func build(messages: [Message], fileControlID: String, batchControlID: String, timestamp: HL7Timestamp = .now(),
                             sendingApplication: String = "", encoding: EncodingCharacters = .standard) throws(HL7Error) -> HL7Batch {
        func header(_ id: String, _ control: String) throws(HL7Error) -> Message {
            var raw = Array(id.utf8)
            raw.append(encoding.field)
            raw.append(contentsOf: encoding.msh2)
            raw.append(encoding.field)
            raw.append(0x0D)
            var m = try Message(validBytes: raw, header: ER7Index.pack(id)!)
            try m.set("\(id)-3", to: sendingApplication)
            try m.set("\(id)-7", to: timestamp.description)
            try m.set("\(id)-11", to: control)
            return m
        }
        var bts = Array("BTS".utf8); bts.append(encoding.field); bts.append(contentsOf: Array(String(messages.count).utf8)); bts.append(0x0D)
        var fts = Array("FTS".utf8); fts.append(encoding.field); fts.append(0x31); fts.append(0x0D)
        return HL7Batch(header: try header("FHS", fileControlID),
                        batches: [Batch(header: try header("BHS", batchControlID), messages: messages, trailer: bts)],
                        trailer: fts)
    }
}
