// "Stream, don't buffer": a C-STORE of a 256 MiB instance keeps the peak resident memory of the
// receiving `isthmus dicom scp` and of the sending `isthmus dicom store` under 100 MB. Each side
// runs as its own process under GNU time, so tests running in parallel in this process cannot
// disturb the measurement.

import DICOM
import Foundation
import Testing
@testable import DICOMNetwork

@Suite(.serialized) struct LargeInstanceTests {
    static let pixelBytes = 256 << 20
    static let limitKB = 100 * 1024
    static let gnuTime = "/usr/bin/time"

    /// The `isthmus` executable, built next to the test bundle.
    static var isthmus: String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("isthmus").path,
            Peers.repositoryRoot.appendingPathComponent(".build/debug/isthmus").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    /// Writes an explicit VR little endian Secondary Capture file whose Pixel Data (OB) is
    /// `pixelBytes` of zeros (a sparse file: cheap to make).
    static func makeLargeFile(_ path: String) throws {
        var ds = DataSet()
        try ds.set(.sopClassUID, vr: .UI, string: "1.2.840.10008.5.1.4.1.1.7")
        try ds.set(.sopInstanceUID, vr: .UI, string: "1.2.826.0.1.3680043.10.1472.99.1024")
        try ds.set(.patientID, vr: .LO, string: "LARGE")
        var header = try DICOMFile(dataSet: ds, transferSyntax: .explicitVRLittleEndian).serialized()
        let n = UInt32(pixelBytes)
        header += [0xE0, 0x7F, 0x10, 0x00, 0x4F, 0x42, 0x00, 0x00,   // (7FE0,0010) OB, reserved
                   UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)]
        #expect(FileManager.default.createFile(atPath: path, contents: Data(header)))
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try h.truncate(atOffset: UInt64(header.count + pixelBytes))
        try h.close()
    }

    /// A loopback port that was free a moment ago.
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Maximum resident set size, in KB, that GNU time wrote for its child.
    static func maxRSS(_ file: String) -> Int? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        return text.split(separator: "\n").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.last
    }

    /// Durable (written behind while it arrives, then flushed) and with `--no-fsync` (finished on the event loop).
    @Test(arguments: [false, true]) func scpReceivesALargeInstanceFromStorescuInBoundedMemory(noFsync: Bool) async throws {
        guard Peers.need("DCMTK storescu", Peers.available(Peers.storescu)),
              Peers.need("GNU time (apt-get install time)", Peers.available(Self.gnuTime)) else { return }
        let dir = try Peers.temporaryDirectory("large")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = dir + "/large-source.bin"
        try Self.makeLargeFile(source)
        let out = dir + "/received"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let port = Self.freePort()
        let rssFile = dir + "/scp.rss"
        let scp = Process()
        scp.executableURL = URL(fileURLWithPath: Self.gnuTime)
        scp.arguments = ["-f", "%M", "-o", rssFile, Self.isthmus, "dicom", "scp", "--port", "\(port)", "--host", "127.0.0.1", "--aet", "ISTHMUS", "--out", out] + (noFsync ? ["--no-fsync"] : [])
        try scp.run()
        defer { if scp.isRunning { scp.terminate() } }
        // Wait until it answers C-ECHO.
        var up = false
        for _ in 0..<300 where !up {
            up = (try? Peers.run(Peers.echoscu, ["-aec", "ISTHMUS", "127.0.0.1", "\(port)"], environment: Peers.dcmtkEnvironment))?.status == 0
            if !up { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(up, "isthmus dicom scp did not start")
        let sent = try await Task.detached {
            try Peers.run(Peers.storescu, ["-aet", "STORESCU", "-aec", "ISTHMUS", "127.0.0.1", "\(port)", source], environment: Peers.dcmtkEnvironment)
        }.value
        #expect(sent.status == 0, "\(sent.stderr)")
        // Stop the SCP (GNU time's child) gracefully; time then writes the peak.
        let children = (try? String(contentsOfFile: "/proc/\(scp.processIdentifier)/task/\(scp.processIdentifier)/children", encoding: .utf8)) ?? ""
        for pid in children.split(separator: " ").compactMap({ Int32($0) }) { kill(pid, SIGTERM) }
        scp.waitUntilExit()

        let received = try DICOMFile.read(contentsOf: out + "/1.2.826.0.1.3680043.10.1472.99.1024.dcm")
        #expect(received.dataSet[.pixelData]?.valueLength == Self.pixelBytes)
        #expect(received.dataSet.string(.patientID) == "LARGE")
        let peak = try #require(Self.maxRSS(rssFile), "GNU time wrote no figure")
        print("isthmus dicom scp\(noFsync ? " --no-fsync" : ""): peak resident memory \(peak / 1024) MB receiving a \(Self.pixelBytes >> 20) MiB instance")
        #expect(peak < Self.limitKB, "the SCP's peak resident memory was \(peak / 1024) MB")
    }

    @Test func storeSendsALargeInstanceInBoundedMemory() async throws {
        guard Peers.need("GNU time (apt-get install time)", Peers.available(Self.gnuTime)) else { return }
        let dir = try Peers.temporaryDirectory("large-scu")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = dir + "/large-source.dcm"
        try Self.makeLargeFile(source)
        let scp = try await TestSCP.start()
        defer { try? FileManager.default.removeItem(atPath: scp.directory) }
        let rssFile = dir + "/store.rss"
        let sent = try await Task.detached {
            try Peers.run(Self.gnuTime, ["-f", "%M", "-o", rssFile, Self.isthmus, "dicom", "store", "ISTHMUS@127.0.0.1:\(scp.port)", source])
        }.value
        #expect(sent.status == 0, "\(sent.stderr)")
        await scp.server.shutdown()
        let received = try DICOMFile.read(contentsOf: scp.directory + "/1.2.826.0.1.3680043.10.1472.99.1024.dcm")
        #expect(received.dataSet[.pixelData]?.valueLength == Self.pixelBytes)
        let peak = try #require(Self.maxRSS(rssFile), "GNU time wrote no figure")
        print("isthmus dicom store: peak resident memory \(peak / 1024) MB sending a \(Self.pixelBytes >> 20) MiB instance")
        #expect(peak < Self.limitKB, "the SCU's peak resident memory was \(peak / 1024) MB")
    }
}
