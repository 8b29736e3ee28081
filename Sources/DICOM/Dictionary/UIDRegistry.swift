// PS3.6 Annex A Registry of DICOM Unique Identifiers (transfer syntaxes, SOP classes, well-known
// instances, coding schemes, …). The table is generated into UIDRegistry+Generated.swift by
// Scripts/generate-dictionary.py.

/// One UID registered in PS3.6 Annex A.
public struct UIDEntry: Sendable, Hashable {
    /// The UID, e.g. `1.2.840.10008.1.2.1`.
    public let uid: String
    /// The name, e.g. `Explicit VR Little Endian`.
    public let name: String
    /// The UID type as PS3.6 writes it: `"Transfer Syntax"`, `"SOP Class"`, `"Meta SOP Class"`,
    /// `"Well-known SOP Instance"`, `"Well-known frame of reference"`, `"Coding Scheme"`, `"LDAP OID"`, …
    public let type: String
    /// The keyword, e.g. `ExplicitVRLittleEndian`. Empty for a few retired UIDs PS3.6 gives none.
    public let keyword: String
    /// Whether PS3.6 marks the UID as retired.
    public let isRetired: Bool

    public init(uid: String, name: String, type: String, keyword: String, isRetired: Bool) {
        self.uid = uid
        self.name = name
        self.type = type
        self.keyword = keyword
        self.isRetired = isRetired
    }

    /// Whether this UID is a transfer syntax.
    public var isTransferSyntax: Bool { type == "Transfer Syntax" }
}

/// The registry of DICOM UIDs: lookup by UID and by keyword.
///
/// The table is parsed once, on first use, from the generated source (thread-safe: `static let`).
public enum UIDRegistry {
    /// The entry for `uid`, or `nil` when it is not a UID registered in PS3.6.
    /// Trailing NUL or space padding (as read from a UI element) is ignored.
    public static func entry(for uid: String) -> UIDEntry? {
        let table = Table.shared
        if let index = table.byUID[uid] { return table.entries[index] }
        var trimmed = Substring(uid)
        while let last = trimmed.last, last == "\0" || last == " " { trimmed.removeLast() }
        guard trimmed.count != uid.count, let index = table.byUID[String(trimmed)] else { return nil }
        return table.entries[index]
    }

    /// The entry with this keyword (case-sensitive, e.g. `"CTImageStorage"`).
    public static func entry(forKeyword keyword: String) -> UIDEntry? {
        let table = Table.shared
        return table.byKeyword[keyword].map { table.entries[$0] }
    }

    /// Every registered UID, in numeric order of their components.
    public static var all: [UIDEntry] { Table.shared.entries }

    // MARK: - Table

    struct Table: Sendable {
        var entries: [UIDEntry] = []
        var byUID: [String: Int] = [:]
        var byKeyword: [String: Int] = [:]

        static let shared = Table(parsing: UIDRegistry.generatedSource)

        init(parsing source: StaticString) {
            source.withUTF8Buffer { buffer in
                for line in buffer.split(separator: UInt8(ascii: "\n")) {
                    let fields = line.split(separator: UInt8(ascii: "|"), omittingEmptySubsequences: false)
                    guard fields.count == 5, !fields[0].isEmpty else {
                        preconditionFailure("UIDRegistry: bad generated record \(String(decoding: line, as: UTF8.self))")
                    }
                    let entry = UIDEntry(
                        uid: String(decoding: fields[0], as: UTF8.self),
                        name: String(decoding: fields[4], as: UTF8.self),
                        type: String(decoding: fields[1], as: UTF8.self),
                        keyword: String(decoding: fields[3], as: UTF8.self),
                        isRetired: !fields[2].isEmpty)
                    let index = entries.count
                    entries.append(entry)
                    byUID[entry.uid] = index
                    if !entry.keyword.isEmpty { byKeyword[entry.keyword] = index }
                }
            }
        }
    }
}
