// PS3.4 §C.4.3 C-GET with replaced attributes (PIR): a 256 MiB instance is sent with its Patient's Name replaced,
// through a rewritten temporary copy (bulk data copied a chunk at a time); the stored file is unchanged and the
// process's peak resident memory (VmHWM reset before the C-GET; SCP and SCU in this process) grows by less than 64 MB.

import DICOM
import Foundation
import Testing
@testable import DICOMNetwork

#if canImport(Glibc)
import Glibc
#endif

/// Serves a folder's instances with `replacements` set on each.
struct ReplacingRetrieveHandler: RetrieveHandler {
    let base: DirectoryRetrieveHandler
    let replacements: DataSet
    func instances(for request: RetrieveRequest) async throws -> [RetrieveInstance] {
        try await base.instances(for: request).map { var i = $0; i.replacements = replacements; return i }
    }
}

@Suite(.serialized) struct RetrieveReplacementTests {
    /// A kB figure of /proc/self/status.
    static func status(_ field: String) -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        return status.split(separator: "\n").first { $0.hasPrefix(field + ":") }
            .flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
    }

    @Test func getSendsALargeInstanceWithReplacedNameInBoundedMemory() async throws {
        let dir = try Peers.temporaryDirectory("large-get-replace")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = dir + "/archive", out = dir + "/received"
        for d in [source, out] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        let path = source + "/large.dcm"
        try LargeInstanceTests.makeLargeFile(path)
        let before = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
        let originalName = try DICOMFile.read(contentsOf: path, options: .headerOnly).dataSet.string(.patientName)

        var replacements = DataSet()
        try replacements.set(.patientName, vr: .PN, string: "REPLACED^NAME")
        // The test process (runner and every test module) has its own peaks: its peak resident size (VmHWM) is reset
        // (/proc/self/clear_refs, Linux 4.0+) and its growth over the resident size before the C-GET is bounded.
        let residentKB = Self.status("VmRSS")
        try #require(residentKB > 0, "no VmRSS in /proc/self/status")
        try "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
        let handler = ReplacingRetrieveHandler(base: DirectoryRetrieveHandler(directory: source), replacements: replacements)
        let qr = try await TestSCP.start(aeTitle: "QRSCP") { $0.retrieve = handler }
        let get = try await RetrieveLoopbackTests.openGet(qr.port)
        var identifier = DataSet()
        try identifier.set(Tag(0x0008, 0x0052), vr: .CS, string: "PATIENT")
        try identifier.set(.patientID, vr: .LO, string: "LARGE")
        let result = try await get.get(identifier: identifier, model: .patientRoot, into: out)
        try await get.release()
        await qr.server.shutdown()
        #expect(result.status == DIMSEStatus.success && result.completed == 1, "\(result)")

        let received = try DICOMFile.read(contentsOf: out + "/1.2.826.0.1.3680043.10.1472.99.1024.dcm")
        #expect(received.dataSet.string(.patientName) == "REPLACED^NAME")
        #expect(received.dataSet[.pixelData]?.valueLength == LargeInstanceTests.pixelBytes)
        // The stored file is unchanged; no temporary copy is left behind.
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int == before)
        #expect(try DICOMFile.read(contentsOf: path, options: .headerOnly).dataSet.string(.patientName) == originalName)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory()).filter { $0.hasPrefix("isthmus-rewrite-") }
        #expect(leftovers.isEmpty)

        let peakKB = Self.status("VmHWM")
        print("C-GET with replaced attributes of a \(LargeInstanceTests.pixelBytes >> 20) MiB instance: resident \(residentKB / 1024) MB before, peak \(peakKB / 1024) MB after")
        #expect(peakKB - residentKB < 64 * 1024, "the peak grew by \((peakKB - residentKB) / 1024) MB")
    }
}
