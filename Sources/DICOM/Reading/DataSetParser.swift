// PS3.5 §7.1.2 (explicit VR), §7.1.3 (implicit VR), §7.5 (sequences and items, defined and
// undefined length), §7.3 (big endian), §A.4 (encapsulated pixel data), §6.2.2 (UN with
// undefined length holds an implicit VR little endian sequence).

/// The element-level reader over a buffer of bytes: one reader for every transfer syntax,
/// which is passed in as an encoding, not chosen by separate parsers.
struct DataSetParser {
    struct Encoding {
        var explicit: Bool
        var bigEndian: Bool
        static let implicitLittle = Encoding(explicit: false, bigEndian: false)
        static let explicitLittle = Encoding(explicit: true, bigEndian: false)
    }

    enum Stop {
        case never
        case atPixelData
        case afterGroup2
    }

    let buf: UnsafeRawBufferPointer
    /// Offset of `buf[0]` in the input as the user sees it (for diagnostics and bulk data).
    let baseOffset: Int
    /// Path of the file `buf` maps, if any: large values then become bulk references.
    let bulkPath: String?
    let options: ReadOptions
    /// Pixel data encapsulated in fragments (compressed transfer syntax).
    let encapsulated: Bool
    var warnings: [DICOMWarning] = []
    private var droppedWarnings = 0

    init(buffer: UnsafeRawBufferPointer, baseOffset: Int, bulkPath: String?, options: ReadOptions, encapsulated: Bool) {
        self.buf = buffer
        self.baseOffset = baseOffset
        self.bulkPath = bulkPath
        self.options = options
        self.encapsulated = encapsulated
    }

    static let undefinedLength: UInt32 = 0xFFFF_FFFF

    mutating func warn(_ message: String, at pos: Int, tag: Tag? = nil) {
        if warnings.count < options.maximumWarnings {
            warnings.append(DICOMWarning(message, offset: baseOffset + pos, tag: tag))
        } else {
            droppedWarnings += 1
        }
    }

    func finishedWarnings() -> [DICOMWarning] {
        guard droppedWarnings > 0 else { return warnings }
        return warnings + [DICOMWarning("\(droppedWarnings) more warnings not shown")]
    }

    func error(_ code: DICOMError.Code, _ reason: String, at pos: Int, tag: Tag? = nil) -> DICOMError {
        DICOMError(code, reason, offset: baseOffset + pos, tag: tag)
    }

    @inline(__always)
    func u16(_ at: Int, _ big: Bool) -> UInt16 {
        let v = buf.loadUnaligned(fromByteOffset: at, as: UInt16.self)
        return big ? v.byteSwapped : UInt16(littleEndian: v)
    }

    @inline(__always)
    func u32(_ at: Int, _ big: Bool) -> UInt32 {
        let v = buf.loadUnaligned(fromByteOffset: at, as: UInt32.self)
        return big ? v.byteSwapped : UInt32(littleEndian: v)
    }

    @inline(__always)
    func tag(at pos: Int, _ big: Bool) -> Tag {
        Tag(u16(pos, big), u16(pos + 2, big))
    }

