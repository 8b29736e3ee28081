// PS3.5 §7 The Data Set: an ordered set of data elements, ascending by tag.

/// An ordered collection of data elements, kept sorted by tag.
public struct DataSet: Sendable {
    /// The elements in ascending tag order.
    public private(set) var elements: [DataElement]

    /// The character set used to decode and encode this data set's text: its own
    /// Specific Character Set (0008,0005), or the one inherited from the enclosing data set.
    public var characterSet: SpecificCharacterSet

    public init(characterSet: SpecificCharacterSet = .default) {
        self.elements = []
        self.characterSet = characterSet
    }

    /// Creates a data set from elements (sorted here if they are not).
    public init(_ elements: [DataElement], characterSet: SpecificCharacterSet = .default) {
        self.elements = elements
        self.characterSet = characterSet
        if !zip(elements, elements.dropFirst()).allSatisfy({ $0.tag < $1.tag }) {
            var seen: [Tag: DataElement] = [:]
            for e in elements { seen[e.tag] = e }
            self.elements = seen.values.sorted { $0.tag < $1.tag }
        }
    }

    public var count: Int { elements.count }
    public var isEmpty: Bool { elements.isEmpty }

    @usableFromInline
    func index(of tag: Tag) -> (found: Bool, index: Int) {
        // Fast path for appends in order.
        if let last = elements.last, last.tag < tag { return (false, elements.count) }
        var lo = 0, hi = elements.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let t = elements[mid].tag
            if t == tag { return (true, mid) }
            if t < tag { lo = mid + 1 } else { hi = mid }
        }
        return (false, lo)
    }

    /// The element with `tag`, or nil.
    public subscript(tag: Tag) -> DataElement? {
        get {
            let (found, i) = index(of: tag)
            return found ? elements[i] : nil
        }
        set {
            if let newValue { set(newValue) } else { remove(tag) }
        }
    }

    public func contains(_ tag: Tag) -> Bool { index(of: tag).found }

    /// Inserts or replaces an element. Setting Specific Character Set updates `characterSet`.
    public mutating func set(_ element: DataElement) {
        let (found, i) = index(of: element.tag)
        if found { elements[i] = element } else { elements.insert(element, at: i) }
        if element.tag == .specificCharacterSet, case .bytes(let b) = element.value {
            characterSet = SpecificCharacterSet(String(decoding: b, as: UTF8.self))
        }
    }

    /// Appends an element known to sort after every element present (used by the reader).
    mutating func appendSorted(_ element: DataElement) {
        elements.append(element)
    }

    @discardableResult
    public mutating func remove(_ tag: Tag) -> DataElement? {
        let (found, i) = index(of: tag)
        return found ? elements.remove(at: i) : nil
    }

    /// Removes every element for which `shouldRemove` is true.
    public mutating func removeAll(where shouldRemove: (DataElement) throws -> Bool) rethrows {
        try elements.removeAll(where: shouldRemove)
    }

    /// The elements of one group.
    public func group(_ group: UInt16) -> ArraySlice<DataElement> {
        let start = index(of: Tag(group, 0)).index
        let end = index(of: Tag(UInt32(group) << 16 | 0xFFFF)).index
        let endIndex = (end < elements.count && elements[end].tag == Tag(group, 0xFFFF)) ? end + 1 : end
        return elements[start..<endIndex]
    }
}

extension DataSet: Sequence {
    public func makeIterator() -> IndexingIterator<[DataElement]> { elements.makeIterator() }
}

extension Tag {
    public static let fileMetaInformationGroupLength = Tag(0x0002, 0x0000)
    public static let fileMetaInformationVersion = Tag(0x0002, 0x0001)
    public static let mediaStorageSOPClassUID = Tag(0x0002, 0x0002)
    public static let mediaStorageSOPInstanceUID = Tag(0x0002, 0x0003)
    public static let transferSyntaxUID = Tag(0x0002, 0x0010)
    public static let implementationClassUID = Tag(0x0002, 0x0012)
    public static let implementationVersionName = Tag(0x0002, 0x0013)
    public static let specificCharacterSet = Tag(0x0008, 0x0005)
    public static let sopClassUID = Tag(0x0008, 0x0016)
    public static let sopInstanceUID = Tag(0x0008, 0x0018)
    public static let patientName = Tag(0x0010, 0x0010)
    public static let patientID = Tag(0x0010, 0x0020)
    public static let pixelRepresentation = Tag(0x0028, 0x0103)
    public static let bitsAllocated = Tag(0x0028, 0x0100)
    public static let floatPixelData = Tag(0x7FE0, 0x0008)
    public static let doubleFloatPixelData = Tag(0x7FE0, 0x0009)
    public static let pixelData = Tag(0x7FE0, 0x0010)
}
