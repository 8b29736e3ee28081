// PS3.6 §6 Registry of DICOM Data Elements, plus the rules of PS3.5 for tags the registry
// does not list one by one: repeating groups (§7.6), group length (§7.2) and private creators (§7.8.1).
// The table itself is generated into DataDictionary+Generated.swift by Scripts/generate-dictionary.py.

/// One entry of the DICOM data dictionary (PS3.6 Table 6-1 and friends).
public struct DictionaryEntry: Sendable, Hashable {
    /// The tag. For an entry found through a repeating group or element mask this is the tag
    /// that was looked up; for a repeating entry itself (from `entry(forKeyword:)` or `all`) it
    /// is the lowest tag the entry covers, e.g. `(6000,3000)` for Overlay Data `(60xx,3000)`.
    public let tag: Tag
    /// The keyword, e.g. `PatientName`. Empty for the few retired elements PS3.6 gives none.
    public let keyword: String
    /// The name, e.g. `Patient's Name`.
    public let name: String
    /// The value representations PS3.6 allows, in its order: `[.US, .SS]` for "US or SS",
    /// `[.OB, .OW]` for "OB or OW". Empty for items and delimitation items, which have no VR.
    public let vrs: [VR]
    /// The value multiplicity as written in PS3.6: `"1"`, `"1-n"`, `"2-2n"`, …
    public let vm: String
    /// Whether PS3.6 marks the element as retired.
    public let isRetired: Bool

    public init(tag: Tag, keyword: String, name: String, vrs: [VR], vm: String, isRetired: Bool) {
        self.tag = tag
        self.keyword = keyword
        self.name = name
        self.vrs = vrs
        self.vm = vm
        self.isRetired = isRetired
    }

    /// The first VR PS3.6 lists, or `.UN` for items and delimiters. Where several are allowed
    /// (`vrs.count > 1`) the right one depends on context, e.g. Pixel Representation (0028,0103)
    /// for "US or SS", and OW for Pixel Data in Implicit VR Little Endian (PS3.5 §A.1).
    public var vr: VR { vrs.first ?? .UN }

    /// Whether more than one VR is possible.
    public var hasAmbiguousVR: Bool { vrs.count > 1 }
}

/// The DICOM data dictionary: lookup by tag and by keyword.
///
/// The tables are parsed once, on first use, from the generated source (thread-safe: `static let`).
public enum DataDictionary {
    /// The dictionary entry for `tag`, trying in turn:
    /// 1. the elements PS3.6 lists with an exact tag;
    /// 2. group length `(gggg,0000)`: UL, keyword `GroupLength` (retired for groups other than 0000 and 0002, PS3.5 §7.2);
    /// 3. private creator `(gggg,0010-00FF)` of an odd group above 0008: LO, keyword `PrivateCreator`;
    ///    any other tag of an odd group is private (or illegal) and not in the dictionary;
    /// 4. repeating groups and element masks: `(50xx,eeee)` and `(60xx,eeee)`, `(7Fxx,eeee)` for even
    ///    groups only, `(0020,31xx)`, `(0028,04x0)`, `(1000,xxx0)`, `(1010,xxxx)`, …
    ///
    /// Returns `nil` for tags PS3.6 does not define, including private data elements.
    public static func entry(for tag: Tag) -> DictionaryEntry? {
        switch resolve(tag) {
        case .exact(let index):
            return Table.shared.entries[index]
        case .repeating(let index):
            let e = Table.shared.entries[index]
            return DictionaryEntry(tag: tag, keyword: e.keyword, name: e.name, vrs: e.vrs, vm: e.vm, isRetired: e.isRetired)
        case .groupLength:
            return DictionaryEntry(
                tag: tag, keyword: "GroupLength", name: "Group Length", vrs: [.UL], vm: "1",
                isRetired: tag.group != 0x0000 && tag.group != 0x0002)
        case .privateCreator:
            return DictionaryEntry(tag: tag, keyword: "PrivateCreator", name: "Private Creator", vrs: [.LO], vm: "1", isRetired: false)
        case .unknown:
            return nil
        }
    }

    /// The dictionary entry with this keyword (case-sensitive, e.g. `"PatientName"`).
    /// Repeating entries come back with the lowest tag they cover: `OverlayData` → `(6000,3000)`.
    public static func entry(forKeyword keyword: String) -> DictionaryEntry? {
        let table = Table.shared
        return table.byKeyword[keyword].map { table.entries[$0] }
    }

    /// The VR for `tag` as the dictionary gives it (the first one listed where there are several),
    /// or `.UN` when the dictionary does not know the tag (private data elements, …).
    public static func vr(for tag: Tag) -> VR {
        switch resolve(tag) {
        case .exact(let index), .repeating(let index): return Table.shared.entries[index].vr
        case .groupLength: return .UL
        case .privateCreator: return .LO
        case .unknown: return .UN
        }
    }

    /// The number of entries in the table: elements with an exact tag plus repeating entries.
    public static var count: Int { Table.shared.entries.count }

    /// Every entry in the table: the elements with an exact tag in tag order, then the repeating
    /// entries in PS3.6 order, each with the lowest tag it covers.
    public static var all: [DictionaryEntry] { Table.shared.entries }

    // MARK: - Table

    enum Resolution {
        case exact(Int)
        case repeating(Int)
        case groupLength
        case privateCreator
        case unknown
    }