    /// Reads data elements into `dataSet` from `pos` up to `end`, or up to an item delimitation
    /// item when `untilItemDelimiter` is set. Returns the position after what was consumed.
    /// On a thrown error, `dataSet` holds the elements read before it.
    mutating func parse(into dataSet: inout DataSet, from start: Int, end: Int, encoding: Encoding,
                        depth: Int, untilItemDelimiter: Bool = false, stop: Stop = .never) throws(DICOMError) -> Int {
        if depth > options.maximumNestingDepth {
            throw error(.nestingTooDeep, "sequences nested deeper than \(options.maximumNestingDepth) levels", at: start)
        }
        var pos = start
        let big = encoding.bigEndian
        // A group length element (gggg,0000) read in this data set: where its group should end.
        var groupLengthCheck: (group: UInt16, end: Int, declared: Int)?
        while pos < end {
            if end - pos < 8 {
                // After the meta information, a few bytes can be a whole data set (an empty deflate stream).
                if stop == .afterGroup2 { return pos }
                if (pos..<end).allSatisfy({ buf[$0] == 0 }) {
                    warn("\(end - pos) trailing zero bytes ignored", at: pos)
                    return end
                }
                throw error(.truncated, "input ends inside an element header (\(end - pos) bytes left)", at: pos)
            }
            let tag = tag(at: pos, big)
            if stop == .afterGroup2 && tag.group != 0x0002 { return pos }
            if tag.group == 0xFFFE {
                let len = u32(pos + 4, big)
                if tag == .itemDelimitationItem {
                    if untilItemDelimiter { return pos + 8 }
                    warn("item delimitation item outside an undefined-length item ignored", at: pos, tag: tag)
                    pos += 8
                    // A defined-length item closed by a delimiter as well: that is its end.
                    if depth > 0 { return pos }
                    continue
                }
                if tag == .sequenceDelimitationItem {
                    if depth == 0 {
                        warn("sequence delimitation item at the top level ignored", at: pos, tag: tag)
                        pos += 8
                        continue
                    }
                    // Missing item delimiter before the sequence delimiter: end the item here.
                    if untilItemDelimiter {
                        warn("item ended by a sequence delimitation item", at: pos, tag: tag)
                        return pos
                    }
                }
                if tag.group == 0xFFFE && len == 0 && tag != .item {
                    warn("stray item tag skipped", at: pos, tag: tag)
                    pos += 8
                    continue
                }
                throw error(.malformed, "unexpected item tag in a data set", at: pos, tag: tag)
            }
            if dataSet.elements.last.map({ $0.tag >= tag }) == true {
                // Out of order or repeated: keep the data, in tag order.
                if stop == .afterGroup2 && tag.group != 0x0002 { return pos }
                warn("element out of ascending order", at: pos, tag: tag)
            }
            switch stop {
            case .never: break
            case .atPixelData:
                if tag == .pixelData || tag == .floatPixelData || tag == .doubleFloatPixelData { return pos }
            case .afterGroup2:
                if tag.group != 0x0002 { return pos }
            }
            let headerStart = pos
            if let check = groupLengthCheck, check.group != tag.group {
                if check.end != pos {
                    warn("group length of group \(Tag.hex4(check.group)) is \(check.declared) bytes; the group has \(pos - (check.end - check.declared))",
                         at: pos, tag: Tag(check.group, 0))
                }
                groupLengthCheck = nil
            }
            var vr: VR
            var length: UInt32
            var headerLength: Int
            if encoding.explicit {
                let b0 = buf[pos + 4], b1 = buf[pos + 5]
                if let v = VR(byte0: b0, byte1: b1) {
                    vr = v
                    if v.hasLongExplicitLength {
                        guard end - pos >= 12 else {
                            throw error(.truncated, "input ends inside an element header", at: pos, tag: tag)
                        }
                        length = u32(pos + 8, big)
                        headerLength = 12
                    } else {
                        length = UInt32(u16(pos + 6, big))
                        headerLength = 8
                    }
                } else if (0x41...0x5A).contains(b0) && (0x41...0x5A).contains(b1) {
                    // PS3.5 §7.1.2: VRs not known here use the 32-bit length form.
                    warn("unknown VR '\(String(decoding: [b0, b1], as: UTF8.self))' read as UN", at: pos + 4, tag: tag)
                    guard end - pos >= 12 else {
                        throw error(.truncated, "input ends inside an element header", at: pos, tag: tag)
                    }
                    vr = .UN
                    length = u32(pos + 8, big)
                    headerLength = 12
                } else {
                    // Not a VR at all: an implicit VR element inside explicit VR data.
                    vr = resolveImplicitVR(tag, in: dataSet)
                    length = u32(pos + 4, big)
                    headerLength = 8
                    warn("no VR in explicit VR data; element read as implicit VR \(vr)", at: pos + 4, tag: tag)
                }
            } else {
                vr = resolveImplicitVR(tag, in: dataSet)
                length = u32(pos + 4, big)
                headerLength = 8
            }
            pos += headerLength

            if length == DataSetParser.undefinedLength {
                let element: DataElement
                (element, pos) = try parseUndefinedLength(tag: tag, vr: vr, at: pos, end: end, encoding: encoding,
                                                           depth: depth, charset: dataSet.characterSet, headerStart: headerStart)
                dataSet.appendOrInsert(element)
                continue
            }
            let len = Int(length)
            if len > end - pos {
                throw error(.truncated, "value of \(len) bytes runs past the end of the input (\(end - pos) bytes left)",
                            at: headerStart, tag: tag)
            }
            if len & 1 == 1 {
                warn("odd value length \(len)", at: headerStart, tag: tag)
            }
            if vr == .SQ {
                var items: [Item] = []
                let next = try parseItems(into: &items, from: pos, end: pos + len, limit: end, undefined: false, encoding: encoding,
                                          depth: depth + 1, charset: dataSet.characterSet, sequenceTag: tag)
                if next < pos + len { warn("sequence content does not fill its length", at: next, tag: tag) }
                dataSet.appendOrInsert(DataElement(tag: tag, vr: .SQ, value: .sequence(items)))
                pos = Swift.max(pos + len, next)
                continue
            }
            if vr == .UN && options.resolveUnknownVRs, let resolved = try resolveUN(tag: tag, at: pos, length: len, depth: depth, in: dataSet) {
                dataSet.appendOrInsert(resolved)
                pos += len
                continue
            }
            let value = makeValue(vr: vr, at: pos, length: len, big: big)
            let element = DataElement(tag: tag, vr: vr, value: value)
            if tag == .specificCharacterSet, case .bytes(let b) = value {
                let cs = SpecificCharacterSet(String(decoding: b, as: UTF8.self))
                for term in cs.unknownTerms { warn("unknown character set term '\(term)'", at: headerStart, tag: tag) }
                dataSet.characterSet = cs
            }
            if tag.isGroupLength && tag.group != 0x0002 && len == 4, case .bytes(let b) = value {
                let declared = Int(UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24)
                groupLengthCheck = (tag.group, pos + len + declared, declared)
            }
            dataSet.appendOrInsert(element)
            pos += len
        }
        if let check = groupLengthCheck, check.end != pos {
            warn("group length of group \(Tag.hex4(check.group)) is \(check.declared) bytes; the group has \(pos - (check.end - check.declared))",
                 at: pos, tag: Tag(check.group, 0))
        }
        if untilItemDelimiter {
            throw error(.truncated, "input ends inside an undefined-length item (no item delimitation item)", at: pos)
        }
        return pos
    }

