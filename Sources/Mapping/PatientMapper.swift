// ../shared/standards/hl7-dicom-mapping.md §3 Patient Information Reconciliation (IHE RAD-12):
// ADT^A01/A04/A05/A08/A28/A31 update a patient, A40 merges (MRG), A47 changes an identifier.

import DICOM
import HL7

/// A patient's identity: Patient ID plus Issuer of Patient ID.
public struct PatientIdentity: Sendable, Hashable, CustomStringConvertible {
    public var id: String
    public var issuer: String
    public init(id: String, issuer: String = "") {
        self.id = id
        self.issuer = issuer
    }
    public var description: String { issuer.isEmpty ? id : "\(id)^^^\(issuer)" }
}

/// A patient's current demographics, as DICOM attributes (Patient Module).
public struct PatientRecord: Sendable {
    public var identity: PatientIdentity
    /// Patient's Name, Patient ID, Issuer, Birth Date, Sex, Mother's Birth Name, Other Patient IDs
    /// Sequence, and (0008,0005) when a character set is needed.
    public var attributes: DataSet
}

/// What an ADT message does to the patient records.
public enum PatientEvent: Sendable {
    /// A01/A04/A05/A08/A28/A31: create or update.
    case update(PatientRecord)
    /// A40: the prior identity (MRG-1) merges into the surviving patient (PID).
    case merge(prior: PatientIdentity, surviving: PatientRecord)
    /// A47: the identifier MRG-1 becomes PID-3.
    case changeIdentifier(from: PatientIdentity, to: PatientRecord)

    /// The patient the event leaves in place.
    public var record: PatientRecord {
        switch self {
        case .update(let r), .merge(_, let r), .changeIdentifier(_, let r): r
        }
    }
}

/// Maps ADT messages to patient events.
public struct PatientMapper: Sendable {
    /// ADT trigger events that create or update a patient.
    public var updateEvents: Set<String> = ["A01", "A04", "A05", "A08", "A28", "A31"]
    /// The (0008,0005) term of the records; nil → from MSH-18.
    public var characterSet: String?
    /// The assigning authority whose identifier is the Patient ID; nil → the first repetition of PID-3.
    public var primaryIssuer: String?

    public init(characterSet: String? = nil, primaryIssuer: String? = nil) {
        self.characterSet = characterSet
        self.primaryIssuer = primaryIssuer
    }

    public func map(_ message: Message) throws(MappingError) -> PatientEvent {
        guard message.messageType == "ADT" else {
            throw MappingError(.unsupportedMessageType, at: HL7Path(segment: "MSH", field: 9, component: 1),
                               "message type \(message.messageType ?? "(none)") is not ADT")
        }
        let event = message.triggerEvent ?? ""
        var table = OrderMappingTable.orm
        table.characterSet = characterSet
        table.primaryIssuer = primaryIssuer
        let context = OrderContext(message: message, table: table)
        let record = try self.record(message, context)
        switch event {
        case _ where updateEvents.contains(event):
            return .update(record)
        case "A40", "A47":
            let mrg1 = HL7Path(segment: "MRG", field: 1)
            guard let e = message.element(at: mrg1)?.repetition(1), let id = e.component(1)?.leaf.value, !id.isEmpty else {
                throw MappingError(.requiredFieldMissing, at: mrg1, "ADT^\(event) without a prior patient identifier (MRG-1)")
            }
            let prior = PatientIdentity(id: id, issuer: e.component(4)?.component(1)?.leaf.value ?? e.component(4)?.leaf.value ?? "")
            if prior == record.identity {
                throw MappingError(.duplicateKeyIdentifier, at: mrg1, "MRG-1 names the same patient as PID-3")
            }
            return event == "A40" ? .merge(prior: prior, surviving: record) : .changeIdentifier(from: prior, to: record)
        default:
            throw MappingError(.unsupportedEventCode, at: HL7Path(segment: "MSH", field: 9, component: 2),
                               "ADT event \(event.isEmpty ? "(none)" : event) does not change patient records")
        }
    }

    func record(_ message: Message, _ context: OrderContext) throws(MappingError) -> PatientRecord {
        let term = try context.characterSetTerm()
        var ds = DataSet(characterSet: term.isEmpty ? .default : SpecificCharacterSet(term))
        if !term.isEmpty { try context.write(&ds, .specificCharacterSet, term, vr: .CS, from: HL7Path(segment: "MSH", field: 18)) }
        let patientRules = context.table.rules.filter { [Tag.patientName, Tag(0x0010, 0x0030), Tag(0x0010, 0x0040), Tag(0x0010, 0x1060)].contains($0.tag) }
        let scope = OrderContext.Scope(occurrence: [:])
        for rule in patientRules {
            if let (path, e) = try context.first(rule.paths, scope) { try context.apply(rule, e, path, to: &ds) }
        }
        try context.patientIdentifiers(&ds)
        return PatientRecord(identity: PatientIdentity(id: ds.string(.patientID) ?? "", issuer: ds.string(Tag(0x0010, 0x0021)) ?? ""), attributes: ds)
    }
}
