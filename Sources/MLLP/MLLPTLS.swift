// TLS for MLLP (IHE ITI TF-2 "Secure Node": TLS with optional mutual authentication), with NIOSSL.

import NIOSSL
import TLSFiles

/// Builders of NIOSSL contexts for MLLP endpoints from PEM files.
public enum MLLPTLS {
    /// A server context: its certificate chain and key; with `clientCA`, every client must present a certificate
    /// issued by that CA (mutual TLS) or the handshake fails.
    public static func serverContext(certificateChain: String, privateKey: String, clientCA: String? = nil) throws -> NIOSSLContext {
        try NIOSSLContext(configuration: TLSFiles.serverConfiguration(certificateChain: certificateChain, privateKey: privateKey, clientCA: clientCA))
    }

    /// A client context: servers are verified against `ca` (the system roots when nil); `certificateChain` and
    /// `privateKey` authenticate the client when the server asks.
    public static func clientContext(ca: String? = nil, certificateChain: String? = nil, privateKey: String? = nil,
                                     verifyHostname: Bool = true) throws -> NIOSSLContext {
        try NIOSSLContext(configuration: TLSFiles.clientConfiguration(ca: ca, certificateChain: certificateChain, privateKey: privateKey,
                                                                      verifyHostname: verifyHostname))
    }
}
