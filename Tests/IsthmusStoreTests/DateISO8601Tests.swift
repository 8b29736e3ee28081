import Foundation
import IsthmusStore
import Testing

/// `Date.iso8601Milliseconds` prints what Foundation's ISO8601DateFormatter printed before (the command line's
/// times), without a formatter per value.
@Suite struct DateISO8601Tests {
    static func reference(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: date)
    }

    @Test func knownValues() {
        #expect(Date(timeIntervalSince1970: 1_764_480_000.125).iso8601Milliseconds == "2025-11-30T05:20:00.125Z")
        #expect(Date(timeIntervalSince1970: 0).iso8601Milliseconds == "1970-01-01T00:00:00.000Z")
        // Rounded to the nearest millisecond, carrying into the seconds, minutes and the day.
        #expect(Date(timeIntervalSince1970: 1_764_547_199.9996).iso8601Milliseconds == "2025-12-01T00:00:00.000Z")
        // Before 1970: the fraction counts forward from the earlier second.
        #expect(Date(timeIntervalSince1970: -1.5).iso8601Milliseconds == "1969-12-31T23:59:58.500Z")
        // A leap day.
        #expect(Date(timeIntervalSince1970: 1_709_164_800.007).iso8601Milliseconds == "2024-02-29T00:00:00.007Z")
    }

    @Test func sameAsFoundationsFormatter() {
        var generator = SystemRandomNumberGenerator()
        var checked = 0
        // From 1900 to 2200, at microsecond resolution; values within a hair of a half millisecond are skipped
        // (either rounding is right there, and binary doubles land on either side).
        while checked < 5_000 {
            let t = Double(Int64.random(in: -2_208_988_800_000_000...7_258_118_400_000_000, using: &generator)) / 1_000_000
            let half = (t * 1000) - (t * 1000).rounded(.down)
            if abs(half - 0.5) < 0.01 { continue }
            let date = Date(timeIntervalSince1970: t)
            #expect(date.iso8601Milliseconds == Self.reference(date), "t = \(t)")
            checked += 1
        }
    }
}
