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

/// The header's paths, parsed once (they are read for every message received and acknowledged).
enum HeaderPath {
    static let msh3 = HL7Path("MSH-3")!, msh4 = HL7Path("MSH-4")!, msh5 = HL7Path("MSH-5")!, msh6 = HL7Path("MSH-6")!
    static let msh7 = HL7Path("MSH-7")!
    static let msh9_1 = HL7Path("MSH-9.1")!, msh9_2 = HL7Path("MSH-9.2")!, msh9_3 = HL7Path("MSH-9.3")!
    static let msh10 = HL7Path("MSH-10")!, msh11 = HL7Path("MSH-11")!, msh12 = HL7Path("MSH-12")!
    static let msh15 = HL7Path("MSH-15")!, msh16 = HL7Path("MSH-16")!, msh18 = HL7Path("MSH-18")!
    static let evn1 = HL7Path("EVN-1")!
}

extension Message {
    private func nonEmpty(_ path: HL7Path) -> String? {
        guard let v = value(at: path), !v.isEmpty else { return nil }
        return v
    }

    private func header<T: HL7DataType>(_ type: T.Type, at path: HL7Path) -> T? {
        guard let e = element(at: path) else { return nil }
        return T(e.repetition(1) ?? e)
    }

    /// MSH-9.1 message code, e.g. `ADT`.
    public var messageType: String? { nonEmpty(HeaderPath.msh9_1) }
    /// MSH-9.2 trigger event, e.g. `A01` (for v2.1/2.2 messages without it, EVN-1).
    public var triggerEvent: String? { nonEmpty(HeaderPath.msh9_2) ?? nonEmpty(HeaderPath.evn1) }
    /// MSH-9.3 message structure, e.g. `ADT_A01` (v2.3.1+).
    public var messageStructure: String? { nonEmpty(HeaderPath.msh9_3) }
    /// MSH-10 message control ID.
    public var controlID: String? { nonEmpty(HeaderPath.msh10) }
    /// MSH-11 processing ID (`P`, `T`, `D`).
    public var processingID: String? { nonEmpty(HeaderPath.msh11) }
    /// MSH-12 version ID, e.g. `2.5.1`.
    public var version: String? { nonEmpty(HeaderPath.msh12) }
    /// MSH-7 date/time of message.
    public var timestamp: HL7Timestamp? { nonEmpty(HeaderPath.msh7).flatMap { try? HL7Timestamp(parsing: $0) } }
    /// MSH-3 sending application.
    public var sendingApplication: HD? { header(HD.self, at: HeaderPath.msh3) }
    /// MSH-4 sending facility.
    public var sendingFacility: HD? { header(HD.self, at: HeaderPath.msh4) }
    /// MSH-5 receiving application.
    public var receivingApplication: HD? { header(HD.self, at: HeaderPath.msh5) }
    /// MSH-6 receiving facility.
    public var receivingFacility: HD? { header(HD.self, at: HeaderPath.msh6) }
    /// MSH-15 accept acknowledgment type.
    public var acceptAcknowledgmentType: AcknowledgmentCondition? { nonEmpty(HeaderPath.msh15).flatMap(AcknowledgmentCondition.init) }
    /// MSH-16 application acknowledgment type.
    public var applicationAcknowledgmentType: AcknowledgmentCondition? { nonEmpty(HeaderPath.msh16).flatMap(AcknowledgmentCondition.init) }
    /// MSH-18 as written (first repetition), nil when empty.
    public var characterSetName: String? { nonEmpty(HeaderPath.msh18) }

    /// The version as comparable numbers (`2.5.1` → [2, 5, 1]); empty when MSH-12 is missing.
    var versionNumbers: [Int] {
        guard let raw = element(at: HeaderPath.msh12)?.leaf.rawBytes, !raw.isEmpty else { return [] }
        // Digits and dots as written (a version never holds escapes); a part that is not a number counts as 0.
        if raw.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E }) {
            var parts: [Int] = []
            var current: Int?
            for b in raw {
                if b == 0x2E {
                    if let n = current { parts.append(n) }   // empty parts are skipped, as `split` does
                    current = nil
                } else {
                    current = (current ?? 0) &* 10 &+ Int(b - 0x30)
                }
            }
            if let n = current { parts.append(n) }
            return parts
        }
        return (version ?? "").split(separator: ".", omittingEmptySubsequences: true).map { Int($0) ?? 0 }
    }

    /// Whether MSH-12 is at least the given version (e.g. `isVersion(atLeast: [2, 5])`).
    func isVersion(atLeast v: [Int]) -> Bool {
        let mine = versionNumbers
        guard !mine.isEmpty else { return false }
        return mine.lexicographicallyPrecedes(v) == false
    }
}
