// ../shared/standards/hl7-dicom-mapping.md §5 Order control (ORC-1 / ORC-5) → worklist, IHE RAD-4 / RAD-13.

/// What an order message does to the worklist.
public enum OrderAction: String, Sendable, Hashable, CaseIterable {
    /// RAD-4 new order: create the items.
    case create
    /// RAD-13 change: replace the items' attributes.
    case update
    /// RAD-13 cancel.
    case cancel
    /// RAD-13 discontinue.
    case discontinue
    /// The procedure was completed.
    case complete
}

/// Scheduled Procedure Step Status (0040,0020) values.
public enum SPSStatus: String, Sendable, Hashable, CaseIterable {
    case scheduled = "SCHEDULED", arrived = "ARRIVED", ready = "READY", started = "STARTED"
    case completed = "COMPLETED", discontinued = "DISCONTINUED", canceled = "CANCELED"
}

/// The (ORC-1, ORC-5) table: which pairs mean what.
public struct OrderControlTable: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var action: OrderAction
        public var status: SPSStatus
        public init(_ action: OrderAction, _ status: SPSStatus) {
            self.action = action
            self.status = status
        }
    }

    /// Keys are `ORC-1/ORC-5`; `ORC-1/*` matches any ORC-5 (including empty).
    public var entries: [String: Entry]

    public init(entries: [String: Entry]) { self.entries = entries }

    /// The IHE table of §5 (with the common non-IHE NW/IP).
    public static let ihe = OrderControlTable(entries: [
        "NW/SC": Entry(.create, .scheduled), "NW/IP": Entry(.create, .scheduled), "NW/": Entry(.create, .scheduled),
        "XO/SC": Entry(.update, .scheduled), "XO/": Entry(.update, .scheduled),
        "CA/CA": Entry(.cancel, .canceled), "CA/": Entry(.cancel, .canceled),
        "DC/CA": Entry(.discontinue, .discontinued), "DC/DC": Entry(.discontinue, .discontinued), "DC/": Entry(.discontinue, .discontinued),
        "XO/CM": Entry(.complete, .completed), "SC/CM": Entry(.complete, .completed),
    ])

    /// The entry for an ORC-1/ORC-5 pair, or nil when the pair has no mapping.
    public func entry(orderControl: String, orderStatus: String) -> Entry? {
        entries["\(orderControl)/\(orderStatus)"] ?? entries["\(orderControl)/*"]
    }
}
