// TLS for MLLP (IHE ITI TF-2 "Secure Node": TLS with optional mutual authentication), with NIOSSL.

import NIOSSL

/// Builders of NIOSSL contexts for MLLP endpoints from PEM files.
public enum MLLPTLS {
    /// A server context: its certificate chain and key; with `clientCA`, every client must present a certificate
    /// issued by that CA (mutual TLS) or the handshake fails.
    public static func serverContext(certificateChain: String, privateKey: String, clientCA: String? = nil) throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMFile(certificateChain).map { NIOSSLCertificateSource.certificate($0) }
        var config = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: privateKey, format: .pem)))
        config.minimumTLSVersion = .tlsv12
        if let clientCA {
            config.trustRoots = .file(clientCA)
            config.certificateVerification = .noHostnameVerification
        }
        return try NIOSSLContext(configuration: config)
    }

    /// A client context: servers are verified against `ca` (the system roots when nil); `certificateChain` and
    /// `privateKey` authenticate the client when the server asks.
    public static func clientContext(ca: String? = nil, certificateChain: String? = nil, privateKey: String? = nil,
                                     verifyHostname: Bool = true) throws -> NIOSSLContext {
        var config = TLSConfiguration.makeClientConfiguration()
        config.minimumTLSVersion = .tlsv12
        if let ca { config.trustRoots = .file(ca) }
        config.certificateVerification = verifyHostname ? .fullVerification : .noHostnameVerification
        if let certificateChain, let privateKey {
            config.certificateChain = try NIOSSLCertificate.fromPEMFile(certificateChain).map { .certificate($0) }
            config.privateKey = .privateKey(try NIOSSLPrivateKey(file: privateKey, format: .pem))
        }
        return try NIOSSLContext(configuration: config)
    }
}
