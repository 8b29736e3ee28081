// HL7 v2.8 §2.5 Message construction rules, §2.6 Message framing (segment terminator CR)
// — the delimiter index built over the original bytes of one ER7 message.

/// One segment in the index: where it is in the bytes and where its field starts are in
/// ``ER7Index/slots``. Four 32-bit integers, no per-segment allocation.
struct SegmentEntry: Hashable, Sendable {
    /// Offset of the first byte of the segment ID.
    var start: Int32
    /// Offset one past the last byte of the segment (its terminator is not included).
    var end: Int32
    /// Index in `slots` of the segment's slot 0 (its ID).
    var firstSlot: Int32
    /// The three ID bytes packed big-endian, for fast comparison.
    var id: UInt32
}

/// The flat index of one message: an array of segment entries and one array of slot starts
/// (the offset after each field separator), shared by all segments.
///
/// Slot `k` of a segment spans `slots[first+k] ..< slots[first+k+1] - 1`. For `MSH`, `FHS` and
/// `BHS` slot 1 is field 2 (the encoding characters) because field 1 *is* the separator.
struct ER7Index: Hashable, Sendable {
    var segments: [SegmentEntry]
    var slots: [Int32]
    /// Where the indexed part of the bytes begins (leading whitespace and MLLP start byte are skipped).
    var contentStart: Int

    /// Largest message the index handles (offsets are 32-bit).
    static let maximumSize = Int(Int32.max) - 2

    @inline(__always) static func pack(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> UInt32 {
        UInt32(a) << 16 | UInt32(b) << 8 | UInt32(c)
    }
    static func pack(_ id: String) -> UInt32? {
        var it = id.utf8.makeIterator()
        guard let a = it.next(), let b = it.next(), let c = it.next(), it.next() == nil else { return nil }
        return pack(a, b, c)
    }
    static func unpack(_ id: UInt32) -> String {
        String(decoding: [UInt8(id >> 16 & 0xFF), UInt8(id >> 8 & 0xFF), UInt8(id & 0xFF)], as: UTF8.self)
    }
    static let msh = pack(0x4D, 0x53, 0x48)
    static let fhs = pack(0x46, 0x48, 0x53)
    static let bhs = pack(0x42, 0x48, 0x53)

    /// Whether a segment ID is one of the header segments whose field 1 is the field separator.
    @inline(__always) static func isHeader(_ id: UInt32) -> Bool { id == msh || id == fhs || id == bhs }

    /// Number of segments.
    var count: Int { segments.count }

    /// Number of slots (ID + fields) of segment `s`.
    @inline(__always) func slotCount(_ s: Int) -> Int {
        let first = Int(segments[s].firstSlot)
        let next = s + 1 < segments.count ? Int(segments[s + 1].firstSlot) : slots.count
        return next - first - 1
    }

    /// Byte range of slot `k` of segment `s`, or nil if the segment has fewer slots.
    @inline(__always) func slotRange(_ s: Int, _ k: Int) -> Range<Int>? {
        guard k >= 0, k < slotCount(s) else { return nil }
        let i = Int(segments[s].firstSlot) + k
        return Int(slots[i]) ..< Int(slots[i + 1]) - 1
    }

    /// Byte range of field `n` (1-based) of segment `s`, honouring the MSH/FHS/BHS numbering.
    /// Field 1 of a header segment is the one-byte field separator itself.
    func fieldRange(_ s: Int, _ n: Int) -> Range<Int>? {
        guard n >= 1 else { return nil }
        if ER7Index.isHeader(segments[s].id) {
            if n == 1 {
                let p = Int(segments[s].start) + 3
                return p < Int(segments[s].end) ? p ..< p + 1 : nil
            }
            return slotRange(s, n - 1)
        }
        return slotRange(s, n)
    }

    /// Number of fields of segment `s` (for headers, counting MSH-1).
    func fieldCount(_ s: Int) -> Int {
        let slotsN = slotCount(s)
        return slotsN - 1 + (ER7Index.isHeader(segments[s].id) && slotsN >= 1 ? 1 : 0)
    }
}

// MARK: - Scanning

/// 0x80 in every byte of `x` that is zero, 0 elsewhere (exact, no false positives).
@inline(__always) func zeroBytes(_ x: UInt64) -> UInt64 {
    let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
    return ~(((x & low) &+ low) | x | low)
}

extension ER7Index {
    /// Finds the header segment (MSH, or FHS/BHS for batch headers) and reads the delimiters.
    /// Returns the encoding characters and the offset of the header segment.
    static func readHeader(_ p: UnsafeBufferPointer<UInt8>, allowed header: UInt32) throws(HL7Error) -> (EncodingCharacters, Int) {
        let n = p.count
        var i = 0
        // Lenient: skip a UTF-8 BOM, an MLLP start block and blank lines before the header.
        if n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF { i = 3 }
        while i < n, p[i] == 0x0B || p[i] == 0x0D || p[i] == 0x0A || p[i] == 0x20 || p[i] == 0x09 { i += 1 }
        guard i < n else { throw HL7Error(.missingHeader, "input is empty", offset: i) }
        guard i + 3 <= n else {
            throw HL7Error(n - i < 3 && isPrefixOfHeader(p, i, header) ? .truncated : .missingHeader,
                           "input ends before a complete MSH segment ID", offset: i)
        }
        let id = pack(p[i], p[i + 1], p[i + 2])
        guard id == header else {
            throw HL7Error(.missingHeader, "message does not start with an \(unpack(header)) segment", offset: i)
        }
        // The segment name for error messages, built only when one is thrown.
        var name: String { unpack(id) }
        guard i + 3 < n else { throw HL7Error(.truncated, "input ends before the field separator", offset: n, segment: name, field: 1) }
        let fs = p[i + 3]
        guard EncodingCharacters.isValidDelimiter(fs) else {
            throw HL7Error(.invalidEncodingCharacters, "byte 0x\(hex(fs)) after \(name) cannot be a field separator", offset: i + 3, segment: name, field: 1)
        }
        var j = i + 4
        while j < n, p[j] != fs, p[j] != 0x0D, p[j] != 0x0A { j += 1 }
        guard j < n, p[j] == fs else {
            throw HL7Error(.truncated, "\(name)-2 (encoding characters) is not followed by a field separator", offset: j, segment: name, field: 2)
        }
        guard j > i + 4 else {
            throw HL7Error(.invalidEncodingCharacters, "\(name)-2 (encoding characters) is empty", offset: i + 4, segment: name, field: 2)
        }
        let enc = try EncodingCharacters(fieldSeparator: fs, msh2: UnsafeBufferPointer(rebasing: p[(i + 4) ..< j]), offset: i + 4)
        return (enc, i)
    }

