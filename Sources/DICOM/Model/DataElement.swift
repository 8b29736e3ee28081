// PS3.5 §7.1 Data Elements; §7.5 Nesting of Data Sets; §A.4 Encapsulated pixel data.

/// One data element: a tag, a VR and a value.
///
/// Binary numbers in `.bytes` values are kept in little-endian byte order whatever the
/// transfer syntax they were read from; the writer swaps them for big endian. Text values are
/// the raw bytes in the data set's character set, padding included, so that writing an
/// unmodified element gives back the bytes that were read.
public struct DataElement: Sendable {
    public var tag: Tag
    public var vr: VR
    public var value: Value
    /// Whether a sequence, item or encapsulated value was read with undefined length
    /// (0xFFFFFFFF). The writer keeps the same form so that round trips are byte-exact.
    public var hasUndefinedLength: Bool

    public enum Value: Sendable {
        /// The value's bytes (little-endian for binary numbers).
        case bytes([UInt8])
        /// The items of a sequence (VR SQ, or UN holding an implicit VR sequence).
        case sequence([Item])
        /// Encapsulated pixel data: the basic offset table followed by the fragments.
        case fragments([Fragment])
        /// A large value left in its file, read only on demand.
        case bulk(BulkData)
    }

    public init(tag: Tag, vr: VR, value: Value, hasUndefinedLength: Bool = false) {
        self.tag = tag
        self.vr = vr
        self.value = value
        self.hasUndefinedLength = hasUndefinedLength
    }

    public init(tag: Tag, vr: VR, bytes: [UInt8]) {
        self.init(tag: tag, vr: vr, value: .bytes(bytes))
    }

    /// The value's length in bytes as it would be written (not counting nested headers for
    /// sequences: use the writer for that). Bulk data reports its length without reading it.
    public var valueLength: Int {
        switch value {
        case .bytes(let b): return b.count
        case .bulk(let r): return r.length
        case .sequence, .fragments: return -1
        }
    }

    /// The bytes of a `.bytes` or `.bulk` value (reading the file for bulk data).
    public func loadBytes() throws(DICOMError) -> [UInt8] {
        switch value {
        case .bytes(let b): return b
        case .bulk(let r): return try r.read()
        case .sequence, .fragments:
            throw DICOMError(.invalidValue, "\(tag) holds \(vr == .SQ ? "a sequence" : "fragments"), not bytes", tag: tag)
        }
    }

    /// The sequence items, if this element is a sequence.
    public var items: [Item]? {
        if case .sequence(let items) = value { return items }
        return nil
    }
}

/// An item of a sequence: a nested data set.
public struct Item: Sendable {
    public var dataSet: DataSet
    /// Read with undefined length (ended by an item delimitation item).
    public var hasUndefinedLength: Bool

    public init(dataSet: DataSet, hasUndefinedLength: Bool = false) {
        self.dataSet = dataSet
        self.hasUndefinedLength = hasUndefinedLength
    }
}

/// One item of encapsulated pixel data (the first is the basic offset table, possibly empty).
public enum Fragment: Sendable {
    case bytes([UInt8])
    case bulk(BulkData)

    public var length: Int {
        switch self {
        case .bytes(let b): return b.count
        case .bulk(let r): return r.length
        }
    }

    public func load() throws(DICOMError) -> [UInt8] {
        switch self {
        case .bytes(let b): return b
        case .bulk(let r): return try r.read()
        }
    }
}
