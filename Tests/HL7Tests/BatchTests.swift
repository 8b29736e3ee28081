import Testing
@testable import HL7

@Suite struct BatchTests {
    @Test func batchFileSplitsIntoMessagesAndRoundTrips() throws {
        let bytes = Fixtures.bytes("batch_oru.hl7")
        let batch = try HL7Batch(bytes)
        #expect(batch.header?["FHS-9"] == "file1.hl7")
        #expect(batch.header?["FHS-11"] == "FCTL1")
        #expect(batch.batches.count == 1)
        #expect(batch.batches[0].header?["BHS-11"] == "BCTL1")
        #expect(batch.messages.map(\.controlID) == ["B1M1", "B1M2"])
        #expect(batch.batches[0].declaredMessageCount == 2)
        #expect(batch.declaredBatchCount == 1)
        try batch.validateCounts()
        #expect(batch.serialized() == bytes)
    }

    @Test func wrongCountsAreReported() throws {
        let text = String(decoding: Fixtures.bytes("batch_oru.hl7"), as: UTF8.self).replacingFirst("BTS|2", with: "BTS|3")
        let batch = try HL7Batch(Array(text.utf8))
        #expect { try batch.validateCounts() } throws: { ($0 as? HL7Error)?.code == .invalidBatch && ($0 as? HL7Error)?.segment == "BTS" }
    }

    @Test func buildBatchAndReadItBack() throws {
        let a = try Fixtures.message("adt_a01_v251.hl7")
        let b = try Fixtures.message("adt_a01_lf.hl7")
        let built = try HL7Batch.build(messages: [a, b], fileControlID: "F1", batchControlID: "B1",
                                       timestamp: HL7Timestamp(year: 2026, month: 1, day: 1), sendingApplication: "ISTHMUS")
        let bytes = built.serialized()
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("FHS|^~\\&|ISTHMUS||||20260101||||F1\rBHS|^~\\&|ISTHMUS||||20260101||||B1\rMSH|"))
        #expect(text.hasSuffix("BTS|2\rFTS|1\r"))
        let back = try HL7Batch(bytes)
        #expect(back.messages.map(\.controlID) == ["MSG00001", "LF1"])
        try back.validateCounts()
    }

    @Test func manyMessagesSeparatedByBlankLines() throws {
        let bytes = Fixtures.bytes("multi_lf_blank.txt")
        let results = MessageStream.messages(bytes)
        #expect(results.count == 5)
        let ids = try results.map { try $0.get().controlID }
        #expect(ids == ["MULTI0", "MULTI1", "MULTI2", "MULTI3", "MULTI4"])
        #expect(try results[3].get()["PID-5.2"] == "M3")
        // The pieces cover the input exactly.
        let pieces = MessageStream.pieces(bytes)
        #expect(pieces.flatMap { bytes[$0.range] } == bytes)
        #expect(try HL7Batch(bytes).serialized() == bytes)
    }

    @Test func messagesOnePerLine() throws {
        let bytes = Fixtures.bytes("multi_cr_lines.txt")
        let ids = try MessageStream.messages(bytes).map { try $0.get().controlID }
        #expect(ids == ["LINE0", "LINE1", "LINE2"])
    }

    @Test func badMessageInsideAFileReportsItsFileOffset() throws {
        let good = "MSH|^~\\&|A|B|C|D|2026||ADT^A01|G|P|2.5\rPID|1\r"
        let bad = "MSH|^~\\&|A|B|C|D|2026||ADT^A01|B|P|2.5\rpid|1\r"
        let bytes = Array((good + bad).utf8)
        let results = MessageStream.messages(bytes)
        #expect(results.count == 2)
        #expect(try results[0].get().controlID == "G")
        guard case .failure(let e) = results[1] else { Issue.record("expected a failure"); return }
        #expect(e.code == .invalidSegmentID)
        #expect(e.offset == good.utf8.count + 39)
        #expect { try HL7Batch(bytes) } throws: { ($0 as? HL7Error)?.offset == good.utf8.count + 39 }
    }

    @Test func segmentsOutsideMessagesAreInvalid() throws {
        let bytes = Array("PID|1\rMSH|^~\\&|A|B|C|D|2026||ADT^A01|G|P|2.5\r".utf8)
        #expect { try HL7Batch(bytes) } throws: { ($0 as? HL7Error)?.code == .invalidBatch && ($0 as? HL7Error)?.offset == 0 }
        let afterFTS = Array("MSH|^~\\&|A|B|C|D|2026||ADT^A01|G|P|2.5\rFTS|1\rMSH|^~\\&|A|B|C|D|2026||ADT^A01|H|P|2.5\r".utf8)
        #expect { try HL7Batch(afterFTS) } throws: { ($0 as? HL7Error)?.code == .invalidBatch }
    }

    /// Found by the fuzzer: a file whose last segment has no terminator gained a CR when serialized.
    @Test func fileWithoutFinalTerminatorRoundTrips() throws {
        let bytes = Array("MSH|^~\\&|A|B|C|D|2026||ADT^A01|G|P|2.5\rZDN|^&~".utf8)
        #expect(try HL7Batch(bytes).serialized() == bytes)
        let two = Array("MSH|^~\\&|A|B|C|D|2026||ADT^A01|G|P|2.5\rMSH|^~\\&|A|B|C|D|2026||ADT^A01|H|P|2.5".utf8)
        #expect(try HL7Batch(two).serialized() == two)
    }

    /// Found by the fuzzer: a piece ending in MLLP end-block bytes (0x1C, a tolerated terminator) gained a CR.
    @Test func piecesEndingInEndBlockBytesRoundTrip() throws {
        let bytes = Array("MSH|^~\\&|A|B|C|D|2026||ADT^A01|X|P|2.5\r\u{1C}\u{1C}MSH|^~\\&|A|B|C|D|2026||ADT^A01|Y|P|2.5\r".utf8)
        let batch = try HL7Batch(bytes)
        #expect(batch.messages.map(\.controlID) == ["X", "Y"])
        #expect(batch.serialized() == bytes)
    }
}
