import DICOM
import HL7
import Mapping
import Testing

typealias Tag = DICOM.Tag

/// Builds an ER7 message from segment lines (CR-terminated).
func er7(_ lines: [String]) throws -> Message {
    try Message(lines.joined(separator: "\r") + "\r")
}

/// A segment from its fields by number (for MSH, field 3 onwards; MSH-1 and MSH-2 are the standard ones).
func seg(_ id: String, _ fields: [Int: String]) -> String {
    let last = fields.keys.max() ?? 0
    let first = id == "MSH" ? 3 : 1
    var parts = [id == "MSH" ? "MSH|^~\\&" : id]
    if first <= last { for i in first ... last { parts.append(fields[i] ?? "") } }
    return parts.joined(separator: "|")
}

let ormLines = [
    seg("MSH", [3: "RIS", 4: "HOSP", 5: "ISTHMUS", 6: "HOSP", 7: "20260301080000", 9: "ORM^O01", 10: "ORM42", 11: "P", 12: "2.3.1"]),
    seg("PID", [3: "MRN123^^^HOSP^MR~987654^^^SSA^SS", 5: "DOE^JANE^MARIE^JR^DR", 6: "SMITH", 7: "19800214", 8: "F", 18: "ADM77"]),
    seg("PV1", [2: "O", 3: "RAD^1^2", 8: "1234^HOUSE^GREGORY^^^DR", 15: "B6", 19: "VIS99"]),
    seg("ORC", [1: "NW", 2: "PLC100^RIS^1.2.3^ISO", 3: "FIL200^PACS", 5: "SC", 7: "^^^202603051030^^S", 9: "20260301080000", 18: "MR1"]),
    seg("OBR", [1: "1", 2: "PLC100^RIS", 3: "FIL200^PACS", 4: "71020^CHEST 2 VIEWS^C4^P71020^Chest PA and lateral^LOCAL",
                13: "CONTRAST ALLERGY", 16: "5678^WILSON^JAMES", 18: "ACC0001", 19: "RP0001", 20: "SPS0001", 24: "CR",
                30: "WHEELCHAIR", 31: "^Cough", 44: "RPC1^Chest radiograph^LOCAL"]),
    seg("ZDS", [1: "1.2.840.113619.2.55.3.2609.1^^Application^DICOM"]),
]

@Suite struct OrderMapperTests {
    @Test func ormMapsTheIHETable() throws {
        let result = try OrderMapper().map(try er7(ormLines))
        #expect(result.action == .create)
        #expect(result.items.count == 1)
        let item = result.items[0]
        #expect(item.string(.patientName) == "DOE^JANE^MARIE^DR^JR")     // XPN 4/5 swapped
        #expect(item.string(.patientID) == "MRN123")
        #expect(item.string(Tag(0x0010, 0x0021)) == "HOSP")
        let others = try #require(item.items(Tag(0x0010, 0x1002)))
        #expect(others.count == 1)
        #expect(others[0].dataSet.string(.patientID) == "987654")
        #expect(others[0].dataSet.string(Tag(0x0010, 0x0021)) == "SSA")
        #expect(item.string(Tag(0x0010, 0x0030)) == "19800214")
        #expect(item.string(Tag(0x0010, 0x0040)) == "F")
        #expect(item.string(Tag(0x0010, 0x1060)) == "SMITH")
        #expect(item.string(Tag(0x0010, 0x2000)) == "CONTRAST ALLERGY")
        #expect(item.string(Tag(0x0010, 0x21C0)) == "3")                 // PV1-15 B6 → pregnant
        #expect(item.string(Tag(0x0008, 0x0090)) == "HOUSE^GREGORY^^DR") // XCN, prefix in 4
        #expect(item.string(Tag(0x0032, 0x1032)) == "WILSON^JAMES")
        #expect(item.string(Tag(0x0008, 0x0050)) == "ACC0001")
        #expect(item.string(Tag(0x0040, 0x1001)) == "RP0001")
        #expect(item.string(Tag(0x0040, 0x2016)) == "PLC100")
        #expect(item.string(Tag(0x0040, 0x2017)) == "FIL200")
        let placerIssuer = try #require(item.items(Tag(0x0040, 0x0026))?.first?.dataSet)
        #expect(placerIssuer.string(Tag(0x0040, 0x0031)) == "RIS")
        #expect(placerIssuer.string(Tag(0x0040, 0x0032)) == "1.2.3")
        #expect(placerIssuer.string(Tag(0x0040, 0x0033)) == "ISO")
        #expect(item.string(Tag(0x0020, 0x000D)) == "1.2.840.113619.2.55.3.2609.1")
        #expect(item.string(Tag(0x0032, 0x1060)) == "Chest radiograph")    // OBR-44.2
        let rpc = try #require(item.items(Tag(0x0032, 0x1064))?.first?.dataSet)
        #expect(rpc.string(Tag(0x0008, 0x0100)) == "RPC1")
        #expect(rpc.string(Tag(0x0008, 0x0102)) == "LOCAL")
        #expect(item.string(Tag(0x0040, 0x1002)) == "Cough")
        #expect(item.string(Tag(0x0040, 0x1003)) == "STAT")
        #expect(item.string(Tag(0x0040, 0x1004)) == "WHEELCHAIR")
        #expect(item.string(Tag(0x0038, 0x0010)) == "VIS99")
        #expect(item.string(Tag(0x0038, 0x0300)) == "RAD")
        #expect(item.string(Tag(0x0008, 0x0080)) == "HOSP")               // MSH-4 fallback
        #expect(item.string(.specificCharacterSet) == nil)                 // no MSH-18: default repertoire

        let sps = try #require(item.items(Tag(0x0040, 0x0100)))
        #expect(sps.count == 1)
        let step = sps[0].dataSet
        #expect(step.string(Tag(0x0040, 0x0001)) == "MR1")                // ORC-18
        #expect(step.string(Tag(0x0040, 0x0002)) == "20260305")
        #expect(step.string(Tag(0x0040, 0x0003)) == "1030")
        #expect(step.string(Tag(0x0008, 0x0060)) == "CR")
        #expect(step.string(Tag(0x0040, 0x0006)) == nil)
        #expect(step.string(Tag(0x0040, 0x0007)) == "Chest PA and lateral") // OBR-4.5
        let protocolCode = try #require(step.items(Tag(0x0040, 0x0008))?.first?.dataSet)
        #expect(protocolCode.string(Tag(0x0008, 0x0100)) == "P71020")
        #expect(protocolCode.string(Tag(0x0008, 0x0102)) == "LOCAL")
        #expect(protocolCode.string(Tag(0x0008, 0x0104)) == "Chest PA and lateral")
        #expect(step.string(Tag(0x0040, 0x0009)) == "SPS0001")
        #expect(step.string(Tag(0x0040, 0x0020)) == "SCHEDULED")
    }

