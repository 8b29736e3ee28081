// PS3.7 §D.3 / PS3.8 §7.1: an application entity the SCP opens associations to, by AE title.

import NIOSSL

/// Where a remote AE listens, and how to reach it: the SCP's one AE table (`DICOMServerConfiguration.remoteEntities`)
/// serves C-MOVE destinations (PS3.4 C.4.2.1.4.2) and storage commitment results sent on a new association (§J.3.3).
public struct RemoteApplicationEntity: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// TLS (PS3.15 Annex B) for associations to it (see ``DICOMTLS``); nil for plain TCP.
    public var tls: NIOSSLContext?
    /// The name checked against its certificate when `tls` verifies host names (default: `host`).
    public var tlsServerHostname: String?

    public init(host: String, port: Int, tls: NIOSSLContext? = nil, tlsServerHostname: String? = nil) {
        self.host = host
        self.port = port
        self.tls = tls
        self.tlsServerHostname = tlsServerHostname
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.host == b.host && a.port == b.port && a.tls === b.tls && a.tlsServerHostname == b.tlsServerHostname
    }

    /// Association parameters to it (TLS included).
    func parameters(callingAETitle: String, calledAETitle: String, presentationContexts: [PresentationContextRQ]) -> AssociationParameters {
        var p = AssociationParameters(host: host, port: port, callingAETitle: callingAETitle, calledAETitle: calledAETitle,
                                      presentationContexts: presentationContexts)
        p.tls = tls
        p.tlsServerHostname = tlsServerHostname
        return p
    }
}
