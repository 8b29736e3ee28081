// HL7 v2.8 §2A.89 XPN – extended person name: 1 Family Name (FN) ^ 2 Given Name ^ 3 Second and Further Given Names ^
// 4 Suffix ^ 5 Prefix ^ 6 Degree ^ 7 Name Type Code ^ 8 Name Representation Code ^ …
// FN (§2A.30): 1 Surname & 2 Own Surname Prefix & 3 Own Surname & 4 Surname Prefix From Partner & 5 Surname From Partner.

/// XPN – extended person name (PID-5, NK1-2…).
public struct XPN: HL7DataType, Hashable {
    /// XPN.1.1 Surname.
    public var familyName: String?
    /// XPN.1.2 Own Surname Prefix (e.g. `van`).
    public var ownSurnamePrefix: String?
    /// XPN.2 Given Name.
    public var givenName: String?
    /// XPN.3 Second and Further Given Names or Initials.
    public var secondNames: String?
    /// XPN.4 Suffix (e.g. `JR`).
    public var suffix: String?
    /// XPN.5 Prefix (e.g. `DR`).
    public var prefix: String?
    /// XPN.6 Degree (e.g. `MD`).
    public var degree: String?
    /// XPN.7 Name Type Code (HL7 table 0200: `L` legal, `A` alias…).
    public var nameTypeCode: String?
    /// XPN.8 Name Representation Code (table 4000: `A` alphabetic, `I` ideographic, `P` phonetic).
    public var nameRepresentationCode: String?

    /// Reads the type from an element (see ``HL7DataType``).
    public init(_ e: Element) {
        XPN.readFN(e, at: 1, family: &familyName, prefix: &ownSurnamePrefix)
        givenName = e.partText(2)
        secondNames = e.partText(3)
        suffix = e.partText(4)
        prefix = e.partText(5)
        degree = e.partText(6)
        nameTypeCode = e.partText(7)
        nameRepresentationCode = e.partText(8)
    }

    /// Reads an FN (family name) part: its surname is subcomponent 1 when the name is read from a field.
    static func readFN(_ e: Element, at n: Int, family: inout String?, prefix: inout String?) {
        guard let fn = e.part(n), !fn.isEmpty else { return }
        if fn.level == .component {
            family = fn.subcomponent(1).flatMap { $0.isEmpty ? nil : $0.value }
            prefix = fn.subcomponent(2).flatMap { $0.isEmpty ? nil : $0.value }
        } else {
            family = fn.value
        }
    }
}
