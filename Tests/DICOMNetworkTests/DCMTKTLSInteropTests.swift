// PS3.15 Annex B interop with DCMTK (built with OpenSSL on Debian): echoscu and storescu with
// `+tls KEY CERT +cf CA` against the Isthmus SCP requiring client certificates; the Isthmus SCU
// against `storescp +tls … +cf CA` (which requires a client certificate by default). Received data
// sets must equal what was sent.

import DICOM
import Foundation
import NIOCore
import NIOPosix
import Testing
@testable import DICOMNetwork

@Suite(.serialized) struct DCMTKTLSInteropTests {
    private func certificates() -> TestCertificates? {
        let c = TLSTests.certificates
        guard Peers.need("openssl", c != nil) else { return nil }
        return c
    }

    /// DCMTK's TLS options for a client with the test client certificate, trusting the test CA.
    static func clientTLS(_ c: TestCertificates) -> [String] {
        ["+tls", c.clientKey, c.clientCertificate, "+cf", c.caCertificate]
    }

    @Test func echoscuOverTLS() async throws {
        guard let c = certificates(), Peers.need("DCMTK echoscu", Peers.available(Peers.echoscu)) else { return }
        let scp = try await TLSTests.startSCP(c, requireClientCertificate: true)
        let ok = try await Task.detached {
            try Peers.run(Peers.echoscu, ["-aet", "ECHOSCU", "-aec", "ISTHMUS"] + Self.clientTLS(c) + ["127.0.0.1", "\(scp.port)"],
                          environment: Peers.dcmtkEnvironment)
        }.value
        #expect(ok.status == 0, "\(ok.stderr)")
        // Anonymous TLS (no client certificate) is refused by an SCP that requires one.
        let anonymous = try await Task.detached {
            try Peers.run(Peers.echoscu, ["-aet", "ECHOSCU", "-aec", "ISTHMUS", "+tla", "+cf", c.caCertificate, "127.0.0.1", "\(scp.port)"],
                          environment: Peers.dcmtkEnvironment)
        }.value
        #expect(anonymous.status != 0)
        // An echoscu trusting another CA refuses the Isthmus SCP.
        let wrongCA = try await Task.detached {
            try Peers.run(Peers.echoscu, ["-aet", "ECHOSCU", "-aec", "ISTHMUS", "+tls", c.clientKey, c.clientCertificate,
                                          "+cf", c.otherCACertificate, "127.0.0.1", "\(scp.port)"],
                          environment: Peers.dcmtkEnvironment)
        }.value
        #expect(wrongCA.status != 0)
        await scp.server.shutdown()
    }

    @Test func storescuOverTLS() async throws {
        let paths = Corpus.files
        guard let c = certificates(), Peers.need("DCMTK storescu", Peers.available(Peers.storescu)),
              Peers.need("pydicom corpus", !paths.isEmpty) else { return }
        let scp = try await TLSTests.startSCP(c, requireClientCertificate: true)
        // Uncompressed files only: storescu proposes those without options.
        let files = paths.filter { !["image_dfl.dcm", "SC_rgb_rle.dcm", "SC_rgb_jpeg_dcmtk.dcm"].contains(($0 as NSString).lastPathComponent) }
        let out = try await Task.detached {
            try Peers.run(Peers.storescu, ["-aet", "STORESCU", "-aec", "ISTHMUS"] + Self.clientTLS(c) + ["127.0.0.1", "\(scp.port)"] + files,
                          environment: Peers.dcmtkEnvironment)
        }.value
        #expect(out.status == 0, "\(out.stderr)")
        await scp.server.shutdown()
        #expect(scp.receivedFiles.count == files.count)
        for path in files {
            let uid = try DICOMFile.read(contentsOf: path).dataSet.string(.sopInstanceUID)!
            let received = scp.directory + "/" + uid + ".dcm"
            #expect(FileManager.default.fileExists(atPath: received), "\(path)")
            if FileManager.default.fileExists(atPath: received) { #expect(try Corpus.json(received) == Corpus.json(path), "\(path)") }
        }
    }

    @Test func isthmusSCUAgainstStorescpOverTLS() async throws {
        let paths = Corpus.files
        guard let c = certificates(), Peers.need("DCMTK storescp", Peers.available(Peers.storescp)),
              Peers.need("pydicom corpus", !paths.isEmpty) else { return }
        let dir = try Peers.temporaryDirectory("storescp-tls")
        let port = try await freePort()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Peers.storescp)
        // +tls: the SCP's key and certificate; +cf: the CA its clients' certificates must chain to
        // (a client certificate is required by default, -rc).
        p.arguments = ["-aet", "STORESCP", "+xa", "+tls", c.serverKey, c.serverCertificate, "+cf", c.caCertificate, "-od", dir, "\(port)"]
        p.environment = ProcessInfo.processInfo.environment.merging(Peers.dcmtkEnvironment) { $1 }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }

