// TLS settings from PEM files, shared by every Isthmus transport (MLLP, DICOM PS3.15 Annex B, HTTPS webhooks):
// TLS 1.2 or later; a server with its certificate and key, requiring client certificates from a CA when given;
// a client checking the server against a CA (the system roots when none) and presenting its own when given.

import NIOSSL

/// NIOSSL configurations built from PEM files.
public enum TLSFiles {
    /// A server: `certificateChain` and `privateKey`; with `clientCA`, every client must present a certificate
    /// issued by that CA (its names are not checked: clients are known by their certificate, not by a host name).
    public static func serverConfiguration(certificateChain: String, privateKey: String, clientCA: String? = nil) throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(certificateChain).map { NIOSSLCertificateSource.certificate($0) }
        var config = TLSConfiguration.makeServerConfiguration(certificateChain: chain,
                                                              privateKey: .privateKey(try NIOSSLPrivateKey(file: privateKey, format: .pem)))
        config.minimumTLSVersion = .tlsv12
        if let clientCA {
            config.trustRoots = .file(clientCA)
            config.certificateVerification = .noHostnameVerification
        }
        return config
    }

    /// A client: the server is verified against `ca` (the system roots when nil) and, with `verifyHostname`, must
    /// name the host connected to; `certificateChain` and `privateKey` authenticate us when the server asks.
    public static func clientConfiguration(ca: String? = nil, certificateChain: String? = nil, privateKey: String? = nil,
                                           verifyHostname: Bool = true) throws -> TLSConfiguration {
        var config = TLSConfiguration.makeClientConfiguration()
        config.minimumTLSVersion = .tlsv12
        // Read now, so that a missing or unreadable CA file is an error at start, not at the first connection.
        if let ca { config.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca)) }
        config.certificateVerification = verifyHostname ? .fullVerification : .noHostnameVerification
        if let certificateChain, let privateKey {
            config.certificateChain = try NIOSSLCertificate.fromPEMFile(certificateChain).map { .certificate($0) }
            config.privateKey = .privateKey(try NIOSSLPrivateKey(file: privateKey, format: .pem))
        }
        return config
    }
}
