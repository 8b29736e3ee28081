// HL7 v2 element addressing by path (see HL7Path) — writing. HL7 v2.8 §2.7 escaping is applied to
// values; missing segments, fields, repetitions and components are created with empty siblings.

extension Message {
    /// Sets the value at a path, terser-style: levels left out default to the first (`PID-5` sets
    /// `PID-5(1).1.1`). The text is encoded in the message's character set and escaped (delimiters →
    /// `\F\ \S\ \T\ \R\ \E\`, CR/LF → `\X0D\`/`\X0A\`; formatting escapes like `\.br\` are kept).
    /// Missing segments are appended at the end of the message; missing fields, repetitions and
    /// components are created empty.
    /// - Throws: ``HL7Error/Code/invalidPath`` for a path without field, or for MSH-1/MSH-2;
    ///   ``HL7Error/Code/invalidCharacterData`` when the text cannot be written in the character set.
    public mutating func set(_ path: HL7Path, to value: String) throws(HL7Error) {
        var p = path
        guard p.field != nil else { throw HL7Error(.invalidPath, "\(path) names no field", segment: path.segment) }
        p.repetition = p.repetition ?? 1
        p.component = p.component ?? 1
        p.subcomponent = p.subcomponent ?? 1
        let bytes = try characterSet.encode(value)
        if !encoding.hasEscape {
            let e = encoding
            if let bad = bytes.firstIndex(where: { $0 == e.field || $0 == e.component || $0 == e.repetition || $0 == e.subcomponent || $0 == 0x0D || $0 == 0x0A }) {
                throw HL7Error(.invalidValue, "the value holds a delimiter or line break at character \(bad + 1) and MSH-2 defines no escape character",
                               segment: path.segment, field: path.field)
            }
        }
        try replace(p, with: Escaping.encode(bytes, encoding: encoding))
    }

    /// Sets the value at a path given as text (see ``set(_:to:)-(HL7Path,_)``).
    public mutating func set(_ path: String, to value: String) throws(HL7Error) {
        try set(HL7Path(parsing: path), to: value)
    }

    /// Replaces the element at exactly the level the path names with ER7 text given as is
    /// (no escaping: delimiters in `er7` create repetitions, components…). `PID-3` replaces the
    /// whole field, `PID` without field replaces the whole segment.
    /// - Throws: ``HL7Error`` when the result is not a valid message.
    public mutating func setER7(_ path: HL7Path, to er7: String) throws(HL7Error) {
        let raw = try characterSet.encode(er7)
        if path.field == nil {
            if let id = ER7Index.pack(path.segment), ER7Index.isHeader(id) {
                throw HL7Error(.invalidPath, "a header segment cannot be replaced as a whole", segment: path.segment)
            }
            try ensureSegment(path.segment, occurrence: path.occurrence)
            let s = segmentIndex(path.segment, occurrence: path.occurrence)!
            try splice(segments[s].range, raw)
            return
        }
        try replace(path, with: raw)
    }

    /// Replaces the element at a path given as text with ER7 text (see ``setER7(_:to:)-(HL7Path,_)``).
    public mutating func setER7(_ path: String, to er7: String) throws(HL7Error) {
        try setER7(HL7Path(parsing: path), to: er7)
    }

    /// Appends a segment with the given ID and ER7 fields (given as is, no escaping).
    public mutating func appendSegment(_ id: String, fields: [String] = []) throws(HL7Error) {
        guard ER7Index.pack(id) != nil else { throw HL7Error(.invalidSegmentID, "\"\(id)\" is not a 3-character segment ID") }
        var seg = try characterSet.encode(id)
        for f in fields {
            seg.append(encoding.field)
            seg.append(contentsOf: try characterSet.encode(f))
        }
        try appendRaw(seg)
    }

