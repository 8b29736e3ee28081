// PS3.15 Annex B secure transport between the Isthmus SCU and SCP over loopback sockets: C-ECHO
// and C-STORE over TLS, mutual TLS (a client without a certificate, or with one from another CA,
// is refused), an SCU refusing an SCP its CA did not sign, host name verification as a setting.
// Certificates are made by `openssl` at test time (TestSupport's TestCertificates).

import DICOM
import Foundation
import NIOSSL
import Testing
@testable import DICOMNetwork

@Suite(.serialized) struct TLSTests {
    static let certificates: TestCertificates? = try? TestCertificates.make()

    private func certificates() -> TestCertificates? {
        let c = Self.certificates
        guard Peers.need("openssl", c != nil) else { return nil }
        return c
    }

    static func startSCP(_ c: TestCertificates, requireClientCertificate: Bool, aeTitle: String = "ISTHMUS") async throws -> TestSCP {
        let tls = try DICOMTLS.serverContext(certificateChain: c.serverCertificate, privateKey: c.serverKey,
                                             clientCA: requireClientCertificate ? c.caCertificate : nil)
        return try await TestSCP.start(aeTitle: aeTitle) { $0.tls = tls }
    }

    static func parameters(port: Int, host: String = "127.0.0.1", contexts: [PresentationContextRQ] = [DICOMAssociation.verificationContext()],
                           tls: NIOSSLContext?) -> AssociationParameters {
        var p = AssociationParameters(host: host, port: port, callingAETitle: "TLSSCU", calledAETitle: "ISTHMUS", presentationContexts: contexts)
        p.tls = tls
        p.timeouts.association = .seconds(30)
        return p
    }

    @Test func echoAndStoreOverTLS() async throws {
        guard let c = certificates() else { return }
        let paths = Corpus.files
        guard Peers.need("pydicom corpus", !paths.isEmpty) else { return }
        let scp = try await Self.startSCP(c, requireClientCertificate: false)
        let client = try DICOMTLS.clientContext(ca: c.caCertificate)
        // The certificate names both; the address is checked without SNI, the name with it.
        for host in ["127.0.0.1", "localhost"] {
            let assoc = try await DICOMAssociation.open(Self.parameters(port: scp.port, host: host, tls: client))
            #expect(try await assoc.echo() == DIMSEStatus.success)
            try await assoc.release()
        }
        let files = try paths.map { try DICOMFile.read(contentsOf: $0) }
        let assoc = try await DICOMAssociation.open(Self.parameters(port: scp.port, contexts: DICOMAssociation.storageContexts(for: files), tls: client))
        for path in paths {
            #expect(try await assoc.store(contentsOf: path) == DIMSEStatus.success, "\(path)")
        }
        try await assoc.release()
        await scp.server.shutdown()
        for (path, file) in zip(paths, files) {
            let received = scp.directory + "/" + file.dataSet.string(.sopInstanceUID)! + ".dcm"
            #expect(try Corpus.json(received) == Corpus.json(path), "\(path)")
        }
        #expect(scp.log.text.contains("tls=true"))
    }

