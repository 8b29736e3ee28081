// PS3.4 C.4.2.1.4.2 Move Destination and §J.3.3 (storage commitment results on a new association): the DICOM
// listeners' one AE table, from the configuration's DICOM peers.

import DICOMNetwork

extension Configuration {
    /// The AE table of the engine's DICOM listeners: each DICOM peer's AE title → its host, port and TLS
    /// settings (C-MOVE sub-associations to a peer with `tls` use it). The first peer of an AE title wins.
    /// - Throws: ``EngineError`` when a peer's TLS files cannot be read.
    public func remoteEntities() throws -> [String: RemoteApplicationEntity] {
        var out: [String: RemoteApplicationEntity] = [:]
        for p in dicomPeers where out[p.aeTitle] == nil {
            var entity = RemoteApplicationEntity(host: p.host, port: p.port)
            if let t = p.tls {
                do {
                    entity.tls = try DICOMTLS.clientContext(ca: t.ca, certificateChain: t.certificate, privateKey: t.key, verifyHostname: false)
                } catch {
                    throw EngineError(description: "DICOM peer \(p.name): TLS: \(error)")
                }
            }
            out[p.aeTitle] = entity
        }
        return out
    }
}
