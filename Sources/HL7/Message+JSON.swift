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
        let enc = m.encoding
        let fastText: Bool
        switch m.characterSet.kind {
        case .utf8, .ascii: fastText = true
        default: fastText = false
        }
        m.bytes.withUnsafeBufferPointer { p in
            var w = Writer(p: p, enc: enc, charset: m.characterSet, fastText: fastText)
            w.out = out
            out = []
            w.append(#"{"segments":["#)
            let idx = m.index
            for s in 0 ..< idx.count {
                if s > 0 { w.out.append(0x2C) }
                let e = idx.segments[s]
                w.append(#"{"id":""#)
                w.out.append(p[Int(e.start)]); w.out.append(p[Int(e.start) + 1]); w.out.append(p[Int(e.start) + 2])
                w.append(#"","fields":["#)
                let header = ER7Index.isHeader(e.id)
                let slots = idx.slotCount(s)
                var first = true
                if header {
                    w.out.append(0x22); w.escapedByte(enc.field); w.out.append(0x22)
                    first = false
                    if let r = idx.slotRange(s, 1) {
                        w.out.append(0x2C); w.rawString(r)
                    }
                }
                var k = header ? 2 : 1
                while k < slots {
                    if !first { w.out.append(0x2C) }
                    first = false
                    w.field(idx.slotRange(s, k)!)
                    k += 1
                }
                w.append("]}")
            }
            w.append("]}")
            out = w.out
        }
    }

    private struct Writer {
        let p: UnsafeBufferPointer<UInt8>
        let enc: EncodingCharacters
        let charset: HL7CharacterSet
        let fastText: Bool
        var out: [UInt8] = []

        init(p: UnsafeBufferPointer<UInt8>, enc: EncodingCharacters, charset: HL7CharacterSet, fastText: Bool) {
            self.p = p
            self.enc = enc
            self.charset = charset
            self.fastText = fastText
        }

        mutating func append(_ s: StaticString) {
            s.withUTF8Buffer { out.append(contentsOf: $0) }
        }

        @inline(__always) mutating func escapedByte(_ c: UInt8) {
            switch c {
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x0A: out.append(0x5C); out.append(0x6E)
            case 0x0D: out.append(0x5C); out.append(0x72)
            case 0x09: out.append(0x5C); out.append(0x74)
            case 0 ..< 0x20:
                append("\\u00"); out.append(contentsOf: Array(hex(c).utf8))
            default: out.append(c)
            }
        }

        /// A JSON string of the bytes as written (MSH-2).
        mutating func rawString(_ r: Range<Int>) {
            out.append(0x22)
            for i in r { escapedByte(p[i]) }
            out.append(0x22)
        }

        /// Finds the next delimiter `d` in `lo..<hi`, or `hi`.
        @inline(__always) func next(_ d: UInt8, _ lo: Int, _ hi: Int) -> Int {
            var i = lo
            while i < hi && p[i] != d { i += 1 }
            return i
        }

        @inline(__always) func contains(_ d: UInt8, _ lo: Int, _ hi: Int) -> Bool { next(d, lo, hi) < hi }

        mutating func field(_ r: Range<Int>) {
            let lo = r.lowerBound, hi = r.upperBound
            if !contains(enc.repetition, lo, hi) { repetition(lo, hi); return }
            append(#"{"repetitions":["#)
            var s = lo
            var firstRep = true
            while true {
                let e = next(enc.repetition, s, hi)
                if !firstRep { out.append(0x2C) }
                firstRep = false
                repetition(s, e)
                if e >= hi { break }
                s = e + 1
            }
            append("]}")
        }

        mutating func repetition(_ lo: Int, _ hi: Int) {
            let hasComp = contains(enc.component, lo, hi)
            let hasSub = contains(enc.subcomponent, lo, hi)
            if !hasComp && !hasSub { leaf(lo, hi); return }
            out.append(0x5B)
            var s = lo
            var firstC = true
            while true {
                let e = next(enc.component, s, hi)
                if !firstC { out.append(0x2C) }
                firstC = false
                component(s, e)
                if e >= hi { break }
                s = e + 1
            }
            out.append(0x5D)
        }

        mutating func component(_ lo: Int, _ hi: Int) {
            if !contains(enc.subcomponent, lo, hi) { leaf(lo, hi); return }
            out.append(0x5B)
            var s = lo
            var firstS = true
            while true {
                let e = next(enc.subcomponent, s, hi)
                if !firstS { out.append(0x2C) }
                firstS = false
                leaf(s, e)
                if e >= hi { break }
                s = e + 1
            }
            out.append(0x5D)
        }

        mutating func leaf(_ lo: Int, _ hi: Int) {
            if hi - lo == 2 && p[lo] == 0x22 && p[lo + 1] == 0x22 { append("null"); return }
            // Fast path: plain ASCII (or UTF-8 text) without escapes: copy with JSON escaping.
            var plain = true
            var i = lo
            while i < hi {
                let c = p[i]
                if c == enc.escape || c >= 0x80 { plain = false; break }
                i += 1
            }
            out.append(0x22)
            if plain {
                for k in lo ..< hi {
                    let c = p[k]
                    if c >= 0x20 && c != 0x22 && c != 0x5C { out.append(c) } else { escapedByte(c) }
                }
            } else {
                let decoded = enc.hasEscape ? Escaping.decode(UnsafeBufferPointer(rebasing: p[lo ..< hi]), encoding: enc)
                                            : Array(p[lo ..< hi])
                let text: [UInt8]
                if fastText && decoded.allSatisfy({ $0 < 0x80 }) {
                    text = decoded
                } else {
                    text = Array(charset.decode(decoded).utf8)
                }
                for c in text {
                    if c >= 0x20 && c != 0x22 && c != 0x5C { out.append(c) } else { escapedByte(c) }
                }
            }
            out.append(0x22)
        }
    }
}
