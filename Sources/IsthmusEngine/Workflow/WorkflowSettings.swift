// The `workflow:` section of the configuration (docs/configuration.md): IHE Scheduled Workflow and Patient
// Information Reconciliation in `isthmus serve`.

import Mapping

/// What the engine does with orders and patient messages, and how it maps them (docs/mapping.md).
public struct WorkflowSettings: Sendable, Equatable {
    /// ORM^O01 / OMI^O23 received on the workflow's MLLP listeners create, update, cancel, discontinue or
    /// complete worklist items, served by every DICOM listener's Modality Worklist C-FIND. Off unless the
    /// configuration has a `workflow:` section (on in the default configuration of `isthmus serve`).
    public var orders = false
    /// ADT A01/A04/A05/A08/A28/A31 update patients, A40 merges, A47 changes an identifier.
    public var patients = false
    /// The MLLP listeners whose messages the workflow reads (nil: all).
    public var listeners: [String]?
    /// Scheduled Station AE Title when an order names none.
    public var stationAETitle: String?
    /// Modality when an order names none.
    public var modality: String?
    public var studyUIDPolicy: StudyUIDPolicy = .deriveFromAccession
    public var spsIDPolicy: SPSIDPolicy = .fromRequestedProcedureID
    /// Specific Character Set of worklist items and patient records; nil → from MSH-18.
    public var characterSet: String?
    /// Truncate overlong values instead of answering AE.
    public var truncateOverlongValues = false
    /// Accept MPPS (N-CREATE/N-SET) on the DICOM listeners: kept in the store, worklist status updated.
    public var mpps = false
    /// Where procedure status messages made from MPPS go (queues `workflow/NAME`); none: not made.
    public var statusDestinations: [Destination] = []
    /// ORM^O01 (v2.3.1), OMI^O23 or OMG^O19 (v2.5.1), ORU^R01 (v2.5.1): the default message type.
    public var statusMessageType: StatusMessageType = .orm
    /// Message types chosen per status destination (by name), overriding `statusMessageType`.
    public var statusMessageTypes: [String: StatusMessageType] = [:]
    /// Study-stable notifications (nil: none).
    public var studyStable: StudyStableSettings?
    /// The site mapping file's changes to the IHE order tables (`workflow.mapping`, docs/mapping.md), applied
    /// after the settings above (the configuration reader refuses a setting made in both places).
    public var siteMapping: SiteMapping?
    /// Where `siteMapping` was read from.
    public var mappingFile: String?

    public init() {}

    /// Whether messages from `listener` go through the workflow.
    public func reads(_ listener: String) -> Bool {
        (orders || patients) && (listeners?.contains(listener) ?? true)
    }

    /// The order mapper these settings describe.
    public var orderMapper: OrderMapper {
        func apply(_ t: OrderMappingTable) -> OrderMappingTable {
            var t = t
            t.studyUIDPolicy = studyUIDPolicy
            t.spsIDPolicy = spsIDPolicy
            t.defaultStationAETitle = stationAETitle
            t.defaultModality = modality
            t.characterSet = characterSet
            t.truncateOverlongValues = truncateOverlongValues
            return t
        }
        let mapper = OrderMapper(orm: apply(.orm), omi: apply(.omi))
        return siteMapping?.apply(to: mapper) ?? mapper
    }

    /// The patient mapper these settings describe.
    public var patientMapper: PatientMapper { PatientMapper(characterSet: characterSet ?? siteMapping?.both.characterSet) }
}