    @Test func mutualTLSRequiresATrustedClientCertificate() async throws {
        guard let c = certificates() else { return }
        let scp = try await Self.startSCP(c, requireClientCertificate: true)
        // No client certificate: the SCP ends the handshake, no association.
        let anonymous = try DICOMTLS.clientContext(ca: c.caCertificate)
        await #expect(throws: DICOMNetworkError.self) {
            let a = try await DICOMAssociation.open(Self.parameters(port: scp.port, tls: anonymous))
            _ = try await a.echo()
        }
        // A certificate from a CA the SCP does not trust.
        let stranger = try DICOMTLS.clientContext(ca: c.caCertificate, certificateChain: c.otherClientCertificate, privateKey: c.otherClientKey)
        await #expect(throws: DICOMNetworkError.self) {
            let a = try await DICOMAssociation.open(Self.parameters(port: scp.port, tls: stranger))
            _ = try await a.echo()
        }
        // Plain TCP to a TLS port: no association either.
        await #expect(throws: DICOMNetworkError.self) {
            var p = Self.parameters(port: scp.port, tls: nil)
            p.timeouts.association = .seconds(5)
            let a = try await DICOMAssociation.open(p)
            _ = try await a.echo()
        }
        // The SCP still serves a client with a certificate from its CA.
        let trusted = try DICOMTLS.clientContext(ca: c.caCertificate, certificateChain: c.clientCertificate, privateKey: c.clientKey)
        let assoc = try await DICOMAssociation.open(Self.parameters(port: scp.port, tls: trusted))
        #expect(try await assoc.echo() == DIMSEStatus.success)
        try await assoc.release()
        await scp.server.shutdown()
        #expect(scp.log.text.contains("transport error"))
    }

    /// C-MOVE to a destination that requires mutual TLS: the Q/R SCP's AE table entry carries the TLS context
    /// (CA and client certificate), and the sub-association uses it. Without a client certificate in the entry the
    /// destination refuses the handshake and every sub-operation fails (A702H), the C-MOVE association carrying on.
    @Test func moveSubAssociationOverTLS() async throws {
        guard let c = certificates() else { return }
        guard Peers.need("pydicom corpus", !Corpus.files.isEmpty) else { return }
        let (dir, copies) = try RetrieveFixtures.corpusFolder()
        let dest = try await Self.startSCP(c, requireClientCertificate: true, aeTitle: "DEST")
        func qrSCP(_ tls: NIOSSLContext) async throws -> TestSCP {
            try await TestSCP.start(aeTitle: "QRSCP") { config in
                config.retrieve = DirectoryRetrieveHandler(directory: dir)
                config.remoteEntities["DEST"] = RemoteApplicationEntity(host: "127.0.0.1", port: dest.port, tls: tls)
            }
        }
        let identifier = try RetrieveFixtures.studies(copies)
        // The entry has the CA and a client certificate the destination trusts.
        let qr = try await qrSCP(try DICOMTLS.clientContext(ca: c.caCertificate, certificateChain: c.clientCertificate, privateKey: c.clientKey))
        let assoc = try await RetrieveLoopbackTests.openMove(qr.port)
        let result = try await assoc.move(identifier: identifier, model: .studyRoot, destination: "DEST")
        #expect(result.status == DIMSEStatus.success)
        #expect(result.completed == copies.count && result.failed == 0)
        try await assoc.release()
        await qr.server.shutdown()
        // The entry has no client certificate: the destination ends the handshake.
        let anonymous = try await qrSCP(try DICOMTLS.clientContext(ca: c.caCertificate))
        let again = try await RetrieveLoopbackTests.openMove(anonymous.port)
        let refused = try await again.move(identifier: identifier, model: .studyRoot, destination: "DEST")
        #expect(refused.status == DIMSEStatus.unableToPerformSubOperations)
        #expect(refused.failed == copies.count && refused.completed == 0)
        try await again.release()
        await anonymous.server.shutdown()
        await dest.server.shutdown()
        try RetrieveFixtures.expectReceived(copies, in: dest.directory)
        #expect(dest.log.text.contains("tls=true") && dest.log.text.contains("calling=QRSCP"))
        #expect(anonymous.log.text.contains("C-MOVE sub-association failed"))
    }

    @Test func scuRefusesAnSCPItsCADidNotSign() async throws {
        guard let c = certificates() else { return }
        let scp = try await Self.startSCP(c, requireClientCertificate: false)
        let wrongCA = try DICOMTLS.clientContext(ca: c.otherCACertificate)
        do {
            _ = try await DICOMAssociation.open(Self.parameters(port: scp.port, tls: wrongCA))
            Issue.record("associated with an SCP whose certificate the CA did not sign")
        } catch let e as DICOMNetworkError {
            #expect(e.code == .connectionClosed)
            #expect(e.reason.contains("handshake") || e.reason.contains("CERTIFICATE"), "\(e.reason)")
        }
        await scp.server.shutdown()
        #expect(scp.receivedFiles.isEmpty)
    }

    @Test func hostNameVerificationIsASetting() async throws {
        guard let c = certificates() else { return }
        // Listening on 127.0.0.2, an address the certificate does not name (it names localhost and 127.0.0.1).
        let tls = try DICOMTLS.serverContext(certificateChain: c.serverCertificate, privateKey: c.serverKey)
        let scp = try await TestSCP.start { $0.tls = tls; $0.host = "127.0.0.2" }
        // Refused when names are checked…
        let strict = Self.parameters(port: scp.port, host: "127.0.0.2", tls: try DICOMTLS.clientContext(ca: c.caCertificate))
        await #expect(throws: DICOMNetworkError.self) { _ = try await DICOMAssociation.open(strict) }
        // …unless the name checked is one the certificate holds…
        var named = strict
        named.tlsServerHostname = "localhost"
        let a = try await DICOMAssociation.open(named)
        #expect(try await a.echo() == DIMSEStatus.success)
        try await a.release()
        // …or only the chain is checked (the CA still has to have signed it).
        let lenient = Self.parameters(port: scp.port, host: "127.0.0.2", tls: try DICOMTLS.clientContext(ca: c.caCertificate, verifyHostname: false))
        let b = try await DICOMAssociation.open(lenient)
        #expect(try await b.echo() == DIMSEStatus.success)
        try await b.release()
        let wrongCA = Self.parameters(port: scp.port, host: "127.0.0.2", tls: try DICOMTLS.clientContext(ca: c.otherCACertificate, verifyHostname: false))
        await #expect(throws: DICOMNetworkError.self) { _ = try await DICOMAssociation.open(wrongCA) }
        await scp.server.shutdown()
    }
}
