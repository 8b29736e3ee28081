// HL7 v2.8 §2A.22 DTM – date/time: YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ];
// §2A.77 TS – time stamp (v2.5 and earlier): 1 Time (DTM) ^ 2 Degree of Precision (deprecated).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A DTM / TS value with its precision and optional UTC offset, kept as written.
public struct HL7Timestamp: HL7DataType, Hashable, CustomStringConvertible {
    /// How much of the timestamp is given.
    public enum Precision: Int, Sendable, Comparable {
        case year, month, day, hour, minute, second, fraction
        public static func < (a: Precision, b: Precision) -> Bool { a.rawValue < b.rawValue }
    }

    /// Year (4 digits).
    public var year: Int
    /// Month 1–12.
    public var month: Int?
    /// Day 1–31.
    public var day: Int?
    /// Hour 0–23.
    public var hour: Int?
    /// Minute 0–59.
    public var minute: Int?
    /// Second 0–60 (leap second allowed).
    public var second: Int?
    /// Fractional-second digits as written (1 to 4 digits, e.g. `"25"` for .25 s).
    public var fraction: String?
    /// Offset from UTC in minutes (`+0100` → 60), nil when not given (local time of the sender).
    public var utcOffsetMinutes: Int?

    /// The finest unit given.
    public var precision: Precision {
        if fraction != nil { return .fraction }
        if second != nil { return .second }
        if minute != nil { return .minute }
        if hour != nil { return .hour }
        if day != nil { return .day }
        if month != nil { return .month }
        return .year
    }

    /// Reads TS.1 / DTM; nil when empty or not a valid DTM (``init(parsing:)`` says why).
    public init?(_ e: Element) {
        guard let t = try? HL7Timestamp(parsing: e.leaf.value) else { return nil }
        self = t
    }

    /// Creates a timestamp from parts.
    public init(year: Int, month: Int? = nil, day: Int? = nil, hour: Int? = nil, minute: Int? = nil, second: Int? = nil,
                fraction: String? = nil, utcOffsetMinutes: Int? = nil) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.fraction = fraction
        self.utcOffsetMinutes = utcOffsetMinutes
    }

    /// Parses a DTM value such as `20260102103000.25+0100`.
    /// - Throws: ``HL7Error/Code/invalidValue`` with the character position.
    public init(parsing text: String) throws(HL7Error) {
        let u = Array(text.utf8)
        var i = 0
        func fail(_ why: String) -> HL7Error { HL7Error(.invalidValue, "DTM: \(why) at character \(i + 1)") }
        func digits(_ n: Int) -> Int? {
            guard i + n <= u.count else { return nil }
            var v = 0
            for k in i ..< i + n {
                guard u[k] >= 0x30, u[k] <= 0x39 else { return nil }
                v = v * 10 + Int(u[k] - 0x30)
            }
            i += n
            return v
        }
        func atEndOfDate() -> Bool { i == u.count || u[i] == 0x2B || u[i] == 0x2D }
        guard let y = digits(4) else { throw fail("expected a 4-digit year") }
        self.init(year: y)
        func next(_ lo: Int, _ hi: Int, _ name: String) throws(HL7Error) -> Int? {
            if atEndOfDate() || (i < u.count && u[i] == 0x2E) { return nil }
            guard let v = digits(2) else { throw fail("expected 2-digit \(name)") }
            guard v >= lo && v <= hi else { i -= 2; throw fail("\(name) \(v) out of range") }
            return v
        }
        month = try next(1, 12, "month")
        if month != nil { day = try next(1, 31, "day") }
        if day != nil { hour = try next(0, 23, "hour") }
        if hour != nil { minute = try next(0, 59, "minute") }
        if minute != nil { second = try next(0, 60, "second") }
        if i < u.count, u[i] == 0x2E {
            guard second != nil else { throw fail("fraction without seconds") }
            i += 1
            let start = i
            while i < u.count, u[i] >= 0x30, u[i] <= 0x39 { i += 1 }
            guard i > start, i - start <= 4 else { throw fail("expected 1 to 4 fraction digits") }
            fraction = String(decoding: u[start ..< i], as: UTF8.self)
        }
        if i < u.count, u[i] == 0x2B || u[i] == 0x2D {
            let sign = u[i] == 0x2D ? -1 : 1
            i += 1
            guard let hh = digits(2), let mm = digits(2), hh <= 23, mm <= 59 else { throw fail("expected a +/-HHMM offset") }
            utcOffsetMinutes = sign * (hh * 60 + mm)
        }
        guard i == u.count else { throw fail("unexpected character") }
    }

    /// The DTM text, at the value's own precision.
    public var description: String { String(decoding: er7Bytes, as: UTF8.self) }

    /// ``description`` as bytes (ASCII): written for every acknowledgment.
    var er7Bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(24 + (fraction?.utf8.count ?? 0))
        func digits(_ v: Int, _ width: Int) {
            let text = String(v)
            if text.utf8.count < width { out += repeatElement(0x30, count: width - text.utf8.count) }
            out += text.utf8
        }
        func two(_ v: Int) {
            if v >= 0 && v < 100 {
                out += [0x30 + UInt8(v / 10), 0x30 + UInt8(v % 10)]
            } else {
                if v < 10 { out.append(0x30) }   // as written before: "0" then the (negative) number
                out += String(v).utf8
            }
        }
        digits(year, 4)
        if let month { two(month) }
        if let day { two(day) }
        if let hour { two(hour) }
        if let minute { two(minute) }
        if let second { two(second) }
        if let fraction { out.append(0x2E); out += fraction.utf8 }
        if let off = utcOffsetMinutes {
            out.append(off < 0 ? 0x2D : 0x2B)
            two(abs(off) / 60)
            two(abs(off) % 60)
        }
        return out
    }

    /// The current time in UTC to the second, with offset `+0000`.
    public static func now() -> HL7Timestamp {
        var t = time_t()
        time(&t)
        var tmv = tm()
        gmtime_r(&t, &tmv)
        return HL7Timestamp(year: Int(tmv.tm_year) + 1900, month: Int(tmv.tm_mon) + 1, day: Int(tmv.tm_mday),
                            hour: Int(tmv.tm_hour), minute: Int(tmv.tm_min), second: Int(tmv.tm_sec), utcOffsetMinutes: 0)
    }
}

/// TS – time stamp (v2.5 and earlier); its first component is a DTM.
public typealias TS = HL7Timestamp
/// DTM – date/time.
public typealias DTM = HL7Timestamp
