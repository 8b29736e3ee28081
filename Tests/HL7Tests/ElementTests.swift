import Testing
@testable import HL7

@Suite struct ElementTests {
    let m = try! Message(Array("MSH|^~\\&|A|B|C|D|2026||ADT^A01|X|P|2.5\rZEL|a~b^c&d&e~|x\\F\\y\r".utf8))

    @Test func levelsAndChildren() throws {
        let f = try #require(m.segment("ZEL")?.field(1))
        #expect(f.level == .field)
        #expect(f.repetitions.count == 3)
        #expect(f.repetitions.map(\.er7) == ["a", "b^c&d&e", ""])
        let r2 = try #require(f.repetition(2))
        #expect(r2.level == .repetition)
        #expect(r2.components.map(\.er7) == ["b", "c&d&e"])
        let c2 = try #require(r2.component(2))
        #expect(c2.level == .component)
        #expect(c2.children.map(\.value) == ["c", "d", "e"])
        #expect(c2.subcomponent(3)?.level == .subcomponent)
        #expect(c2.subcomponent(4) == nil)
        #expect(c2.subcomponent(3)?.children.isEmpty == true)
        // A field's component/subcomponent read its first repetition/component.
        #expect(f.component(1)?.value == "a")
        #expect(f.subcomponent(1)?.value == "a")
        #expect(f.repetition(3)?.isEmpty == true)
    }

    @Test func valueDecodesButEr7KeepsEscapes() throws {
        let f = try #require(m.segment("ZEL")?.field(2))
        #expect(f.value == "x|y")
        #expect(f.er7 == "x\\F\\y")
        #expect(Array(f.rawBytes) == Array("x\\F\\y".utf8))
        #expect(f.decodedBytes == Array("x|y".utf8))
    }

    @Test func segmentViews() throws {
        let zel = try #require(m.segment("ZEL"))
        #expect(zel.index == 1)
        #expect(zel.fieldCount == 2)
        #expect(zel.fields.map(\.er7) == ["a~b^c&d&e~", "x\\F\\y"])
        #expect(zel[2]?.value == "x|y")
        #expect(Array(m.bytes[zel.range]) == Array("ZEL|a~b^c&d&e~|x\\F\\y".utf8))
        let msh = try #require(m.segment("MSH"))
        #expect(msh.fieldCount == 12)
        #expect(msh.field(1)?.er7 == "|")
        #expect(msh.field(2)?.repetitions.count == 1)
        #expect(m.segment("ZEL", occurrence: 2) == nil)
        #expect(m.segment("TOOLONG") == nil)
    }

    @Test func absentDelimitersMeanAbsentLevels() throws {
        let two = try Message(Array("MSH|^~|A|B|C|D|2026||ADT^A01|X|P|2.3\rZZZ|a&b\\F\\c^d~e\r".utf8))
        #expect(!two.encoding.hasEscape)
        #expect(two["ZZZ-1.1"] == "a&b\\F\\c")
        #expect(two["ZZZ-1.2"] == "d")
        #expect(two["ZZZ-1(2)"] == "e")
        #expect(two.encoding.msh2 == Array("^~".utf8))
    }

    @Test func errorDescriptions() {
        #expect(HL7Error(.invalidPath, "why").description == "HL7Error.invalidPath: why")
        #expect(HL7Error(.truncated, "why", offset: 3).description == "HL7Error.truncated: why (offset 3)")
        #expect(HL7Error(.invalidBatch, "why", segment: "BTS", field: 1).description == "HL7Error.invalidBatch: why (segment BTS-1)")
        #expect(HL7Error(.binaryContent, "why", offset: 9, segment: "PID").description == "HL7Error.binaryContent: why (offset 9, segment PID)")
    }

    @Test func messageStreamPieceKinds() {
        let bytes = Fixtures.bytes("batch_oru.hl7")
        let kinds = MessageStream.pieces(bytes).map(\.kind)
        #expect(kinds == [.fileHeader, .batchHeader, .message, .message, .batchTrailer, .fileTrailer])
    }

    @Test func messagesCompareByBytes() throws {
        let a = try Fixtures.message("adt_a01_lf.hl7")
        var b = try Fixtures.message("adt_a01_lf.hl7")
        #expect(a == b)
        try b.set("PV1-2", to: "I")
        #expect(a != b)
        #expect(Set([a, b]).count == 2)
    }
}
