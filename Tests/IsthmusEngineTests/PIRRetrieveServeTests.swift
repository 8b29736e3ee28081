// PIR end to end over real sockets: an instance stored through `isthmus serve` (DCMTK storescu) is forwarded
// (C-STORE delivery), moved (DCMTK movescu to storescp) and got (DCMTK getscu) with the patient's current
// demographics after an ADT^A08 and an A40 merge, while the stored file keeps what was received.

import DICOM
import Foundation
import MLLP
import HL7
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct PIRRetrieveServeTests {
    static let replaced: [DICOM.Tag] = [DICOM.Tag(0x0008, 0x0005), DICOM.Tag(0x0010, 0x0010), DICOM.Tag(0x0010, 0x0020),
                                        DICOM.Tag(0x0010, 0x0021), DICOM.Tag(0x0010, 0x0030), DICOM.Tag(0x0010, 0x0040)]

    /// The data set as DICOM JSON with bulk data inline, without the padding and the replaced attributes.
    static func jsonWithoutPatient(_ path: String) throws -> String {
        var options = ReadOptions()
        options.bulkDataThreshold = nil
        var ds = try DICOMFile.read(contentsOf: path, options: options).dataSet
        ds.remove(DICOM.Tag(0xFFFC, 0xFFFC))
        for t in replaced { ds.remove(t) }
        return try ds.jsonString()
    }

    static func files(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).map { directory + "/" + $0 }
    }

    /// Every regular file under `directory`, recursively.
    static func allFiles(under directory: String) -> [String] {
        guard let e = FileManager.default.enumerator(atPath: directory) else { return [] }
        return e.compactMap { $0 as? String }.map { directory + "/" + $0 }.filter {
            var dir: ObjCBool = false
            return FileManager.default.fileExists(atPath: $0, isDirectory: &dir) && !dir.boolValue
        }
    }

    /// Waits (bounded) until `directory` holds a file; not a timing assertion.
    static func waitForFile(in directory: String) async throws -> String? {
        let end = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < end {
            if let f = files(in: directory).first { return f }
            try await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    @Test func forwardedMovedAndGotInstancesCarryCurrentDemographics() async throws {
        let corpus = Peers.pydicomCorpus.filter { $0.hasSuffix("/CT_small.dcm") }
        guard haveIsthmus(),
              Peers.need("DCMTK storescu", Peers.available(Peers.storescu)), Peers.need("DCMTK storescp", Peers.available(Peers.storescp)),
              Peers.need("DCMTK movescu", Peers.available(ArchiveServeTests.movescu)), Peers.need("DCMTK getscu", Peers.available(ArchiveServeTests.getscu)),
              Peers.need("DCMTK echoscu", Peers.available(Peers.echoscu)), Peers.need("pydicom corpus", corpus.count == 1) else { return }
        let original = corpus[0]
        let header = try DICOMFile.read(contentsOf: original, options: .headerOnly).dataSet
        let patientID = try #require(header.string(.patientID))
        let study = try #require(header.string(DICOM.Tag(0x0020, 0x000D)))
        let data = try Peers.temporaryDirectory("pir-retrieve")
        defer { try? FileManager.default.removeItem(atPath: data) }

        let viewerDir = data + "/viewer"
        try FileManager.default.createDirectory(atPath: viewerDir, withIntermediateDirectories: true)
        let viewerPort = try ArchiveServeTests.freePort()
        let storescp = Process()
        storescp.executableURL = URL(fileURLWithPath: Peers.storescp)
        storescp.arguments = ["-aet", "VIEWER", "+xa", "-od", viewerDir, "\(viewerPort)"]
        storescp.environment = ProcessInfo.processInfo.environment.merging(Peers.dcmtkEnvironment) { $1 }
        storescp.standardOutput = FileHandle.nullDevice
        storescp.standardError = FileHandle.nullDevice
        try storescp.run()
        defer { kill(storescp.processIdentifier, SIGKILL); storescp.waitUntilExit() }
        for _ in 0..<100 {
            if try await ArchiveServeTests.run(Peers.echoscu, ["-aec", "VIEWER", "127.0.0.1", "\(viewerPort)"]).status == 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }

        let config = data + "/isthmus.yaml"
        try """
        listeners:
          mllp: [ { name: in, port: 0 } ]
          dicom: [ { name: scp, ae-title: ISTHMUS, port: 0 } ]
        peers:
          dicom: [ { name: viewer, ae-title: VIEWER, host: 127.0.0.1, port: \(viewerPort) } ]
        channels:
          - name: to-viewer
            source: scp
            destinations: [ { dicom: viewer } ]
        workflow:
          patients: true
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let server = try await ServeProcess.start(data: data + "/serve", ["--config", config])
        defer { server.kill() }
        let client = MLLPClient(host: "127.0.0.1", port: server.mllpPort)

        // ADT^A08 (before the instance arrives): a new name, Latin-1 encodable (the file is ISO_IR 100).
        let a08 = "MSH|^~\\&|ADT|HOSP|ISTHMUS|HOSP|20260302090000||ADT^A08|A1|P|2.5.1||||||UNICODE UTF-8\rEVN|A08\rPID|||\(patientID)||SCHMIDT^RENÉE||19800214|F\r"
        #expect(try await client.send(try Message(a08)).code == "AA")

        let stored = try await ArchiveServeTests.run(Peers.storescu, ["-aet", "CT01", "-aec", "ISTHMUS", "127.0.0.1", "\(server.dicomPort)", original])
        #expect(stored.status == 0, "storescu: \(stored.stderr)")

        // Delivery (the channel forwards to storescp): the current name, everything else as stored.
        let forwarded = try await Self.waitForFile(in: viewerDir)
        if let forwarded {
            let ds = try DICOMFile.read(contentsOf: forwarded, options: .headerOnly).dataSet
            #expect(ds.string(.patientName) == "SCHMIDT^RENÉE")
            #expect(ds.string(.patientID) == patientID)
            #expect(ds.string(DICOM.Tag(0x0010, 0x0030)) == "19800214")
            #expect(ds.string(DICOM.Tag(0x0010, 0x0040)) == "F")
            #expect(ds.string(.specificCharacterSet) == "ISO_IR 100")
            #expect(try Self.jsonWithoutPatient(forwarded) == Self.jsonWithoutPatient(original))
            try FileManager.default.removeItem(atPath: forwarded)
        } else {
            Issue.record("nothing forwarded")
        }

        // C-MOVE to storescp: the same.
        let move = try await ArchiveServeTests.run(ArchiveServeTests.movescu, ["-aet", "VIEWER", "-aec", "ISTHMUS", "-aem", "VIEWER", "-S",
                                                                                "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=" + study,
                                                                                "127.0.0.1", "\(server.dicomPort)"])
        #expect(move.status == 0, "movescu: \(move.stderr)")
        if let moved = try await Self.waitForFile(in: viewerDir) {
            let ds = try DICOMFile.read(contentsOf: moved, options: .headerOnly).dataSet
            #expect(ds.string(.patientName) == "SCHMIDT^RENÉE")
            #expect(ds.string(.patientID) == patientID)
            #expect(try Self.jsonWithoutPatient(moved) == Self.jsonWithoutPatient(original))
        } else {
            Issue.record("nothing moved")
        }

        // A40: the patient is merged into MRN9, whose name Latin-1 cannot hold: C-GET sends ISO_IR 192.
        let a40 = "MSH|^~\\&|ADT|HOSP|ISTHMUS|HOSP|20260302100000||ADT^A40|A2|P|2.5.1||||||UNICODE UTF-8\rEVN|A40\rPID|||MRN9||山田^太郎||19700101|M\rMRG|\(patientID)\r"
        #expect(try await client.send(try Message(a40)).code == "AA")
        let getDir = data + "/get"
        try FileManager.default.createDirectory(atPath: getDir, withIntermediateDirectories: true)
        let get = try await ArchiveServeTests.run(ArchiveServeTests.getscu, ["-aet", "VIEWER", "-aec", "ISTHMUS", "-S", "-k", "QueryRetrieveLevel=STUDY",
                                                                              "-k", "StudyInstanceUID=" + study, "-od", getDir, "127.0.0.1", "\(server.dicomPort)"])
        #expect(get.status == 0, "getscu: \(get.stderr)")
        let got = Self.files(in: getDir)
        #expect(got.count == 1)
        if let g = got.first {
            let ds = try DICOMFile.read(contentsOf: g, options: .headerOnly).dataSet
            #expect(ds.string(.specificCharacterSet) == "ISO_IR 192")
            #expect(ds.string(.patientName) == "山田^太郎")
            #expect(ds.string(.patientID) == "MRN9")
            #expect(ds.string(DICOM.Tag(0x0010, 0x0030)) == "19700101")
            #expect(ds.string(DICOM.Tag(0x0010, 0x0040)) == "M")
            #expect(try Self.jsonWithoutPatient(g) == Self.jsonWithoutPatient(original))
        }
        await client.close()

        // The stored file is unchanged: its data set is the one storescu sent.
        let sop = try #require(header.string(.sopInstanceUID))
        let storedFiles = Self.allFiles(under: data + "/serve").filter {
            (try? DICOMFile.read(contentsOf: $0, options: .headerOnly).dataSet.string(.sopInstanceUID)) == sop
        }
        #expect(storedFiles.count == 1)
        for f in storedFiles {
            #expect(try ArchiveServeTests.json(f) == ArchiveServeTests.json(original))
        }
        #expect(server.terminate() == 0)
        #expect(!server.stdout.contains("SCHMIDT") && !server.stdout.contains("山田"), "no PHI in the log")
    }
}
