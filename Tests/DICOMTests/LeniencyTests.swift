import Testing
@testable import DICOM

/// Real-world leniency with clear diagnostics (PS3.5 and what real files do): what can be
/// read is read with warnings; what cannot is an error naming the byte offset and tag.
@Suite struct LeniencyTests {
    // (0010,0010) PN "DOE^JOHN" and (0010,0020) LO "123456", explicit VR little endian.
    let patient = Bytes.explicit(0x0010, 0x0010, "PN", Bytes.text("DOE^JOHN")) + Bytes.explicit(0x0010, 0x0020, "LO", Bytes.text("123456"))

    @Test func wellFormedFileHasNoWarnings() throws {
        let file = try DICOMFile.read(bytes: Bytes.part10(Bytes.explicitLE, patient))
        #expect(file.warnings.isEmpty)
        #expect(file.dataSet.string(.patientName) == "DOE^JOHN")
        #expect(file.preamble?.count == 128)
    }

    @Test func missingPreambleIsReadWithAWarning() throws {
        let file = try DICOMFile.read(bytes: Bytes.part10(Bytes.explicitLE, patient, preamble: false))
        #expect(file.dataSet.string(.patientID) == "123456")
        #expect(file.warnings.contains { $0.message.contains("preamble") && $0.offset == 0 })
        // Strict out: the file written back has a preamble.
        let written = try file.serialized()
        #expect(Array(written[128..<132]) == Array("DICM".utf8))
    }

    @Test func missingMetaInformationIsSniffed() throws {
        let explicitFile = try DICOMFile.read(bytes: patient)
        #expect(explicitFile.transferSyntax == .explicitVRLittleEndian)
        #expect(explicitFile.dataSet.string(.patientName) == "DOE^JOHN")
        #expect(explicitFile.warnings.contains { $0.message.contains("no preamble or file meta information") })

        let implicitBytes = Bytes.implicit(0x0008, 0x0060, Bytes.text("CT")) + Bytes.implicit(0x0010, 0x0010, Bytes.text("DOE^JOHN"))
        let implicitFile = try DICOMFile.read(bytes: implicitBytes)
        #expect(implicitFile.transferSyntax == .implicitVRLittleEndian)
        #expect(implicitFile.dataSet[.patientName]?.vr == .PN)
        #expect(implicitFile.dataSet.string(Tag(0x0008, 0x0060)) == "CT")

        // (0008,0005) CS in explicit VR big endian: the group reads 0x0800 little endian.
        let bigBytes = Bytes.explicit(0x0008, 0x0005, "CS", Bytes.text("ISO_IR 100"), big: true)
            + Bytes.explicit(0x0028, 0x0010, "US", Bytes.u16(512, big: true), big: true)
        let bigFile = try DICOMFile.read(bytes: bigBytes)
        #expect(bigFile.transferSyntax == .explicitVRBigEndian)
        #expect(bigFile.dataSet.int(Tag(0x0028, 0x0010)) == 512)
    }

    @Test func missingGroupLengthIsAddedOnWrite() throws {
        let file = try DICOMFile.read(bytes: Bytes.part10(Bytes.explicitLE, patient, groupLength: false))
        #expect(file.warnings.contains { $0.message.contains("Group Length") })
        let reread = try DICOMFile.read(bytes: try file.serialized())
        #expect(reread.warnings.isEmpty)
        #expect(reread.fileMetaInformation[.fileMetaInformationGroupLength] != nil)
    }

    @Test func missingTransferSyntaxUIDIsSniffed() throws {
        let meta = Bytes.explicit(0x0002, 0x0001, "OB", [0, 1])
        let bytes = [UInt8](repeating: 0, count: 128) + Array("DICM".utf8)
            + Bytes.explicit(0x0002, 0x0000, "UL", Bytes.u32(UInt32(meta.count))) + meta
            + Bytes.implicit(0x0010, 0x0010, Bytes.text("DOE^JOHN"))
        let file = try DICOMFile.read(bytes: bytes)
        #expect(file.transferSyntax == .implicitVRLittleEndian)
        #expect(file.dataSet.string(.patientName) == "DOE^JOHN")
        #expect(file.warnings.contains { $0.message.contains("Transfer Syntax UID") })
    }

