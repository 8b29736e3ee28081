// HL7 v2.8 §2.7 Use of escape sequences in text fields: §2.7.1 formatting codes, §2.7.2 escape
// sequences supporting multiple character sets (\Cxxyy\, \Mxxyyzz\), §2.7.3 highlighting (\H\, \N\),
// §2.7.4 special characters (\F\ \S\ \T\ \R\ \E\ \P\), §2.7.5 hexadecimal data (\Xdddd…\),
// §2.7.6 formatted text (\.br\, \.sp\, \.in\, \.ti\, \.sk\, \.ce\, \.fi\, \.nf\), local \Z…\ escapes.

/// Decoding and encoding of ER7 escape sequences, at the byte level (before character-set decoding).
public enum Escaping {
    /// Decodes escape sequences in `raw`: delimiter escapes become the delimiter bytes, `\X…\`
    /// becomes the bytes it spells, `\Cxxyy\`/`\Mxxyyzz\` become the ISO 2022 escape sequence
    /// `ESC xx yy (zz)`. Formatting escapes (`\H\`, `\N\`, `\.br\`, `\Z…\`…) are kept as written so that
    /// formatted text survives. Malformed escapes are kept literally.
    public static func decode(_ raw: some Collection<UInt8>, encoding e: EncodingCharacters) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        decode(raw, encoding: e, into: &out)
        return out
    }

    /// Appends the decoded form of `raw` to `out` (see ``decode(_:encoding:)``).
    public static func decode(_ raw: some Collection<UInt8>, encoding e: EncodingCharacters, into out: inout [UInt8]) {
        guard e.hasEscape else { out.append(contentsOf: raw); return }
        let esc = e.escape
        var i = raw.startIndex
        while i != raw.endIndex {
            let c = raw[i]
            guard c == esc else { out.append(c); i = raw.index(after: i); continue }
            // Find the closing escape character.
            var j = raw.index(after: i)
            while j != raw.endIndex && raw[j] != esc { j = raw.index(after: j) }
            guard j != raw.endIndex, j != raw.index(after: i) else {
                // Unterminated or empty (`\\`): keep literally.
                out.append(c); i = raw.index(after: i); continue
            }
            let body = raw[raw.index(after: i) ..< j]
            if appendDecoded(body, e, &out) {
                i = raw.index(after: j)
            } else {
                // Unknown or formatting escape: keep the whole sequence as written.
                out.append(contentsOf: raw[i ... j])
                i = raw.index(after: j)
            }
        }
    }

    /// Decodes one escape body (between the escape characters); returns false to keep it literally.
    private static func appendDecoded(_ body: some Collection<UInt8>, _ e: EncodingCharacters, _ out: inout [UInt8]) -> Bool {
        let first = body.first!
        if body.count == 1 {
            switch first {
            case 0x46: out.append(e.field); return true         // F
            case 0x53: out.append(e.component); return true     // S
            case 0x54: out.append(e.subcomponent); return true  // T
            case 0x52: out.append(e.repetition); return true    // R
            case 0x45: out.append(e.escape); return true        // E
            case 0x50:                                          // P (v2.7+)
                if let t = e.truncation { out.append(t); return true }
                return false
            default: return false
            }
        }
        let digits = body.dropFirst()
        switch first {
        case 0x58: // X: hexadecimal data
            guard let bytes = hexBytes(digits), !bytes.isEmpty else { return false }
            out.append(contentsOf: bytes); return true
        case 0x43: // C: single-byte character set escape ESC xx yy
            guard digits.count == 4, let bytes = hexBytes(digits) else { return false }
            out.append(0x1B); out.append(contentsOf: bytes); return true
        case 0x4D: // M: multi-byte character set escape ESC xx yy (zz)
            guard digits.count == 4 || digits.count == 6, let bytes = hexBytes(digits) else { return false }
            out.append(0x1B); out.append(contentsOf: bytes); return true
        default:
            return false
        }
    }

    private static func hexBytes(_ digits: some Collection<UInt8>) -> [UInt8]? {
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var hi: UInt8? = nil
        for d in digits {
            guard let v = hexValue(d) else { return nil }
            if let h = hi { out.append(h << 4 | v); hi = nil } else { hi = v }
        }
        return out
    }

    @inline(__always) static func hexValue(_ d: UInt8) -> UInt8? {
        switch d {
        case 0x30...0x39: return d - 0x30
        case 0x41...0x46: return d - 0x37
        case 0x61...0x66: return d - 0x57
        default: return nil
        }
    }

    /// Encodes `value` (bytes already in the message's character set) for ER7: delimiters become
    /// `\F\ \S\ \T\ \R\ \E\ (\P\)`, CR and LF become `\X0D\`/`\X0A\`, and ISO 2022 escape sequences
    /// `ESC xx yy` become `\Cxxyy\` (or `\Mxxyyzz\` for the multi-byte sets `ESC $ …`).
    /// When `preservingFormatting` is true, formatting escapes already present in the text
    /// (`\.br\`, `\H\`, `\N\`, `\Z…\`…) are copied as they are, so text read with ``decode(_:encoding:)``
    /// round-trips.
    ///
    /// When MSH-2 defines no escape character nothing can be escaped and the bytes are returned as
    /// they are; ``Message/set(_:to:)-(HL7Path,_)`` refuses values that would then break the structure.
    public static func encode(_ value: some Collection<UInt8>, encoding e: EncodingCharacters, preservingFormatting: Bool = true) -> [UInt8] {
        let v = Array(value)
        guard e.hasEscape else { return v }
        var out: [UInt8] = []
        out.reserveCapacity(v.count + 8)
        let esc = e.escape
        func seq(_ body: [UInt8]) { out.append(esc); out.append(contentsOf: body); out.append(esc) }
        var i = 0
        while i < v.count {
            let c = v[i]
            if c == esc && preservingFormatting, let end = formattingEscapeEnd(v, i, esc) {
                out.append(contentsOf: v[i ... end]); i = end + 1; continue
            }
            if c == 0x1B {
                // ISO 2022: ESC $ x (y) is multi-byte, ESC x y is single-byte.
                if i + 3 < v.count, v[i + 1] == 0x24, v[i + 2] == 0x28 || v[i + 2] == 0x29 {
                    seq([0x4D] + hexDigits(v[i + 1]) + hexDigits(v[i + 2]) + hexDigits(v[i + 3])); i += 4; continue
                }
                if i + 2 < v.count, v[i + 1] == 0x24 {
                    seq([0x4D] + hexDigits(v[i + 1]) + hexDigits(v[i + 2])); i += 3; continue
                }
                if i + 2 < v.count {
                    seq([0x43] + hexDigits(v[i + 1]) + hexDigits(v[i + 2])); i += 3; continue
                }
            }
            if c == e.field { seq([0x46]) }
            else if c == e.component { seq([0x53]) }
            else if c == e.subcomponent { seq([0x54]) }
            else if c == e.repetition { seq([0x52]) }
            else if c == esc { seq([0x45]) }
            else if let t = e.truncation, c == t { seq([0x50]) }
            else if c == 0x0D || c == 0x0A || c == 0x1C || c == 0x0B || c == 0 { seq([0x58] + hexDigits(c)) }
            else { out.append(c) }
            i += 1
        }
        return out
    }

    private static func hexDigits(_ b: UInt8) -> [UInt8] { Array(hex(b).utf8) }

    /// If a formatting escape (`\H\`, `\N\`, `\.xx…\`, `\Z…\`) starts at `i`, the index of its closing escape character.
    static func formattingEscapeEnd(_ v: [UInt8], _ i: Int, _ esc: UInt8) -> Int? {
        var j = i + 1
        while j < v.count && v[j] != esc {
            let c = v[j]
            // Bodies are short ASCII words: letters, digits, '.', '+', '-'.
            guard (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2E || c == 0x2B || c == 0x2D else { return nil }
            j += 1
            if j - i > 32 { return nil }
        }
        guard j < v.count, j > i + 1 else { return nil }
        let body = v[(i + 1) ..< j]
        switch body.first! {
        case 0x48, 0x4E: return body.count == 1 ? j : nil           // \H\ \N\
        case 0x5A: return j                                          // \Zxx\ locally defined
        case 0x2E:                                                   // \.br\ \.sp<n>\ \.in<±n>\ …
            let word = Array(body.dropFirst().prefix(2))
            let known: [[UInt8]] = [Array("br".utf8), Array("sp".utf8), Array("in".utf8), Array("ti".utf8),
                                    Array("sk".utf8), Array("ce".utf8), Array("fi".utf8), Array("nf".utf8)]
            return known.contains(word) ? j : nil
        default: return nil
        }
    }
}
