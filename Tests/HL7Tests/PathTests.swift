import Testing
@testable import HL7

@Suite struct PathTests {
    @Test func parsesAllLevels() throws {
        let p = try HL7Path(parsing: "OBR[2]-4(3).1.2")
        #expect(p.segment == "OBR")
        #expect(p.occurrence == 2)
        #expect(p.field == 4)
        #expect(p.repetition == 3)
        #expect(p.component == 1)
        #expect(p.subcomponent == 2)
        #expect(p.description == "OBR[2]-4(3).1.2")
        #expect(try HL7Path(parsing: "PID.5.1") == HL7Path(segment: "PID", field: 5, component: 1))
        #expect(try HL7Path(parsing: "ZP1") == HL7Path(segment: "ZP1"))
    }

    @Test func readsByPath() throws {
        let m = try Fixtures.message("adt_a01_v251.hl7")
        #expect(m["PID-3"] == "PATID1234")
        #expect(m["PID-3(2).4.1"] == "USSSA")
        #expect(m["PID-3(2).5"] == "SS")
        #expect(m["PID-5.1"] == "DOE")
        #expect(m["PID-5(2).2"] == "JOHNNY")
        #expect(m["MSH-9.2"] == "A01")
        #expect(m["MSH-9.3"] == "ADT_A01")
        #expect(m["PID-99"] == nil)
        #expect(m["PID-3(3)"] == nil)
        #expect(m["ZZZ-1"] == nil)
        #expect(m["PID-2"] == "")
        #expect(m.er7(at: "PID-3") == "PATID1234^^^MCM^MR~987654321^^^USSSA^SS")
        #expect(m.er7(at: "PID-3(2)") == "987654321^^^USSSA^SS")
        #expect(m.er7(at: "NK1") == "NK1|1|DOE^JANE^M|SPO^Spouse^HL70063|")
    }

    @Test func segmentOccurrences() throws {
        let m = try Fixtures.message("oru_r01_v251.hl7")
        #expect(m.count(of: "OBX") == 6)
        #expect(m["OBR[2]-4.1"] == "LYTES")
        #expect(m["OBR[2]-4.2"] == "Electrolytes")
        #expect(m["OBX[5]-5"] == "140")
        #expect(m["OBR[3]-1"] == nil)
    }

    @Test func setExistingValueRebuildsOnlyThatValue() throws {
        let original = Fixtures.bytes("adt_a01_v251.hl7")
        var m = try Message(original)
        try m.set("PID-5.2", to: "JONATHAN")
        #expect(m["PID-5.2"] == "JONATHAN")
        #expect(m["PID-5.1"] == "DOE")
        #expect(m.er7(at: "PID-5") == "DOE^JONATHAN^Q^JR^DR^^L~SMITH^JOHNNY^^^^^A")
        let expected = String(decoding: original, as: UTF8.self).replacingFirst("DOE^JOHN^Q", with: "DOE^JONATHAN^Q")
        #expect(m.serialized() == Array(expected.utf8))
    }

    @Test func setAppliesEscaping() throws {
        var m = try Fixtures.message("adt_a01_v251.hl7")
        try m.set("PID-5.1", to: "O|Brien^&~\\x")
        #expect(m.er7(at: "PID-5.1") == "O\\F\\Brien\\S\\\\T\\\\R\\\\E\\x")
        #expect(m["PID-5.1"] == "O|Brien^&~\\x")
        #expect(m["PID-5.2"] == "JOHN")
        try m.set("NK1-2.1", to: "line1\rline2")
        #expect(m.er7(at: "NK1-2.1") == "line1\\X0D\\line2")
        #expect(m.segmentCount == 5)
        #expect(m["NK1-2.1"] == "line1\rline2")
    }

    @Test func setCreatesMissingFieldsRepetitionsComponentsAndSegments() throws {
        var m = try Fixtures.message("adt_a01_lf.hl7")
        try m.set("PV1-19.4.2", to: "X")
        #expect(m.er7(at: "PV1") == "PV1|1|O" + String(repeating: "|", count: 17) + "^^^&X")
        #expect(m["PV1-19.4.2"] == "X")
        try m.set("PID-3(3).1", to: "THIRD")
        #expect(m.er7(at: "PID-3") == "ID1^^^B^MR~~THIRD")
        try m.set("ZZ1[2]-2", to: "z")
        #expect(m.segments.map(\.id) == ["MSH", "PID", "PV1", "ZZ1", "ZZ1"])
        #expect(m.er7(at: "ZZ1[2]") == "ZZ1||z")
        // New segments use the message's own terminator (LF here).
        #expect(String(decoding: m.serialized(), as: UTF8.self).hasSuffix("PV1|1|O" + String(repeating: "|", count: 17) + "^^^&X\nZZ1\nZZ1||z\n"))
    }