    @Test func unknownVRIsReadAsUNWithFourByteLength() throws {
        // (0009,1001) with VR "ZZ", reserved 2 bytes, 32-bit length 4, value "ABCD".
        let odd = Bytes.u16(0x0009) + Bytes.u16(0x1001) + Array("ZZ".utf8) + [0, 0] + Bytes.u32(4) + Array("ABCD".utf8)
        let file = try DICOMFile.read(bytes: Bytes.part10(Bytes.explicitLE, odd + patient))
        let e = try #require(file.dataSet[Tag(0x0009, 0x1001)])
        #expect(e.vr == .UN)
        #expect(try e.loadBytes() == Array("ABCD".utf8))
        let w = try #require(file.warnings.first { $0.message.contains("unknown VR 'ZZ'") })
        #expect(w.tag == Tag(0x0009, 0x1001))
        #expect(w.offset == 132 + Bytes.meta(Bytes.explicitLE).count + 4)
        #expect(file.dataSet.string(.patientName) == "DOE^JOHN")
    }

    @Test func implicitElementInsideExplicitDataIsRead() throws {
        // (0008,0060) written without VR (implicit) between explicit elements.
        let mixed = Bytes.explicit(0x0008, 0x0020, "DA", Bytes.text("20260101")) + Bytes.implicit(0x0008, 0x0060, Bytes.text("MR")) + patient
        let file = try DICOMFile.read(bytes: Bytes.part10(Bytes.explicitLE, mixed))
        #expect(file.dataSet.string(Tag(0x0008, 0x0060)) == "MR")
        #expect(file.dataSet[Tag(0x0008, 0x0060)]?.vr == .CS)
        #expect(file.warnings.contains { $0.tag == Tag(0x0008, 0x0060) })
        #expect(file.dataSet.string(.patientName) == "DOE^JOHN")
    }

    @Test func wholeDataSetImplicitDespiteExplicitSyntaxIsDetected() throws {
        let implicitData = Bytes.implicit(0x0008, 0x0060, Bytes.text("CT")) + Bytes.implicit(0x0010, 0x0010, Bytes.text("DOE^JOHN"))
        let file = try DICOMFile.read(bytes: Bytes.part10(Bytes.explicitLE, implicitData))
        #expect(file.dataSet.string(.patientName) == "DOE^JOHN")
        #expect(file.warnings.count == 1)
        #expect(file.warnings[0].message.contains("implicit VR"))
    }

    @Test func oddLengthValueIsReadAndPaddedOnWrite() throws {
        // LO of 5 bytes "ABCDE".
        let odd = Bytes.explicit(0x0010, 0x0020, "LO", Array("ABCDE".utf8))
        let file = try DICOMFile.read(bytes: Bytes.part10(Bytes.explicitLE, odd))
        #expect(file.dataSet.string(.patientID) == "ABCDE")
        #expect(file.warnings.contains { $0.message.contains("odd value length 5") && $0.tag == .patientID })
        let reread = try DICOMFile.read(bytes: try file.serialized())
        #expect(reread.warnings.isEmpty)
        #expect(reread.dataSet[.patientID]?.valueLength == 6)
        #expect(reread.dataSet.string(.patientID) == "ABCDE")
    }

    @Test func trailingZeroPaddingIsIgnored() throws {
        let file = try DICOMFile.read(bytes: Bytes.part10(Bytes.explicitLE, patient + [0, 0, 0, 0, 0]))
        #expect(file.dataSet.count == 2)
        #expect(file.warnings.contains { $0.message.contains("trailing zero bytes") })
    }

    @Test func truncatedValueNamesTagAndOffset() throws {
        // (0010,0030) DA declares 8 bytes; only 4 follow.
        let cut = patient + Bytes.explicit(0x0010, 0x0030, "DA", Array("2026".utf8), length: 8)
        let bytes = Bytes.part10(Bytes.explicitLE, cut)
        let elementOffset = 132 + Bytes.meta(Bytes.explicitLE).count + patient.count
        do {
            _ = try DICOMFile.read(bytes: bytes)
            Issue.record("a truncated value must be an error")
        } catch {
            #expect(error.code == .truncated)
            #expect(error.tag == Tag(0x0010, 0x0030))
            #expect(error.offset == elementOffset)
            #expect(error.description.contains("(0010,0030)") && error.description.contains("byte \(elementOffset)"))
        }
        var options = ReadOptions()
        options.returnPartialOnError = true
        let partial = try DICOMFile.read(bytes: bytes, options: options)
        #expect(partial.readError?.code == .truncated)
        #expect(partial.dataSet.string(.patientName) == "DOE^JOHN")
        #expect(partial.dataSet[Tag(0x0010, 0x0030)] == nil)
    }

