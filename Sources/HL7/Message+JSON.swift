// Isthmus JSON form of an HL7 v2 message (documented in docs/hl7.md, "JSON form"). Not an HL7 standard:
// a deterministic, unambiguous rendering of the ER7 structure of HL7 v2.8 §2.5.

/// Writes the stable JSON form of messages.
///
/// ```json
/// {"segments":[{"id":"MSH","fields":["|","^~\\&","APP",…]},{"id":"PID","fields":["1","",[["ID","","",["A","B"]]],…]}]}
/// ```
///
/// - A message is `{"segments":[…]}`; a segment is `{"id":"PID","fields":[F1,F2,…]}` with every field
///   from 1 up to the last one present (MSH-1 and MSH-2 are the delimiters, as written).
/// - A field with one repetition is written as that repetition; with several, as `{"repetitions":[R1,R2,…]}`.
/// - A repetition with one component that has no subcomponents is written as that leaf; otherwise as
///   an array of components.
/// - A component with one subcomponent is a leaf; otherwise an array of leaves (subcomponents).
/// - A leaf is a JSON string (escapes decoded, formatting escapes such as `\.br\` kept, character set
///   decoded to Unicode), or `null` for the HL7 explicit null `""`. Empty is `""`.
///
/// Output is deterministic: the same message always gives the same bytes. No whitespace is emitted.
public enum HL7JSON {
    /// The JSON form of a message as UTF-8 bytes.
    public static func encode(_ m: Message) -> [UInt8] {
        let text: Writer.Text
        switch m.characterSet.kind {
        case .utf8: text = .utf8
        case .ascii: text = .ascii
        case .latin1: text = .latin1
        default: text = .other
        }
        let idx = m.index
        return m.bytes.withUnsafeBufferPointer { p in
            Writer.withClasses(m.encoding, decodesISO2022: text == .other) { classes in
                let x = Writer.Context(src: p.baseAddress!, count: p.count, cls: classes, enc: m.encoding, charset: m.characterSet, text: text,
                                       standard: Writer.isStandard(m.encoding))
                // Written straight into the result. The first capacity fits usual messages (JSON is about 1.8×
                // the ER7 size); the writer checks at every segment and at delimiters that what is left still
                // fits, and when it would not, the message is written again with its worst case (8 bytes per
                // input byte plus structure).
                let worst = 8 * p.count + 48 * idx.slots.count + 96 * idx.count + 64
                var capacity = min(worst, 2 * p.count + 32 * idx.count + 512)
                while true {
                    let out: [UInt8]? = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
                        let n = Writer.message(x, idx, buffer.baseAddress!, buffer.count)
                        return n < 0 ? nil : Array(UnsafeBufferPointer(start: buffer.baseAddress!, count: n))
                    }
                    if let out { return out }
                    precondition(capacity < 4 * worst, "HL7JSON capacity bound")
                    capacity = capacity < worst ? worst : 2 * capacity
                }
            }
        }
    }

    /// The JSON form of a message as a string.
    public static func string(_ m: Message) -> String {
        String(decoding: encode(m), as: UTF8.self)
    }

    /// The JSON form of several messages: `{"messages":[M1,M2,…]}`.
    public static func encode(_ messages: [Message]) -> [UInt8] {
        var out: [UInt8] = Array(#"{"messages":["#.utf8)
        for (i, m) in messages.enumerated() {
            if i > 0 { out.append(0x2C) }
            append(m, to: &out)
        }
        out.append(contentsOf: Array("]}".utf8))
        return out
    }

    /// Appends the JSON form of `m` to `out`.
    public static func append(_ m: Message, to out: inout [UInt8]) {
        if out.isEmpty {
            out = encode(m)
        } else {
            out.append(contentsOf: encode(m))
        }
    }

    /// A JSON writer from the message bytes into the result's buffer: one pass over each segment's bytes
    /// (the index gives segment bounds and MSH-2), with a 256-entry class table per byte, no per-element
    /// allocation. Plain text is copied as it is read; escapes, JSON escapes and character sets are
    /// handled leaf by leaf only where a byte asks for it (``Writer/leaf(_:_:_:_:_:_:_:)``).
    enum Writer {
        /// Byte classes: the delimiters (from `sub` up, so that one comparison finds them) and the bytes
        /// that make a leaf need more than a copy.
        static let esc: UInt8 = 1, jsonEscape: UInt8 = 2, high: UInt8 = 4, sub: UInt8 = 16, comp: UInt8 = 32, rep: UInt8 = 64, fld: UInt8 = 128

        /// How leaf text becomes UTF-8.
        enum Text: UInt8 {
            /// UTF-8 (MSH-18 `UNICODE UTF-8`): valid bytes are copied, invalid ones go through the decoder (U+FFFD).
            case utf8
            /// ASCII or MSH-18 empty: like UTF-8 when a leaf is valid UTF-8, else ISO 8859-1.
            case ascii
            /// ISO 8859-1: every byte is its code point.
            case latin1
            /// Any other set: through ``HL7CharacterSet/decode(_:)``.
            case other
        }

        /// What the emitters need; passed by value so that their loops keep it in registers.
        struct Context {
            let src: UnsafePointer<UInt8>
            /// Number of message bytes at `src`.
            let count: Int
            let cls: UnsafePointer<UInt8>
            let enc: EncodingCharacters
            let charset: HL7CharacterSet
            let text: Text
            /// The delimiters are `|^~\&`: runs are found eight bytes at a time (``specials(_:)``).
            let standard: Bool
        }

        /// Class tables for the usual delimiters `|^~\&`, built once: without and with ISO 2022 (ESC) handling.
        nonisolated(unsafe) static let standardClasses: UnsafePointer<UInt8> = {
            let t = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 512)
            fillClasses(UnsafeMutableBufferPointer(rebasing: t[0 ..< 256]), .standard, decodesISO2022: false)
            fillClasses(UnsafeMutableBufferPointer(rebasing: t[256 ..< 512]), .standard, decodesISO2022: true)
            return UnsafePointer(t.baseAddress!)
        }()

        /// Whether the delimiters are the usual `|^~\&`.
        @inline(__always) static func isStandard(_ e: EncodingCharacters) -> Bool {
            e.field == 0x7C && e.component == 0x5E && e.repetition == 0x7E && e.escape == 0x5C && e.subcomponent == 0x26
        }

        static func withClasses<R>(_ e: EncodingCharacters, decodesISO2022: Bool, _ body: (UnsafePointer<UInt8>) -> R) -> R {
            if isStandard(e) {
                return body(standardClasses + (decodesISO2022 ? 256 : 0))
            }
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 256) { t in
                fillClasses(t, e, decodesISO2022: decodesISO2022)
                return body(UnsafePointer(t.baseAddress!))
            }
        }

        static func fillClasses(_ t: UnsafeMutableBufferPointer<UInt8>, _ e: EncodingCharacters, decodesISO2022: Bool) {
            t.initialize(repeating: 0)
            for c in 0 ..< 0x20 { t[c] = jsonEscape }
            // ISO 2022 sets switch with ESC: such text must go through the character-set decoder.
            if decodesISO2022 { t[0x1B] |= high }
            t[0x22] |= jsonEscape
            t[0x5C] |= jsonEscape
            for c in 0x80 ..< 0x100 { t[c] = high }
            // Absent delimiters equal the field separator.
            if e.repetition != e.field { t[Int(e.repetition)] |= rep }
            if e.component != e.field { t[Int(e.component)] |= comp }
            if e.subcomponent != e.field { t[Int(e.subcomponent)] |= sub }
            if e.hasEscape { t[Int(e.escape)] |= esc }
            t[Int(e.field)] = fld
            // Segment terminators end the last field (see `fields`).
            t[0x0D] = fld; t[0x0A] = fld; t[0x1C] = fld
        }

        /// Eight bytes of ASCII text as a little-endian word, for one store.
        @inline(__always) static func word(_ s: StaticString) -> UInt64 {
            var w: UInt64 = 0
            for k in 0 ..< 8 { w |= UInt64(s.utf8Start[k]) << (8 * k) }
            return w.littleEndian
        }

        @inline(__always) static func put(_ s: StaticString, _ out: UnsafeMutablePointer<UInt8>, _ n: Int) -> Int {
            (out + n).update(from: s.utf8Start, count: s.utf8CodeUnitCount)
            return n + s.utf8CodeUnitCount
        }

        /// Writes the whole message at `out`; returns the byte count, or -1 when `cap` is too small.
        static func message(_ x: Context, _ idx: ER7Index, _ out: UnsafeMutablePointer<UInt8>, _ cap: Int) -> Int {
            let src = x.src
            var n = put(#"{"segments":["#, out, 0)
            let total = idx.slots.count
            let n1 = idx.segments.withUnsafeBufferPointer { segs in
                idx.slots.withUnsafeBufferPointer { slotPtr -> Int in
                    for s in 0 ..< segs.count {
                        let e = segs[s]
                        let firstSlot = Int(e.firstSlot), end = Int(e.end)
                        let slots = (s + 1 < segs.count ? Int(segs[s + 1].firstSlot) : total) - firstSlot - 1
                        if n &+ 3 &* (end &- Int(e.start)) &+ 96 > cap { return -1 }
                        if s > 0 { out[n] = 0x2C; n += 1 }
                        // `{"id":"` ID `","fields":[` as three word stores and the ID bytes.
                        let head = UnsafeMutableRawPointer(out + n)
                        head.storeBytes(of: word(#"{"id":"x"#), as: UInt64.self)
                        head.storeBytes(of: word(#"","field"#), toByteOffset: 10, as: UInt64.self)
                        head.storeBytes(of: word(#"s":[xxxx"#), toByteOffset: 18, as: UInt64.self)
                        out[n + 7] = src[Int(e.start)]; out[n + 8] = src[Int(e.start) + 1]; out[n + 9] = src[Int(e.start) + 2]
                        n &+= 22
                        var first = -1
                        if ER7Index.isHeader(e.id) {
                            // MSH-1 is the field separator, MSH-2 the encoding characters as written.
                            out[n] = 0x22
                            n = escapedByte(x.enc.field, out, n + 1)
                            out[n] = 0x22; n += 1
                            if slots > 1 {
                                let lo = Int(slotPtr[firstSlot + 1]), hi = Int(slotPtr[firstSlot + 2]) - 1
                                if n &+ 6 &* (hi &- lo) &+ 3 &* (end &- hi) &+ 96 > cap { return -1 }
                                out[n] = 0x2C; out[n + 1] = 0x22; n += 2
                                if !(lo ..< hi).contains(where: { src[$0] >= 0x80 }) {
                                    for i in lo ..< hi { n = escapedByte(src[i], out, n) }
                                } else {
                                    // Only in a header segment after the first (its MSH-2 is not checked): the
                                    // bytes as written, in the message's character set (no HL7 escapes).
                                    let text = Array(x.charset.decode(UnsafeBufferPointer(start: src + lo, count: hi &- lo)).utf8)
                                    if n &+ 6 &* text.count &+ 3 &* (end &- hi) &+ 96 > cap { return -1 }
                                    for c in text { n = escapedByte(c, out, n) }
                                }
                                out[n] = 0x22; n += 1
                                if slots > 2 {
                                    out[n] = 0x2C; n += 1
                                    first = hi + 1
                                }
                            }
                        } else if slots > 1 {
                            // Slot 0 is the segment ID; fields start after it.
                            first = Int(e.start) + 4
                        }
                        if first >= 0 {
                            n = fields(x, first, end, out, n, cap)
                            if n < 0 { return -1 }
                        }
                        out[n] = 0x5D; out[n + 1] = 0x7D; n += 2
                    }
                    return n
                }
            }
            if n1 < 0 || n1 + 2 > cap { return -1 }
            out[n1] = 0x5D; out[n1 + 1] = 0x7D
            return n1 + 2
        }

        /// Emits the fields in `src[lo ..< end]` (the field separators between them included) in one pass.
        ///
        /// Plain bytes are copied as they are read. A delimiter closes the current leaf and opens the next
        /// (runs of empty fields and empty components are written in tight loops, `,""` and `"",` each);
        /// the brackets a repetition, component or field turns out to need are inserted where it began
        /// when its first inner delimiter shows it (a short move of what was written since). A leaf with
        /// an escape, a byte needing a JSON escape, or a non-ASCII byte is written again through ``leaf``.
        static func fields(_ x: Context, _ lo: Int, _ end: Int, _ out: UnsafeMutablePointer<UInt8>, _ n0: Int, _ cap: Int) -> Int {
            let src = x.src, cls = x.cls
            var n = n0
            var i = lo
            // Output offsets where the current field, repetition, component and leaf begin.
            var fieldAt = n, repAt = n, compAt = n, leafAt = n
            // Which of them are open as arrays: component (subcomponents), repetition (components), field (repetitions).
            let compArray: UInt8 = 1, repArray: UInt8 = 2, fieldRepetitions: UInt8 = 4
            var open: UInt8 = 0
            var leafFrom = i
            var f: UInt8 = 0
            out[n] = 0x22; n += 1
            // Segment terminators are classed as field separators (they never occur inside a segment), so a
            // run stops at the end of a terminated segment without a bounds check (and the byte after a
            // field separator can be read).
            let terminated = end < x.count
            // With the usual delimiters, eight bytes at a time while eight can be read (a terminated segment's
            // run stops at its terminator).
            let wordLimit = terminated && x.standard ? x.count &- 8 : -1
            while true {
                // The run up to the next delimiter, copied while its classes are collected. Eight bytes at a time
                // when possible: the word is stored as it is and ``specials(_:)`` gives the first byte that may
                // not be plain text; the run advances to it in one step and that byte goes through the table.
                var k: UInt8
                while true {
                    if i <= wordLimit {
                        let w = UInt64(littleEndian: UnsafeRawPointer(src + i).loadUnaligned(as: UInt64.self))
                        UnsafeMutableRawPointer(out + n).storeBytes(of: w.littleEndian, as: UInt64.self)
                        let m = specials(w)
                        if m == 0 { i &+= 8; n &+= 8; continue }
                        let p = m.trailingZeroBitCount &>> 3
                        i &+= p; n &+= p
                    } else if i >= end {
                        // Only when not terminated: a terminated segment's run stops at the terminator.
                        k = fld
                        break
                    }
                    let c = src[i]
                    k = cls[Int(c)]
                    if k >= sub { break }
                    f |= k
                    out[n] = c
                    n &+= 1
                    i &+= 1
                }
                // Capacity: `n + 3 × (bytes left) + 64 ≤ cap` holds at every delimiter (a plain byte writes one
                // byte, an empty field three), so that a run needs no check.
                if n &+ 3 &* (end &- i) &+ 64 > cap { return -1 }
                // Close the leaf.
                if f == 0 {
                    out[n] = 0x22; n &+= 1
                } else if isFinal(x, f, out, leafAt + 1, n) {
                    out[n] = 0x22; n &+= 1
                } else {
                    if leafAt &+ 6 &* (i &- leafFrom) &+ 3 &* (end &- i) &+ 64 > cap { return -1 }
                    n = leaf(x, leafFrom, i, f, out, leafAt, cap)
                    if n < 0 { return -1 }
                }
                if k == fld {
                    if open != 0 {
                        if open & compArray != 0 { out[n] = 0x5D; n &+= 1 }
                        if open & repArray != 0 { out[n] = 0x5D; n &+= 1 }
                        if open & fieldRepetitions != 0 { out[n] = 0x5D; out[n + 1] = 0x7D; n &+= 2 }
                        open = 0
                    }
                    if i >= end { return n }
                    // Empty fields that follow: `,""` each.
                    if terminated {
                        let fs = x.enc.field
                        while src[i &+ 1] == fs {
                            out[n] = 0x2C; out[n &+ 1] = 0x22; out[n &+ 2] = 0x22
                            n &+= 3
                            i &+= 1
                        }
                    }
                    out[n] = 0x2C; n &+= 1
                    fieldAt = n
                    repAt = n
                    compAt = n
                } else if k & comp != 0 {
                    if open & compArray != 0 { out[n] = 0x5D; n &+= 1; open &= ~compArray }
                    if open & repArray == 0 { insertBefore("[", at: repAt, x, leafAt, leafFrom, i, f, out, &n); open |= repArray }
                    out[n] = 0x2C; n &+= 1
                    // Empty components that follow: `"",` each.
                    if terminated {
                        let cs = x.enc.component
                        while src[i &+ 1] == cs {
                            out[n] = 0x22; out[n &+ 1] = 0x22; out[n &+ 2] = 0x2C
                            n &+= 3
                            i &+= 1
                        }
                    }
                    compAt = n
                } else if k & rep != 0 {
                    if open & compArray != 0 { out[n] = 0x5D; n &+= 1 }
                    if open & repArray != 0 { out[n] = 0x5D; n &+= 1 }
                    if open & fieldRepetitions == 0 {
                        let opening: StaticString = #"{"repetitions":["#
                        insertBefore(opening, at: fieldAt, x, leafAt, leafFrom, i, f, out, &n)
                    }
                    open = fieldRepetitions
                    out[n] = 0x2C; n &+= 1
                    repAt = n
                    compAt = n
                } else {
                    // Subcomponent: the component, and the repetition if this is its first component, become arrays.
                    if open & compArray == 0 {
                        if open & repArray == 0 {
                            insertBefore("[[", at: repAt, x, leafAt, leafFrom, i, f, out, &n)
                            open |= repArray
                        } else {
                            insertBefore("[", at: compAt, x, leafAt, leafFrom, i, f, out, &n)
                        }
                        open |= compArray
                    }
                    out[n] = 0x2C; n &+= 1
                }
                i &+= 1
                leafFrom = i
                leafAt = n
                f = 0
                out[n] = 0x22; n &+= 1
            }
        }

        /// 0x80 in the first byte of `w` (lowest first) that is one of `|^~\&"`, a control byte or from 0x80, and
        /// possibly in later bytes (the borrow of a subtraction can mark a byte after a true one); 0 when there is
        /// none. `|^~\` are the bytes `b & 0xDD == 0x5C`, `"&` the bytes `b & 0xFB == 0x22`.
        @inline(__always) static func specials(_ w: UInt64) -> UInt64 {
            let ones: UInt64 = 0x0101_0101_0101_0101, high: UInt64 = 0x8080_8080_8080_8080
            let a = (w & 0xDDDD_DDDD_DDDD_DDDD) ^ 0x5C5C_5C5C_5C5C_5C5C
            let b = (w & 0xFBFB_FBFB_FBFB_FBFB) ^ 0x2222_2222_2222_2222
            let zeroA = (a &- ones) & ~a, zeroB = (b &- ones) & ~b
            let control = (w &- 0x2020_2020_2020_2020) & ~w
            return (zeroA | zeroB | control | w) & high
        }

        /// Inserts `s` at `out[at]`. Usually what was written since is only the current leaf, copied as it was
        /// (`src[from ..< to]` between quotes): it is then written again from the message after `s` (two word
        /// copies), rather than moved, which would read back bytes just stored (a stalled load). Else ``insert``.
        @inline(__always) static func insertBefore(_ s: StaticString, at: Int, _ x: Context, _ leafAt: Int, _ from: Int, _ to: Int, _ f: UInt8,
                                                   _ out: UnsafeMutablePointer<UInt8>, _ n: inout Int) {
            let len = to &- from, k = s.utf8CodeUnitCount
            guard at == leafAt, f == 0, len <= 16, from &+ 16 <= x.count else {
                insert(s, at: at, out, &n)
                return
            }
            let source = UnsafeRawPointer(x.src + from), target = UnsafeMutableRawPointer(out + (at &+ k &+ 1))
            target.storeBytes(of: source.loadUnaligned(as: UInt64.self), as: UInt64.self)
            target.storeBytes(of: source.loadUnaligned(fromByteOffset: 8, as: UInt64.self), toByteOffset: 8, as: UInt64.self)
            (out + at).update(from: s.utf8Start, count: k)
            out[at &+ k] = 0x22
            out[at &+ k &+ 1 &+ len] = 0x22
            n &+= k
        }

        /// Inserts `s` at `out[at]`, moving what was written since one step on.
        @inline(__always) static func insert(_ s: StaticString, at: Int, _ out: UnsafeMutablePointer<UInt8>, _ n: inout Int) {
            let k = s.utf8CodeUnitCount
            if n &- at <= 16 {
                // Usually a few bytes: two word moves (the capacity invariant leaves room past `n`).
                let p = UnsafeMutableRawPointer(out + at)
                let a = p.loadUnaligned(as: UInt64.self), b = p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                p.storeBytes(of: a, toByteOffset: k, as: UInt64.self)
                p.storeBytes(of: b, toByteOffset: k &+ 8, as: UInt64.self)
            } else {
                (out + at + k).update(from: out + at, count: n - at)
            }
            (out + at).update(from: s.utf8Start, count: k)
            n += k
        }

        /// Whether a leaf copied as it was may stand: it has no special byte, or only non-ASCII bytes
        /// that form valid UTF-8 in a UTF-8/ASCII message.
        @inline(__always) static func isFinal(_ x: Context, _ f: UInt8, _ out: UnsafeMutablePointer<UInt8>, _ from: Int, _ to: Int) -> Bool {
            f == 0 || (f == high && x.text.rawValue <= Text.ascii.rawValue && isValidUTF8(out + from, to - from))
        }

        /// Emits one leaf: `null` for the explicit null, else a JSON string (escapes and charset decoded).
        static func leaf(_ x: Context, _ lo: Int, _ hi: Int, _ f: UInt8, _ out: UnsafeMutablePointer<UInt8>, _ n0: Int, _ cap: Int) -> Int {
            if hi - lo == 2 && x.src[lo] == 0x22 && x.src[lo + 1] == 0x22 {
                out[n0] = 0x6E; out[n0 + 1] = 0x75; out[n0 + 2] = 0x6C; out[n0 + 3] = 0x6C
                return n0 + 4
            }
            var n = n0
            out[n] = 0x22; n += 1
            if f & (esc | high) == 0 {
                for k in lo ..< hi { n = escapedByte(x.src[k], out, n) }
            } else {
                switch x.text {
                case .utf8, .ascii:
                    let start = n
                    var nonASCII = false
                    n = text(x, lo, hi, latin1: false, out, n, &nonASCII)
                    if nonASCII && !isValidUTF8(out + start, n - start) {
                        // Lenient ASCII reads invalid UTF-8 as ISO 8859-1; UTF-8 replaces it with U+FFFD.
                        guard x.text == .ascii else { return decoded(x, lo, hi, out, n0, cap) }
                        n = text(x, lo, hi, latin1: true, out, start, &nonASCII)
                    }
                case .latin1:
                    var nonASCII = false
                    n = text(x, lo, hi, latin1: true, out, n, &nonASCII)
                case .other:
                    return decoded(x, lo, hi, out, n0, cap)
                }
            }
            out[n] = 0x22
            return n + 1
        }

        /// Emits the text of a leaf with HL7 escapes decoded (as ``Escaping/decode(_:encoding:)`` does) and
        /// JSON escapes applied. Bytes from 0x80 are copied (`latin1` false: the caller checks UTF-8) or
        /// written as the UTF-8 of the ISO 8859-1 code point (`latin1` true). At most 6 bytes per input byte.
        static func text(_ x: Context, _ lo: Int, _ hi: Int, latin1: Bool, _ out: UnsafeMutablePointer<UInt8>, _ n0: Int, _ nonASCII: inout Bool) -> Int {
            let src = x.src
            var n = n0
            @inline(__always) func emit(_ c: UInt8) {
                if c &- 0x20 < 0x60 && c != 0x22 && c != 0x5C {
                    out[n] = c; n &+= 1
                } else if c < 0x80 {
                    n = escapedByte(c, out, n)
                } else if latin1 {
                    out[n] = 0xC0 | c >> 6; out[n + 1] = 0x80 | c & 0x3F; n += 2
                } else {
                    nonASCII = true
                    out[n] = c; n += 1
                }
            }
            let e = x.enc
            let escape = e.hasEscape ? Int(e.escape) : -1
            var i = lo
            let cls = x.cls
            while i < hi {
                let c = src[i]
                if cls[Int(c)] == 0 { out[n] = c; n &+= 1; i &+= 1; continue }
                if Int(c) != escape { emit(c); i += 1; continue }
                // Find the closing escape character; unterminated or empty (`\\`): the byte stays as it is.
                var j = i + 1
                while j < hi && src[j] != c { j += 1 }
                if j >= hi || j == i + 1 { emit(c); i += 1; continue }
                let body = i + 1, count = j - body
                var known = true
                if count == 1 {
                    switch src[body] {
                    case 0x46: emit(e.field)          // F
                    case 0x53: emit(e.component)      // S
                    case 0x54: emit(e.subcomponent)   // T
                    case 0x52: emit(e.repetition)     // R
                    case 0x45: emit(e.escape)         // E
                    case 0x50:                        // P (v2.7+)
                        if let t = e.truncation { emit(t) } else { known = false }
                    default: known = false
                    }
                } else {
                    let kind = src[body], digits = body + 1, d = count - 1
                    switch kind {
                    case 0x58: known = d % 2 == 0            // X: hexadecimal data
                    case 0x43: known = d == 4                // C: single-byte set, ESC xx yy
                    case 0x4D: known = d == 4 || d == 6      // M: multi-byte set, ESC xx yy (zz)
                    default: known = false
                    }
                    if known {
                        for k in digits ..< j where Escaping.hexValue(src[k]) == nil { known = false; break }
                    }
                    if known {
                        if kind != 0x58 { emit(0x1B) }
                        var k = digits
                        while k < j { emit(Escaping.hexValue(src[k])! << 4 | Escaping.hexValue(src[k + 1])!); k += 2 }
                    }
                }
                if !known {
                    // Unknown or formatting escape: kept as written.
                    for k in i ... j { emit(src[k]) }
                }
                i = j + 1
            }
            return n
        }

        /// Emits a leaf through the general decoders: ``Escaping/decode(_:encoding:)`` then the character
        /// set (for sets other than ASCII, UTF-8 and ISO 8859-1, and for invalid UTF-8).
        static func decoded(_ x: Context, _ lo: Int, _ hi: Int, _ out: UnsafeMutablePointer<UInt8>, _ n0: Int, _ cap: Int) -> Int {
            let raw = UnsafeBufferPointer(start: x.src + lo, count: hi - lo)
            let text = Array(x.charset.decode(Escaping.decode(raw, encoding: x.enc)).utf8)
            var need = 2
            for c in text { need += c < 0x20 ? 6 : (c == 0x22 || c == 0x5C ? 2 : 1) }
            if n0 + need > cap { return -1 }
            var n = n0
            out[n] = 0x22; n += 1
            for c in text { n = escapedByte(c, out, n) }
            out[n] = 0x22
            return n + 1
        }

        /// Whether `count` bytes at `p` are well-formed UTF-8 (what `String(decoding:as:)` keeps unchanged).
        static func isValidUTF8(_ p: UnsafePointer<UInt8>, _ count: Int) -> Bool {
            var i = 0
            while i < count {
                let c = p[i]
                if c < 0x80 { i += 1; continue }
                @inline(__always) func cont(_ k: Int) -> Bool { i + k < count && p[i + k] & 0xC0 == 0x80 }
                if c < 0xC2 { return false }
                if c < 0xE0 {
                    guard cont(1) else { return false }
                    i += 2
                } else if c < 0xF0 {
                    guard cont(1), cont(2) else { return false }
                    let c1 = p[i + 1]
                    if (c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0) { return false }
                    i += 3
                } else if c < 0xF5 {
                    guard cont(1), cont(2), cont(3) else { return false }
                    let c1 = p[i + 1]
                    if (c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 >= 0x90) { return false }
                    i += 4
                } else {
                    return false
                }
            }
            return true
        }

        /// Writes one byte JSON-escaped.
        @inline(__always) static func escapedByte(_ c: UInt8, _ out: UnsafeMutablePointer<UInt8>, _ n: Int) -> Int {
            switch c {
            case 0x22: out[n] = 0x5C; out[n + 1] = 0x22; return n + 2
            case 0x5C: out[n] = 0x5C; out[n + 1] = 0x5C; return n + 2
            case 0x0A: out[n] = 0x5C; out[n + 1] = 0x6E; return n + 2
            case 0x0D: out[n] = 0x5C; out[n + 1] = 0x72; return n + 2
            case 0x09: out[n] = 0x5C; out[n + 1] = 0x74; return n + 2
            case 0 ..< 0x20:
                let digits: StaticString = "0123456789abcdef"
                out[n] = 0x5C; out[n + 1] = 0x75; out[n + 2] = 0x30; out[n + 3] = 0x30
                out[n + 4] = digits.utf8Start[Int(c >> 4)]; out[n + 5] = digits.utf8Start[Int(c & 0xF)]
                return n + 6
            default:
                out[n] = c
                return n + 1
            }
        }
    }
}
