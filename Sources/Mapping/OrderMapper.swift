// ../shared/standards/hl7-dicom-mapping.md §1, §2, §5 — IHE Scheduled Workflow RAD-4 / RAD-13:
// an ORM^O01 (v2.3.1) or OMI^O23 (v2.5.1) order becomes Modality Worklist items.

import DICOM
import Foundation
import HL7

/// The worklist items an order produces, and what the order does to them.
public struct OrderMappingResult: Sendable {
    /// Create, update, cancel, discontinue or complete (from ORC-1/ORC-5, §5).
    public var action: OrderAction
    /// One data set per Scheduled Procedure Step: patient, requested procedure and imaging service
    /// request attributes, and a Scheduled Procedure Step Sequence (0040,0100) with one item.
    public var items: [DataSet]
}

/// Maps orders to worklist items by an ``OrderMappingTable``.
public struct OrderMapper: Sendable {
    /// Table for ORM^O01 messages.
    public var orm: OrderMappingTable
    /// Table for OMI^O23 messages.
    public var omi: OrderMappingTable

    public init(orm: OrderMappingTable = .orm, omi: OrderMappingTable = .omi) {
        self.orm = orm
        self.omi = omi
    }

    /// The table for a message by MSH-9.1, or an error naming MSH-9.
    public func table(for message: Message) throws(MappingError) -> OrderMappingTable {
        switch message.messageType {
        case "ORM": return orm
        case "OMI": return omi
        default:
            throw MappingError(.unsupportedMessageType, at: HL7Path(segment: "MSH", field: 9, component: 1),
                               "message type \(message.messageType ?? "(none)") is not an order (ORM^O01 or OMI^O23)")
        }
    }

    /// Maps an order message.
    public func map(_ message: Message) throws(MappingError) -> OrderMappingResult {
        let table = try table(for: message)
        var context = OrderContext(message: message, table: table)
        return try context.map()
    }
}

/// The state of one mapping run.
struct OrderContext {
    let message: Message
    let table: OrderMappingTable
    /// Segment IDs in order, and each one's occurrence number among segments of the same ID.
    let ids: [String]
    let occurrences: [Int]

    init(message: Message, table: OrderMappingTable) {
        self.message = message
        self.table = table
        var ids: [String] = []
        var occurrences: [Int] = []
        var seen: [String: Int] = [:]
        for s in message.segments {
            let id = s.id
            seen[id, default: 0] += 1
            ids.append(id)
            occurrences.append(seen[id]!)
        }
        self.ids = ids
        self.occurrences = occurrences
    }

    /// One Scheduled Procedure Step's view of the message: for each segment ID of its order group, the
    /// occurrence number its paths read.
    struct Scope {
        var occurrence: [String: Int]
    }

    mutating func map() throws(MappingError) -> OrderMappingResult {
        let groups = orderGroups()
        guard !groups.isEmpty else {
            throw MappingError(.segmentSequenceError, at: HL7Path(segment: "ORC"), "the order has no ORC segment")
        }
        var action: OrderAction?
        var items: [DataSet] = []
        for (g, range) in groups.enumerated() {
            var scope = Scope(occurrence: [:])
            for i in range where scope.occurrence[ids[i]] == nil { scope.occurrence[ids[i]] = occurrences[i] }
            guard let orc = scope.occurrence["ORC"] else { continue }
            guard scope.occurrence["OBR"] != nil else {
                throw MappingError(.segmentSequenceError, at: HL7Path(segment: "ORC", occurrence: orc), "order group \(g + 1) has no OBR segment")
            }
            let control = message.value(at: HL7Path(segment: "ORC", occurrence: orc, field: 1)) ?? ""
            let status = message.value(at: HL7Path(segment: "ORC", occurrence: orc, field: 5)) ?? ""
            guard let entry = table.orderControl.entry(orderControl: control, orderStatus: status) else {
                throw MappingError(.tableValueNotFound, at: HL7Path(segment: "ORC", occurrence: orc, field: 1),
                                   "order control \(control.isEmpty ? "(empty)" : control) with order status \(status.isEmpty ? "(empty)" : status) has no worklist mapping")
            }
            if let a = action, a != entry.action {
                throw MappingError(.tableValueNotFound, at: HL7Path(segment: "ORC", occurrence: orc, field: 1),
                                   "order groups of one message ask for different actions (\(a.rawValue), \(entry.action.rawValue))")
            }
            action = entry.action
            switch table.grouping {
            case .orcOBRPair:
                items.append(try item(scope, status: entry.status))
            case .ipc:
                let ipcs = range.filter { ids[$0] == "IPC" }
                guard !ipcs.isEmpty else {
                    throw MappingError(.segmentSequenceError, at: HL7Path(segment: "ORC", occurrence: orc), "order group \(g + 1) has no IPC segment")
                }
                for i in ipcs {
                    var s = scope
                    s.occurrence["IPC"] = occurrences[i]
                    items.append(try item(s, status: entry.status))
                }
            }
        }
        return OrderMappingResult(action: action ?? .create, items: items)
    }