        let files = try paths.map { try DICOMFile.read(contentsOf: $0) }
        let tls = try DICOMTLS.clientContext(ca: c.caCertificate, certificateChain: c.clientCertificate, privateKey: c.clientKey)
        var params = AssociationParameters(host: "127.0.0.1", port: port, callingAETitle: "ISTHMUS", calledAETitle: "STORESCP",
                                           presentationContexts: [DICOMAssociation.verificationContext()] + DICOMAssociation.storageContexts(for: files).map {
                                               var pc = $0
                                               pc.id += 2
                                               return pc
                                           })
        params.tls = tls
        params.timeouts.connect = .seconds(2)
        // storescp needs a moment to listen: retry the connection (not a timing assertion).
        var assoc: DICOMAssociation?
        for _ in 0..<100 {
            if let a = try? await DICOMAssociation.open(params) { assoc = a; break }
            try await Task.sleep(for: .milliseconds(100))
        }
        guard let assoc else { Issue.record("could not associate with storescp over TLS"); return }
        #expect(try await assoc.echo() == DIMSEStatus.success)
        for path in paths {
            #expect(try await assoc.store(contentsOf: path) == DIMSEStatus.success, "\(path)")
        }
        try await assoc.release()

        // Without a client certificate storescp refuses the association.
        var anonymous = params
        anonymous.tls = try DICOMTLS.clientContext(ca: c.caCertificate)
        await #expect(throws: DICOMNetworkError.self) {
            let a = try await DICOMAssociation.open(anonymous)
            _ = try await a.echo()
        }

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

    /// The command line: `isthmus dicom scp --tls …` requiring client certificates, `isthmus dicom
    /// store --tls …` with one, `echo --tls` without one (refused), and DCMTK's echoscu over TLS.
    @Test func cliOverTLS() async throws {
        let paths = Corpus.files
        guard let c = certificates(), Peers.need("pydicom corpus", !paths.isEmpty),
              Peers.need("DCMTK echoscu", Peers.available(Peers.echoscu)) else { return }
        guard FileManager.default.isExecutableFile(atPath: LargeInstanceTests.isthmus) else {
            Issue.record("isthmus executable not built at \(LargeInstanceTests.isthmus)")
            return
        }
        let out = try Peers.temporaryDirectory("cli-tls")
        // A folder the SCP serves C-GET from (read at start).
        let archive = try Peers.temporaryDirectory("cli-tls-archive")
        try FileManager.default.copyItem(atPath: paths[0], toPath: archive + "/a.dcm")
        let port = LargeInstanceTests.freePort()
        let scp = Process()
        scp.executableURL = URL(fileURLWithPath: LargeInstanceTests.isthmus)
        scp.arguments = ["dicom", "scp", "--host", "127.0.0.1", "--port", "\(port)", "--out", out,
                         "--tls", "--tls-cert", c.serverCertificate, "--tls-key", c.serverKey, "--tls-ca", c.caCertificate,
                         "--retrieve-from", archive]
        scp.standardOutput = FileHandle.nullDevice
        scp.standardError = FileHandle.nullDevice
        try scp.run()
        defer { scp.terminate(); scp.waitUntilExit() }
        // Wait until it answers C-ECHO over TLS (not a timing assertion).
        var up = false
        for _ in 0..<300 where !up {
            up = (try? Peers.run(Peers.echoscu, ["-aec", "ISTHMUS"] + Self.clientTLS(c) + ["127.0.0.1", "\(port)"],
                                 environment: Peers.dcmtkEnvironment))?.status == 0
            if !up { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(up, "isthmus dicom scp --tls did not answer echoscu +tls")
        let store = try await Task.detached {
            try Peers.run(LargeInstanceTests.isthmus, ["dicom", "store", "ISTHMUS@127.0.0.1:\(port)", "--tls", "--tls-ca", c.caCertificate,
                                                       "--tls-cert", c.clientCertificate, "--tls-key", c.clientKey, paths[0]])
        }.value
        #expect(store.status == 0, "\(store.stderr)")
        let uid = try DICOMFile.read(contentsOf: paths[0]).dataSet.string(.sopInstanceUID)!
        #expect(FileManager.default.fileExists(atPath: out + "/" + uid + ".dcm"))
        // C-GET over TLS into a folder.
        let study = try DICOMFile.read(contentsOf: paths[0]).dataSet.string(Tag(0x0020, 0x000D))!
        let got = try Peers.temporaryDirectory("cli-tls-get")
        let get = try await Task.detached {
            try Peers.run(LargeInstanceTests.isthmus, ["dicom", "get", "ISTHMUS@127.0.0.1:\(port)", "--out", got, "-k", "StudyInstanceUID=\(study)",
                                                       "--tls", "--tls-ca", c.caCertificate, "--tls-cert", c.clientCertificate, "--tls-key", c.clientKey])
        }.value
        #expect(get.status == 0, "\(get.stderr)")
        #expect(FileManager.default.fileExists(atPath: got + "/" + uid + ".dcm"))
        let anonymous = try await Task.detached {
            try Peers.run(LargeInstanceTests.isthmus, ["dicom", "echo", "ISTHMUS@127.0.0.1:\(port)", "--tls", "--tls-ca", c.caCertificate])
        }.value
        #expect(anonymous.status == 1)
        // --tls-cert without --tls (or without --tls-key) is a usage error.
        let usage = try Peers.run(LargeInstanceTests.isthmus, ["dicom", "echo", "ISTHMUS@127.0.0.1:\(port)", "--tls-cert", c.clientCertificate])
        #expect(usage.status == 64)
    }

    func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress!.port!
        try await channel.close().get()
        return port
    }
}