    /// Value bytes, byte order normalized, or a bulk data reference for a large value in a file.
    func makeValue(vr: VR, at pos: Int, length: Int, big: Bool) -> DataElement.Value {
        let swapWidth = big ? (vr.binaryWidth ?? 0) : 0
        if let path = bulkPath, let threshold = options.bulkDataThreshold, vr.isBulkCandidate, length >= threshold {
            return .bulk(BulkData(path: path, offset: baseOffset + pos, length: length, swapWidth: swapWidth))
        }
        var bytes = ByteCopy.array(UnsafeRawBufferPointer(rebasing: buf[pos..<(pos + length)]))
        if swapWidth > 1 { bytes.withUnsafeMutableBytes { ByteOrder.swap($0, width: swapWidth) } }
        return .bytes(bytes)
    }

    mutating func parseUndefinedLength(tag: Tag, vr: VR, at start: Int, end: Int, encoding: Encoding, depth: Int,
                                       charset: SpecificCharacterSet, headerStart: Int) throws(DICOMError) -> (DataElement, Int) {
        switch vr {
        case .SQ:
            var items: [Item] = []
            let next = try parseItems(into: &items, from: start, end: end, undefined: true, encoding: encoding,
                                      depth: depth + 1, charset: charset, sequenceTag: tag)
            return (DataElement(tag: tag, vr: .SQ, value: .sequence(items), hasUndefinedLength: true), next)
        case .OB, .OW:
            guard isFragmentStart(at: start, end: end, big: encoding.bigEndian) else {
                throw error(.invalidLength, "undefined length on \(vr) without encapsulated fragments", at: headerStart, tag: tag)
            }
            var fragments: [Fragment] = []
            let next = try parseFragments(into: &fragments, from: start, end: end, big: encoding.bigEndian, tag: tag)
            return (DataElement(tag: tag, vr: vr, value: .fragments(fragments), hasUndefinedLength: true), next)
        case .UN:
            // PS3.5 §6.2.2: an undefined-length UN holds a sequence in implicit VR little endian.
            if isFragmentStart(at: start, end: end, big: false) && tag == .pixelData {
                var fragments: [Fragment] = []
                let next = try parseFragments(into: &fragments, from: start, end: end, big: false, tag: tag)
                return (DataElement(tag: tag, vr: .UN, value: .fragments(fragments), hasUndefinedLength: true), next)
            }
            var items: [Item] = []
            let next = try parseItems(into: &items, from: start, end: end, undefined: true, encoding: .implicitLittle,
                                      depth: depth + 1, charset: charset, sequenceTag: tag)
            let resolvedVR: VR = options.resolveUnknownVRs ? .SQ : .UN
            return (DataElement(tag: tag, vr: resolvedVR, value: .sequence(items), hasUndefinedLength: true), next)
        default:
            if isFragmentStart(at: start, end: end, big: encoding.bigEndian) {
                // A sequence whose VR the dictionary does not know (e.g. a private SQ in implicit VR).
                var items: [Item] = []
                let next = try parseItems(into: &items, from: start, end: end, undefined: true, encoding: encoding,
                                          depth: depth + 1, charset: charset, sequenceTag: tag)
                warn("undefined length on VR \(vr); read as a sequence", at: headerStart, tag: tag)
                return (DataElement(tag: tag, vr: .SQ, value: .sequence(items), hasUndefinedLength: true), next)
            }
            throw error(.invalidLength, "undefined length is not allowed for VR \(vr)", at: headerStart, tag: tag)
        }
    }