    @Test func itemsAreWritableAndReadBackAsTheSameDataSet() throws {
        let item = try OrderMapper().map(try er7(ormLines)).items[0]
        let bytes = try DICOMFile(dataSet: item).serialized()
        let back = try DICOMFile.read(bytes: bytes).dataSet
        #expect(back.string(.patientName) == "DOE^JANE^MARIE^DR^JR")
        #expect(back.items(Tag(0x0040, 0x0100))?.first?.dataSet.string(Tag(0x0040, 0x0009)) == "SPS0001")
    }

    @Test func omiGivesOneItemPerIPC() throws {
        let m = try er7([
            "MSH|^~\\&|RIS|HOSP|ISTHMUS|HOSP|20260301080000||OMI^O23^OMI_O23|OMI1|P|2.5.1",
            "PID|1||MRN9^^^HOSP^MR||ROE^RICHARD||19700101|M",
            "ORC|NW|P1|F1||SC||||20260301|||||||||||||||||||^R",
            "TQ1|1||||||20260310140000||A",
            "OBR|1|P1|F1|CTHEAD^CT HEAD^L",
            "IPC|ACC77^HOSP^2.16.840.1^ISO|RP77|1.2.3.4.5|SPS-A|CT|HEAD^Head plain^L|CT1|ROOM 1|CTSCANNER1",
            "IPC|ACC77^HOSP^2.16.840.1^ISO|RP77|1.2.3.4.5|SPS-B|CT|HEADC^Head contrast^L|CT1|ROOM 1|CTSCANNER1",
        ])
        let result = try OrderMapper().map(m)
        #expect(result.items.count == 2)
        let steps = result.items.compactMap { $0.items(Tag(0x0040, 0x0100))?.first?.dataSet }
        #expect(steps.map { $0.string(Tag(0x0040, 0x0009)) } == ["SPS-A", "SPS-B"])
        #expect(steps.map { $0.string(Tag(0x0040, 0x0007)) } == ["Head plain", "Head contrast"])
        for (item, step) in zip(result.items, steps) {
            #expect(item.string(Tag(0x0008, 0x0050)) == "ACC77")
            let issuer = try #require(item.items(Tag(0x0008, 0x0051))?.first?.dataSet)
            #expect(issuer.string(Tag(0x0040, 0x0031)) == "HOSP")
            #expect(issuer.string(Tag(0x0040, 0x0032)) == "2.16.840.1")
            #expect(item.string(Tag(0x0040, 0x1001)) == "RP77")
            #expect(item.string(Tag(0x0020, 0x000D)) == "1.2.3.4.5")
            #expect(item.string(Tag(0x0040, 0x1003)) == "HIGH")           // TQ1-9 A
            #expect(step.string(Tag(0x0040, 0x0001)) == "CTSCANNER1")
            #expect(step.string(Tag(0x0040, 0x0002)) == "20260310")
            #expect(step.string(Tag(0x0040, 0x0003)) == "140000")
            #expect(step.string(Tag(0x0008, 0x0060)) == "CT")
            #expect(step.string(Tag(0x0040, 0x0010)) == "CT1")
            #expect(step.string(Tag(0x0040, 0x0011)) == "ROOM 1")
        }
    }