    /// Applies the lookup rules of `entry(for:)` without building an entry.
    static func resolve(_ tag: Tag) -> Resolution {
        let table = Table.shared
        if let index = table.byTag[tag.value] { return .exact(index) }
        if tag.element == 0 { return .groupLength }
        if tag.isPrivateCreator { return .privateCreator }
        if tag.group & 1 == 1 { return .unknown }  // private data elements (and the illegal groups 0001-0007, FFFF)
        for repeater in table.repeaters where tag.value & repeater.mask == repeater.value {
            return .repeating(repeater.index)
        }
        return .unknown
    }

    struct Repeater: Sendable {
        /// Bits that must match: nibbles that are not 'x' in the PS3.6 tag.
        let mask: UInt32
        let value: UInt32
        let index: Int
    }

    struct Table: Sendable {
        var entries: [DictionaryEntry] = []
        var byTag: [UInt32: Int] = [:]
        var byKeyword: [String: Int] = [:]
        var repeaters: [Repeater] = []

        static let shared = Table(parsing: DataDictionary.generatedSource)

        init(parsing source: StaticString) {
            source.withUTF8Buffer { buffer in
                entries.reserveCapacity(5_300)
                byTag.reserveCapacity(5_300)
                byKeyword.reserveCapacity(5_300)
                for line in buffer.split(separator: UInt8(ascii: "\n")) {
                    let fields = line.split(separator: UInt8(ascii: "|"), omittingEmptySubsequences: false)
                    guard fields.count == 6, let (value, mask) = Table.parseTag(fields[0]) else {
                        preconditionFailure("DataDictionary: bad generated record \(String(decoding: line, as: UTF8.self))")
                    }
                    let vrs = fields[1].split(separator: UInt8(ascii: "/")).map { code -> VR in
                        guard let vr = VR(rawValue: String(decoding: code, as: UTF8.self)) else {
                            preconditionFailure("DataDictionary: bad VR in \(String(decoding: line, as: UTF8.self))")
                        }
                        return vr
                    }
                    let entry = DictionaryEntry(
                        tag: Tag(value),
                        keyword: String(decoding: fields[4], as: UTF8.self),
                        name: String(decoding: fields[5], as: UTF8.self),
                        vrs: vrs,
                        vm: String(decoding: fields[2], as: UTF8.self),
                        isRetired: !fields[3].isEmpty)
                    let index = entries.count
                    entries.append(entry)
                    if mask == 0xFFFF_FFFF {
                        byTag[value] = index
                    } else {
                        // Repeating groups are even groups only (PS3.5 §7.6); odd ones would be private.
                        let groupMask = mask >> 16 == 0xFFFF ? mask : mask | 0x0001_0000
                        repeaters.append(Repeater(mask: groupMask, value: value, index: index))
                    }
                    if !entry.keyword.isEmpty { byKeyword[entry.keyword] = index }
                }
            }
            // A repeating entry stands for the lowest tag it covers that nothing before it claims:
            // (1010,xxxx) → (1010,0001), not the group length (1010,0000); (0028,04x0) → (0028,0410),
            // not Transform Label (0028,0400).
            for repeater in repeaters {
                let free = ~repeater.mask
                var k: UInt32 = 0
                while true {
                    let candidate = repeater.value | Table.deposit(k, into: free)
                    if byTag[candidate] == nil, candidate & 0xFFFF != 0 {
                        let e = entries[repeater.index]
                        entries[repeater.index] = DictionaryEntry(
                            tag: Tag(candidate), keyword: e.keyword, name: e.name, vrs: e.vrs, vm: e.vm, isRetired: e.isRetired)
                        break
                    }
                    k += 1
                }
            }
        }

        /// Spreads the low bits of `bits` over the set bits of `mask`, lowest first.
        static func deposit(_ bits: UInt32, into mask: UInt32) -> UInt32 {
            var result: UInt32 = 0
            var bits = bits
            var mask = mask
            while mask != 0, bits != 0 {
                let lowest = mask & (0 &- mask)
                if bits & 1 == 1 { result |= lowest }
                bits >>= 1
                mask &= mask - 1
            }
            return result
        }

        /// `60xx3000` → (value 0x60003000, mask 0xFF00FFFF).
        static func parseTag(_ field: UnsafeBufferPointer<UInt8>.SubSequence) -> (UInt32, UInt32)? {
            guard field.count == 8 else { return nil }
            var value: UInt32 = 0
            var mask: UInt32 = 0
            for byte in field {
                value <<= 4
                mask <<= 4
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): value |= UInt32(byte - UInt8(ascii: "0")); mask |= 0xF
                case UInt8(ascii: "A")...UInt8(ascii: "F"): value |= UInt32(byte - UInt8(ascii: "A") + 10); mask |= 0xF
                case UInt8(ascii: "x"): break
                default: return nil
                }
            }
            return (value, mask)
        }
    }
}

extension Tag {
    /// The PS3.6 keyword of this tag (`PatientName`), or `nil` when the dictionary does not
    /// know it. Group length and private creator tags give `GroupLength` and `PrivateCreator`.
    public var keyword: String? {
        guard let keyword = DataDictionary.entry(for: self)?.keyword, !keyword.isEmpty else { return nil }
        return keyword
    }

    /// The tag with this PS3.6 keyword: `Tag(keyword: "PatientName")` is `(0010,0010)`.
    /// Repeating entries give the lowest tag they cover (`OverlayData` → `(6000,3000)`).
    public init?(keyword: String) {
        guard let entry = DataDictionary.entry(forKeyword: keyword) else { return nil }
        self = entry.tag
    }
}