    @Test func setER7ReplacesWholeLevels() throws {
        var m = try Fixtures.message("adt_a01_v251.hl7")
        try m.setER7("PID-3", to: "A^^^X^MR~B^^^Y^PI")
        #expect(m.readAll(CX.self, at: "PID-3").map(\.idNumber) == ["A", "B"])
        try m.setER7("NK1", to: "NK1|9|NEW^KIN")
        #expect(m["NK1-1"] == "9")
        #expect(m["NK1-2.2"] == "KIN")
    }

    @Test func mshDelimiterFieldsCannotBeSet() throws {
        var m = try Fixtures.message("adt_a01_v251.hl7")
        #expect { try m.set("MSH-2", to: "x") } throws: { ($0 as? HL7Error)?.code == .invalidPath }
        #expect { try m.set("MSH-1", to: "x") } throws: { ($0 as? HL7Error)?.code == .invalidPath }
        #expect { try m.set("PID", to: "x") } throws: { ($0 as? HL7Error)?.code == .invalidPath }
    }

    /// Found by the fuzzer: with MSH-2 = "^" only, setting a repetition inserted field separators.
    @Test func setRefusesLevelsAndCharactersTheDelimitersCannotExpress() throws {
        var m = try Message(Array("MSH|^|A|B|C|D|2026||ADT^A01|X|P|2.3\rPID|1\r".utf8))
        #expect { try m.set("ZFZ-3(2).2", to: "v") } throws: { ($0 as? HL7Error)?.code == .invalidPath }
        #expect { try m.set("PID-3.1.2", to: "v") } throws: { ($0 as? HL7Error)?.code == .invalidPath }
        #expect { try m.set("PID-3.2", to: "a^b") } throws: { ($0 as? HL7Error)?.code == .invalidValue }
        #expect { try m.set("PID-3.2", to: "a\rb") } throws: { ($0 as? HL7Error)?.code == .invalidValue }
        // Characters that are not delimiters here are plain text.
        try m.set("PID-3.2", to: "a~b&c\\d")
        #expect(m["PID-3.2"] == "a~b&c\\d")
        #expect(m.er7(at: "PID") == "PID|1||^a~b&c\\d")
    }

    @Test func removeAndAppendSegments() throws {
        var m = try Fixtures.message("adt_zsegments.hl7")
        try m.removeSegment("ZPI")
        #expect(m.segments.map(\.id) == ["MSH", "EVN", "PID", "ZZ9", "ABC"])
        try m.appendSegment("ZNW", fields: ["a^b", "c"])
        #expect(m["ZNW-1.2"] == "b")
        #expect(m["ZNW-2"] == "c")
    }

    @Test func builderMakesAMessageThatParsesBack() throws {
        var b = try MessageBuilder(messageType: "ORM", triggerEvent: "O01", structure: "ORM_O01", controlID: "C42", version: "2.5.1",
                                   timestamp: "20260101120000", sendingApplication: "ISTHMUS", characterSet: "UNICODE UTF-8")
        try b.set("PID-3.1", "MRN1")
        try b.set("PID-5.1", "Ångström")
        try b.set("ORC-1", "NW")
        let bytes = b.message.serialized()
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text == "MSH|^~\\&|ISTHMUS||||20260101120000||ORM^O01^ORM_O01|C42|P|2.5.1||||||UNICODE UTF-8\rPID|||MRN1||Ångström\rORC|NW\r")
        let back = try Message(bytes)
        #expect(back.controlID == "C42")
        #expect(back["PID-5.1"] == "Ångström")
    }
}

extension String {
    func replacingFirst(_ a: String, with b: String) -> String {
        guard let r = range(of: a) else { return self }
        return replacingCharacters(in: r, with: b)
    }
}
