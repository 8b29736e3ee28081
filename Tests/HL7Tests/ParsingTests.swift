import Testing
@testable import HL7

@Suite struct ParsingTests {
    @Test(arguments: Fixtures.valid)
    func unmodifiedMessageSerializesToTheOriginalBytes(name: String) throws {
        let original = Fixtures.bytes(name)
        let m = try Message(original)
        #expect(m.serialized() == original)
        #expect(m.segmentCount >= 1)
        #expect(m.segments[0].id == "MSH" || m.segments[0].id == "FHS")
    }

    @Test func segmentsFieldsRepetitionsComponents() throws {
        let m = try Fixtures.message("adt_a01_v251.hl7")
        #expect(m.segments.map(\.id) == ["MSH", "EVN", "PID", "NK1", "PV1"])
        let pid = try #require(m.segment("PID"))
        let pid3 = try #require(pid.field(3))
        #expect(pid3.repetitions.count == 2)
        #expect(pid3.repetition(2)?.component(1)?.value == "987654321")
        #expect(pid3.repetition(2)?.component(4)?.value == "USSSA")
        #expect(pid3.repetition(3) == nil)
        #expect(pid.field(5)?.component(2)?.value == "JOHN")
        #expect(pid.field(5)?.repetition(2)?.component(7)?.value == "A")
        #expect(pid.fieldCount == 20)
        #expect(pid.field(21) == nil)
        #expect(pid.field(20)?.isEmpty == true)
    }

    @Test func mshNumberingCountsTheFieldSeparatorAsField1() throws {
        let m = try Fixtures.message("adt_a01_v251.hl7")
        #expect(m["MSH-1"] == "|")
        #expect(m["MSH-2"] == "^~\\&")
        #expect(m["MSH-3"] == "REGADT")
        #expect(m["MSH-9.2"] == "A01")
        #expect(m["MSH-10"] == "MSG00001")
        #expect(m.element(at: "MSH-2")?.components.count == 1)
    }

    @Test func lfAndCrlfTerminatorsAreAcceptedAndKept() throws {
        for name in ["adt_a01_lf.hl7", "adt_a01_crlf.hl7"] {
            let bytes = Fixtures.bytes(name)
            let m = try Message(bytes)
            #expect(m.segments.map(\.id) == ["MSH", "PID", "PV1"])
            #expect(m["PV1-2"] == "O")
            #expect(m.serialized() == bytes)
        }
    }

    @Test func zSegmentsAndUnknownSegmentsAreKept() throws {
        let m = try Fixtures.message("adt_zsegments.hl7")
        #expect(m.segments.map(\.id) == ["MSH", "EVN", "PID", "ZPI", "ZZ9", "ABC"])
        #expect(m["ZPI-2.2"] == "Very important")
        #expect(m["ZPI-3.1.2"] == "sub")
        #expect(m["ZPI-3(2)"] == "second")
        #expect(m["ABC-2"] == "segment")
    }

    @Test func emptyVersusExplicitNull() throws {
        let m = try Fixtures.message("oru_r01_v251.hl7")
        let obx = try #require(m.segment("OBX", occurrence: 6))
        #expect(obx.field(5)?.isNull == true)
        #expect(obx.field(5)?.isEmpty == false)
        #expect(obx.field(4)?.isEmpty == true)
        #expect(obx.field(4)?.isNull == false)
    }

    @Test func customDelimitersAreReadFromMSH1AndMSH2() throws {
        let m = try Fixtures.message("custom_delimiters.hl7")
        #expect(m.encoding.field == UInt8(ascii: "#"))
        #expect(m.encoding.component == UInt8(ascii: "$"))
        #expect(m.encoding.repetition == UInt8(ascii: "*"))
        #expect(m.encoding.escape == UInt8(ascii: "@"))
        #expect(m.encoding.subcomponent == UInt8(ascii: "%"))
        #expect(m["MSH-9.2"] == "A01")
        #expect(m["PID-3(2).4"] == "FAC")
        #expect(m["PID-5.2.2"] == "X")
    }

    @Test func truncationCharacterOfV27IsReadAndItsEscapeDecoded() throws {
        let m = try Fixtures.message("adt_a04_v28_truncation.hl7")
        #expect(m.encoding.truncation == UInt8(ascii: "#"))
        #expect(m["PID-5.1"] == "LONGNAME#")
        #expect(m["PID-5.2"] == "ANN#")
        #expect(m["MSH-2"] == "^~\\&#")
    }

    @Test func hugeFieldWithManyDelimitersParsesWithoutRecursion() throws {
        let m = try Fixtures.message("malformed/deep_nesting.hl7")
        let f = try #require(m.segment("ZDN")?.field(1))
        #expect(f.repetitions.count == 20001)
        #expect(f.repetition(20001)?.value.count == 999)
    }

    @Test func leadingBlankLinesAndMLLPBytesAreSkipped() throws {
        let body = Array("MSH|^~\\&|A|B|C|D|2026||ADT^A01|X1|P|2.5\rPID|1\r".utf8)
        let framed: [UInt8] = [0x0B] + body + [0x1C, 0x0D]
        let m = try Message(framed)
        #expect(m.segments.map(\.id) == ["MSH", "PID"])
        #expect(m.serialized() == framed)
        let blank = try Message(Array("\r\n\r\n".utf8) + body)
        #expect(blank["MSH-10"] == "X1")
    }
}
