// ../shared/standards/hl7-dicom-mapping.md §1 Order → Modality Worklist item (RAD-4 / RAD-13):
// the field path ⇄ tag rules as data, with the IHE defaults for ORM^O01 (v2.3.1) and OMI^O23 (v2.5.1).

import DICOM
import HL7

/// How an HL7 value becomes a DICOM value.
public enum ValueConversion: Sendable, Hashable {
    /// The decoded text, as is.
    case text
    /// The first `n` characters (e.g. PID-7 → DA).
    case prefix(Int)
    /// XPN → PN (§2).
    case personNameFromXPN
    /// XCN → PN (§2).
    case personNameFromXCN
    /// TS/DTM → DA.
    case date
    /// TS/DTM → TM.
    case time
    /// Through a value map of the table (`valueMaps[name]`); an unmapped value is an error.
    case map(String)
    /// Through a value map; an unmapped value is kept as it is.
    case mapOrKeep(String)
    /// A code sequence item from a CE/CWE field: Code Value, Coding Scheme Designator and Code Meaning
    /// from the given components (1-based).
    case code(value: Int, scheme: Int, meaning: Int)
}

/// Where a rule writes: the worklist item itself or its Scheduled Procedure Step Sequence item.
public enum RuleScope: String, Sendable, Hashable {
    case item, step
}

/// One rule: the first non-empty HL7 value among `paths` becomes `tag`.
///
/// Paths name segments of the order group being mapped (`OBR-18` is the OBR of the current ORC/OBR pair,
/// `IPC-3` the current IPC); `MSH`, `PID`, `PV1` and other segments outside the group are read from the
/// message. A rule with `defaultValue` writes it when no path has a value.
public struct FieldRule: Sendable, Hashable {
    public var tag: Tag
    public var paths: [String]
    public var conversion: ValueConversion
    public var scope: RuleScope
    public var defaultValue: String?

    public init(_ tag: Tag, _ paths: [String], _ conversion: ValueConversion = .text, scope: RuleScope = .item, default defaultValue: String? = nil) {
        self.tag = tag
        self.paths = paths
        self.conversion = conversion
        self.scope = scope
        self.defaultValue = defaultValue
    }
}

/// What to do when an order carries no Study Instance UID.
public enum StudyUIDPolicy: String, Sendable, Hashable, CaseIterable {
    /// Answer AE naming the field.
    case reject
    /// A name-based UID (2.25 + UUID v5) of the accession number (with its issuer) and requested
    /// procedure ID: the same order always gets the same UID.
    case deriveFromAccession = "derive"
    /// A new random UID (2.25 + UUID v4).
    case generate
}

/// What to do when an order carries no Scheduled Procedure Step ID.
public enum SPSIDPolicy: String, Sendable, Hashable, CaseIterable {
    /// Answer AE naming the field.
    case reject
    /// Use the Requested Procedure ID.
    case fromRequestedProcedureID = "requested-procedure-id"
    /// Generate one (`SPS` + a number derived from the order).
    case generate
}

/// The mapping of one order structure (ORM^O01 v2.3.1 or OMI^O23 v2.5.1).
public struct OrderMappingTable: Sendable, Hashable {
    /// How the message is cut into Scheduled Procedure Steps.
    public enum Grouping: String, Sendable, Hashable {
        /// ORM^O01 v2.3.1: one SPS per ORC/OBR pair.
        case orcOBRPair = "orc-obr"
        /// OMI^O23 v2.5.1: one SPS per IPC segment of each ORC/OBR group.
        case ipc
    }

    public var grouping: Grouping
    public var rules: [FieldRule]
    public var valueMaps: [String: [String: String]]
    public var orderControl: OrderControlTable
    public var studyUIDPolicy: StudyUIDPolicy
    public var spsIDPolicy: SPSIDPolicy
    /// Scheduled Station AE Title when the order names none.
    public var defaultStationAETitle: String?
    /// The modality when the order names none.
    public var defaultModality: String?
    /// The Specific Character Set of the items: nil → from MSH-18 (§2 table); else this term (e.g. `ISO_IR 192`).
    public var characterSet: String?
    /// Overlong values: false → an AE error naming the field (the IHE reading); true → truncated.
    public var truncateOverlongValues: Bool
    /// The assigning authority (PID-3.4.1) whose identifier is the Patient ID; nil → the first repetition.
    public var primaryIssuer: String?
    /// Root of derived UIDs' name space (part of the UUID v5 name), so that two sites derive different UIDs.
    public var uidNamespace: String

    public init(grouping: Grouping, rules: [FieldRule], valueMaps: [String: [String: String]] = OrderMappingTable.defaultValueMaps,
                orderControl: OrderControlTable = .ihe, studyUIDPolicy: StudyUIDPolicy = .deriveFromAccession,
                spsIDPolicy: SPSIDPolicy = .fromRequestedProcedureID, defaultStationAETitle: String? = nil,
                defaultModality: String? = nil, characterSet: String? = nil, truncateOverlongValues: Bool = false,
                primaryIssuer: String? = nil, uidNamespace: String = "isthmus") {
        self.grouping = grouping
        self.rules = rules
        self.valueMaps = valueMaps
        self.orderControl = orderControl
        self.studyUIDPolicy = studyUIDPolicy
        self.spsIDPolicy = spsIDPolicy
        self.defaultStationAETitle = defaultStationAETitle
        self.defaultModality = defaultModality
        self.characterSet = characterSet
        self.truncateOverlongValues = truncateOverlongValues
        self.primaryIssuer = primaryIssuer
        self.uidNamespace = uidNamespace
    }

