import Foundation
import IsthmusStore
import Testing
import TestSupport

/// An MLLP listener configured with TLS: `isthmus hl7 send --tls` gets its AA; a plain-TCP sender gets none.
@Suite(.serialized) struct ServeTLSTests {
    @Test func mllpOverTLSFromConfiguration() async throws {
        guard haveIsthmus(), Peers.need("openssl", Peers.available("openssl")) else { return }
        let dir = try Peers.temporaryDirectory("serve-tls")
        // A throwaway self-signed certificate for 127.0.0.1, made at test time.
        let made = try Peers.run("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem",
                                             "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        #expect(made.status == 0, "\(made.stderr)")
        let config = dir + "/isthmus.yaml"
        try """
        listeners:
          mllp:
            - name: secure
              port: 0
              tls: { certificate: \(dir)/cert.pem, key: \(dir)/key.pem }
          dicom: [ { name: scp, ae-title: ISTHMUS, port: 0 } ]
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let server = try await ServeProcess.start(data: dir + "/data", ["--config", config])
        defer { server.kill() }
        let message = dir + "/m.hl7"
        try ServeTests.hl7("TLS1").write(toFile: message, atomically: true, encoding: .utf8)
        let sent = try await Task.detached {
            try Peers.run(isthmusExecutable, ["hl7", "send", "--tls", "--ca", dir + "/cert.pem", "127.0.0.1:\(server.mllpPort)", message])
        }.value
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(sent.text.contains("AA"), "\(sent.text)")
        let plain = try await Task.detached {
            try Peers.run(isthmusExecutable, ["hl7", "send", "--attempts", "1", "--timeout", "3", "127.0.0.1:\(server.mllpPort)", message])
        }.value
        #expect(plain.status != 0, "a plain-TCP sender is not answered")
        #expect(server.terminate() == 0)
        let store = try SQLiteStore(path: dir + "/data/isthmus.sqlite", contentDirectory: dir + "/data/content")
        #expect(try await store.listMessages(limit: 0).map(\.controlID) == ["TLS1"])
        try await store.close()
    }
}
