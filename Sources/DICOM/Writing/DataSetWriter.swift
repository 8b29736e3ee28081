// PS3.5 §7.1 element encoding, §7.5 sequences and items, §A.4 encapsulation; group lengths
// (gggg,0000) recomputed so that a re-encoded data set stays consistent.

/// Writes data sets in any transfer syntax. Conformant output only: odd-length values are
/// padded, group lengths recomputed, and items and sequences keep the length form they had.
public struct DataSetWriter {
    let explicit: Bool
    let bigEndian: Bool

    public init(transferSyntax: TransferSyntax) {
        explicit = transferSyntax.isExplicitVR
        bigEndian = transferSyntax.isBigEndian
    }

    init(explicit: Bool, bigEndian: Bool) {
        self.explicit = explicit
        self.bigEndian = bigEndian
    }

    /// Encodes `dataSet` to bytes (not deflated; see `DICOMFile` for deflate).
    public static func encode(_ dataSet: DataSet, transferSyntax: TransferSyntax) throws(DICOMError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(DataSetWriter(transferSyntax: transferSyntax).length(of: dataSet))
        try DataSetWriter(transferSyntax: transferSyntax).write(dataSet, to: &out)
        return out
    }

    /// Writes the elements of `dataSet` to `sink`.
    public func write<S: ByteSink>(_ dataSet: DataSet, to sink: inout S) throws(DICOMError) {
        let elements = dataSet.elements
        var i = 0
        while i < elements.count {
            let e = elements[i]
            if DataSetWriter.isRecomputedGroupLength(e) {
                // Recompute the group length from what follows in the group.
                var groupLength = 0
                var j = i + 1
                while j < elements.count && elements[j].tag.group == e.tag.group {
                    groupLength += length(of: elements[j])
                    j += 1
                }
                try writeHeader(tag: e.tag, vr: .UL, length: 4, to: &sink)
                try sink.writeU32(UInt32(truncatingIfNeeded: groupLength), bigEndian: bigEndian)
            } else {
                try write(e, to: &sink)
            }
            i += 1
        }
    }

    func writeHeader<S: ByteSink>(tag: Tag, vr: VR, length: UInt32, to sink: inout S) throws(DICOMError) {
        try sink.writeU16(tag.group, bigEndian: bigEndian)
        try sink.writeU16(tag.element, bigEndian: bigEndian)
        if explicit {
            let (a, b) = vr.bytes
            if vr.hasLongExplicitLength {
                var h: (UInt8, UInt8, UInt8, UInt8) = (a, b, 0, 0)
                try withUnsafeBytes(of: &h) { (p) throws(DICOMError) in try sink.write(p) }
                try sink.writeU32(length, bigEndian: bigEndian)
            } else {
                guard length <= 0xFFFF else {
                    throw DICOMError(.invalidValue, "value of \(length) bytes is too long for VR \(vr) in explicit VR (maximum 65534)", tag: tag)
                }
                var h: (UInt8, UInt8) = (a, b)
                try withUnsafeBytes(of: &h) { (p) throws(DICOMError) in try sink.write(p) }
                try sink.writeU16(UInt16(length), bigEndian: bigEndian)
            }
        } else {
            try sink.writeU32(length, bigEndian: bigEndian)
        }
    }

    func writeItemHeader<S: ByteSink>(_ tag: Tag, length: UInt32, to sink: inout S) throws(DICOMError) {
        try sink.writeU16(tag.group, bigEndian: bigEndian)
        try sink.writeU16(tag.element, bigEndian: bigEndian)
        try sink.writeU32(length, bigEndian: bigEndian)
    }

