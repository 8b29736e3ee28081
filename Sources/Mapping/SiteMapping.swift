// A site's changes to the IHE order → worklist tables (../shared/standards/hl7-dicom-mapping.md §1, §2):
// rules replaced, added or removed, value maps extended, defaults and policies — the model of the site mapping
// file (docs/mapping.md "Site mapping file"), applied over OrderMappingTable.orm / .omi.

import DICOM

/// The changes a site makes to the built-in order tables.
///
/// Sections apply in order: ``both`` to the ORM^O01 and the OMI^O23 table, then ``orm`` or ``omi`` to its own.
/// ```swift
/// let site = try SiteMapping.load(file: "site-mapping.yaml")
/// let mapper = site.apply(to: OrderMapper())
/// ```
public struct SiteMapping: Sendable, Hashable {
    /// A change to the rule of one tag.
    ///
    /// When the table already maps `tag`, the fields given here replace that rule's (at its place; other rules
    /// for the same tag are dropped) and the fields left nil keep theirs. Otherwise it is a new rule at the end:
    /// conversion `text` and scope `item` unless given.
    public struct RuleChange: Sendable, Hashable {
        public var tag: Tag
        public var paths: [String]?
        public var conversion: ValueConversion?
        public var scope: RuleScope?
        public var defaultValue: String?

        public init(_ tag: Tag, paths: [String]? = nil, conversion: ValueConversion? = nil, scope: RuleScope? = nil, default defaultValue: String? = nil) {
            self.tag = tag
            self.paths = paths
            self.conversion = conversion
            self.scope = scope
            self.defaultValue = defaultValue
        }
    }

    /// The changes to one table (or to both).
    public struct Section: Sendable, Hashable {
        /// Rules replaced or added, in order.
        public var rules: [RuleChange] = []
        /// Tags whose rules are removed (before `rules` apply).
        public var removals: [Tag] = []
        /// Entries added to (or replacing entries of) the named value maps; a new name is a new map.
        public var valueMaps: [String: [String: String]] = [:]
        public var defaultStationAETitle: String?
        public var defaultModality: String?
        public var studyUIDPolicy: StudyUIDPolicy?
        public var spsIDPolicy: SPSIDPolicy?
        public var characterSet: String?
        public var truncateOverlongValues: Bool?
        public var primaryIssuer: String?
        public var uidNamespace: String?

        public init() {}

        /// Whether the section changes nothing.
        public var isEmpty: Bool { self == Section() }

        /// `table` with this section's changes.
        public func apply(to table: OrderMappingTable) -> OrderMappingTable {
            var t = table
            t.rules.removeAll { removals.contains($0.tag) }
            for change in rules {
                if let i = t.rules.firstIndex(where: { $0.tag == change.tag }) {
                    var rule = t.rules[i]
                    if let p = change.paths { rule.paths = p }
                    if let c = change.conversion { rule.conversion = c }
                    if let s = change.scope { rule.scope = s }
                    if let d = change.defaultValue { rule.defaultValue = d }
                    t.rules[i] = rule
                    t.rules = t.rules.enumerated().filter { $0.offset == i || $0.element.tag != change.tag }.map(\.element)
                } else {
                    t.rules.append(FieldRule(change.tag, change.paths ?? [], change.conversion ?? .text,
                                             scope: change.scope ?? .item, default: change.defaultValue))
                }
            }
            for (name, entries) in valueMaps {
                t.valueMaps[name, default: [:]].merge(entries) { $1 }
            }
            if let v = defaultStationAETitle { t.defaultStationAETitle = v }
            if let v = defaultModality { t.defaultModality = v }
            if let v = studyUIDPolicy { t.studyUIDPolicy = v }
            if let v = spsIDPolicy { t.spsIDPolicy = v }
            if let v = characterSet { t.characterSet = v }
            if let v = truncateOverlongValues { t.truncateOverlongValues = v }
            if let v = primaryIssuer { t.primaryIssuer = v }
            if let v = uidNamespace { t.uidNamespace = v }
            return t
        }

        /// The file keys of the defaults and policies this section sets.
        var settingKeys: Set<String> {
            var keys: Set<String> = []
            if defaultStationAETitle != nil { keys.insert("station-ae-title") }
            if defaultModality != nil { keys.insert("modality") }
            if studyUIDPolicy != nil { keys.insert("study-uid-policy") }
            if spsIDPolicy != nil { keys.insert("sps-id-policy") }
            if characterSet != nil { keys.insert("character-set") }
            if truncateOverlongValues != nil { keys.insert("truncate-overlong-values") }
            if primaryIssuer != nil { keys.insert("primary-issuer") }
            if uidNamespace != nil { keys.insert("uid-namespace") }
            return keys
        }
    }

    /// Applies to both tables, first.
    public var both = Section()
    /// Applies to the ORM^O01 table, after ``both``.
    public var orm = Section()
    /// Applies to the OMI^O23 table, after ``both``.
    public var omi = Section()
    /// The file it was read from (empty when built in code).
    public var file: String

    public init(both: Section = Section(), orm: Section = Section(), omi: Section = Section(), file: String = "") {
        self.both = both
        self.orm = orm
        self.omi = omi
        self.file = file
    }

    /// The ORM^O01 table with the site's changes.
    public func ormTable(_ base: OrderMappingTable = .orm) -> OrderMappingTable { orm.apply(to: both.apply(to: base)) }
    /// The OMI^O23 table with the site's changes.
    public func omiTable(_ base: OrderMappingTable = .omi) -> OrderMappingTable { omi.apply(to: both.apply(to: base)) }

    /// `mapper` with the site's changes over its tables.
    public func apply(to mapper: OrderMapper) -> OrderMapper {
        OrderMapper(orm: ormTable(mapper.orm), omi: omiTable(mapper.omi))
    }

    /// The keys of `defaults:` and `policies:` set in any section (`station-ae-title`, `study-uid-policy`, …).
    public var settingKeys: Set<String> { both.settingKeys.union(orm.settingKeys).union(omi.settingKeys) }
}
