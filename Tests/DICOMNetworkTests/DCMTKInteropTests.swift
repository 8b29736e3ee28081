// Interop with DCMTK over loopback sockets (PEERS.md): echoscu and storescu against the
// Isthmus SCP; the Isthmus SCU against storescp. Received data sets must equal what was sent.

import DICOM
import Foundation
import NIOCore
import NIOPosix
import Testing
@testable import DICOMNetwork

@Suite(.serialized) struct DCMTKInteropTests {
    @Test func echoscuAgainstIsthmus() async throws {
        guard Peers.need("DCMTK echoscu", Peers.available(Peers.echoscu)) else { return }
        let scp = try await TestSCP.start()
        let out = try await Task.detached {
            try Peers.run(Peers.echoscu, ["-aet", "ECHOSCU", "-aec", "ISTHMUS", "127.0.0.1", "\(scp.port)"], environment: Peers.dcmtkEnvironment)
        }.value
        #expect(out.status == 0, "\(out.stderr)")
        // A wrong called AE title is rejected: echoscu fails.
        let bad = try await Task.detached {
            try Peers.run(Peers.echoscu, ["-aet", "ECHOSCU", "-aec", "SOMEONE", "127.0.0.1", "\(scp.port)"], environment: Peers.dcmtkEnvironment)
        }.value
        #expect(bad.status != 0)
        await scp.server.shutdown()
        #expect(scp.log.text.contains("reason=7"))
    }

    @Test func storescuAgainstIsthmus() async throws {
        let paths = Corpus.files
        guard Peers.need("DCMTK storescu", Peers.available(Peers.storescu)),
              Peers.need("pydicom corpus", !paths.isEmpty) else { return }
        let scp = try await TestSCP.start()
        // storescu proposes uncompressed syntaxes unless told which compressed one to offer:
        // one run per kind, each file sent in its own transfer syntax.
        let option: [String: String] = ["image_dfl.dcm": "-xd", "SC_rgb_rle.dcm": "-xr", "SC_rgb_jpeg_dcmtk.dcm": "-xy"]
        var groups: [String: [String]] = [:]
        for path in paths { groups[option[(path as NSString).lastPathComponent] ?? "", default: []].append(path) }
        for (flag, files) in groups.sorted(by: { $0.key < $1.key }) {
            let args = ["-aet", "STORESCU", "-aec", "ISTHMUS"] + (flag.isEmpty ? [] : [flag]) + ["127.0.0.1", "\(scp.port)"] + files
            let out = try await Task.detached { try Peers.run(Peers.storescu, args, environment: Peers.dcmtkEnvironment) }.value
            #expect(out.status == 0, "storescu \(flag): \(out.stderr)")
        }
        // Compressed and deflated files went on the wire in their own transfer syntax (storescu
        // itself converts uncompressed files to the syntax it proposes first).
        for path in paths where option[(path as NSString).lastPathComponent] != nil {
            let sent = try DICOMFile.read(contentsOf: path)
            let received = scp.directory + "/" + sent.dataSet.string(.sopInstanceUID)! + ".dcm"
            if let r = try? DICOMFile.read(contentsOf: received) { #expect(r.transferSyntax == sent.transferSyntax, "\(path)") }
        }
        await scp.server.shutdown()
        #expect(scp.receivedFiles.count == paths.count)
        for path in paths {
            let uid = try DICOMFile.read(contentsOf: path).dataSet.string(.sopInstanceUID)!
            let received = scp.directory + "/" + uid + ".dcm"
            #expect(FileManager.default.fileExists(atPath: received), "\(path)")
            if FileManager.default.fileExists(atPath: received) {
                #expect(try Corpus.json(received) == Corpus.json(path), "\(path)")
            }
        }
    }

    @Test func isthmusSCUAgainstStorescp() async throws {
        let paths = Corpus.files
        guard Peers.need("DCMTK storescp", Peers.available(Peers.storescp)),
              Peers.need("pydicom corpus", !paths.isEmpty) else { return }
        let dir = try Peers.temporaryDirectory("storescp")
        let port = try await freePort()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Peers.storescp)
        // +xa: accept every transfer syntax DCMTK knows; -od: output folder.
        p.arguments = ["-aet", "STORESCP", "+xa", "-od", dir, "\(port)"]
        p.environment = ProcessInfo.processInfo.environment.merging(Peers.dcmtkEnvironment) { $1 }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        // storescp ignores SIGTERM: kill it.
        defer { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }

        let files = try paths.map { try DICOMFile.read(contentsOf: $0) }
        var params = AssociationParameters(host: "127.0.0.1", port: port, callingAETitle: "ISTHMUS", calledAETitle: "STORESCP",
                                           presentationContexts: [DICOMAssociation.verificationContext()] + DICOMAssociation.storageContexts(for: files).map {
                                               var pc = $0
                                               pc.id += 2
                                               return pc
                                           })
        params.timeouts.connect = .seconds(2)
        // storescp needs a moment to listen: retry the connection (not a timing assertion).
        var assoc: DICOMAssociation?
        for _ in 0..<100 {
            if let a = try? await DICOMAssociation.open(params) { assoc = a; break }
            try await Task.sleep(for: .milliseconds(100))
        }
        guard let assoc else { Issue.record("could not associate with storescp"); return }
        #expect(try await assoc.echo() == DIMSEStatus.success)
        // Streamed from disk where the file's syntax was accepted, as `isthmus dicom store` does.
        for path in paths {
            #expect(try await assoc.store(contentsOf: path) == DIMSEStatus.success, "\(path)")
        }
        try await assoc.release()

        let written = try FileManager.default.contentsOfDirectory(atPath: dir)
        #expect(written.count == files.count)
        var byUID: [String: String] = [:]
        for name in written {
            let f = try DICOMFile.read(contentsOf: dir + "/" + name)
            if let uid = f.dataSet.string(.sopInstanceUID) { byUID[uid] = dir + "/" + name }
        }
        for (path, file) in zip(paths, files) {
            guard let received = byUID[file.dataSet.string(.sopInstanceUID)!] else { Issue.record("storescp did not write \(path)"); continue }
            #expect(try Corpus.json(received) == Corpus.json(path), "\(path)")
        }
    }

    /// A free loopback port: bind port 0, read it, close.
    func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress!.port!
        try await channel.close().get()
        return port
    }
}