    func isFragmentStart(at pos: Int, end: Int, big: Bool) -> Bool {
        guard end - pos >= 8 else { return false }
        let t = tag(at: pos, big)
        return t == .item || t == .sequenceDelimitationItem
    }

    mutating func parseItems(into items: inout [Item], from start: Int, end: Int, limit: Int? = nil, undefined: Bool, encoding: Encoding,
                             depth: Int, charset: SpecificCharacterSet, sequenceTag: Tag) throws(DICOMError) -> Int {
        if depth > options.maximumNestingDepth {
            throw error(.nestingTooDeep, "sequences nested deeper than \(options.maximumNestingDepth) levels", at: start, tag: sequenceTag)
        }
        var pos = start
        let big = encoding.bigEndian
        while true {
            if !undefined && pos >= end { return pos }
            guard end - pos >= 8 else {
                throw error(.truncated, "input ends inside a sequence", at: pos, tag: sequenceTag)
            }
            let t = tag(at: pos, big)
            let len = u32(pos + 4, big)
            if t == .sequenceDelimitationItem {
                if !undefined { warn("sequence delimitation item in a defined-length sequence", at: pos, tag: sequenceTag) }
                return pos + 8
            }
            guard t == .item else {
                throw error(.malformed, "expected an item tag (FFFE,E000) in sequence, found \(t)", at: pos, tag: sequenceTag)
            }
            pos += 8
            var item = DataSet(characterSet: charset)
            if len == DataSetParser.undefinedLength {
                pos = try parse(into: &item, from: pos, end: end, encoding: encoding, depth: depth, untilItemDelimiter: true)
                items.append(Item(dataSet: item, hasUndefinedLength: true))
            } else {
                let l = Int(len)
                if l > end - pos {
                    // A defined-length sequence too short for its items, or an item cut short by
                    // the end of the input: read what is there, as DCMTK and pydicom do.
                    let hardEnd = undefined ? end : (limit ?? end)
                    let itemEnd = Swift.min(pos + l, hardEnd)
                    warn(pos + l <= hardEnd ? "item runs past the declared end of its sequence; sequence length ignored"
                                            : "item of \(l) bytes runs past the end of the input; read up to the end",
                         at: pos - 8, tag: sequenceTag)
                    _ = try parse(into: &item, from: pos, end: itemEnd, encoding: encoding, depth: depth)
                    items.append(Item(dataSet: item, hasUndefinedLength: false))
                    return itemEnd
                }
                _ = try parse(into: &item, from: pos, end: pos + l, encoding: encoding, depth: depth)
                items.append(Item(dataSet: item, hasUndefinedLength: false))
                pos += l
            }
        }
    }

