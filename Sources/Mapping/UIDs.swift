// PS3.5 §9 Unique Identifiers and Annex B.2 (UUID-derived UIDs under the 2.25 root): UIDs the mapping
// makes for orders that carry none.

import Crypto
import Foundation

/// UID helpers for the mapping.
public enum UIDs {
    /// A UID under 2.25 from a name-based UUID (RFC 9562 version 5, SHA-1) of `name` in the Isthmus
    /// namespace: the same name always gives the same UID.
    public static func nameBased(_ name: String) -> String {
        var data = Data(namespace)
        data.append(contentsOf: Array(name.utf8))
        var bytes = Array(Insecure.SHA1.hash(data: data).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return "2.25." + decimal(bytes)
    }

    /// A UID under 2.25 from a random UUID (version 4).
    public static func random() -> String {
        let u = UUID().uuid
        return "2.25." + decimal([u.0, u.1, u.2, u.3, u.4, u.5, u.6, u.7, u.8, u.9, u.10, u.11, u.12, u.13, u.14, u.15])
    }

    /// Whether `uid` is a valid UID: at most 64 characters, components of digits separated by dots,
    /// no leading zero in a multi-digit component.
    public static func isValid(_ uid: String) -> Bool {
        guard !uid.isEmpty, uid.utf8.count <= 64 else { return false }
        for c in uid.split(separator: ".", omittingEmptySubsequences: false) {
            guard !c.isEmpty, c.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
            if c.count > 1 && c.first == "0" { return false }
        }
        return true
    }

    /// The Isthmus UUID namespace (a fixed random UUID).
    static let namespace: [UInt8] = [0x6B, 0x1F, 0x3C, 0x52, 0x9A, 0x4E, 0x4D, 0x0B, 0x8E, 0x21, 0x5F, 0x7A, 0x02, 0xC4, 0x91, 0xD3]

    /// The 128-bit big-endian number as decimal digits.
    static func decimal(_ bytes: [UInt8]) -> String {
        var n = bytes
        var digits: [UInt8] = []
        while n.contains(where: { $0 != 0 }) {
            var rem = 0
            for i in n.indices {
                let v = rem * 256 + Int(n[i])
                n[i] = UInt8(v / 10)
                rem = v % 10
            }
            digits.append(UInt8(rem) + 0x30)
        }
        return digits.isEmpty ? "0" : String(decoding: digits.reversed(), as: UTF8.self)
    }
}