    /// Segment index ranges of the order groups: from each ORC to the next ORC (or the end).
    func orderGroups() -> [Range<Int>] {
        let starts = ids.indices.filter { ids[$0] == "ORC" }
        return starts.enumerated().map { k, s in s ..< (k + 1 < starts.count ? starts[k + 1] : ids.count) }
    }

    /// The path in this scope: group segments read their occurrence in the group.
    func resolve(_ text: String, _ scope: Scope) throws(MappingError) -> HL7Path {
        guard var p = HL7Path(text) else {
            throw MappingError(.applicationInternalError, "mapping rule path \(text) is not a valid HL7 path")
        }
        if let occ = scope.occurrence[p.segment], !text.contains("[") { p.occurrence = occ }
        return p
    }

    /// The first non-empty element among `paths`, with its path.
    func first(_ paths: [String], _ scope: Scope) throws(MappingError) -> (HL7Path, Element)? {
        for text in paths {
            let p = try resolve(text, scope)
            if let e = message.element(at: p), !e.isEmpty, !e.isNull { return (p, e) }
        }
        return nil
    }

    func item(_ scope: Scope, status: SPSStatus) throws(MappingError) -> DataSet {
        let charsetTerm = try characterSetTerm()
        let cs = charsetTerm.isEmpty ? SpecificCharacterSet.default : SpecificCharacterSet(charsetTerm)
        var item = DataSet(characterSet: cs)
        var step = DataSet(characterSet: cs)
        if !charsetTerm.isEmpty {
            try write(&item, .specificCharacterSet, charsetTerm, vr: .CS, from: HL7Path(segment: "MSH", field: 18))
        }
        for rule in table.rules {
            guard let (path, element) = try first(rule.paths, scope) else {
                if let d = rule.defaultValue {
                    if rule.scope == .item {
                        try write(&item, rule.tag, d, from: nil)
                    } else {
                        try write(&step, rule.tag, d, from: nil)
                    }
                }
                continue
            }
            if rule.scope == .item {
                try apply(rule, element, path, to: &item)
            } else {
                try apply(rule, element, path, to: &step)
            }
        }
        try patientIdentifiers(&item)
        try issuers(&item, scope)

        // Requested Procedure ID: required; the accession number stands in when absent.
        let requestedProcedureID = Tag(0x0040, 0x1001), accession = Tag(0x0008, 0x0050)
        if (item.string(requestedProcedureID) ?? "").isEmpty {
            guard let acc = item.string(accession), !acc.isEmpty else {
                throw MappingError(.requiredFieldMissing, at: try resolve(table.grouping == .ipc ? "IPC-2" : "OBR-19", scope),
                                   "no Requested Procedure ID and no accession number")
            }
            try write(&item, requestedProcedureID, acc, from: nil)
        }
        try studyUID(&item, scope)
        try spsDefaults(&step, item: item, scope: scope)
        try write(&step, Tag(0x0040, 0x0020), status.rawValue, vr: .CS, from: nil)
        item.set(Tag(0x0040, 0x0100), items: [Item(dataSet: step)])
        return item
    }

    /// The (0008,0005) term of the items: the table's, or MSH-18 through §2's table.
    func characterSetTerm() throws(MappingError) -> String {
        if let fixed = table.characterSet { return fixed }
        let msh18 = message.value(at: "MSH-18") ?? ""
        if msh18.isEmpty { return "" }
        guard let term = Conversions.characterSets[msh18] else {
            throw MappingError(.tableValueNotFound, at: HL7Path(segment: "MSH", field: 18), "character set \(msh18) has no DICOM equivalent")
        }
        return term
    }

