import DICOM
import HL7
import Mapping
import Testing

@Suite struct ConversionTests {
    func element(_ value: String) throws -> Element {
        try #require(try Message("MSH|^~\\&|A\rZZZ|\(value)\r").element(at: "ZZZ-1"))
    }

    @Test(arguments: [
        ("DOE^JANE^MARIE^JR^DR", "DOE^JANE^MARIE^DR^JR"),
        ("DOE^JANE", "DOE^JANE"),
        ("DOE", "DOE"),
        ("DOE^JANE^^^DR", "DOE^JANE^^DR"),
        ("VAN&DER&BERG^ANNA", "VAN^ANNA"),   // FN: only the surname subcomponent
        ("\"\"", ""),
        ("DOE^JANE^^^^MD", "DOE^JANE"),       // degree has no PN component
    ])
    func xpnToPN(_ xpn: String, _ pn: String) throws {
        #expect(Conversions.personName(fromXPN: try element(xpn)) == pn)
    }

    @Test func xcnToPN() throws {
        #expect(Conversions.personName(fromXCN: try element("1234^HOUSE^GREGORY^M^III^DR")) == "HOUSE^GREGORY^M^DR^III")
        #expect(Conversions.personName(fromXCN: try element("1234")) == "")
    }

    @Test func pnToXPN() {
        #expect(Conversions.xpn(fromPersonName: "DOE^JANE^MARIE^DR^JR") == ["DOE", "JANE", "MARIE", "JR", "DR"])
        #expect(Conversions.xpn(fromPersonName: "DOE^JANE") == ["DOE", "JANE"])
    }

    @Test(arguments: [
        ("20260305103015.1234+0100", "20260305", "103015.1234", "+0100"),
        ("202603051030", "20260305", "1030", nil),
        ("20260305", "20260305", nil, nil),
        ("202603", "202603", nil, nil),
        ("2026", "2026", nil, nil),
        ("20260305103015-0530", "20260305", "103015", "-0530"),
    ] as [(String, String, String?, String?)])
    func timestamps(_ ts: String, _ da: String, _ tm: String?, _ offset: String?) {
        #expect(Conversions.date(fromTS: ts) == da)
        #expect(Conversions.time(fromTS: ts) == tm)
        #expect(Conversions.timezoneOffset(fromTS: ts) == offset)
    }

    @Test func unreadableTimestampsGiveNothing() {
        #expect(Conversions.date(fromTS: "") == nil)
        #expect(Conversions.date(fromTS: "\"\"") == nil)
        #expect(Conversions.date(fromTS: "tomorrow") == nil)
    }

    @Test func valueTables() {
        #expect(Conversions.sex["A"] == "O")
        #expect(Conversions.sex["U"] == "")
        #expect(Conversions.priority["S"] == "STAT")
        #expect(Conversions.priority["T"] == "MEDIUM")
        #expect(Conversions.characterSets["8859/15"] == "ISO_IR 203")
        #expect(Conversions.characterSets["KS X 1001"] == "ISO 2022 IR 149")
        #expect(Conversions.msh18ForDICOM["ISO_IR 192"] == "UNICODE UTF-8")
        #expect(Conversions.msh18ForDICOM["ISO_IR 100"] == "8859/1")
    }

    @Test func uids() {
        #expect(UIDs.isValid("1.2.840.10008.1.2"))
        #expect(!UIDs.isValid("1.2.840.01"))
        #expect(!UIDs.isValid("1..2"))
        #expect(!UIDs.isValid("1.2.a"))
        #expect(!UIDs.isValid(String(repeating: "1.", count: 33) + "1"))
        let a = UIDs.nameBased("x"), b = UIDs.nameBased("x"), c = UIDs.nameBased("y")
        #expect(a == b && a != c && UIDs.isValid(a) && a.hasPrefix("2.25."))
        let r = UIDs.random()
        #expect(UIDs.isValid(r) && r != UIDs.random())
    }
}

