// PS3.5 §6.2.1 Person Name (PN) Value Representation: up to three component groups
// (alphabetic, ideographic, phonetic) separated by "=", each of five components separated
// by "^": family name, given name, middle name, name prefix, name suffix.

/// A PN value split into its component groups and components.
public struct PersonName: Hashable, Sendable, CustomStringConvertible {
    public struct ComponentGroup: Hashable, Sendable {
        public var familyName: String
        public var givenName: String
        public var middleName: String
        public var namePrefix: String
        public var nameSuffix: String

        public init(familyName: String = "", givenName: String = "", middleName: String = "", namePrefix: String = "", nameSuffix: String = "") {
            self.familyName = familyName
            self.givenName = givenName
            self.middleName = middleName
            self.namePrefix = namePrefix
            self.nameSuffix = nameSuffix
        }

        init(_ text: Substring) {
            let c = text.split(separator: "^", omittingEmptySubsequences: false).map(String.init)
            func at(_ i: Int) -> String { i < c.count ? c[i] : "" }
            self.init(familyName: at(0), givenName: at(1), middleName: at(2), namePrefix: at(3), nameSuffix: at(4))
        }

        public var components: [String] { [familyName, givenName, middleName, namePrefix, nameSuffix] }
        public var isEmpty: Bool { components.allSatisfy(\.isEmpty) }

        /// The components joined with "^", trailing empty components dropped.
        public var formatted: String {
            var c = components
            while let last = c.last, last.isEmpty { c.removeLast() }
            return c.joined(separator: "^")
        }
    }

    public var alphabetic: ComponentGroup
    public var ideographic: ComponentGroup
    public var phonetic: ComponentGroup

    public init(alphabetic: ComponentGroup = .init(), ideographic: ComponentGroup = .init(), phonetic: ComponentGroup = .init()) {
        self.alphabetic = alphabetic
        self.ideographic = ideographic
        self.phonetic = phonetic
    }

    /// Parses `Family^Given^Middle^Prefix^Suffix=Ideographic=Phonetic`.
    public init(_ text: some StringProtocol) {
        let groups = Substring(text).split(separator: "=", omittingEmptySubsequences: false)
        alphabetic = ComponentGroup(groups.count > 0 ? groups[0] : "")
        ideographic = ComponentGroup(groups.count > 1 ? groups[1] : "")
        phonetic = ComponentGroup(groups.count > 2 ? groups[2] : "")
    }

    /// The DICOM text form, trailing empty groups and components dropped.
    public var description: String {
        var g = [alphabetic.formatted, ideographic.formatted, phonetic.formatted]
        while let last = g.last, last.isEmpty { g.removeLast() }
        return g.joined(separator: "=")
    }
}
