import Foundation
import Testing
@testable import DICOM

/// Bounded memory for large files: a 2 GB pixel data value stays in its file.
@Suite(.serialized) struct LargeFileTests {
    static func residentMegabytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
    }

    /// Writes a header and a Pixel Data element declaring `pixelBytes` bytes, extended as a
    /// sparse file (no disk blocks used for the zeros).
    static func makeSparseFile(pixelBytes: UInt32) throws -> String {
        let dir = try Peers.temporaryDirectory("large")
        let path = dir + "/large.dcm"
        let header = Bytes.explicit(0x0008, 0x0016, "UI", Bytes.uid("1.2.840.10008.5.1.4.1.1.2"))
            + Bytes.explicit(0x0010, 0x0010, "PN", Bytes.text("BIG^FILE"))
            + Bytes.explicit(0x0028, 0x0010, "US", Bytes.u16(16384))
            + Bytes.explicit(0x7FE0, 0x0010, "OW", [], length: pixelBytes)
        let bytes = Bytes.part10(Bytes.explicitLE, header)
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(bytes.count) + UInt64(pixelBytes))
        try handle.close()
        return path
    }

    @Test func twoGigabyteFileHeaderReadStaysSmall() throws {
        let size: UInt32 = 0x8000_0000  // 2 GiB of pixel data
        let path = try LargeFileTests.makeSparseFile(pixelBytes: size)
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let before = LargeFileTests.residentMegabytes()

        let file = try DICOMFile.read(contentsOf: path)
        guard case .bulk(let ref)? = file.dataSet[.pixelData]?.value else {
            Issue.record("pixel data should be a bulk data reference"); return
        }
        #expect(ref.length == Int(size))
        #expect(ref.path == path)
        #expect(file.dataSet.string(.patientName) == "BIG^FILE")

        let header = try DICOMFile.read(contentsOf: path, options: .headerOnly)
        #expect(header.dataSet[.pixelData] == nil)
        #expect(header.dataSet.int(Tag(0x0028, 0x0010)) == 16384)

        // Streaming a chunk of the bulk data reads only that chunk.
        var chunks = 0
        do {
            try BulkData(path: ref.path, offset: ref.offset, length: 4 << 20).readChunks(chunkSize: 1 << 20) { chunk, _ in
                chunks += 1
                #expect(chunk.allSatisfy { $0 == 0 })
            }
        }
        #expect(chunks == 4)
        let grown = LargeFileTests.residentMegabytes() - before
        #expect(grown < 100, "resident memory grew by \(grown) MB reading a 2 GB file")
    }

    @Test func bulkDataIsStreamedOnWrite() throws {
        let size: UInt32 = 512 << 20
        let path = try LargeFileTests.makeSparseFile(pixelBytes: size)
        let dir = (path as NSString).deletingLastPathComponent
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = try DICOMFile.read(contentsOf: path)
        let before = LargeFileTests.residentMegabytes()
        try file.write(toPath: dir + "/copy.dcm", sync: true)
        let grown = LargeFileTests.residentMegabytes() - before
        #expect(grown < 100, "resident memory grew by \(grown) MB writing 512 MB of bulk data")
        let copy = try DICOMFile.read(contentsOf: dir + "/copy.dcm")
        #expect(copy.dataSet[.pixelData]?.valueLength == Int(size))
        #expect(Peers.filesEqual(path, dir + "/copy.dcm"))
    }

    @Test func bigEndianBulkDataIsSwappedWhenLoaded() throws {
        // (7FE0,0010) OW of 128 KiB big endian: words 0x0102 stored as 01 02.
        var words: [UInt8] = []
        for _ in 0..<(64 * 1024) { words += [0x01, 0x02] }
        let ds = Bytes.explicit(0x0028, 0x0100, "US", Bytes.u16(16, big: true), big: true) + Bytes.explicit(0x7FE0, 0x0010, "OW", words, big: true)
        let dir = try Peers.temporaryDirectory("be")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/be.dcm"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(Bytes.part10(Bytes.explicitBE, ds))))
        let file = try DICOMFile.read(contentsOf: path)
        guard case .bulk(let ref)? = file.dataSet[.pixelData]?.value else { Issue.record("expected bulk"); return }
        #expect(ref.swapWidth == 2)
        let loaded = try ref.read()
        #expect(loaded.prefix(4) == [0x02, 0x01, 0x02, 0x01])
        // Converted to little endian, the words are written in little endian order.
        let le = try DICOMFile.read(bytes: try file.converted(to: .explicitVRLittleEndian).serialized())
        #expect(try le.dataSet.bytes(.pixelData)?.prefix(4) == [0x02, 0x01, 0x02, 0x01])
        // Written back big endian, the bytes are the original ones.
        #expect(try file.serialized() == Bytes.part10(Bytes.explicitBE, ds))
    }
}