    func apply(_ rule: FieldRule, _ e: Element, _ path: HL7Path, to ds: inout DataSet) throws(MappingError) {
        switch rule.conversion {
        case .text:
            try write(&ds, rule.tag, e.leaf.value, from: path)
        case .prefix(let n):
            try write(&ds, rule.tag, String(e.leaf.value.prefix(n)), from: path)
        case .personNameFromXPN:
            try write(&ds, rule.tag, Conversions.personName(fromXPN: e.repetition(1) ?? e), vr: .PN, from: path)
        case .personNameFromXCN:
            try write(&ds, rule.tag, Conversions.personName(fromXCN: e.repetition(1) ?? e), vr: .PN, from: path)
        case .date:
            guard let d = Conversions.date(fromTS: e.leaf.value) else {
                throw MappingError(.dataTypeError, at: path, tag: rule.tag, "not an HL7 date/time")
            }
            try write(&ds, rule.tag, d, vr: .DA, from: path)
        case .time:
            if let t = Conversions.time(fromTS: e.leaf.value) { try write(&ds, rule.tag, t, vr: .TM, from: path) }
        case .map(let name), .mapOrKeep(let name):
            let v = e.leaf.value
            if let mapped = table.valueMaps[name]?[v] {
                try write(&ds, rule.tag, mapped, from: path)
            } else if case .mapOrKeep = rule.conversion {
                try write(&ds, rule.tag, v, from: path)
            } else {
                throw MappingError(.tableValueNotFound, at: path, tag: rule.tag, "value \(v) is not in value map \(name)")
            }
        case .code(let value, let scheme, let meaning):
            let rep = e.repetition(1) ?? e
            let v = rep.component(value)?.leaf.value ?? ""
            guard !v.isEmpty else { return }
            var code = DataSet(characterSet: ds.characterSet)
            try write(&code, Tag(0x0008, 0x0100), v, vr: .SH, from: path)
            try write(&code, Tag(0x0008, 0x0102), rep.component(scheme)?.leaf.value ?? "", vr: .SH, from: path)
            try write(&code, Tag(0x0008, 0x0104), rep.component(meaning)?.leaf.value ?? "", vr: .LO, from: path)
            ds.set(rule.tag, items: [Item(dataSet: code)])
        }
    }

    /// Writes a text value; a value too long for its VR is an error naming the HL7 field (or is
    /// truncated when the table says so), a character the item's character set lacks is an error.
    func write(_ ds: inout DataSet, _ tag: Tag, _ value: String, vr: VR? = nil, from path: HL7Path?) throws(MappingError) {
        let vr = vr ?? DataDictionary.entry(for: tag)?.vr ?? .LO
        if !vr.isString {
            guard let n = Int(value.trimmingCharacters(in: .whitespaces)) else {
                throw MappingError(.dataTypeError, at: path, tag: tag, "value is not a number (\(vr))")
            }
            do {
                try ds.set(tag, vr: vr, integers: [n])
            } catch {
                throw MappingError(.dataTypeError, at: path, tag: tag, error.description)
            }
            return
        }
        var v = value
        if let max = vr.maximumLength, vr != .PN, v.count > max {
            guard table.truncateOverlongValues else {
                throw MappingError(.valueTooLong, at: path, tag: tag, "value of \(v.count) characters is longer than the \(max) allowed for \(DataDictionary.entry(for: tag)?.keyword ?? tag.description) (\(vr))")
            }
            v = String(v.prefix(max))
        }
        do {
            try ds.set(tag, vr: vr, string: v)
        } catch {
            throw MappingError(.dataTypeError, at: path, tag: tag, error.description)
        }
    }

    /// Patient ID and issuer from PID-3: the repetition of the primary issuer (or the first); the others
    /// go to Other Patient IDs Sequence (0010,1002).
    func patientIdentifiers(_ item: inout DataSet) throws(MappingError) {
        let pid3 = HL7Path(segment: "PID", field: 3)
        guard let field = message.element(at: pid3), !field.isEmpty else {
            throw MappingError(.requiredFieldMissing, at: pid3, "no patient identifier (PID-3)")
        }
        let ids = field.repetitions.map(CX.init).filter { !($0.idNumber ?? "").isEmpty }
        guard !ids.isEmpty else { throw MappingError(.requiredFieldMissing, at: pid3, "no patient identifier (PID-3.1)") }
        let primaryIndex = table.primaryIssuer.flatMap { issuer in ids.firstIndex { $0.assigningAuthority?.namespaceID == issuer } } ?? 0
        let primary = ids[primaryIndex]
        try write(&item, .patientID, primary.idNumber ?? "", vr: .LO, from: HL7Path(segment: "PID", field: 3, repetition: primaryIndex + 1, component: 1))
        if let issuer = primary.assigningAuthority?.namespaceID, !issuer.isEmpty {
            try write(&item, Tag(0x0010, 0x0021), issuer, vr: .LO, from: HL7Path(segment: "PID", field: 3, repetition: primaryIndex + 1, component: 4))
        }
        var others: [Item] = []
        for (i, cx) in ids.enumerated() where i != primaryIndex {
            var o = DataSet(characterSet: item.characterSet)
            try write(&o, .patientID, cx.idNumber ?? "", vr: .LO, from: HL7Path(segment: "PID", field: 3, repetition: i + 1, component: 1))
            if let issuer = cx.assigningAuthority?.namespaceID, !issuer.isEmpty {
                try write(&o, Tag(0x0010, 0x0021), issuer, vr: .LO, from: HL7Path(segment: "PID", field: 3, repetition: i + 1, component: 4))
            }
            others.append(Item(dataSet: o))
        }
        if !others.isEmpty { item.set(Tag(0x0010, 0x1002), items: others) }
    }