    @Test(arguments: [
        ("NW", "SC", OrderAction.create, SPSStatus.scheduled), ("NW", "IP", .create, .scheduled),
        ("XO", "SC", .update, .scheduled), ("CA", "CA", .cancel, .canceled), ("DC", "CA", .discontinue, .discontinued),
        ("XO", "CM", .complete, .completed), ("SC", "CM", .complete, .completed),
    ])
    func orderControlTable(_ control: String, _ status: String, _ action: OrderAction, _ sps: SPSStatus) throws {
        var lines = ormLines
        lines[3] = "ORC|\(control)|PLC100^RIS|FIL200^PACS||\(status)||^^^202603051030^^R"
        let result = try OrderMapper().map(try er7(lines))
        #expect(result.action == action)
        #expect(result.items[0].items(Tag(0x0040, 0x0100))?.first?.dataSet.string(Tag(0x0040, 0x0020)) == sps.rawValue)
    }

    @Test func unmappedOrderControlIsAnErrorAtORC1() throws {
        var lines = ormLines
        lines[3] = "ORC|SN|PLC100^RIS|FIL200^PACS||SC"
        let error = try #require(throws: MappingError.self) { try OrderMapper().map(try er7(lines)) }
        #expect(error.path?.description == "ORC-1")
        #expect(error.condition == .tableValueNotFound)
        // It becomes an ERR segment of an AE acknowledgment naming ORC-1.
        let ack = try er7(lines).acknowledgment(.AE, controlID: "A1", errors: [error.acknowledgmentError])
        #expect(ack.value(at: "MSA-1") == "AE")
    }

    @Test func overlongAccessionIsAnErrorNamingTheField() throws {
        // The fixture's IPC-1 holds a 26-character UID: too long for SH (16).
        let m = try Message(Array("MSH|^~\\&|RIS|RAD|MWL|RAD|20260301080000||OMI^O23^OMI_O23|OMI123|P|2.5.1\rPID|1||MRN0042^^^HOSP^MR||ROE^RICHARD||19800101|M\rORC|NW|PLACER77|FILLER88||SC\rOBR|1|PLACER77|FILLER88|CTHEAD^CT HEAD WITHOUT CONTRAST^L\rIPC|1.2.840.113619.2.55.3.1234^DCM|PROC88|1.2.840.113619.2.55.3.9.1^DCM|SPS1|CT\r".utf8))
        let error = try #require(throws: MappingError.self) { try OrderMapper().map(m) }
        #expect(error.path?.description == "IPC-1.1")
        #expect(error.condition == .valueTooLong)
        #expect(error.tag == Tag(0x0008, 0x0050))
        // Truncation when the site asks for it.
        var omi = OrderMappingTable.omi
        omi.truncateOverlongValues = true
        let item = try OrderMapper(omi: omi).map(m).items[0]
        #expect(item.string(Tag(0x0008, 0x0050)) == "1.2.840.113619.2")
    }

    @Test func missingStudyUIDFollowsThePolicy() throws {
        let lines = Array(ormLines.dropLast())   // no ZDS
        var table = OrderMappingTable.orm
        table.studyUIDPolicy = .reject
        let error = try #require(throws: MappingError.self) { try OrderMapper(orm: table).map(try er7(lines)) }
        #expect(error.path?.description == "ZDS-1")
        #expect(error.condition == .requiredFieldMissing)

        table.studyUIDPolicy = .deriveFromAccession
        let a = try OrderMapper(orm: table).map(try er7(lines)).items[0].string(Tag(0x0020, 0x000D))
        let b = try OrderMapper(orm: table).map(try er7(lines)).items[0].string(Tag(0x0020, 0x000D))
        let uid = try #require(a)
        #expect(a == b)                        // deterministic
        #expect(uid.hasPrefix("2.25."))
        #expect(UIDs.isValid(uid))
        var other = lines
        other[4] = other[4].replacingOccurrences(of: "ACC0001", with: "ACC0002")
        #expect(try OrderMapper(orm: table).map(try er7(other)).items[0].string(Tag(0x0020, 0x000D)) != a)

        table.studyUIDPolicy = .generate
        let g1 = try OrderMapper(orm: table).map(try er7(lines)).items[0].string(Tag(0x0020, 0x000D))
        let g2 = try OrderMapper(orm: table).map(try er7(lines)).items[0].string(Tag(0x0020, 0x000D))
        #expect(g1 != g2)
        #expect(UIDs.isValid(try #require(g1)))
    }

