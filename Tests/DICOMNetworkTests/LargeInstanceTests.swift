// "Stream, don't buffer": a C-STORE of a 256 MiB instance from DCMTK's storescu into the Isthmus
// SCP raises this process's peak resident memory by far less than the instance's size.

import DICOM
import Foundation
import Testing
@testable import DICOMNetwork

@Suite(.serialized) struct LargeInstanceTests {
    static let pixelBytes = 256 << 20

    /// Writes an explicit VR little endian Secondary Capture file whose Pixel Data (OB) is
    /// `pixelBytes` of zeros (a sparse file: cheap to make).
    static func makeLargeFile(_ path: String) throws {
        var ds = DataSet()
        try ds.set(.sopClassUID, vr: .UI, string: "1.2.840.10008.5.1.4.1.1.7")
        try ds.set(.sopInstanceUID, vr: .UI, string: "1.2.826.0.1.3680043.10.1472.99.256")
        try ds.set(.patientID, vr: .LO, string: "LARGE")
        var header = try DICOMFile(dataSet: ds, transferSyntax: .explicitVRLittleEndian).serialized()
        let n = UInt32(pixelBytes)
        header += [0xE0, 0x7F, 0x10, 0x00, 0x4F, 0x42, 0x00, 0x00,   // (7FE0,0010) OB, reserved
                   UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)]
        _ = FileManager.default.createFile(atPath: path, contents: Data(header))
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try h.truncate(atOffset: UInt64(header.count + pixelBytes))
        try h.close()
    }

    /// This process's peak resident set (VmHWM), in bytes; reset first with `resetPeak()`.
    static func peakResident() -> Int? {
        guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Int(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kb * 1024
    }

    static func resetPeak() -> Bool {
        guard let h = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? h.close() }
        return (try? h.write(contentsOf: Data("5".utf8))) != nil
    }

    @Test func storescuLargeInstanceWithBoundedMemory() async throws {
        guard Peers.need("DCMTK storescu", Peers.available(Peers.storescu)) else { return }
        let dir = try Peers.temporaryDirectory("large")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = dir + "/large-source.bin"
        try Self.makeLargeFile(source)
        let scp = try await TestSCP.start()
        defer { try? FileManager.default.removeItem(atPath: scp.directory) }
        let measured = Self.resetPeak()
        let before = Self.peakResident()
        let out = try await Task.detached {
            try Peers.run(Peers.storescu, ["-aet", "STORESCU", "-aec", "ISTHMUS", "127.0.0.1", "\(scp.port)", source], environment: Peers.dcmtkEnvironment)
        }.value
        #expect(out.status == 0, "\(out.stderr)")
        let after = Self.peakResident()
        await scp.server.shutdown()

        let received = try DICOMFile.read(contentsOf: scp.directory + "/1.2.826.0.1.3680043.10.1472.99.256.dcm")
        #expect(received.dataSet[.pixelData]?.valueLength == Self.pixelBytes)
        #expect(received.dataSet.string(.patientID) == "LARGE")
        #expect(measured || !Peers.required, "cannot reset the peak resident memory counter")
        if measured, let before, let after {
            print("peak resident memory: \(before >> 20) MiB before, \(after >> 20) MiB after a \(Self.pixelBytes >> 20) MiB C-STORE")
            // The instance is 256 MiB; the SCP holds at most a PDU and a 1 MiB write buffer.
            #expect(after - before < 64 << 20, "peak resident memory grew by \((after - before) >> 20) MiB")
        }
    }

    @Test func isthmusSCUStreamsALargeInstanceToIsthmusSCP() async throws {
        let dir = try Peers.temporaryDirectory("large-scu")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = dir + "/large-source.dcm"
        try Self.makeLargeFile(source)
        let scp = try await TestSCP.start()
        defer { try? FileManager.default.removeItem(atPath: scp.directory) }
        let file = try DICOMFile.read(contentsOf: source)
        let measured = Self.resetPeak()
        let before = Self.peakResident()
        let assoc = try await DICOMAssociation.open(AssociationParameters(
            host: "127.0.0.1", port: scp.port, callingAETitle: "STORESCU", calledAETitle: "ISTHMUS",
            presentationContexts: DICOMAssociation.storageContexts(for: [file])))
        #expect(try await assoc.store(contentsOf: source) == DIMSEStatus.success)
        try await assoc.release()
        let after = Self.peakResident()
        await scp.server.shutdown()
        let received = try DICOMFile.read(contentsOf: scp.directory + "/1.2.826.0.1.3680043.10.1472.99.256.dcm")
        #expect(received.dataSet[.pixelData]?.valueLength == Self.pixelBytes)
        if measured, let before, let after {
            print("peak resident memory: \(before >> 20) MiB before, \(after >> 20) MiB after a \(Self.pixelBytes >> 20) MiB C-STORE from the Isthmus SCU")
            // Both ends in this process: neither holds the instance.
            #expect(after - before < 64 << 20, "peak resident memory grew by \((after - before) >> 20) MiB")
        }
    }
}
