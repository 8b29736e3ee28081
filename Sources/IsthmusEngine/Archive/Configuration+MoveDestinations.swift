// PS3.4 C.4.2.1.4.2 Move Destination: the C-MOVE SCP's table of AE titles it may send to, from the configuration's
// DICOM peers.

import DICOMNetwork

extension Configuration {
    /// Move destinations of the engine's DICOM listeners: each DICOM peer's AE title → its host and port. Peers
    /// configured with TLS are left out (the C-MOVE sub-association has no TLS yet); the first peer of an AE title wins.
    public var moveDestinations: [String: RetrieveDestination] {
        var out: [String: RetrieveDestination] = [:]
        for p in dicomPeers where p.tls == nil && out[p.aeTitle] == nil {
            out[p.aeTitle] = RetrieveDestination(host: p.host, port: p.port)
        }
        return out
    }
}