    mutating func parseFragments(into fragments: inout [Fragment], from start: Int, end: Int, big: Bool, tag: Tag) throws(DICOMError) -> Int {
        var pos = start
        while true {
            guard end - pos >= 8 else {
                throw error(.truncated, "input ends inside encapsulated pixel data", at: pos, tag: tag)
            }
            let t = self.tag(at: pos, big)
            let len = u32(pos + 4, big)
            if t == .sequenceDelimitationItem { return pos + 8 }
            guard t == .item else {
                throw error(.malformed, "expected a fragment item tag (FFFE,E000), found \(t)", at: pos, tag: tag)
            }
            guard len != DataSetParser.undefinedLength else {
                throw error(.invalidLength, "fragment with undefined length", at: pos, tag: tag)
            }
            pos += 8
            let l = Int(len)
            guard l <= end - pos else {
                throw error(.truncated, "fragment of \(l) bytes runs past the end of the input (\(end - pos) bytes left)", at: pos - 8, tag: tag)
            }
            if let path = bulkPath, let threshold = options.bulkDataThreshold, l >= threshold {
                fragments.append(.bulk(BulkData(path: path, offset: baseOffset + pos, length: l)))
            } else {
                fragments.append(.bytes(ByteCopy.array(UnsafeRawBufferPointer(rebasing: buf[pos..<(pos + l)]))))
            }
            pos += l
        }
    }

    /// With `ReadOptions.resolveUnknownVRs`: an UN element whose tag the dictionary knows is
    /// given its VR back (a sequence is parsed as implicit VR little endian, PS3.5 §6.2.2).
    mutating func resolveUN(tag: Tag, at pos: Int, length: Int, depth: Int, in dataSet: DataSet) throws(DICOMError) -> DataElement? {
        let vr = resolveImplicitVR(tag, in: dataSet)
        guard vr != .UN else { return nil }
        if vr == .SQ {
            var items: [Item] = []
            _ = try parseItems(into: &items, from: pos, end: pos + length, undefined: false, encoding: .implicitLittle,
                               depth: depth + 1, charset: dataSet.characterSet, sequenceTag: tag)
            return DataElement(tag: tag, vr: .SQ, value: .sequence(items))
        }
        if let width = vr.binaryWidth, length % width != 0 { return nil }
        return DataElement(tag: tag, vr: vr, value: makeValue(vr: vr, at: pos, length: length, big: false))
    }

    /// The VR of an element read without one: from the dictionary, with the ambiguous
    /// "US or SS" and "OB or OW" entries resolved as PS3.5 Annex A says for implicit VR.
    func resolveImplicitVR(_ tag: Tag, in dataSet: DataSet) -> VR {
        if tag.element == 0 { return .UL }
        if tag.isPrivateCreator { return .LO }
        // The table entry's VRs, without building a `DictionaryEntry` (as `entry(for:)` does).
        let vrs: [VR]
        switch DataDictionary.resolve(tag) {
        case .exact(let index), .repeating(let index): vrs = DataDictionary.Table.shared.entries[index].vrs
        case .groupLength: return .UL
        case .privateCreator: return .LO
        case .unknown: return .UN
        }
        if vrs.count > 1 {
            if vrs.contains(.US) && vrs.contains(.SS) {
                if case .bytes(let b)? = dataSet[.pixelRepresentation]?.value, b.first == 1 { return .SS }
                return .US
            }
            if vrs.contains(.OW) { return tag == .pixelData && encapsulated ? .OB : .OW }
        }
        return vrs.first ?? .UN
    }
}

extension DataSet {
    /// Appends in the common in-order case; inserts (replacing a duplicate) otherwise.
    mutating func appendOrInsert(_ element: DataElement) {
        if let last = elements.last, last.tag >= element.tag {
            set(element)
        } else {
            appendSorted(element)
        }
    }
}