    public static let defaultValueMaps: [String: [String: String]] = [
        "sex": Conversions.sex, "priority": Conversions.priority, "modality": Conversions.modality,
        "pregnancy": ["B6": "3"],
    ]

    /// Rules both structures share (§1, "same" column).
    static func commonRules() -> [FieldRule] {
        [
            FieldRule(.patientName, ["PID-5"], .personNameFromXPN),
            FieldRule(Tag(0x0010, 0x0030), ["PID-7"], .prefix(8)),
            FieldRule(Tag(0x0010, 0x0040), ["PID-8"], .map("sex")),
            FieldRule(Tag(0x0010, 0x1060), ["PID-6"], .personNameFromXPN),
            FieldRule(Tag(0x0038, 0x0500), ["OBR-12"]),
            FieldRule(Tag(0x0010, 0x2000), ["OBR-13"]),
            FieldRule(Tag(0x0010, 0x21C0), ["PV1-15"], .map("pregnancy")),
            FieldRule(Tag(0x0008, 0x0090), ["PV1-8", "ORC-12"], .personNameFromXCN),
            FieldRule(Tag(0x0032, 0x1032), ["OBR-16"], .personNameFromXCN),
            FieldRule(Tag(0x0040, 0x2016), ["ORC-2.1"]),
            FieldRule(Tag(0x0040, 0x2017), ["ORC-3.1"]),
            FieldRule(Tag(0x0032, 0x1060), ["OBR-44.2", "OBR-4.2"]),
            FieldRule(Tag(0x0032, 0x1064), ["OBR-44", "OBR-4"], .code(value: 1, scheme: 3, meaning: 2)),
            FieldRule(Tag(0x0040, 0x1002), ["OBR-31.2"]),
            FieldRule(Tag(0x0040, 0x100A), ["OBR-31"], .code(value: 1, scheme: 3, meaning: 2)),
            FieldRule(Tag(0x0040, 0x1004), ["OBR-30"]),
            FieldRule(Tag(0x0038, 0x0010), ["PV1-19.1", "PID-18.1"]),
            FieldRule(Tag(0x0038, 0x0300), ["PV1-3"]),
            FieldRule(Tag(0x0008, 0x0080), ["ORC-17.2", "MSH-4.1"]),
            FieldRule(Tag(0x0040, 0x0006), ["OBR-34.1"], .personNameFromXCN, scope: .step),
        ]
    }

    /// ORM^O01, v2.3.1 (one SPS per ORC/OBR pair).
    public static let orm: OrderMappingTable = OrderMappingTable(grouping: .orcOBRPair, rules: commonRules() + [
        FieldRule(Tag(0x0008, 0x0050), ["OBR-18"]),
        FieldRule(Tag(0x0040, 0x1001), ["OBR-19"]),
        FieldRule(Tag(0x0020, 0x000D), ["ZDS-1.1"]),
        FieldRule(Tag(0x0040, 0x1003), ["ORC-7.6", "OBR-27.6"], .map("priority")),
        FieldRule(Tag(0x0040, 0x0001), ["ORC-18"], scope: .step),
        FieldRule(Tag(0x0040, 0x0002), ["ORC-7.4", "OBR-27.4"], .date, scope: .step),
        FieldRule(Tag(0x0040, 0x0003), ["ORC-7.4", "OBR-27.4"], .time, scope: .step),
        FieldRule(Tag(0x0008, 0x0060), ["OBR-24"], .mapOrKeep("modality"), scope: .step),
        FieldRule(Tag(0x0040, 0x0007), ["OBR-4.5", "OBR-4.2"], scope: .step),
        FieldRule(Tag(0x0040, 0x0008), ["OBR-4"], .code(value: 4, scheme: 6, meaning: 5), scope: .step),
        FieldRule(Tag(0x0040, 0x0009), ["OBR-20"], scope: .step),
    ])

    /// OMI^O23, v2.5.1 (one SPS per IPC).
    public static let omi: OrderMappingTable = OrderMappingTable(grouping: .ipc, rules: commonRules() + [
        FieldRule(Tag(0x0008, 0x0050), ["IPC-1.1"]),
        FieldRule(Tag(0x0040, 0x1001), ["IPC-2"]),
        FieldRule(Tag(0x0020, 0x000D), ["IPC-3"]),
        FieldRule(Tag(0x0040, 0x1003), ["TQ1-9.1", "ORC-7.6"], .map("priority")),
        FieldRule(Tag(0x0040, 0x1008), ["ORC-28.2"]),
        FieldRule(Tag(0x0040, 0x0001), ["IPC-9"], scope: .step),
        FieldRule(Tag(0x0040, 0x0002), ["TQ1-7", "ORC-7.4"], .date, scope: .step),
        FieldRule(Tag(0x0040, 0x0003), ["TQ1-7", "ORC-7.4"], .time, scope: .step),
        FieldRule(Tag(0x0008, 0x0060), ["IPC-5"], .mapOrKeep("modality"), scope: .step),
        FieldRule(Tag(0x0040, 0x0007), ["IPC-6.2"], scope: .step),
        FieldRule(Tag(0x0040, 0x0008), ["IPC-6"], .code(value: 1, scheme: 3, meaning: 2), scope: .step),
        FieldRule(Tag(0x0040, 0x0009), ["IPC-4"], scope: .step),
        FieldRule(Tag(0x0040, 0x0010), ["IPC-7"], scope: .step),
        FieldRule(Tag(0x0040, 0x0011), ["IPC-8"], scope: .step),
    ])
}
