// TLS options of `isthmus dicom echo|store|find|scp` (PS3.15 Annex B secure transport): the same
// meaning as `isthmus hl7 send|listen`'s --tls --ca --cert --key, spelled --tls-ca, --tls-cert and
// --tls-key because `dicom find` already has -k/--key (a query key).

import ArgumentParser
import DICOMNetwork
import NIOSSL

struct DICOMTLSOptions: ParsableArguments {
    @Flag(help: "Use TLS (PS3.15 Annex B, TLS 1.2 or later).")
    var tls = false

    @Option(name: .customLong("tls-ca"),
            help: "PEM file of the CA that signed the peer's certificate (SCU: the SCP's; scp: clients', which are then required).")
    var ca: String?

    @Option(name: .customLong("tls-cert"),
            help: "PEM certificate chain of this side (scp: required with --tls; SCU: for SCPs that require client certificates).")
    var cert: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key of --tls-cert.")
    var key: String?

    @Flag(inversion: .prefixedNo,
          help: "SCU: check that the SCP's certificate names the host connected to (its DNS name or IP address); the chain is verified either way.")
    var tlsVerifyHostname = true

    func validate() throws {
        if !tls && (ca != nil || cert != nil || key != nil) { throw ValidationError("--tls-ca, --tls-cert and --tls-key need --tls") }
        if (cert == nil) != (key == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
    }

    /// The SCU's context, or nil without --tls.
    func clientContext() throws -> NIOSSLContext? {
        guard tls else { return nil }
        return try DICOMTLS.clientContext(ca: ca, certificateChain: cert, privateKey: key, verifyHostname: tlsVerifyHostname)
    }

    /// The SCP's context, or nil without --tls.
    func serverContext() throws -> NIOSSLContext? {
        guard tls else { return nil }
        guard let cert, let key else { throw ValidationError("--tls needs --tls-cert and --tls-key") }
        return try DICOMTLS.serverContext(certificateChain: cert, privateKey: key, clientCA: ca)
    }
}
