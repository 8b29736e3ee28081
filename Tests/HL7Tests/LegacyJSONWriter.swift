// TEMPORARY: the JSON writer as it was before the rewrite, kept only to compare outputs byte for byte
// (JSONEquivalenceTests). To be removed once the new writer is identical.
@testable import HL7

enum LegacyHL7JSON {
    /// The JSON form of a message as UTF-8 bytes.
    static func encode(_ m: Message) -> [UInt8] {
        var out: [UInt8] = []
        append(m, to: &out)
        return out
    }

    /// The JSON form of a message as a string.
    static func string(_ m: Message) -> String {
        String(decoding: encode(m), as: UTF8.self)
    }

    /// The JSON form of several messages: `{"messages":[M1,M2,…]}`.
    static func encode(_ messages: [Message]) -> [UInt8] {
        var out: [UInt8] = Array(#"{"messages":["#.utf8)
        for (i, m) in messages.enumerated() {
            if i > 0 { out.append(0x2C) }
            append(m, to: &out)
        }
        out.append(contentsOf: Array("]}".utf8))
        return out
    }

    /// Appends the JSON form of `m` to `out`.
    static func append(_ m: Message, to out: inout [UInt8]) {
        let fastText: Bool
        switch m.characterSet.kind {
        case .utf8, .ascii: fastText = true
        default: fastText = false
        }
        m.bytes.withUnsafeBufferPointer { p in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 256) { table in
                // For usual sizes, the whole worst case up front (see `Writer.message`), so nothing is
                // reallocated while writing; large messages grow segment by segment instead. The scratch
                // buffer is freed and the result copied at its exact size.
                let bound = 8 * p.count + 32 * m.index.slots.count + 64 * m.index.count + 64
                var w = Writer(p: p, enc: m.encoding, charset: m.characterSet, fastText: fastText,
                               classes: UnsafePointer(table.baseAddress!), capacity: bound <= 1 << 20 ? bound : 2 * p.count + 256)
                Writer.fillClasses(table, m.encoding, decodesEscapeSequences: !fastText)
                w.message(m.index)
                out.append(contentsOf: UnsafeBufferPointer(start: w.buffer, count: w.count))
                w.buffer.deallocate()
            }
        }
    }

    /// A JSON writer over the message bytes into a growable raw buffer (no per-byte bounds or
    /// uniqueness checks); capacity is ensured once per field or leaf.
    private struct Writer {
        static let rep: UInt8 = 1, comp: UInt8 = 2, sub: UInt8 = 4, esc: UInt8 = 8, jsonEscape: UInt8 = 16, high: UInt8 = 32

        let p: UnsafeBufferPointer<UInt8>
        let enc: EncodingCharacters
        let charset: HL7CharacterSet
        let fastText: Bool
        let classes: UnsafePointer<UInt8>
        var buffer: UnsafeMutablePointer<UInt8>
        var count = 0
        var capacity: Int

        init(p: UnsafeBufferPointer<UInt8>, enc: EncodingCharacters, charset: HL7CharacterSet, fastText: Bool, classes: UnsafePointer<UInt8>, capacity: Int) {
            self.p = p
            self.enc = enc
            self.charset = charset
            self.fastText = fastText
            self.classes = classes
            self.capacity = capacity
            self.buffer = .allocate(capacity: capacity)
        }

        static func fillClasses(_ t: UnsafeMutableBufferPointer<UInt8>, _ e: EncodingCharacters, decodesEscapeSequences: Bool) {
            t.initialize(repeating: 0)
            for c in 0 ..< 0x20 { t[c] = jsonEscape }
            // ISO 2022 sets switch with ESC: such text must go through the character-set decoder.
            if decodesEscapeSequences { t[0x1B] |= high }
            t[0x22] |= jsonEscape
            t[0x5C] |= jsonEscape
            for c in 0x80 ..< 0x100 { t[c] = high }
            // Absent delimiters equal the field separator, which never occurs inside a field.
            t[Int(e.repetition)] |= rep
            t[Int(e.component)] |= comp
            t[Int(e.subcomponent)] |= sub
            if e.hasEscape { t[Int(e.escape)] |= esc }
            t[Int(e.field)] = 0
        }

        @inline(__always) mutating func ensure(_ k: Int) {
            if count + k <= capacity { return }
            var newCapacity = capacity * 2
            while newCapacity < count + k { newCapacity *= 2 }
            let b = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            b.update(from: buffer, count: count)
            buffer.deallocate()
            buffer = b
            capacity = newCapacity
        }

