// Times as the command line and the JSON outputs print them: ISO 8601 / RFC 3339 in UTC with milliseconds
// (`2026-11-30T05:20:00.125Z`), the same text as Foundation's ISO8601DateFormatter with
// `[.withInternetDateTime, .withFractionalSeconds]`, without creating a formatter (an ICU object) per value:
// `messages list` prints one per message.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

extension Date {
    /// `YYYY-MM-DDTHH:MM:SS.sssZ` in UTC, the time rounded to the nearest millisecond.
    public var iso8601Milliseconds: String {
        let milliseconds = (timeIntervalSince1970 * 1000).rounded()
        guard milliseconds.isFinite, abs(milliseconds) < 1e17 else { return "\(self)" }
        let total = Int64(milliseconds)
        var seconds = total / 1000
        var fraction = total % 1000
        if fraction < 0 { fraction += 1000; seconds -= 1 }
        var t = time_t(seconds)
        var parts = tm()
        guard gmtime_r(&t, &parts) != nil else { return "\(self)" }
        var out: [UInt8] = []
        out.reserveCapacity(24)
        func digits(_ value: Int, _ width: Int) {
            var v = value, buffer: [UInt8] = []
            repeat { buffer.append(UInt8(48 + v % 10)); v /= 10 } while v > 0
            while buffer.count < width { buffer.append(48) }
            out.append(contentsOf: buffer.reversed())
        }
        digits(Int(parts.tm_year) + 1900, 4); out.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mon) + 1, 2); out.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mday), 2); out.append(UInt8(ascii: "T"))
        digits(Int(parts.tm_hour), 2); out.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_min), 2); out.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_sec), 2); out.append(UInt8(ascii: "."))
        digits(Int(fraction), 3); out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }
}
