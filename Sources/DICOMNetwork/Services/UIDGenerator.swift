// PS3.5 §B.2: a UID derived from a UUID — "2.25." followed by the UUID's 128 bits as a decimal
// integer (ITU-T X.667), at most 44 characters.

import Foundation

public enum UIDGenerator {
    /// A new UID under the 2.25 root.
    public static func make() -> String {
        let u = UUID().uuid
        var bytes = [u.0, u.1, u.2, u.3, u.4, u.5, u.6, u.7, u.8, u.9, u.10, u.11, u.12, u.13, u.14, u.15]
        return "2.25." + decimal(&bytes)
    }

    /// The big-endian unsigned integer in `bytes` in decimal (consumed: divided down to zero).
    static func decimal(_ bytes: inout [UInt8]) -> String {
        var digits: [Character] = []
        while bytes.contains(where: { $0 != 0 }) {
            var remainder = 0
            for i in bytes.indices {
                let v = remainder << 8 | Int(bytes[i])
                bytes[i] = UInt8(v / 10)
                remainder = v % 10
            }
            digits.append(Character(String(remainder)))
        }
        return digits.isEmpty ? "0" : String(digits.reversed())
    }
}