        @inline(__always) mutating func put(_ c: UInt8) {
            buffer[count] = c
            count += 1
        }

        mutating func append(_ s: StaticString) {
            s.withUTF8Buffer { b in
                ensure(b.count)
                (buffer + count).update(from: b.baseAddress!, count: b.count)
                count += b.count
            }
        }

        /// Writes one byte JSON-escaped (capacity for 6 bytes must be ensured).
        @inline(__always) mutating func escapedByte(_ c: UInt8) {
            switch c {
            case 0x22: put(0x5C); put(0x22)
            case 0x5C: put(0x5C); put(0x5C)
            case 0x0A: put(0x5C); put(0x6E)
            case 0x0D: put(0x5C); put(0x72)
            case 0x09: put(0x5C); put(0x74)
            case 0 ..< 0x20:
                let digits: StaticString = "0123456789abcdef"
                put(0x5C); put(0x75); put(0x30); put(0x30)
                put(digits.utf8Start[Int(c >> 4)]); put(digits.utf8Start[Int(c & 0xF)])
            default: put(c)
            }
        }

        mutating func message(_ idx: ER7Index) {
            append(#"{"segments":["#)
            let ctx = Context(src: p.baseAddress!, cls: classes, enc: enc, charset: charset, fastText: fastText)
            idx.slots.withUnsafeBufferPointer { slotPtr in
                for s in 0 ..< idx.count {
                    let e = idx.segments[s]
                    let slots = idx.slotCount(s)
                    // One capacity check per segment: every byte expands to at most 6 (\u00XX), every
                    // field adds a bounded amount of structure.
                    ensure(8 * Int(e.end - e.start) + 32 * slots + 64)
                    if s > 0 { put(0x2C) }
                    append(#"{"id":""#)
                    put(p[Int(e.start)]); put(p[Int(e.start) + 1]); put(p[Int(e.start) + 2])
                    append(#"","fields":["#)
                    let header = ER7Index.isHeader(e.id)
                    var first = true
                    if header {
                        put(0x22); escapedByte(enc.field); put(0x22)
                        first = false
                        if let r = idx.slotRange(s, 1) {
                            put(0x2C); put(0x22)
                            for i in r { escapedByte(p[i]) }
                            put(0x22)
                        }
                    }
                    var k = header ? 2 : 1
                    let firstSlot = Int(e.firstSlot)
                    // Locals keep the loop in registers (stores through `buffer` could alias `self`).
                    let out = buffer, cls = classes, src = p.baseAddress!
                    var n = count
                    while k < slots {
                        if !first { out[n] = 0x2C; n += 1 }
                        first = false
                        let lo = Int(slotPtr[firstSlot + k]), hi = Int(slotPtr[firstSlot + k + 1]) - 1
                        // Fused scan-and-copy for the common plain field; the structured path re-emits the
                        // field from `mark` when any byte is special.
                        let mark = n
                        out[n] = 0x22
                        n += 1
                        var f: UInt8 = 0
                        var i = lo
                        while i < hi {
                            let c = src[i]
                            f |= cls[Int(c)]
                            out[n] = c
                            n += 1
                            i += 1
                        }
                        if f == 0 {
                            out[n] = 0x22
                            n += 1
                        } else {
                            n = Writer.field(ctx, lo, hi, f, out, mark, capacity)
                        }
                        k += 1
                    }
                    count = n
                    append("]}")
                }
            }
            append("]}")
        }

        /// What the static emitters need; passed by value so that their loops keep it in registers.
        struct Context {
            let src: UnsafePointer<UInt8>
            let cls: UnsafePointer<UInt8>
            let enc: EncodingCharacters
            let charset: HL7CharacterSet
            let fastText: Bool
        }

        /// Emits a field that is not plain text (`f`: OR of its byte classes) at `out[n...]`; returns the new count.
        static func field(_ x: Context, _ lo: Int, _ hi: Int, _ f: UInt8, _ out: UnsafeMutablePointer<UInt8>, _ n0: Int, _ cap: Int) -> Int {
            if f & rep == 0 {
                return f & (comp | sub) == 0 ? leaf(x, lo, hi, f, out, n0, cap) : repetition(x, lo, hi, out, n0, cap)
            }
            var n = n0
            let opening: StaticString = #"{"repetitions":["#
            opening.withUTF8Buffer { b in (out + n).update(from: b.baseAddress!, count: b.count); n += b.count }
            let d = x.enc.repetition
            var s = lo
            var first = true
            while true {
                if !first { out[n] = 0x2C; n += 1 }
                first = false
                // Optimistic copy of the repetition as a plain leaf.
                let mark = n
                out[n] = 0x22; n += 1
                var fr: UInt8 = 0
                var i = s
                while i < hi {
                    let c = x.src[i]
                    if c == d { break }
                    fr |= x.cls[Int(c)]
                    out[n] = c; n += 1
                    i += 1
                }
                if fr == 0 {
                    out[n] = 0x22; n += 1
                } else {
                    n = fr & (comp | sub) == 0 ? leaf(x, s, i, fr, out, mark, cap) : repetition(x, s, i, out, mark, cap)
                }
                if i >= hi { break }
                s = i + 1
            }
            out[n] = 0x5D; out[n + 1] = 0x7D
            return n + 2
        }

        /// Emits a repetition that has components or subcomponents, as an array of components.
        static func repetition(_ x: Context, _ lo: Int, _ hi: Int, _ out: UnsafeMutablePointer<UInt8>, _ n0: Int, _ cap: Int) -> Int {
            var n = n0
            out[n] = 0x5B; n += 1
            let d = x.enc.component
            var s = lo
            var first = true
            while true {
                if !first { out[n] = 0x2C; n += 1 }
                first = false
                let mark = n
                out[n] = 0x22; n += 1
                var fc: UInt8 = 0
                var i = s
                while i < hi {
                    let c = x.src[i]
                    if c == d { break }
                    fc |= x.cls[Int(c)]
                    out[n] = c; n += 1
                    i += 1
                }
                if fc == 0 {
                    out[n] = 0x22; n += 1
                } else {
                    n = fc & sub == 0 ? leaf(x, s, i, fc, out, mark, cap) : subcomponents(x, s, i, out, mark, cap)
                }
                if i >= hi { break }
                s = i + 1
            }
            out[n] = 0x5D
            return n + 1
        }

        /// Emits a component that has subcomponents, as an array of leaves.
        static func subcomponents(_ x: Context, _ lo: Int, _ hi: Int, _ out: UnsafeMutablePointer<UInt8>, _ n0: Int, _ cap: Int) -> Int {
            var n = n0
            out[n] = 0x5B; n += 1
            let d = x.enc.subcomponent
            var s = lo
            var first = true
            while true {
                if !first { out[n] = 0x2C; n += 1 }
                first = false
                var i = s
                var fs: UInt8 = 0
                while i < hi && x.src[i] != d { fs |= x.cls[Int(x.src[i])]; i += 1 }
                n = leaf(x, s, i, fs, out, n, cap)
                if i >= hi { break }
                s = i + 1
            }
            out[n] = 0x5D
            return n + 1
        }

        /// Emits one leaf: `null` for the explicit null, else a JSON string (escapes and charset decoded).
        static func leaf(_ x: Context, _ lo: Int, _ hi: Int, _ f: UInt8, _ out: UnsafeMutablePointer<UInt8>, _ n0: Int, _ cap: Int) -> Int {
            var n = n0
            if hi - lo == 2 && x.src[lo] == 0x22 && x.src[lo + 1] == 0x22 {
                out[n] = 0x6E; out[n + 1] = 0x75; out[n + 2] = 0x6C; out[n + 3] = 0x6C
                return n + 4
            }
            out[n] = 0x22; n += 1
            if f & (esc | high) == 0 {
                for k in lo ..< hi { n = escapedByte(x.src[k], out, n) }
            } else {
                let raw = UnsafeBufferPointer(start: x.src + lo, count: hi - lo)
                let decoded = x.enc.hasEscape ? Escaping.decode(raw, encoding: x.enc) : Array(raw)
                let text: [UInt8]
                if x.fastText && decoded.allSatisfy({ $0 < 0x80 }) {
                    text = decoded
                } else {
                    text = Array(x.charset.decode(decoded).utf8)
                }
                // The per-segment capacity bound covers this: every input byte yields at most 3 UTF-8
                // bytes, or 6 for an escaped control byte. Checked exactly, as a safety net.
                var need = 2
                for c in text { need += c < 0x20 ? 6 : (c == 0x22 || c == 0x5C ? 2 : 1) }
                precondition(n + need <= cap, "HL7JSON capacity bound")
                for c in text { n = escapedByte(c, out, n) }
            }
            out[n] = 0x22
            return n + 1
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