    @Test func missingSPSIDFollowsThePolicy() throws {
        var lines = ormLines
        lines[4] = lines[4].replacingOccurrences(of: "|SPS0001|", with: "||")
        #expect(try OrderMapper().map(try er7(lines)).items[0].items(Tag(0x0040, 0x0100))?.first?.dataSet.string(Tag(0x0040, 0x0009)) == "RP0001")
        var table = OrderMappingTable.orm
        table.spsIDPolicy = .reject
        let error = try #require(throws: MappingError.self) { try OrderMapper(orm: table).map(try er7(lines)) }
        #expect(error.path?.description == "OBR-20")
    }

    @Test func notAnOrderIsAnErrorAtMSH9() throws {
        let error = try #require(throws: MappingError.self) {
            try OrderMapper().map(try er7(["MSH|^~\\&|A|B|C|D|20260101||ADT^A08|1|P|2.5.1", "PID|||1"]))
        }
        #expect(error.path?.description == "MSH-9.1")
        #expect(error.condition == .unsupportedMessageType)
    }

    @Test func missingPatientIDIsAnError() throws {
        var lines = ormLines
        lines[1] = "PID|||||DOE^JANE"
        let error = try #require(throws: MappingError.self) { try OrderMapper().map(try er7(lines)) }
        #expect(error.path?.description == "PID-3")
    }

    @Test func utf8NamesBecomeISOIR192() throws {
        var lines = ormLines
        lines[0] += "||||||UNICODE UTF-8"
        lines[1] = "PID|||MRN123^^^HOSP^MR||MÜLLER^RENÉE||19800214|F"
        let item = try OrderMapper().map(try er7(lines)).items[0]
        #expect(item.string(.specificCharacterSet) == "ISO_IR 192")
        let bytes = try #require(item[.patientName]).loadBytes()
        #expect(bytes == Array("MÜLLER^RENÉE".utf8))
        #expect(item.string(.patientName) == "MÜLLER^RENÉE")
    }

    @Test func latin1NamesBecomeISOIR100() throws {
        var lines = ormLines
        lines[0] += "||||||8859/1"
        var bytes: [UInt8] = []
        for (i, l) in lines.enumerated() {
            if i == 1 {
                bytes += Array("PID|||MRN123^^^HOSP^MR||CAF".utf8) + [0xC9] + Array("^REN".utf8) + [0xC9] + Array("E||19800214|F".utf8)
            } else {
                bytes += Array(l.utf8)
            }
            bytes.append(0x0D)
        }
        let item = try OrderMapper().map(try Message(bytes)).items[0]
        #expect(item.string(.specificCharacterSet) == "ISO_IR 100")
        #expect(try #require(item[.patientName]).loadBytes() == Array("CAF".utf8) + [0xC9] + Array("^REN".utf8) + [0xC9] + Array("E".utf8))
        #expect(item.string(.patientName) == "CAFÉ^RENÉE")
    }

    @Test func aSiteCanFixTheItemCharacterSet() throws {
        var lines = ormLines
        lines[0] += "||||||8859/1"
        var table = OrderMappingTable.orm
        table.characterSet = "ISO_IR 192"
        var bytes: [UInt8] = []
        for (i, l) in lines.enumerated() {
            bytes += i == 1 ? Array("PID|||MRN123^^^HOSP^MR||CAF".utf8) + [0xC9] : Array(l.utf8)
            bytes.append(0x0D)
        }
        let item = try OrderMapper(orm: table).map(try Message(bytes)).items[0]
        #expect(item.string(.specificCharacterSet) == "ISO_IR 192")
        #expect(try #require(item[.patientName]).loadBytes() == Array("CAFÉ ".utf8))   // decoded, re-encoded (padded to even length)
    }

    @Test func unknownSexIsATableError() throws {
        var lines = ormLines
        lines[1] = "PID|||MRN123^^^HOSP^MR||DOE^JANE||19800214|X"
        let error = try #require(throws: MappingError.self) { try OrderMapper().map(try er7(lines)) }
        #expect(error.path?.description == "PID-8")
        #expect(error.condition == .tableValueNotFound)
    }
}
