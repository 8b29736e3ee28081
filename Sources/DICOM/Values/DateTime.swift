// PS3.5 §6.2 Table 6.2-1: DA (YYYYMMDD), TM (HH[MM[SS[.F{1-6}]]]), DT
// (YYYY[MM[DD[HH[MM[SS[.F{1-6}]]]]]][&ZZXX]); partial precision is meaningful and kept.

/// A DA value; month and day may be absent only in DT contexts or legacy data.
public struct DICOMDate: Hashable, Sendable, CustomStringConvertible {
    public var year: Int
    public var month: Int?
    public var day: Int?

    public init(year: Int, month: Int? = nil, day: Int? = nil) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYYMMDD`, `YYYYMM`, `YYYY`, and the pre-3.0 form `YYYY.MM.DD`.
    public init?(_ text: some StringProtocol) {
        let digits = Array(text.utf8.filter { $0 != UInt8(ascii: ".") })
        guard text.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") }) else { return nil }
        guard [4, 6, 8].contains(digits.count) else { return nil }
        year = DICOMDate.number(digits[0..<4])
        month = digits.count >= 6 ? DICOMDate.number(digits[4..<6]) : nil
        day = digits.count == 8 ? DICOMDate.number(digits[6..<8]) : nil
        if let m = month, !(1...12).contains(m) { return nil }
        if let d = day, !(1...31).contains(d) { return nil }
    }

    static func number(_ digits: ArraySlice<UInt8>) -> Int {
        digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }

    static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    /// `YYYYMMDD` (or shorter when less precise).
    public var description: String {
        var s = DICOMDate.pad(year, 4)
        if let month { s += DICOMDate.pad(month, 2) }
        if let day { s += DICOMDate.pad(day, 2) }
        return s
    }
}

/// A TM value with the precision it was given.
public struct DICOMTime: Hashable, Sendable, CustomStringConvertible {
    public var hour: Int
    public var minute: Int?
    public var second: Int?
    /// Fraction of a second in microseconds, and how many digits were given.
    public var microsecond: Int?
    public var fractionDigits: Int

    public init(hour: Int, minute: Int? = nil, second: Int? = nil, microsecond: Int? = nil, fractionDigits: Int = 6) {
        self.hour = hour
        self.minute = minute
        self.second = second
        self.microsecond = microsecond
        self.fractionDigits = microsecond == nil ? 0 : fractionDigits
    }

    /// Parses `HH`, `HHMM`, `HHMMSS`, `HHMMSS.F…` and the legacy `HH:MM:SS.F…`.
    public init?(_ text: some StringProtocol) {
        let bytes = Array(text.utf8.filter { $0 != UInt8(ascii: ":") })
        let parts = bytes.split(separator: UInt8(ascii: "."), maxSplits: 1, omittingEmptySubsequences: false)
        guard let main = parts.first, [2, 4, 6].contains(main.count), main.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let m = Array(main)
        hour = DICOMDate.number(m[0..<2])
        minute = m.count >= 4 ? DICOMDate.number(m[2..<4]) : nil
        second = m.count == 6 ? DICOMDate.number(m[4..<6]) : nil
        fractionDigits = 0
        if parts.count == 2 {
            let f = Array(parts[1])
            guard m.count == 6, (1...6).contains(f.count), f.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            var v = DICOMDate.number(f[...])
            for _ in f.count..<6 { v *= 10 }
            microsecond = v
            fractionDigits = f.count
        }
        guard hour < 24, (minute ?? 0) < 60, (second ?? 0) < 61 else { return nil }
    }

    public var description: String {
        var s = DICOMDate.pad(hour, 2)
        if let minute { s += DICOMDate.pad(minute, 2) }
        if let second { s += DICOMDate.pad(second, 2) }
        if let microsecond, fractionDigits > 0 {
            var v = microsecond
            for _ in fractionDigits..<6 { v /= 10 }
            s += "." + DICOMDate.pad(v, fractionDigits)
        }
        return s
    }
}

/// A DT value: date, optional time, optional UTC offset, each as precise as given.
public struct DICOMDateTime: Hashable, Sendable, CustomStringConvertible {
    public var date: DICOMDate
    public var time: DICOMTime?
    /// Offset from UTC in minutes (`&ZZXX`), if given.
    public var utcOffsetMinutes: Int?

    public init(date: DICOMDate, time: DICOMTime? = nil, utcOffsetMinutes: Int? = nil) {
        self.date = date
        self.time = time
        self.utcOffsetMinutes = utcOffsetMinutes
    }

    public init?(_ text: some StringProtocol) {
        var s = Substring(text)
        utcOffsetMinutes = nil
        if let signIndex = s.lastIndex(where: { $0 == "+" || $0 == "-" }) {
            let off = s[s.index(after: signIndex)...]
            guard off.count == 4, let v = Int(off) else { return nil }
            let minutes = (v / 100) * 60 + v % 100
            utcOffsetMinutes = s[signIndex] == "-" ? -minutes : minutes
            s = s[..<signIndex]
        }
        let dateLength = min(8, s.count)
        guard let d = DICOMDate(s.prefix(dateLength)) else { return nil }
        date = d
        let rest = s.dropFirst(dateLength)
        if rest.isEmpty {
            time = nil
        } else {
            guard dateLength == 8, let t = DICOMTime(rest) else { return nil }
            time = t
        }
    }

    public var description: String {
        var s = date.description + (time?.description ?? "")
        if let o = utcOffsetMinutes {
            s += (o < 0 ? "-" : "+") + DICOMDate.pad(abs(o) / 60, 2) + DICOMDate.pad(abs(o) % 60, 2)
        }
        return s
    }
}