    /// Issuer sequences of the accession number (IPC-1.2…4 → (0008,0051)) and of the placer and filler
    /// order numbers (ORC-2.2…4 → (0040,0026), ORC-3.2…4 → (0040,0027)).
    func issuers(_ item: inout DataSet, _ scope: Scope) throws(MappingError) {
        var pairs: [(String, Tag)] = [("ORC-2", Tag(0x0040, 0x0026)), ("ORC-3", Tag(0x0040, 0x0027))]
        if table.grouping == .ipc { pairs.append(("IPC-1", Tag(0x0008, 0x0051))) }
        for (text, tag) in pairs {
            let p = try resolve(text, scope)
            guard let e = message.element(at: p)?.repetition(1) else { continue }
            let namespace = e.component(2)?.leaf.value ?? "", universal = e.component(3)?.leaf.value ?? "", type = e.component(4)?.leaf.value ?? ""
            if namespace.isEmpty && universal.isEmpty { continue }
            var issuer = DataSet(characterSet: item.characterSet)
            if !namespace.isEmpty { try write(&issuer, Tag(0x0040, 0x0031), namespace, vr: .UT, from: p) }
            if !universal.isEmpty { try write(&issuer, Tag(0x0040, 0x0032), universal, vr: .UT, from: p) }
            if !type.isEmpty { try write(&issuer, Tag(0x0040, 0x0033), type, vr: .CS, from: p) }
            item.set(tag, items: [Item(dataSet: issuer)])
        }
    }

    func studyUID(_ item: inout DataSet, _ scope: Scope) throws(MappingError) {
        let tag = Tag(0x0020, 0x000D)
        if let uid = item.string(tag), !uid.isEmpty {
            guard UIDs.isValid(uid) else {
                throw MappingError(.dataTypeError, at: try resolve(table.grouping == .ipc ? "IPC-3" : "ZDS-1", scope), tag: tag, "\(uid) is not a valid UID")
            }
            return
        }
        let field = try resolve(table.grouping == .ipc ? "IPC-3" : "ZDS-1", scope)
        switch table.studyUIDPolicy {
        case .reject:
            throw MappingError(.requiredFieldMissing, at: field, tag: tag, "the order has no Study Instance UID")
        case .deriveFromAccession:
            let accession = item.string(Tag(0x0008, 0x0050)) ?? ""
            guard !accession.isEmpty else {
                throw MappingError(.requiredFieldMissing, at: field, tag: tag, "no Study Instance UID, and no accession number to derive one from")
            }
            let issuer = item.items(Tag(0x0008, 0x0051))?.first?.dataSet.string(Tag(0x0040, 0x0031)) ?? ""
            let name = [table.uidNamespace, issuer, accession, item.string(Tag(0x0040, 0x1001)) ?? ""].joined(separator: "|")
            try write(&item, tag, UIDs.nameBased(name), vr: .UI, from: nil)
        case .generate:
            try write(&item, tag, UIDs.random(), vr: .UI, from: nil)
        }
    }

    func spsDefaults(_ step: inout DataSet, item: DataSet, scope: Scope) throws(MappingError) {
        let spsID = Tag(0x0040, 0x0009)
        if (step.string(spsID) ?? "").isEmpty {
            let field = try resolve(table.grouping == .ipc ? "IPC-4" : "OBR-20", scope)
            switch table.spsIDPolicy {
            case .reject:
                throw MappingError(.requiredFieldMissing, at: field, tag: spsID, "the order has no Scheduled Procedure Step ID")
            case .fromRequestedProcedureID:
                try write(&step, spsID, item.string(Tag(0x0040, 0x1001)) ?? "", vr: .SH, from: field)
            case .generate:
                let uid = UIDs.nameBased([table.uidNamespace, item.string(Tag(0x0020, 0x000D)) ?? "", "sps"].joined(separator: "|"))
                try write(&step, spsID, "SPS" + String(uid.suffix(13)), vr: .SH, from: field)
            }
        }
        let station = Tag(0x0040, 0x0001)
        if (step.string(station) ?? "").isEmpty, let ae = table.defaultStationAETitle {
            try write(&step, station, ae, vr: .AE, from: nil)
        }
        let modality = Tag(0x0008, 0x0060)
        if (step.string(modality) ?? "").isEmpty, let m = table.defaultModality {
            try write(&step, modality, m, vr: .CS, from: nil)
        }
    }
}