@Suite struct PatientMapperTests {
    @Test func updateEvents() throws {
        for event in ["A01", "A04", "A05", "A08", "A28", "A31"] {
            let m = try er7([
                seg("MSH", [3: "ADT", 7: "20260101", 9: "ADT^\(event)", 10: "C\(event)", 11: "P", 12: "2.5.1", 18: "UNICODE UTF-8"]),
                seg("PID", [3: "P77^^^HOSP^MR", 5: "NGUYỄN^AN", 7: "19900102", 8: "M"]),
            ])
            guard case .update(let r) = try PatientMapper().map(m) else { Issue.record("\(event) is not an update"); continue }
            #expect(r.identity == PatientIdentity(id: "P77", issuer: "HOSP"))
            #expect(r.attributes.string(.patientName) == "NGUYỄN^AN")
            #expect(r.attributes.string(.specificCharacterSet) == "ISO_IR 192")
            #expect(r.attributes.string(Tag(0x0010, 0x0030)) == "19900102")
            #expect(r.attributes.string(Tag(0x0010, 0x0040)) == "M")
        }
    }

    @Test func mergeAndChangeIdentifier() throws {
        let a40 = try er7([
            seg("MSH", [3: "ADT", 7: "20260101", 9: "ADT^A40^ADT_A39", 10: "M1", 11: "P", 12: "2.5.1"]),
            seg("PID", [3: "SURV1^^^HOSP^MR", 5: "DOE^JOHN"]),
            seg("MRG", [1: "OLD9^^^HOSP^MR"]),
        ])
        guard case .merge(let prior, let surviving) = try PatientMapper().map(a40) else { Issue.record("A40 is not a merge"); return }
        #expect(prior == PatientIdentity(id: "OLD9", issuer: "HOSP"))
        #expect(surviving.identity == PatientIdentity(id: "SURV1", issuer: "HOSP"))

        let a47 = try er7([
            seg("MSH", [3: "ADT", 7: "20260101", 9: "ADT^A47^ADT_A30", 10: "M2", 11: "P", 12: "2.5.1"]),
            seg("PID", [3: "NEW1^^^HOSP^MR", 5: "DOE^JOHN"]),
            seg("MRG", [1: "OLD1^^^HOSP^MR"]),
        ])
        guard case .changeIdentifier(let from, let to) = try PatientMapper().map(a47) else { Issue.record("A47 is not a change"); return }
        #expect(from.id == "OLD1" && to.identity.id == "NEW1")
    }

    @Test func circularMergeIsRejected() throws {
        let m = try er7([
            seg("MSH", [3: "ADT", 7: "20260101", 9: "ADT^A40", 10: "M3", 11: "P", 12: "2.5.1"]),
            seg("PID", [3: "SAME^^^HOSP^MR"]),
            seg("MRG", [1: "SAME^^^HOSP^MR"]),
        ])
        let error = try #require(throws: MappingError.self) { try PatientMapper().map(m) }
        #expect(error.path?.description == "MRG-1")
        #expect(error.condition == .duplicateKeyIdentifier)
    }

    @Test func mergeWithoutMRGIsAnError() throws {
        let m = try er7([seg("MSH", [3: "ADT", 7: "20260101", 9: "ADT^A40", 10: "M4", 11: "P", 12: "2.5.1"]), seg("PID", [3: "X^^^HOSP"])])
        let error = try #require(throws: MappingError.self) { try PatientMapper().map(m) }
        #expect(error.path?.description == "MRG-1")
        #expect(error.condition == .requiredFieldMissing)
    }

    @Test func otherEventsAreUnsupported() throws {
        let m = try er7([seg("MSH", [3: "ADT", 7: "20260101", 9: "ADT^A02", 10: "M5", 11: "P", 12: "2.5.1"]), seg("PID", [3: "X^^^HOSP"])])
        let error = try #require(throws: MappingError.self) { try PatientMapper().map(m) }
        #expect(error.condition == .unsupportedEventCode)
    }
}

