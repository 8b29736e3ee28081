import MLLP
import NIOCore
import NIOSSL
import Testing

/// TLS over loopback with a CA and certificates made by `openssl` at test time.
@Suite struct MLLPTLSTests {
    static let certificates: TestCertificates? = try? TestCertificates.make()

    private func certificates() throws -> TestCertificates? {
        let c = Self.certificates
        guard Peers.need("openssl", c != nil) else { return nil }
        return c
    }

    private func serverConfiguration(_ c: TestCertificates, requireClientCertificate: Bool) throws -> MLLPServer.Configuration {
        var configuration = MLLPServer.Configuration()
        configuration.tls = try MLLPTLS.serverContext(certificateChain: c.serverCertificate, privateKey: c.serverKey,
                                                      clientCA: requireClientCertificate ? c.caCertificate : nil)
        return configuration
    }

    private func client(_ c: TestCertificates, host: String = "127.0.0.1", certificate: String? = nil, key: String? = nil,
                        ca: String? = nil) throws -> MLLPConnection.Configuration {
        var configuration = MLLPConnection.Configuration()
        configuration.tls = try MLLPTLS.clientContext(ca: ca ?? c.caCertificate, certificateChain: certificate, privateKey: key)
        return configuration
    }

    @Test func serverCertificateOnly() async throws {
        guard let c = try certificates() else { return }
        try await withServer(try serverConfiguration(c, requireClientCertificate: false), { try acknowledge($0) }) { _, port in
            for host in ["127.0.0.1", "localhost"] { // the certificate names both; the IP is checked without SNI
                let connection = try await MLLPConnection.connect(host: host, port: port, configuration: try client(c))
                let reply = try await connection.send(testMessage("TLS1"), timeout: .seconds(10))
                #expect(try MLLPAcknowledgment(reply: reply, expectedControlID: "TLS1").isAccepted)
                await connection.close()
            }
        }
    }

    @Test func clientCertificateVerified() async throws {
        guard let c = try certificates() else { return }
        try await withServer(try serverConfiguration(c, requireClientCertificate: true), { try acknowledge($0) }) { _, port in
            let ok = try await MLLPConnection.connect(host: "127.0.0.1", port: port,
                                                      configuration: try client(c, certificate: c.clientCertificate, key: c.clientKey))
            #expect(try MLLPAcknowledgment(reply: try await ok.send(testMessage("M1"), timeout: .seconds(10)), expectedControlID: "M1").isAccepted)
            await ok.close()

            // No client certificate: the handshake fails and nothing is acknowledged.
            let anonymous = try await MLLPConnection.connect(host: "127.0.0.1", port: port, configuration: try client(c))
            await #expect { try await anonymous.send(testMessage("M2"), timeout: .seconds(10)) } throws: { _ in true }
            await anonymous.close()

            // A certificate from a CA the server does not trust.
            let stranger = try await MLLPConnection.connect(
                host: "127.0.0.1", port: port,
                configuration: try client(c, certificate: c.otherClientCertificate, key: c.otherClientKey))
            await #expect { try await stranger.send(testMessage("M3"), timeout: .seconds(10)) } throws: { _ in true }
            await stranger.close()
        }
    }

    @Test func untrustedServerIsRejectedByTheClient() async throws {
        guard let c = try certificates() else { return }
        try await withServer(try serverConfiguration(c, requireClientCertificate: false), { try acknowledge($0) }) { _, port in
            // Trusting only the client certificate's issuer chain of another CA: the server's certificate fails.
            let connection = try await MLLPConnection.connect(host: "127.0.0.1", port: port,
                                                              configuration: try client(c, ca: c.otherClientCertificate))
            await #expect { try await connection.send(testMessage("U1"), timeout: .seconds(10)) } throws: { error in
                error is NIOSSLError || error is BoringSSLError || (error as? MLLPError)?.code == .connectionClosed
            }
            await connection.close()
        }
    }
}
