import Foundation

/// A throwaway CA with a server certificate (localhost, 127.0.0.1) and a client certificate, made with
/// `openssl` in a temporary folder at test time (used by the MLLP and DICOM TLS tests). Nothing of it is committed.
public struct TestCertificates: Sendable {
    public let directory: String
    public var caCertificate: String { directory + "/ca.pem" }
    public var serverCertificate: String { directory + "/server.pem" }
    public var serverKey: String { directory + "/server-key.pem" }
    public var clientCertificate: String { directory + "/client.pem" }
    public var clientKey: String { directory + "/client-key.pem" }
    /// A second CA that signed nothing the server trusts, and a client certificate from it.
    public var otherClientCertificate: String { directory + "/other-client.pem" }
    public var otherClientKey: String { directory + "/other-client-key.pem" }
    /// The second CA itself: a client trusting only it refuses the server.
    public var otherCACertificate: String { directory + "/other-ca.pem" }

    public static func make() throws -> TestCertificates {
        let dir = try Peers.temporaryDirectory("tls")
        let script = """
        set -e
        cd "\(dir)"
        cat > server.ext <<'X'
        subjectAltName=DNS:localhost,IP:127.0.0.1
        extendedKeyUsage=serverAuth
        X
        cat > client.ext <<'X'
        extendedKeyUsage=clientAuth
        X
        openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca.pem -days 2 -subj "/CN=Isthmus Test CA" 2>/dev/null
        openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca-key.pem -out other-ca.pem -days 2 -subj "/CN=Other CA" 2>/dev/null
        for who in server client; do
          openssl req -newkey rsa:2048 -nodes -keyout $who-key.pem -out $who.csr -subj "/CN=$who" 2>/dev/null
          openssl x509 -req -in $who.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out $who.pem -days 2 -extfile $who.ext 2>/dev/null
        done
        openssl req -newkey rsa:2048 -nodes -keyout other-client-key.pem -out other-client.csr -subj "/CN=other" 2>/dev/null
        openssl x509 -req -in other-client.csr -CA other-ca.pem -CAkey other-ca-key.pem -CAcreateserial -out other-client.pem -days 2 -extfile client.ext 2>/dev/null
        """
        let out = try Peers.run("sh", ["-c", script])
        guard out.status == 0 else { throw CertificateError(reason: out.stderr) }
        return TestCertificates(directory: dir)
    }

    public struct CertificateError: Error { public var reason: String }
}