@Suite struct ProcedureStatusMapperTests {
    func mpps(_ status: String) throws -> DataSet {
        var ds = DataSet(characterSet: SpecificCharacterSet("ISO_IR 192"))
        try ds.set(.specificCharacterSet, vr: .CS, string: "ISO_IR 192")
        try ds.set(.patientName, string: "MÜLLER^ANNA^^DR")
        try ds.set(.patientID, string: "MRN123")
        try ds.set(Tag(0x0010, 0x0021), string: "HOSP")
        try ds.set(Tag(0x0010, 0x0030), string: "19800214")
        try ds.set(Tag(0x0010, 0x0040), string: "F")
        try ds.set(Tag(0x0008, 0x0060), string: "CT")
        try ds.set(Tag(0x0040, 0x0241), string: "CT1")
        try ds.set(Tag(0x0040, 0x0244), string: "20260305")
        try ds.set(Tag(0x0040, 0x0245), string: "103000")
        try ds.set(Tag(0x0040, 0x0250), string: "20260305")
        try ds.set(Tag(0x0040, 0x0251), string: "104500")
        try ds.set(Tag(0x0040, 0x0252), string: status)
        var step = DataSet()
        try step.set(Tag(0x0008, 0x0050), string: "ACC0001")
        try step.set(Tag(0x0040, 0x1001), string: "RP0001")
        try step.set(Tag(0x0040, 0x0009), string: "SPS0001")
        try step.set(Tag(0x0040, 0x2016), string: "PLC100")
        try step.set(Tag(0x0040, 0x2017), string: "FIL200")
        try step.set(Tag(0x0020, 0x000D), string: "1.2.3.4.5")
        ds.set(Tag(0x0040, 0x0270), items: [Item(dataSet: step)])
        return ds
    }

    @Test(arguments: [("IN PROGRESS", "IP"), ("COMPLETED", "CM"), ("DISCONTINUED", "DC")])
    func ormStatusMessage(_ status: String, _ orc5: String) throws {
        let m = try ProcedureStatusMapper(messageType: .orm, receivingApplication: "RIS").message(for: try mpps(status), controlID: "ST1")
        #expect(m.value(at: "MSH-9.1") == "ORM" && m.value(at: "MSH-9.2") == "O01")
        #expect(m.value(at: "MSH-12") == "2.3.1")
        #expect(m.value(at: "MSH-18") == "UNICODE UTF-8")
        #expect(m.value(at: "MSH-5") == "RIS")
        #expect(m.value(at: "PID-3.1") == "MRN123" && m.value(at: "PID-3.4") == "HOSP")
        #expect(m.value(at: "PID-5.1") == "MÜLLER" && m.value(at: "PID-5.5") == "DR")
        #expect(m.value(at: "ORC-1") == "SC" && m.value(at: "ORC-5") == orc5)
        #expect(m.value(at: "ORC-2") == "PLC100" && m.value(at: "ORC-3") == "FIL200")
        #expect(m.value(at: "OBR-7") == "20260305103000")
        #expect(m.value(at: "OBR-18") == "ACC0001" && m.value(at: "OBR-19") == "RP0001")
        #expect(m.value(at: "ZDS-1.1") == "1.2.3.4.5" && m.value(at: "ZDS-1.4") == "DICOM")
        if status == "IN PROGRESS" { #expect((m.value(at: "OBR-8") ?? "").isEmpty) } else { #expect(m.value(at: "OBR-8") == "20260305104500") }
    }

    @Test func omiStatusMessage() throws {
        let m = try ProcedureStatusMapper(messageType: .omi).message(for: try mpps("COMPLETED"), controlID: "ST2")
        #expect(m.value(at: "MSH-9.1") == "OMI" && m.value(at: "MSH-9.3") == "OMI_O23" && m.value(at: "MSH-12") == "2.5.1")
        #expect(m.value(at: "TQ1-7") == "20260305103000")
        #expect(m.value(at: "IPC-1") == "ACC0001" && m.value(at: "IPC-2") == "RP0001" && m.value(at: "IPC-3") == "1.2.3.4.5")
        #expect(m.value(at: "IPC-4") == "SPS0001" && m.value(at: "IPC-5") == "CT" && m.value(at: "IPC-9") == "CT1")
        // The status message is itself an order the mapper reads back: completed, same identifiers.
        let back = try OrderMapper().map(m)
        #expect(back.action == .complete)
        #expect(back.items.first?.string(Tag(0x0020, 0x000D)) == "1.2.3.4.5")
        #expect(back.items.first?.string(Tag(0x0008, 0x0050)) == "ACC0001")
        #expect(back.items.first?.string(.patientName) == "MÜLLER^ANNA^^DR")
    }

    @Test func statusIsRequired() throws {
        var ds = try mpps("COMPLETED")
        _ = ds.remove(Tag(0x0040, 0x0252))
        let error = try #require(throws: MappingError.self) { try ProcedureStatusMapper().message(for: ds, controlID: "X") }
        #expect(error.tag == Tag(0x0040, 0x0252))
    }
}
