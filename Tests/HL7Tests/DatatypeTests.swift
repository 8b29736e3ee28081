import Testing
@testable import HL7

@Suite struct DatatypeTests {
    @Test func xpnAndCX() throws {
        let m = try Fixtures.message("adt_a01_v251.hl7")
        let names = m.readAll(XPN.self, at: "PID-5")
        #expect(names.count == 2)
        #expect(names[0].familyName == "DOE")
        #expect(names[0].givenName == "JOHN")
        #expect(names[0].secondNames == "Q")
        #expect(names[0].suffix == "JR")
        #expect(names[0].prefix == "DR")
        #expect(names[0].degree == nil)
        #expect(names[0].nameTypeCode == "L")
        #expect(names[1].nameTypeCode == "A")
        let ids = m.readAll(CX.self, at: "PID-3")
        #expect(ids.map(\.idNumber) == ["PATID1234", "987654321"])
        #expect(ids[1].assigningAuthority?.namespaceID == "USSSA")
        #expect(ids[0].identifierTypeCode == "MR")
    }

    @Test func cxAssigningAuthorityFromSubcomponents() throws {
        let m = try Message(Array("MSH|^~\\&|A|B|C|D|2026||ADT^A01|X|P|2.5\rPID|||123^4^M10^HOSP&1.2.3&ISO^MR^FAC&2.3.4&ISO\r".utf8))
        let cx = try #require(m.read(CX.self, at: "PID-3"))
        #expect(cx.checkDigit == "4")
        #expect(cx.checkDigitScheme == "M10")
        #expect(cx.assigningAuthority == HD(namespaceID: "HOSP", universalID: "1.2.3", universalIDType: "ISO"))
        #expect(cx.assigningFacility?.universalID == "2.3.4")
    }

    @Test func xcnFromPV1() throws {
        let m = try Fixtures.message("adt_a01_v251.hl7")
        let doc = try #require(m.read(XCN.self, at: "PV1-7"))
        #expect(doc.idNumber == "004777")
        #expect(doc.familyName == "LEBAUER")
        #expect(doc.givenName == "SIDNEY")
        #expect(doc.secondNames == "J.")
        #expect(doc.identifierTypeCode == nil)
    }

    @Test func cweCeAndEI() throws {
        let m = try Fixtures.message("orm_o01_v23.hl7")
        let ce = try #require(m.read(CE.self, at: "OBR-4"))
        #expect(ce.identifier == "71020")
        #expect(ce.text == "CHEST XRAY 2 VIEWS")
        #expect(ce.codingSystem == "C4")
        #expect(ce.originalText == nil)
        let ei = try #require(m.read(EI.self, at: "ORC-2"))
        #expect(ei.entityIdentifier == "ORD448811")
        #expect(ei.namespaceID == "RIS")
    }

    @Test func hdFromMSH() throws {
        let m = try Message(Array("MSH|^~\\&|APP^1.2.840.1^ISO|FAC|C|D|2026||ADT^A01|X|P|2.5\r".utf8))
        #expect(m.sendingApplication == HD(namespaceID: "APP", universalID: "1.2.840.1", universalIDType: "ISO"))
        #expect(m.sendingFacility?.namespaceID == "FAC")
    }

    @Test func timestampsWithPrecisionAndOffset() throws {
        let t = try HL7Timestamp(parsing: "20260102103000.25+0100")
        #expect(t.year == 2026 && t.month == 1 && t.day == 2 && t.hour == 10 && t.minute == 30 && t.second == 0)
        #expect(t.fraction == "25")
        #expect(t.utcOffsetMinutes == 60)
        #expect(t.precision == .fraction)
        #expect(t.description == "20260102103000.25+0100")
        let d = try HL7Timestamp(parsing: "198901")
        #expect(d.precision == .month)
        #expect(d.day == nil)
        #expect(try HL7Timestamp(parsing: "202602151200-0500").utcOffsetMinutes == -300)
        for bad in ["", "20", "2026131", "20261301", "20260101250000", "2026010112.5", "20260101120000.12345", "20260101+01", "2026x"] {
            #expect(throws: HL7Error.self) { try HL7Timestamp(parsing: bad) }
        }
        let m = try Fixtures.message("oru_r01_v251.hl7")
        #expect(m.timestamp?.utcOffsetMinutes == -300)
        #expect(m.read(TS.self, at: "OBR-7")?.precision == .second)
        #expect(m.read(TS.self, at: "OBR-8") == nil)
        #expect(m.read(TS.self, at: "PID-5") == nil)
    }

    @Test func nowIsAFullUTCTimestamp() {
        let n = HL7Timestamp.now()
        #expect(n.precision == .second)
        #expect(n.utcOffsetMinutes == 0)
        #expect(n.year >= 2024)
        #expect(n.description.count == 19)
    }

    @Test func numbersAndSequenceIDs() throws {
        let m = try Fixtures.message("oru_r01_v251.hl7")
        #expect(m.read(NM.self, at: "OBX-5")?.value == 7.5)
        #expect(m.read(SI.self, at: "OBX[2]-1")?.value == 2)
        #expect(NM.isValid("-1.50"))
        #expect(NM.isValid("+.5"))
        #expect(!NM.isValid("1.2.3"))
        #expect(!NM.isValid("1e5"))
        #expect(!NM.isValid("-"))
        let odd = try Message(Array("MSH|^~\\&|A|B|C|D|2026||ORU^R01|X|P|2.5\rOBX|x1|NM|||abc\r".utf8))
        #expect(odd.read(NM.self, at: "OBX-5")?.value == nil)
        #expect(odd.read(NM.self, at: "OBX-5")?.text == "abc")
        #expect(odd.read(SI.self, at: "OBX-1")?.value == nil)
    }

    @Test func headerAccessors() throws {
        let m = try Fixtures.message("adt_a01_v251.hl7")
        #expect(m.messageType == "ADT")
        #expect(m.triggerEvent == "A01")
        #expect(m.messageStructure == "ADT_A01")
        #expect(m.controlID == "MSG00001")
        #expect(m.processingID == "P")
        #expect(m.version == "2.5.1")
        #expect(m.acceptAcknowledgmentType == .always)
        #expect(m.applicationAcknowledgmentType == .never)
        #expect(m.characterSetName == "UNICODE UTF-8")
        let v21 = try Fixtures.message("adt_v21.hl7")
        #expect(v21.messageType == "ADT")
        #expect(v21.triggerEvent == "A01")
        #expect(v21.messageStructure == nil)
    }
}
