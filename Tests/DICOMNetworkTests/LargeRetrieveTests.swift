// "Stream, don't buffer" for C-GET (PS3.4 §C.4.3): `isthmus dicom scp --retrieve-from` sends a
// 256 MiB instance as a C-STORE sub-operation on the requesting association, read from the file
// a chunk at a time; its peak resident memory (GNU time, its own process) stays under 100 MB.

import DICOM
import Foundation
import Testing
@testable import DICOMNetwork

@Suite(.serialized) struct LargeRetrieveTests {
    @Test func getSCPSendsALargeInstanceInBoundedMemory() async throws {
        guard Peers.need("GNU time (apt-get install time)", Peers.available(LargeInstanceTests.gnuTime)) else { return }
        let dir = try Peers.temporaryDirectory("large-get")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = dir + "/archive"
        let out = dir + "/received"
        let scpOut = dir + "/scp"
        for d in [source, out, scpOut] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        try LargeInstanceTests.makeLargeFile(source + "/large.dcm")
        let port = LargeInstanceTests.freePort()
        let rssFile = dir + "/scp.rss"
        let scp = Process()
        scp.executableURL = URL(fileURLWithPath: LargeInstanceTests.gnuTime)
        scp.arguments = ["-f", "%M", "-o", rssFile, LargeInstanceTests.isthmus, "dicom", "scp", "--port", "\(port)", "--host", "127.0.0.1",
                         "--aet", "QRSCP", "--out", scpOut, "--retrieve-from", source]
        scp.standardOutput = FileHandle.nullDevice
        scp.standardError = FileHandle.nullDevice
        try scp.run()
        defer { if scp.isRunning { scp.terminate() } }

        var params = AssociationParameters.forGet(host: "127.0.0.1", port: port, callingAETitle: "GETSCU", calledAETitle: "QRSCP", models: [.patientRoot])
        params.timeouts.connect = .seconds(2)
        // The SCP needs a moment to listen: retried, not timed.
        var assoc: DICOMAssociation?
        for _ in 0..<300 where assoc == nil {
            assoc = try? await DICOMAssociation.open(params)
            if assoc == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        let get = try #require(assoc, "isthmus dicom scp did not start")
        var identifier = DataSet()
        try identifier.set(Tag(0x0008, 0x0052), vr: .CS, string: "PATIENT")
        try identifier.set(.patientID, vr: .LO, string: "LARGE")
        let result = try await get.get(identifier: identifier, model: .patientRoot, into: out)
        try await get.release()
        #expect(result.status == DIMSEStatus.success && result.completed == 1, "\(result)")

        // Stop the SCP (GNU time's child) gracefully; time then writes the peak.
        let children = (try? String(contentsOfFile: "/proc/\(scp.processIdentifier)/task/\(scp.processIdentifier)/children", encoding: .utf8)) ?? ""
        for pid in children.split(separator: " ").compactMap({ Int32($0) }) { kill(pid, SIGTERM) }
        scp.waitUntilExit()

        let received = try DICOMFile.read(contentsOf: out + "/1.2.826.0.1.3680043.10.1472.99.1024.dcm")
        #expect(received.dataSet[.pixelData]?.valueLength == LargeInstanceTests.pixelBytes)
        let peak = try #require(LargeInstanceTests.maxRSS(rssFile), "GNU time wrote no figure")
        print("isthmus dicom scp (C-GET): peak resident memory \(peak / 1024) MB sending a \(LargeInstanceTests.pixelBytes >> 20) MiB instance")
        #expect(peak < LargeInstanceTests.limitKB, "the C-GET SCP's peak resident memory was \(peak / 1024) MB")
    }
}
