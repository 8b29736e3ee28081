// HL7 v2.8 §2.14.9 MSH – message header segment: MSH-3…6 applications and facilities, MSH-7 date/time,
// MSH-9 message type (MSG: 1 message code ^ 2 trigger event ^ 3 message structure), MSH-10 control ID,
// MSH-11 processing ID, MSH-12 version ID, MSH-15/16 acknowledgment types (table 0155), MSH-18 character set.

/// HL7 table 0155 – accept/application acknowledgment conditions (MSH-15, MSH-16).
public enum AcknowledgmentCondition: String, Sendable, CaseIterable {
    /// AL – always.
    case always = "AL"
    /// NE – never.
    case never = "NE"
    /// ER – error/reject conditions only.
    case errorOnly = "ER"
    /// SU – successful completion only.
    case successOnly = "SU"
}

extension Message {
    private func nonEmpty(_ path: String) -> String? {
        guard let v = value(at: path), !v.isEmpty else { return nil }
        return v
    }

    /// MSH-9.1 message code, e.g. `ADT`.
    public var messageType: String? { nonEmpty("MSH-9.1") }
    /// MSH-9.2 trigger event, e.g. `A01` (for v2.1/2.2 messages without it, EVN-1).
    public var triggerEvent: String? { nonEmpty("MSH-9.2") ?? nonEmpty("EVN-1") }
    /// MSH-9.3 message structure, e.g. `ADT_A01` (v2.3.1+).
    public var messageStructure: String? { nonEmpty("MSH-9.3") }
    /// MSH-10 message control ID.
    public var controlID: String? { nonEmpty("MSH-10") }
    /// MSH-11 processing ID (`P`, `T`, `D`).
    public var processingID: String? { nonEmpty("MSH-11") }
    /// MSH-12 version ID, e.g. `2.5.1`.
    public var version: String? { nonEmpty("MSH-12") }
    /// MSH-7 date/time of message.
    public var timestamp: HL7Timestamp? { nonEmpty("MSH-7").flatMap { try? HL7Timestamp(parsing: $0) } }
    /// MSH-3 sending application.
    public var sendingApplication: HD? { read(HD.self, at: "MSH-3") }
    /// MSH-4 sending facility.
    public var sendingFacility: HD? { read(HD.self, at: "MSH-4") }
    /// MSH-5 receiving application.
    public var receivingApplication: HD? { read(HD.self, at: "MSH-5") }
    /// MSH-6 receiving facility.
    public var receivingFacility: HD? { read(HD.self, at: "MSH-6") }
    /// MSH-15 accept acknowledgment type.
    public var acceptAcknowledgmentType: AcknowledgmentCondition? { nonEmpty("MSH-15").flatMap(AcknowledgmentCondition.init) }
    /// MSH-16 application acknowledgment type.
    public var applicationAcknowledgmentType: AcknowledgmentCondition? { nonEmpty("MSH-16").flatMap(AcknowledgmentCondition.init) }
    /// MSH-18 as written (first repetition), nil when empty.
    public var characterSetName: String? { nonEmpty("MSH-18") }

    /// The version as comparable numbers (`2.5.1` → [2, 5, 1]); empty when MSH-12 is missing.
    var versionNumbers: [Int] {
        (version ?? "").split(separator: ".").map { Int($0) ?? 0 }
    }

    /// Whether MSH-12 is at least the given version (e.g. `isVersion(atLeast: [2, 5])`).
    func isVersion(atLeast v: [Int]) -> Bool {
        let mine = versionNumbers
        guard !mine.isEmpty else { return false }
        return mine.lexicographicallyPrecedes(v) == false
    }
}