    /// Removes the `occurrence`-th segment with the given ID (MSH cannot be removed).
    public mutating func removeSegment(_ id: String, occurrence: Int = 1) throws(HL7Error) {
        guard let s = segmentIndex(id, occurrence: occurrence) else { return }
        guard s != 0 else { throw HL7Error(.invalidPath, "the header segment cannot be removed", segment: id) }
        // Remove from the end of the previous segment (its terminator) to the end of this one.
        let prevEnd = Int(index.segments[s - 1].end)
        try splice(prevEnd ..< Int(index.segments[s].end), [])
    }

    // MARK: Internals

    /// The segment terminator to use for new segments: the message's own first one, else CR.
    var terminator: [UInt8] {
        let e = Int(index.segments[0].end)
        if e < bytes.count {
            if bytes[e] == 0x0D && e + 1 < bytes.count && bytes[e + 1] == 0x0A { return [0x0D, 0x0A] }
            if bytes[e] == 0x0A { return [0x0A] }
        }
        return [0x0D]
    }

    private mutating func appendRaw(_ seg: [UInt8]) throws(HL7Error) {
        let lastEnd = Int(index.segments[index.count - 1].end)
        let t = terminator
        var new = Array(bytes[..<lastEnd])
        new.append(contentsOf: t)
        new.append(contentsOf: seg)
        // Keep whatever followed the last segment (its terminator, trailing bytes).
        if lastEnd < bytes.count { new.append(contentsOf: bytes[lastEnd...]) }
        try reindex(new)
    }

    private mutating func ensureSegment(_ id: String, occurrence: Int) throws(HL7Error) {
        guard ER7Index.pack(id) != nil else { throw HL7Error(.invalidPath, "\"\(id)\" is not a 3-character segment ID") }
        var have = count(of: id)
        while have < occurrence {
            try appendRaw(Array(id.utf8))
            have += 1
        }
    }

    private mutating func replace(_ path: HL7Path, with raw: [UInt8]) throws(HL7Error) {
        guard let f = path.field else { throw HL7Error(.invalidPath, "\(path) names no field", segment: path.segment) }
        try ensureSegment(path.segment, occurrence: path.occurrence)
        let s = segmentIndex(path.segment, occurrence: path.occurrence)!
        if ER7Index.isHeader(index.segments[s].id) && f <= 2 {
            throw HL7Error(.invalidPath, "\(path.segment)-1 and \(path.segment)-2 define the delimiters and cannot be set", segment: path.segment, field: f)
        }
        var prefix: [UInt8] = []
        var r: Range<Int>
        if let fr = index.fieldRange(s, f) {
            r = fr
        } else {
            let end = Int(index.segments[s].end)
            r = end ..< end
            prefix.append(contentsOf: repeatElement(encoding.field, count: f - index.fieldCount(s)))
        }
        func descend(_ d: UInt8, _ n: Int?) throws(HL7Error) {
            guard let n else { return }
            if n > 1 && d == encoding.field {
                throw HL7Error(.invalidPath, "\(path) needs a delimiter that MSH-2 does not define", segment: path.segment, field: f)
            }
            let (pr, missing) = ER7Split.locate(bytes, r, d, n)
            r = pr
            if missing > 0 { prefix.append(contentsOf: repeatElement(d, count: missing)) }
        }
        try descend(encoding.repetition, path.repetition ?? ((path.component ?? path.subcomponent) != nil ? 1 : nil))
        try descend(encoding.component, path.component ?? (path.subcomponent != nil ? 1 : nil))
        try descend(encoding.subcomponent, path.subcomponent)
        try splice(r, prefix + raw)
    }

    private mutating func splice(_ r: Range<Int>, _ new: [UInt8]) throws(HL7Error) {
        var b = bytes
        b.replaceSubrange(r, with: new)
        try reindex(b)
    }

    private mutating func reindex(_ b: [UInt8]) throws(HL7Error) {
        let m = try Message(validBytes: b, header: index.segments[0].id)
        self = m
    }
}