    @Test func hostileLengthIsAnErrorNotAnAllocation() throws {
        // (7FE0,0010) OB claiming 0xFFFFFFF0 bytes.
        let hostile = Bytes.explicit(0x7FE0, 0x0010, "OB", [1, 2, 3, 4], length: 0xFFFF_FFF0)
        #expect(throws: DICOMError.self) { try DICOMFile.read(bytes: Bytes.part10(Bytes.explicitLE, patient + hostile)) }
        // A sequence item claiming 2 GB inside a 30-byte sequence: read up to the end of the
        // input with a warning (as DCMTK does), never allocated.
        let seq = Bytes.explicit(0x0008, 0x1140, "SQ", Bytes.item(0x7FFF_FFFF) + patient, length: UInt32(8 + patient.count))
        let file = try DICOMFile.read(bytes: Bytes.part10(Bytes.explicitLE, seq))
        #expect(file.dataSet.items(Tag(0x0008, 0x1140))?.first?.dataSet.string(.patientName) == "DOE^JOHN")
        #expect(file.warnings.contains { $0.tag == Tag(0x0008, 0x1140) && $0.message.contains("runs past the end of the input") })
    }

    @Test func deepNestingIsRefused() throws {
        // 200 nested undefined-length sequences (0008,1140) > item > (0008,1140) > item …
        var bytes: [UInt8] = []
        for _ in 0..<200 { bytes += Bytes.explicit(0x0008, 0x1140, "SQ", [], length: 0xFFFF_FFFF) + Bytes.item() }
        for _ in 0..<200 { bytes += Bytes.itemDelimiter + Bytes.sequenceDelimiter }
        do {
            _ = try DICOMFile.read(bytes: Bytes.part10(Bytes.explicitLE, bytes))
            Issue.record("expected nestingTooDeep")
        } catch {
            #expect(error.code == .nestingTooDeep)
            #expect(error.offset != nil)
        }
        // Within the limit it reads.
        var ok: [UInt8] = []
        for _ in 0..<10 { ok += Bytes.explicit(0x0008, 0x1140, "SQ", [], length: 0xFFFF_FFFF) + Bytes.item() }
        ok += patient
        for _ in 0..<10 { ok += Bytes.itemDelimiter + Bytes.sequenceDelimiter }
        let file = try DICOMFile.read(bytes: Bytes.part10(Bytes.explicitLE, ok))
        var ds = file.dataSet
        for _ in 0..<10 { ds = try #require(ds.items(Tag(0x0008, 0x1140))?.first?.dataSet) }
        #expect(ds.string(.patientName) == "DOE^JOHN")
        #expect(try file.serialized() == Bytes.part10(Bytes.explicitLE, ok))
    }

    @Test func notDICOMIsRefused() {
        #expect(throws: DICOMError.self) { try DICOMFile.read(bytes: Array("MSH|^~\\&|RIS|HOSPITAL|||20260101||ORM^O01|1|P|2.3.1\r".utf8)) }
        #expect(throws: DICOMError.self) { try DICOMFile.read(bytes: [1, 2, 3]) }
        do {
            _ = try DICOMFile.read(bytes: [UInt8](repeating: 0xFF, count: 300))
        } catch {
            #expect(error.code == .notDICOM)
        }
    }

    @Test func missingFileIsAnIOError() {
        do {
            _ = try DICOMFile.read(contentsOf: "/nonexistent/isthmus.dcm")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .io)
            #expect(error.reason.contains("/nonexistent/isthmus.dcm"))
        }
    }

    @Test func deflateBombIsStoppedAtTheLimit() throws {
        // A data set of one 1 MB OB of zeros, deflated to a few KB.
        var ds = DataSet()
        ds.set(Tag(0x0009, 0x1010), vr: .OB, bytes: [UInt8](repeating: 0, count: 1 << 20))
        let file = DICOMFile(dataSet: ds, transferSyntax: .deflatedExplicitVRLittleEndian)
        let bytes = try file.serialized()
        #expect(bytes.count < 16 * 1024)
        var options = ReadOptions()
        options.maximumInflatedSize = 64 * 1024
        do {
            _ = try DICOMFile.read(bytes: bytes, options: options)
            Issue.record("expected the inflate limit to stop the read")
        } catch {
            #expect(error.code == .invalidLength)
        }
        #expect(try DICOMFile.read(bytes: bytes).dataSet[Tag(0x0009, 0x1010)]?.valueLength == 1 << 20)
        // PS3.5 §A.5: the deflated stream is padded to even length.
        #expect(bytes.count % 2 == 0)
    }

