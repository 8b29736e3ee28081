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
        var out: [UInt8] = []
        out.reserveCapacity(m.bytes.count * 2 + 64)
        append(m, to: &out)
        return out
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
        let fastText: Bool
        switch m.characterSet.kind {
        case .utf8, .ascii: fastText = true
        default: fastText = false
        }
        m.bytes.withUnsafeBufferPointer { p in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 256) { table in
                var w = Writer(p: p, enc: m.encoding, charset: m.characterSet, fastText: fastText,
                               classes: UnsafePointer(table.baseAddress!), capacity: p.count * 2 + 256)
                Writer.fillClasses(table, m.encoding)
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

        static func fillClasses(_ t: UnsafeMutableBufferPointer<UInt8>, _ e: EncodingCharacters) {
            t.initialize(repeating: 0)
            for c in 0 ..< 0x20 { t[c] = jsonEscape }
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
            for s in 0 ..< idx.count {
                if s > 0 { ensure(1); put(0x2C) }
                let e = idx.segments[s]
                append(#"{"id":""#)
                ensure(3)
                put(p[Int(e.start)]); put(p[Int(e.start) + 1]); put(p[Int(e.start) + 2])
                append(#"","fields":["#)
                let header = ER7Index.isHeader(e.id)
                let slots = idx.slotCount(s)
                var first = true
                if header {
                    ensure(8)
                    put(0x22); escapedByte(enc.field); put(0x22)
                    first = false
                    if let r = idx.slotRange(s, 1) {
                        ensure(r.count * 6 + 3)
                        put(0x2C); put(0x22)
                        for i in r { escapedByte(p[i]) }
                        put(0x22)
                    }
                }
                var k = header ? 2 : 1
                let firstSlot = Int(e.firstSlot)
                while k < slots {
                    if !first { ensure(1); put(0x2C) }
                    first = false
                    let lo = Int(idx.slots[firstSlot + k]), hi = Int(idx.slots[firstSlot + k + 1]) - 1
                    field(lo, hi)
                    k += 1
                }
                append("]}")
            }
            append("]}")
        }

        /// Classes of the bytes in `lo..<hi`, OR-ed.
        @inline(__always) func scan(_ lo: Int, _ hi: Int) -> UInt8 {
            var f: UInt8 = 0
            var i = lo
            while i < hi { f |= classes[Int(p[i])]; i += 1 }
            return f
        }

        @inline(__always) func next(_ d: UInt8, _ lo: Int, _ hi: Int) -> Int {
            var i = lo
            while i < hi && p[i] != d { i += 1 }
            return i
        }

        mutating func field(_ lo: Int, _ hi: Int) {
            let f = scan(lo, hi)
            if f == 0 {
                // Most fields: plain text, no delimiter, nothing to escape.
                if hi - lo == 2 && p[lo] == 0x22 && p[lo + 1] == 0x22 { append("null"); return }
                ensure(hi - lo + 2)
                put(0x22)
                (buffer + count).update(from: p.baseAddress! + lo, count: hi - lo)
                count += hi - lo
                put(0x22)
                return
            }
            if f & Writer.rep == 0 { repetition(lo, hi, f); return }
            append(#"{"repetitions":["#)
            var s = lo
            var firstRep = true
            while true {
                let e = next(enc.repetition, s, hi)
                if !firstRep { ensure(1); put(0x2C) }
                firstRep = false
                repetition(s, e, scan(s, e))
                if e >= hi { break }
                s = e + 1
            }
            append("]}")
        }

        mutating func repetition(_ lo: Int, _ hi: Int, _ f: UInt8) {
            if f & (Writer.comp | Writer.sub) == 0 { leaf(lo, hi, f); return }
            ensure(1); put(0x5B)
            var s = lo
            var firstC = true
            while true {
                let e = next(enc.component, s, hi)
                if !firstC { ensure(1); put(0x2C) }
                firstC = false
                component(s, e)
                if e >= hi { break }
                s = e + 1
            }
            ensure(1); put(0x5D)
        }

        mutating func component(_ lo: Int, _ hi: Int) {
            let f = scan(lo, hi)
            if f & Writer.sub == 0 { leaf(lo, hi, f); return }
            ensure(1); put(0x5B)
            var s = lo
            var firstS = true
            while true {
                let e = next(enc.subcomponent, s, hi)
                if !firstS { ensure(1); put(0x2C) }
                firstS = false
                leaf(s, e, scan(s, e))
                if e >= hi { break }
                s = e + 1
            }
            ensure(1); put(0x5D)
        }

        mutating func leaf(_ lo: Int, _ hi: Int, _ f: UInt8) {
            if hi - lo == 2 && p[lo] == 0x22 && p[lo + 1] == 0x22 { append("null"); return }
            if f & (Writer.esc | Writer.high) == 0 {
                ensure((hi - lo) * 6 + 2)
                put(0x22)
                if f & Writer.jsonEscape == 0 {
                    (buffer + count).update(from: p.baseAddress! + lo, count: hi - lo)
                    count += hi - lo
                } else {
                    for k in lo ..< hi { escapedByte(p[k]) }
                }
                put(0x22)
                return
            }
            let decoded = enc.hasEscape ? Escaping.decode(UnsafeBufferPointer(rebasing: p[lo ..< hi]), encoding: enc)
                                        : Array(p[lo ..< hi])
            let text: [UInt8]
            if fastText && decoded.allSatisfy({ $0 < 0x80 }) {
                text = decoded
            } else {
                text = Array(charset.decode(decoded).utf8)
            }
            ensure(text.count * 6 + 2)
            put(0x22)
            for c in text {
                if c >= 0x20 && c != 0x22 && c != 0x5C { put(c) } else { escapedByte(c) }
            }
            put(0x22)
        }
    }
}
