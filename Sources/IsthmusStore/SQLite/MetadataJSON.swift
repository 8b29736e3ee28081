// RFC 8259 JSON for the store's metadata columns: one object of string values, keys sorted. Written and read
// by hand because it is done for every message received and every entry claimed, where Foundation's
// JSONEncoder/JSONDecoder cost more than the SQL around them (docs/benchmarks.md, the engine profile).

enum MetadataJSON {
    /// `{"key":"value",…}` with keys in ascending order; `"`, `\` and control characters escaped, everything
    /// else written as UTF-8.
    static func encode(_ metadata: [String: String]) -> String {
        var out: [UInt8] = [0x7B]
        out.reserveCapacity(16 + metadata.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count + 6 })
        for (i, key) in metadata.keys.sorted().enumerated() {
            if i > 0 { out.append(0x2C) }
            append(key, to: &out)
            out.append(0x3A)
            append(metadata[key]!, to: &out)
        }
        out.append(0x7D)
        return String(decoding: out, as: UTF8.self)
    }

    private static func append(_ s: String, to out: inout [UInt8]) {
        let hex: StaticString = "0123456789abcdef"
        out.append(0x22)
        for c in s.utf8 {
            switch c {
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x0A: out.append(0x5C); out.append(0x6E)
            case 0x0D: out.append(0x5C); out.append(0x72)
            case 0x09: out.append(0x5C); out.append(0x74)
            case 0 ..< 0x20:
                out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex.utf8Start[Int(c >> 4)], hex.utf8Start[Int(c & 0xF)]])
            default: out.append(c)
            }
        }
        out.append(0x22)
    }

    /// The object's string members; nil when the text is not a JSON object of strings (all escapes of RFC 8259
    /// are read, surrogate pairs included, so text written by Foundation's encoder reads the same).
    static func decode(_ json: String) -> [String: String]? {
        let utf8 = Array(json.utf8)
        return utf8.withUnsafeBufferPointer { p -> [String: String]? in
            var r = Reader(p: p)
            return r.object()
        }
    }

    private struct Reader {
        let p: UnsafeBufferPointer<UInt8>
        var i = 0

        mutating func skipSpace() {
            while i < p.count, p[i] == 0x20 || p[i] == 0x0A || p[i] == 0x0D || p[i] == 0x09 { i += 1 }
        }

        mutating func object() -> [String: String]? {
            skipSpace()
            guard i < p.count, p[i] == 0x7B else { return nil }
            i += 1
            var result: [String: String] = [:]
            skipSpace()
            if i < p.count, p[i] == 0x7D {
                i += 1
                skipSpace()
                return i == p.count ? result : nil
            }
            while true {
                skipSpace()
                guard let key = string() else { return nil }
                skipSpace()
                guard i < p.count, p[i] == 0x3A else { return nil }
                i += 1
                skipSpace()
                guard let value = string() else { return nil }
                result[key] = value
                skipSpace()
                guard i < p.count else { return nil }
                if p[i] == 0x2C { i += 1; continue }
                guard p[i] == 0x7D else { return nil }
                i += 1
                skipSpace()
                return i == p.count ? result : nil
            }
        }

        mutating func string() -> String? {
            guard i < p.count, p[i] == 0x22 else { return nil }
            i += 1
            let start = i
            // The common case: no escape, the bytes are the string.
            while i < p.count, p[i] != 0x22, p[i] != 0x5C, p[i] >= 0x20 { i += 1 }
            if i < p.count, p[i] == 0x22 {
                defer { i += 1 }
                return String(decoding: UnsafeBufferPointer(rebasing: p[start ..< i]), as: UTF8.self)
            }
            var out = Array(p[start ..< i])
            while i < p.count {
                let c = p[i]
                if c == 0x22 {
                    i += 1
                    return String(decoding: out, as: UTF8.self)
                }
                guard c >= 0x20 else { return nil }
                if c != 0x5C {
                    out.append(c)
                    i += 1
                    continue
                }
                i += 1
                guard i < p.count else { return nil }
                let e = p[i]
                i += 1
                switch e {
                case 0x22, 0x5C, 0x2F: out.append(e)
                case 0x62: out.append(0x08)
                case 0x66: out.append(0x0C)
                case 0x6E: out.append(0x0A)
                case 0x72: out.append(0x0D)
                case 0x74: out.append(0x09)
                case 0x75:
                    guard var scalar = hex4() else { return nil }
                    if (0xD800 ..< 0xDC00).contains(scalar) {
                        guard i + 1 < p.count, p[i] == 0x5C, p[i + 1] == 0x75 else { return nil }
                        i += 2
                        guard let low = hex4(), (0xDC00 ..< 0xE000).contains(low) else { return nil }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { return nil }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default: return nil
                }
            }
            return nil
        }

        mutating func hex4() -> UInt32? {
            guard i + 4 <= p.count else { return nil }
            var v: UInt32 = 0
            for _ in 0 ..< 4 {
                let c = p[i]
                let d: UInt32
                switch c {
                case 0x30 ... 0x39: d = UInt32(c - 0x30)
                case 0x41 ... 0x46: d = UInt32(c - 0x41 + 10)
                case 0x61 ... 0x66: d = UInt32(c - 0x61 + 10)
                default: return nil
                }
                v = v << 4 | d
                i += 1
            }
            return v
        }
    }
}
