import Testing
@testable import HL7

@Suite struct ErrorTests {
    private func error(_ bytes: [UInt8]) -> HL7Error? {
        do { _ = try Message(bytes); return nil } catch { return error }
    }

    @Test func noMSH() throws {
        let e = try #require(error(Fixtures.bytes("malformed/no_msh.hl7")))
        #expect(e.code == .missingHeader)
        #expect(e.offset == 0)
    }

    @Test func emptyInput() throws {
        let e = try #require(error(Fixtures.bytes("malformed/empty.hl7")))
        #expect(e.code == .missingHeader)
    }

    @Test func truncatedHeader() throws {
        let e = try #require(error(Fixtures.bytes("malformed/truncated_msh.hl7")))
        #expect(e.code == .truncated)
        #expect(e.segment == "MSH")
        #expect(e.field == 2)
        #expect(e.offset == 8)
        let id = try #require(error(Fixtures.bytes("malformed/truncated_id.hl7")))
        #expect(id.code == .truncated)
        let sep = try #require(error(Array("MSH".utf8)))
        #expect(sep.code == .truncated)
        #expect(sep.field == 1)
    }

    @Test func binaryBlob() throws {
        let e = try #require(error(Fixtures.bytes("malformed/binary.bin")))
        #expect(e.code == .missingHeader)
    }

    @Test func nulInsideAField() throws {
        let bytes = Fixtures.bytes("malformed/nul_in_field.hl7")
        let e = try #require(error(bytes))
        #expect(e.code == .binaryContent)
        #expect(e.offset == bytes.firstIndex(of: 0))
    }

    @Test func lowerCaseSegmentID() throws {
        let bytes = Fixtures.bytes("malformed/bad_segment_id.hl7")
        let e = try #require(error(bytes))
        #expect(e.code == .invalidSegmentID)
        #expect(e.offset == bytes.firstIndex(of: UInt8(ascii: "p")))
    }

    @Test func duplicateDelimiterInMSH2() throws {
        let e = try #require(error(Fixtures.bytes("malformed/bad_encoding.hl7")))
        #expect(e.code == .invalidEncodingCharacters)
        #expect(e.field == 2)
    }

    @Test func letterAsFieldSeparator() throws {
        let e = try #require(error(Array("MSHA^~\\&A".utf8)))
        #expect(e.code == .invalidEncodingCharacters)
        #expect(e.field == 1)
    }

    @Test func descriptionNamesCodeAndPositionButNoContent() throws {
        let e = try #require(error(Array("MSH|^~\\&|SECRETNAME\rx\r".utf8)))
        #expect(e.code == .invalidSegmentID)
        #expect(e.description.contains("invalidSegmentID"))
        #expect(e.description.contains("offset 20"))
        #expect(!e.description.contains("SECRETNAME"))
    }

    @Test func malformedPaths() {
        for bad in ["", "PI", "pid-3", "PID-", "PID-0", "PID-3(", "PID-3(1", "PID-3.x", "PID[0]-1", "PID-3.1.2.3", "PID-99999"] {
            #expect(throws: HL7Error.self) { try HL7Path(parsing: bad) }
            #expect(HL7Path(bad) == nil)
        }
    }
}
