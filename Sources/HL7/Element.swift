// HL7 v2.8 §2.5.3 Fields, §2.5.4 delimiters: repetitions, components and subcomponents; §2.5.3.x null
// values (`""` is an explicit null that tells the receiver to delete the value).

/// A view of one element of a message — a field, one repetition, one component or one
/// subcomponent — over the original bytes. Values are decoded only when read.
public struct Element: Sendable {
    /// The structural level of an element.
    public enum Level: Int, Sendable, Comparable {
        case field, repetition, component, subcomponent
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    }

    let storage: [UInt8]
    /// Byte range of the element in the message bytes.
    public let range: Range<Int>
    /// What the element is.
    public let level: Level
    /// The message's delimiters.
    public let encoding: EncodingCharacters
    /// The message's character set.
    public let characterSet: HL7CharacterSet
    /// MSH-1 and MSH-2 are read as they are: never split, never unescaped.
    let literal: Bool

    init(storage: [UInt8], range: Range<Int>, level: Level, encoding: EncodingCharacters, characterSet: HL7CharacterSet, literal: Bool = false) {
        self.storage = storage
        self.range = range
        self.level = level
        self.encoding = encoding
        self.characterSet = characterSet
        self.literal = literal
    }

    /// The raw bytes of the element, escapes and delimiters included.
    public var rawBytes: ArraySlice<UInt8> { storage[range] }

    /// The element as ER7 text (escapes and inner delimiters kept), decoded with the character set.
    public var er7: String { characterSet.decode(storage[range]) }

    /// Whether the element is empty (not valued).
    public var isEmpty: Bool { range.isEmpty }

    /// Whether the element is the explicit null `""` (delete the value at the receiver).
    public var isNull: Bool { range.count == 2 && storage[range.lowerBound] == 0x22 && storage[range.lowerBound + 1] == 0x22 }

    /// The element's bytes with escape sequences decoded (still in the message's character set).
    public var decodedBytes: [UInt8] {
        literal ? Array(storage[range]) : Escaping.decode(storage[range], encoding: encoding)
    }

    /// The element's text: escape sequences decoded (formatting escapes such as `\.br\` kept), then
    /// decoded with the message's character set. For a composite element the inner delimiters stay
    /// in the text; read ``component(_:)`` or a typed reader instead. The explicit null reads as `""`.
    public var value: String {
        if literal || !containsEscape { return characterSet.decode(storage[range]) }
        return characterSet.decode(decodedBytes)
    }

    private var containsEscape: Bool {
        guard encoding.hasEscape else { return false }
        let e = encoding.escape
        return storage[range].contains(e)
    }

    private var childDelimiter: UInt8? {
        switch level {
        case .field: return encoding.repetition
        case .repetition: return encoding.component
        case .component: return encoding.subcomponent
        case .subcomponent: return nil
        }
    }

    private func child(_ r: Range<Int>) -> Element {
        Element(storage: storage, range: r, level: Level(rawValue: level.rawValue + 1)!, encoding: encoding, characterSet: characterSet)
    }

    /// The children one level down (repetitions of a field, components of a repetition, subcomponents of a component).
    public var children: [Element] {
        guard let d = childDelimiter, !literal else { return [] }
        return ER7Split.parts(storage, range, d).map(child)
    }

    /// The repetitions of a field (a lower-level element is its own single repetition).
    public var repetitions: [Element] { level == .field && !literal ? children : [self] }

    /// Repetition `n` (1-based) of a field.
    public func repetition(_ n: Int) -> Element? {
        guard level == .field, !literal else { return n == 1 ? self : nil }
        return ER7Split.part(storage, range, encoding.repetition, n).map(child)
    }

    /// Components (of the first repetition, for a field).
    public var components: [Element] {
        if literal { return [self] }
        switch level {
        case .field: return repetition(1)?.components ?? []
        case .repetition: return literal ? [self] : children
        default: return [self]
        }
    }

    /// Component `n` (1-based); for a field, of its first repetition.
    public func component(_ n: Int) -> Element? {
        if literal { return n == 1 ? self : nil }
        switch level {
        case .field: return repetition(1)?.component(n)
        case .repetition: return literal ? (n == 1 ? self : nil) : ER7Split.part(storage, range, encoding.component, n).map(child)
        default: return n == 1 ? self : nil
        }
    }

    /// Subcomponent `n` (1-based); for a field or repetition, of the first component.
    public func subcomponent(_ n: Int) -> Element? {
        if literal { return n == 1 ? self : nil }
        switch level {
        case .field, .repetition: return component(1)?.subcomponent(n)
        case .component: return literal ? (n == 1 ? self : nil) : ER7Split.part(storage, range, encoding.subcomponent, n).map(child)
        case .subcomponent: return n == 1 ? self : nil
        }
    }

    /// The first leaf: repetition 1, component 1, subcomponent 1.
    public var leaf: Element {
        if literal { return self }
        return subcomponent(1) ?? self
    }
}