    @Test func undefinedLengthSequencesAndItemsRoundTrip() throws {
        // (0008,1115) SQ u/l > item u/l > (0008,1150) UI, (0008,1155) UI; second item of defined length.
        let inner = Bytes.explicit(0x0008, 0x1150, "UI", Bytes.uid("1.2.840.10008.5.1.4.1.1.2"))
            + Bytes.explicit(0x0008, 0x1155, "UI", Bytes.uid("1.2.3.4"))
        let seq = Bytes.explicit(0x0008, 0x1115, "SQ", [], length: 0xFFFF_FFFF)
            + Bytes.item() + inner + Bytes.itemDelimiter
            + Bytes.item(UInt32(inner.count)) + inner
            + Bytes.sequenceDelimiter
        let bytes = Bytes.part10(Bytes.explicitLE, seq + patient)
        let file = try DICOMFile.read(bytes: bytes)
        #expect(file.warnings.isEmpty)
        let items = try #require(file.dataSet.items(Tag(0x0008, 0x1115)))
        #expect(items.count == 2)
        #expect(items[0].hasUndefinedLength && !items[1].hasUndefinedLength)
        #expect(items[1].dataSet.string(Tag(0x0008, 0x1155)) == "1.2.3.4")
        #expect(try file.serialized() == bytes)
    }

    @Test func unknownSequenceInUNIsReadAsImplicitItems() throws {
        // (0009,1010) UN u/l holding an implicit VR LE item with (0010,0010) inside (PS3.5 §6.2.2).
        let inner = Bytes.implicit(0x0010, 0x0010, Bytes.text("DOE^JANE"))
        let un = Bytes.explicit(0x0009, 0x1010, "UN", [], length: 0xFFFF_FFFF) + Bytes.item() + inner + Bytes.itemDelimiter + Bytes.sequenceDelimiter
        let bytes = Bytes.part10(Bytes.explicitLE, un)
        let file = try DICOMFile.read(bytes: bytes)
        let e = try #require(file.dataSet[Tag(0x0009, 0x1010)])
        #expect(e.vr == .UN)
        #expect(e.items?.first?.dataSet.string(.patientName) == "DOE^JANE")
        #expect(try file.serialized() == bytes)
        #expect(try file.converted(to: .explicitVRBigEndian).serialized() != bytes)
        let big = try DICOMFile.read(bytes: try file.converted(to: .explicitVRBigEndian).serialized())
        #expect(big.dataSet[Tag(0x0009, 0x1010)]?.items?.first?.dataSet.string(.patientName) == "DOE^JANE")
    }

    @Test func encapsulatedPixelDataPassesThroughUnchanged() throws {
        // (7FE0,0010) OB u/l: empty offset table, two fragments (one odd-sized in the source is
        // not allowed; both even), sequence delimiter.
        let pixel = Bytes.explicit(0x7FE0, 0x0010, "OB", [], length: 0xFFFF_FFFF)
            + Bytes.item(0) + Bytes.item(4) + [0xFF, 0xD8, 0xFF, 0xE0] + Bytes.item(2) + [0xFF, 0xD9] + Bytes.sequenceDelimiter
        let bytes = Bytes.part10("1.2.840.10008.1.2.4.50", patient + pixel)
        let file = try DICOMFile.read(bytes: bytes)
        guard case .fragments(let fragments)? = file.dataSet[.pixelData]?.value else {
            Issue.record("expected fragments"); return
        }
        #expect(fragments.count == 3)
        #expect(try fragments[1].load() == [0xFF, 0xD8, 0xFF, 0xE0])
        #expect(try file.serialized() == bytes)
        #expect(throws: DICOMError.self) { try file.converted(to: .explicitVRLittleEndian) }
    }

    @Test func stopBeforePixelDataLeavesItOut() throws {
        let pixel = Bytes.explicit(0x7FE0, 0x0010, "OW", [UInt8](repeating: 7, count: 64))
        let after = Bytes.explicit(0xFFFA, 0xFFFA, "SQ", [], length: 0)
        let file = try DICOMFile.read(bytes: Bytes.part10(Bytes.explicitLE, patient + pixel + after), options: .headerOnly)
        #expect(file.dataSet[.pixelData] == nil)
        #expect(file.dataSet.count == 2)
    }

    @Test func warningsAreBounded() throws {
        // 5,000 odd-length private elements: at most `maximumWarnings` kept, then a count.
        var bytes: [UInt8] = []
        for i in 0..<5000 { bytes += Bytes.explicit(0x0009, UInt16(0x1000 + i), "LO", [0x41]) }
        let file = try DICOMFile.read(bytes: Bytes.part10(Bytes.explicitLE, bytes))
        #expect(file.dataSet.count == 5000)
        #expect(file.warnings.count == ReadOptions().maximumWarnings + 1)
        #expect(file.warnings.last?.message.contains("more warnings") == true)
    }
}