    private static func isPrefixOfHeader(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ h: UInt32) -> Bool {
        let full = [UInt8(h >> 16 & 0xFF), UInt8(h >> 8 & 0xFF), UInt8(h & 0xFF)]
        return full.starts(with: p[i...])
    }

    /// Builds the index of `bytes`: one pass, one comparison table lookup per byte, appends only
    /// at delimiters. Segment terminators CR, LF and CRLF are all accepted; blank lines are skipped.
    static func build(_ bytes: [UInt8], header: UInt32 = msh) throws(HL7Error) -> (EncodingCharacters, ER7Index) {
        guard bytes.count <= maximumSize else {
            throw HL7Error(.tooLarge, "message of \(bytes.count) bytes exceeds the \(maximumSize)-byte limit")
        }
        var failure: HL7Error?
        var result: (EncodingCharacters, ER7Index)?
        bytes.withUnsafeBufferPointer { p in
            do throws(HL7Error) {
                result = try scan(p, header: header)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        return result!
    }

    private static func scan(_ p: UnsafeBufferPointer<UInt8>, header: UInt32) throws(HL7Error) -> (EncodingCharacters, ER7Index) {
        let (enc, headerStart) = try readHeader(p, allowed: header)
        var segments: [SegmentEntry] = []
        segments.reserveCapacity(16)
        var failure: HL7Error?
        // Every slot start is one past a separator or terminator byte, so n + 2 entries suffice.
        let slots = [Int32](unsafeUninitializedCapacity: p.count + 2) { out, written in
            written = scanSlots(p, headerStart, enc.field, out.baseAddress!, &segments, &failure)
        }
        if let failure { throw failure }
        return (enc, ER7Index(segments: segments, slots: slots, contentStart: headerStart))
    }

    /// The scan itself: writes the slot starts at `out` and appends the segments; returns the slot count, and
    /// sets `failure` when the bytes are not ER7. A plain function with `inout` arguments (no closure capturing
    /// the arrays), so that access to them needs no run-time exclusivity check.
    private static func scanSlots(_ p: UnsafeBufferPointer<UInt8>, _ headerStart: Int, _ fs: UInt8, _ out: UnsafeMutablePointer<Int32>,
                                  _ segments: inout [SegmentEntry], _ failure: inout HL7Error?) -> Int {
        let n = p.count
        var w = 0
        var i = headerStart
        var segStart = i
        var firstSlot = 0
        out[w] = Int32(i); w += 1

        let raw = UnsafeRawPointer(p.baseAddress!)
        let fsPattern = UInt64(fs) &* 0x0101_0101_0101_0101
        while i < n {
            // Eight bytes at a time (SWAR): when the word holds no control byte, only field
            // separators matter, and their positions come from the bits of an exact zero-byte mask.
            if i &+ 8 <= n {
                let x = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                let control = zeroBytes(x & 0xE0E0_E0E0_E0E0_E0E0)
                var m = zeroBytes(x ^ fsPattern)
                if control == 0 {
                    while m != 0 {
                        out[w] = Int32(truncatingIfNeeded: i &+ (m.trailingZeroBitCount >> 3) &+ 1)
                        w &+= 1
                        m &= m &- 1
                    }
                    i &+= 8
                    continue
                }
                // The separators before the first control byte, then that byte on its own (rather than
                // one byte at a time up to it).
                let before = control.trailingZeroBitCount
                m &= (1 &<< UInt64(before)) &- 1
                while m != 0 {
                    out[w] = Int32(truncatingIfNeeded: i &+ (m.trailingZeroBitCount >> 3) &+ 1)
                    w &+= 1
                    m &= m &- 1
                }
                i &+= before >> 3
            }
            // One byte: the field separator, a segment terminator, another control byte, or plain text
            // (only in the last bytes of the message, fewer than eight).
            let c = p[i]
            if c == fs {
                out[w] = Int32(i + 1); w += 1
                i += 1
                continue
            }
            if c >= 0x20 || c == 0x09 || c == 0x1B { i += 1; continue }
            if c == 0x0D || c == 0x0A || c == 0x1C { // CR, LF; the MLLP end block is tolerated as a terminator
                guard endSegment(p, segStart, i, fs, firstSlot, &segments, &failure) else { return w }
                out[w] = Int32(i + 1); w += 1
                i += 1
                while i < n, p[i] == 0x0D || p[i] == 0x0A || p[i] == 0x1C { i += 1 }
                if i < n {
                    segStart = i
                    firstSlot = w
                    out[w] = Int32(i); w += 1
                } else {
                    segStart = -1
                }
                continue
            }
            failure = HL7Error(.binaryContent, "byte 0x\(hex(c)) cannot occur in an HL7 message", offset: i)
            return w
        }
        if segStart >= 0, endSegment(p, segStart, n, fs, firstSlot, &segments, &failure) {
            out[w] = Int32(n + 1); w += 1
        }
        return w
    }

    /// Validates the segment ID (three upper-case letters or digits, then a separator or the end) and appends
    /// the segment; false with `failure` set when the ID is not valid.
    @inline(__always)
    private static func endSegment(_ p: UnsafeBufferPointer<UInt8>, _ segStart: Int, _ end: Int, _ fs: UInt8, _ firstSlot: Int,
                                   _ segments: inout [SegmentEntry], _ failure: inout HL7Error?) -> Bool {
        let len = end - segStart
        var ok = len >= 3
        if ok {
            for k in segStart ..< segStart + 3 {
                let c = p[k]
                if !((c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39)) { ok = false; break }
            }
        }
        if ok && len > 3 && p[segStart + 3] != fs { ok = false }
        guard ok else {
            failure = HL7Error(.invalidSegmentID, "segment \(segments.count + 1) does not start with a 3-character segment ID followed by the field separator", offset: segStart)
            return false
        }
        segments.append(SegmentEntry(start: Int32(segStart), end: Int32(end), firstSlot: Int32(firstSlot),
                                     id: pack(p[segStart], p[segStart + 1], p[segStart + 2])))
        return true
    }
}
