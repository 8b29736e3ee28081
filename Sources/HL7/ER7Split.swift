// HL7 v2.8 §2.5.4 Message delimiters — splitting a field into repetitions, components and subcomponents.

/// Splitting of a byte range on one delimiter, without allocation for single lookups.
enum ER7Split {
    /// Range of the `n`-th (1-based) part of `b[r]` split on `d`, or nil when there are fewer parts.
    @inline(__always)
    static func part(_ b: [UInt8], _ r: Range<Int>, _ d: UInt8, _ n: Int) -> Range<Int>? {
        guard n >= 1 else { return nil }
        return b.withUnsafeBufferPointer { p -> Range<Int>? in
            var start = r.lowerBound
            var k = 1
            var i = r.lowerBound
            while i < r.upperBound {
                if p[i] == d {
                    if k == n { return start ..< i }
                    k += 1
                    start = i + 1
                }
                i += 1
            }
            return k == n ? start ..< r.upperBound : nil
        }
    }

    /// Number of parts of `b[r]` split on `d` (an empty range has one, empty, part).
    static func count(_ b: [UInt8], _ r: Range<Int>, _ d: UInt8) -> Int {
        var k = 1
        for i in r where b[i] == d { k += 1 }
        return k
    }

    /// All parts of `b[r]` split on `d`.
    static func parts(_ b: [UInt8], _ r: Range<Int>, _ d: UInt8) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = r.lowerBound
        for i in r where b[i] == d {
            out.append(start ..< i)
            start = i + 1
        }
        out.append(start ..< r.upperBound)
        return out
    }

    /// For writing: the range of the `n`-th part, or, when there are fewer parts, an empty range at
    /// the end of `r` and the number of delimiters to insert before the new part.
    static func locate(_ b: [UInt8], _ r: Range<Int>, _ d: UInt8, _ n: Int) -> (Range<Int>, missing: Int) {
        if let p = part(b, r, d, n) { return (p, 0) }
        let c = count(b, r, d)
        return (r.upperBound ..< r.upperBound, n - c)
    }
}