    /// Writes one element (header and value).
    public func write<S: ByteSink>(_ e: DataElement, to sink: inout S) throws(DICOMError) {
        switch e.value {
        case .bytes(let bytes):
            let padded = bytes.count & 1
            try writeHeader(tag: e.tag, vr: e.vr, length: UInt32(bytes.count + padded), to: &sink)
            if bigEndian, let w = e.vr.binaryWidth, w > 1 {
                try sink.write(bytes: ByteOrder.swapped(bytes, width: w))
            } else {
                try sink.write(bytes: bytes)
            }
            if padded == 1 { try sink.write(bytes: [e.vr.paddingByte]) }
        case .bulk(let ref):
            let padded = ref.length & 1
            try writeHeader(tag: e.tag, vr: e.vr, length: UInt32(ref.length + padded), to: &sink)
            let swap = bigEndian ? (e.vr.binaryWidth ?? 0) : 0
            try ref.readChunks { (chunk, _) throws(DICOMError) in
                if swap > 1 {
                    var copy = Array(chunk)
                    copy.withUnsafeMutableBytes { ByteOrder.swap($0, width: swap) }
                    try sink.write(bytes: copy)
                } else {
                    try sink.write(chunk)
                }
            }
            if padded == 1 { try sink.write(bytes: [e.vr.paddingByte]) }
        case .sequence(let items):
            // UN sequences are always implicit VR little endian inside (PS3.5 §6.2.2).
            let inner = e.vr == .UN ? DataSetWriter(explicit: false, bigEndian: false) : self
            let len: UInt32 = e.hasUndefinedLength ? DataSetParser.undefinedLength : UInt32(truncatingIfNeeded: inner.itemsLength(items))
            try writeHeader(tag: e.tag, vr: e.vr, length: len, to: &sink)
            for item in items {
                if item.hasUndefinedLength {
                    try inner.writeItemHeader(.item, length: DataSetParser.undefinedLength, to: &sink)
                    try inner.write(item.dataSet, to: &sink)
                    try inner.writeItemHeader(.itemDelimitationItem, length: 0, to: &sink)
                } else {
                    try inner.writeItemHeader(.item, length: UInt32(truncatingIfNeeded: inner.length(of: item.dataSet)), to: &sink)
                    try inner.write(item.dataSet, to: &sink)
                }
            }
            if e.hasUndefinedLength { try inner.writeItemHeader(.sequenceDelimitationItem, length: 0, to: &sink) }
        case .fragments(let fragments):
            try writeHeader(tag: e.tag, vr: e.vr, length: DataSetParser.undefinedLength, to: &sink)
            for f in fragments {
                let padded = f.length & 1
                try writeItemHeader(.item, length: UInt32(f.length + padded), to: &sink)
                switch f {
                case .bytes(let b): try sink.write(bytes: b)
                case .bulk(let ref): try ref.readChunks { (chunk, _) throws(DICOMError) in try sink.write(chunk) }
                }
                if padded == 1 { try sink.write(bytes: [0]) }
            }
            try writeItemHeader(.sequenceDelimitationItem, length: 0, to: &sink)
        }
    }

    func headerLength(_ vr: VR) -> Int {
        explicit ? (vr.hasLongExplicitLength ? 12 : 8) : 8
    }

    /// The encoded length of a whole data set.
    public func length(of dataSet: DataSet) -> Int {
        var n = 0
        for e in dataSet.elements { n += length(of: e) }
        return n
    }

    func itemsLength(_ items: [Item]) -> Int {
        var n = 0
        for item in items {
            n += 8 + length(of: item.dataSet) + (item.hasUndefinedLength ? 8 : 0)
        }
        return n
    }

    /// Group length elements (gggg,0000) UL are always written as 4 bytes holding the length of
    /// the rest of their group, whatever they held when read.
    static func isRecomputedGroupLength(_ e: DataElement) -> Bool {
        guard e.tag.isGroupLength, e.vr == .UL, e.tag.group != 0xFFFE, case .bytes = e.value else { return false }
        return true
    }

    /// The encoded length of one element, header included.
    public func length(of e: DataElement) -> Int {
        if DataSetWriter.isRecomputedGroupLength(e) { return headerLength(.UL) + 4 }
        switch e.value {
        case .bytes(let b): return headerLength(e.vr) + b.count + (b.count & 1)
        case .bulk(let r): return headerLength(e.vr) + r.length + (r.length & 1)
        case .sequence(let items):
            let inner = e.vr == .UN ? DataSetWriter(explicit: false, bigEndian: false) : self
            return headerLength(e.vr) + inner.itemsLength(items) + (e.hasUndefinedLength ? 8 : 0)
        case .fragments(let fs):
            var n = headerLength(e.vr) + 8
            for f in fs { n += 8 + f.length + (f.length & 1) }
            return n
        }
    }
}
