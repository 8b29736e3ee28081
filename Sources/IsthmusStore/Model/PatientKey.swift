// IHE RAD TF-2 (PIR) / PS3.3 C.7.1.1: a patient is identified by Patient ID (0010,0020) plus
// Issuer of Patient ID (0010,0021).

/// A patient's identity in the store: Patient ID plus Issuer of Patient ID ("" when none).
public struct PatientKey: Sendable, Hashable, Codable, CustomStringConvertible {
    public var id: String
    public var issuer: String

    public init(id: String, issuer: String = "") {
        self.id = id
        self.issuer = issuer
    }

    /// `ID^^^ISSUER` (CX form), or the ID alone.
    public var description: String { issuer.isEmpty ? id : "\(id)^^^\(issuer)" }
}
