import Foundation
import HL7
import MLLP
import NIOCore
import Testing

/// `isthmus hl7 send` and `listen` run as users run them, against real MLLP peers on loopback:
/// python-hl7's `mllp_send` client and a python-hl7 asyncio server (Scripts/mllp-ack-server.py).
@Suite(.serialized) struct MLLPInteropTests {
    static let messages = [
        "MSH|^~\\&|PY|FAC|ISTHMUS|FAC|20260101120000||ADT^A01^ADT_A01|PYA01|P|2.5.1\rEVN|A01|20260101120000\rPID|1||P100^^^FAC^MR||DOE^JANE\r",
        "MSH|^~\\&|PY|FAC|ISTHMUS|FAC|20260101120001||ORM^O01^ORM_O01|PYO01|P|2.5.1\rPID|1||P100^^^FAC^MR\rORC|NW|ORD1\r",
        "MSH|^~\\&|PY|FAC|ISTHMUS|FAC|20260101120002||ORU^R01^ORU_R01|REJECT-ME|P|2.5.1\rPID|1||P101^^^FAC^MR\rOBX|1|TX|||x\r",
    ]

    /// Starts `isthmus hl7 listen 0 …` and returns it with the port it printed.
    private func startListener(_ extra: [String]) async throws -> (Background, Int)? {
        guard Peers.need("isthmus executable", FileManager.default.isExecutableFile(atPath: isthmusExecutable)) else { return nil }
        let listener = try Background(isthmusExecutable, ["hl7", "listen", "0"] + extra)
        guard await listener.waitFor({ $0.contains("listening for MLLP") }) else {
            listener.stop()
            Issue.record("listener did not start: \(listener.stderr)")
            return nil
        }
        let line = listener.stderr.split(separator: "\n").first { $0.contains("listening for MLLP") }!
        let port = try #require(Int(line.split(separator: ":").last!.trimmingCharacters(in: .whitespaces)))
        return (listener, port)
    }

    @Test func pythonMLLPSendToIsthmusListen() async throws {
        guard Peers.need("mllp_send (pip install hl7)", Peers.available("mllp_send")) else { return }
        let dir = try Peers.temporaryDirectory("mllp-listen")
        let out = dir + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        guard let (listener, port) = try await startListener(["--out", out]) else { return }
        defer { listener.stop() }
        let file = dir + "/in.hl7"
        try Self.messages.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let sent = try Peers.run("mllp_send", ["--loose", "-f", file, "-p", String(port), "127.0.0.1"])
        #expect(sent.status == 0, "\(sent.stderr)")
        // Every message was stored (fsync'd) before its AA, byte for byte, and acknowledged with its control ID.
        // mllp_send prints each reply as received: framed, one per line.
        let acks = try sent.stdout.split(separator: 0x0B).map { Array($0) }
            .map { Array($0.prefix { $0 != 0x1C }) }
            .filter { $0.starts(with: Array("MSH".utf8)) }.map { try Message($0) }
        #expect(acks.map { $0["MSA-1"] } == ["AA", "AA", "AA"])
        #expect(acks.map { $0["MSA-2"] } == ["PYA01", "PYO01", "REJECT-ME"])
        let files = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        #expect(files == ["000001.hl7", "000002.hl7", "000003.hl7"])
        for (name, text) in zip(files, Self.messages) { // mllp_send --loose drops each message's last CR
            #expect(FileManager.default.contents(atPath: out + "/" + name) == Data(text.dropLast().utf8))
        }
        // The log has control IDs and types, no patient data.
        #expect(listener.stop() == 0)
        #expect(listener.stdout.contains("PYA01\tADT^A01"))
        #expect(!listener.stdout.contains("DOE") && !listener.stderr.contains("DOE"))
    }

    @Test func isthmusSendToPythonServer() async throws {
        guard Peers.need("python-hl7 (pip install hl7)", (try? Peers.run("python3", ["-c", "import hl7.mllp"]))?.status == 0),
              Peers.need("isthmus executable", FileManager.default.isExecutableFile(atPath: isthmusExecutable)) else { return }
        let script = Peers.repositoryRoot.appendingPathComponent("Scripts/mllp-ack-server.py").path
        let server = try Background("python3", [script, "0"])
        defer { server.stop() }
        guard await server.waitFor({ $0.contains("listening on") }) else {
            Issue.record("python MLLP server did not start: \(server.stderr)")
            return
        }
        let port = try #require(Int(server.stdout.split(separator: " ").last!.trimmingCharacters(in: .whitespacesAndNewlines)))
        let dir = try Peers.temporaryDirectory("mllp-send")
        let accepted = dir + "/ok.hl7", rejected = dir + "/reject.hl7"
        try Self.messages[0 ..< 2].joined(separator: "\r\n").write(toFile: accepted, atomically: true, encoding: .utf8)
        try Self.messages[2].write(toFile: rejected, atomically: true, encoding: .utf8)

        let ok = try Peers.run(isthmusExecutable, ["hl7", "send", "127.0.0.1:\(port)", accepted])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.text == "AA\tPYA01\nAA\tPYO01\n")

        let bad = try Peers.run(isthmusExecutable, ["hl7", "send", "127.0.0.1:\(port)", accepted, rejected])
        #expect(bad.status == 1)
        #expect(bad.text == "AA\tPYA01\nAA\tPYO01\nAE\tREJECT-ME\n")

        // The library client against the same peer.
        let client = MLLPClient(host: "127.0.0.1", port: port)
        let ack = try await client.send(Message(Self.messages[1]))
        #expect(ack.code == "AA" && ack.controlID == "PYO01")
        await client.close()
    }

    @Test func sendFailsWhenNobodyListens() throws {
        guard Peers.need("isthmus executable", FileManager.default.isExecutableFile(atPath: isthmusExecutable)) else { return }
        let dir = try Peers.temporaryDirectory("mllp-nobody")
        try Self.messages[0].write(toFile: dir + "/m.hl7", atomically: true, encoding: .utf8)
        let out = try Peers.run(isthmusExecutable, ["hl7", "send", "--attempts", "2", "--connect-timeout", "2",
                                                    "127.0.0.1:\(try freePort())", dir + "/m.hl7"])
        #expect(out.status == 1)
        #expect(out.stderr.contains("connectFailed"))
    }

    @Test func sendAndListenOverMutualTLS() async throws {
        guard Peers.need("openssl", MLLPTLSTests.certificates != nil), let c = MLLPTLSTests.certificates else { return }
        let dir = try Peers.temporaryDirectory("mllp-tls")
        guard let (listener, port) = try await startListener(["--out", dir, "--tls", "--cert", c.serverCertificate,
                                                              "--key", c.serverKey, "--ca", c.caCertificate]) else { return }
        defer { listener.stop() }
        let file = dir + "/in.txt"
        try Self.messages[0].write(toFile: file, atomically: true, encoding: .utf8)
        let ok = try Peers.run(isthmusExecutable, ["hl7", "send", "--tls", "--ca", c.caCertificate, "--cert", c.clientCertificate,
                                                   "--key", c.clientKey, "127.0.0.1:\(port)", file])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.text == "AA\tPYA01\n")
        // Without a client certificate the listener refuses.
        let anonymous = try Peers.run(isthmusExecutable, ["hl7", "send", "--tls", "--ca", c.caCertificate, "--attempts", "1",
                                                          "127.0.0.1:\(port)", file])
        #expect(anonymous.status == 1)
        #expect(anonymous.text.isEmpty)
        #expect(FileManager.default.fileExists(atPath: dir + "/000001.hl7"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/000002.hl7"))
    }
}
