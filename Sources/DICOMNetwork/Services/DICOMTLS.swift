// PS3.15 Annex B secure transport connection profiles, as B.9/B.10 (BCP 195, non-downgrading):
// DICOM over TLS 1.2 or later, each side authenticated by a certificate — the SCP always, the SCU
// when the SCP requires it (mutual TLS) — with NIOSSL (BoringSSL's default suites: ECDHE with
// AES-GCM or ChaCha20-Poly1305). Nothing above the transport changes; the port is the
// deployment's (2762 is the registered "dicom-tls" port).

import NIOSSL
import TLSFiles

/// Builders of NIOSSL contexts for DICOM application entities, from PEM files. Set the result as
/// ``DICOMServerConfiguration/tls`` or ``AssociationParameters/tls``.
public enum DICOMTLS {
    /// An SCP context: its certificate chain and key; with `clientCA`, every SCU must present a
    /// certificate issued by that CA (mutual TLS) or the handshake fails before any PDU is read.
    /// The client certificate's names are not checked (SCUs are known by their certificate, not
    /// by a host name).
    public static func serverContext(certificateChain: String, privateKey: String, clientCA: String? = nil) throws -> NIOSSLContext {
        try NIOSSLContext(configuration: TLSFiles.serverConfiguration(certificateChain: certificateChain, privateKey: privateKey, clientCA: clientCA))
    }

    /// An SCU context: the SCP's certificate is verified against `ca` (the system roots when nil);
    /// `certificateChain` and `privateKey` authenticate us when the SCP asks. With `verifyHostname`
    /// the SCP's certificate must also name the host connected to (a DNS name, or the IP address
    /// when connecting by address); PACS certificates often name neither, so it can be turned off
    /// — the chain is still verified against `ca`.
    public static func clientContext(ca: String? = nil, certificateChain: String? = nil, privateKey: String? = nil,
                                     verifyHostname: Bool = true) throws -> NIOSSLContext {
        try NIOSSLContext(configuration: TLSFiles.clientConfiguration(ca: ca, certificateChain: certificateChain, privateKey: privateKey,
                                                                      verifyHostname: verifyHostname))
    }

    /// Whether `host` is an IPv4 or IPv6 literal (no SNI is sent for those, RFC 6066 §3).
    static func isIPAddress(_ host: String) -> Bool {
        if host.contains(":") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
    }
}
