import DICOM
import Foundation
import HL7
import IsthmusEngine
import IsthmusStore
import Logging
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// A real HTTP(S) server (Python's http.server, optionally under TLS with client certificates required) that
/// records every POST: one JSON line per request in `log.jsonl`, the body in `body-N`. Answers 500 to the first
/// two POSTs of a control ID starting with RETRY, 400 to BAD…, 200 otherwise.
final class WebhookServer: @unchecked Sendable {
    static let script = #"""
    import http.server, json, ssl, sys, threading
    directory, certfile, keyfile, cafile = sys.argv[1:5]
    counts = {}
    n = [0]
    lock = threading.Lock()
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
            cid = self.headers.get('X-Isthmus-Control-ID', '')
            with lock:  # one request at a time per destination, but several destinations post at once
                counts[cid] = counts.get(cid, 0) + 1
                n[0] += 1
                number, count = n[0], counts[cid]
            with open('%s/body-%d' % (directory, number), 'wb') as f:
                f.write(body)
            peer = ''
            if isinstance(self.connection, ssl.SSLSocket) and self.connection.getpeercert():
                peer = dict(x[0] for x in self.connection.getpeercert()['subject']).get('commonName', '')
            entry = {'n': number, 'path': self.path, 'cid': cid, 'length': len(body), 'client': peer,
                     'headers': {k.lower(): v for k, v in self.headers.items()}}
            with lock, open(directory + '/log.jsonl', 'a') as f:
                f.write(json.dumps(entry) + '\n')
            code = 200
            if cid.startswith('RETRY') and count <= 2: code = 500
            if cid.startswith('BAD'): code = 400
            self.send_response(code)
            self.send_header('Content-Length', '2')
            self.end_headers()
            self.wfile.write(b'ok')
        def log_message(self, *args): pass
    s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
    if certfile:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(certfile, keyfile)
        if cafile:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(cafile)
        s.socket = ctx.wrap_socket(s.socket, server_side=True)
    print('listening on', s.server_address[1], flush=True)
    s.serve_forever()
    """#

    let directory: String
    let port: Int
    private let process = Process()

    struct Request: Decodable {
        var n: Int
        var path: String
        var cid: String
        var length: Int
        var client: String
        var headers: [String: String]
    }

    init(certificate: String = "", key: String = "", clientCA: String = "") throws {
        directory = try Peers.temporaryDirectory("webhook")
        try Self.script.write(toFile: directory + "/server.py", atomically: true, encoding: .utf8)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", directory + "/server.py", directory, certificate, key, clientCA]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(0x0A) {
            let d = out.fileHandleForReading.availableData
            if d.isEmpty { break }
            line.append(d)
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let p = text.split(separator: " ").last.flatMap({ Int($0) }) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw StartFailure(output: text)
        }
        port = p
    }

    struct StartFailure: Error { var output: String }

    /// SIGKILL: a Python child started by the test runner may not act on SIGTERM.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    var requests: [Request] {
        guard let text = try? String(contentsOfFile: directory + "/log.jsonl", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Request.self, from: Data($0.utf8)) }
    }

    func body(_ n: Int) -> [UInt8] { FileManager.default.contents(atPath: directory + "/body-\(n)").map { [UInt8]($0) } ?? [] }
}

/// The HTTP (webhook) destination against real HTTP(S) servers: 2xx delivered, 408/429/5xx retried, other 4xx
/// dead-lettered, in order; ER7 or JSON bodies after the channel's transforms; headers from the configuration;
/// HTTPS with the server checked against a CA and a client certificate; DICOM instances streamed from the store.
@Suite(.serialized) struct HTTPDestinationTests {
    static let quiet = Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() })

    static func message(_ cid: String) throws -> Message {
        try Message("MSH|^~\\&|RIS|HOSP|LAB|HOSP|20260101||ORM^O01|\(cid)|P|2.3.1\rPID|1||MRN^^^HOSP^MR||MÜLLER^JÖRG\r")
    }

    /// Journals `ids` for `queue`, runs a worker with `sender` until `done` holds for the entries' statuses.
    static func deliver(_ ids: [String], sender: HTTPSender, until done: ([QueueEntry]) -> Bool) async throws -> (SQLiteStore, [MessageID], [QueueStatus]) {
        let dir = try Peers.temporaryDirectory("webhook-store")
        try FileManager.default.createDirectory(atPath: dir + "/content", withIntermediateDirectories: true)
        let store = try SQLiteStore(path: dir + "/store.sqlite", contentDirectory: dir + "/content")
        var journaled: [MessageID] = []
        for cid in ids {
            journaled.append(try await store.receive(InboundMessage(try message(cid), channel: "c"), deliveries: [Delivery(destination: "c/hook")]).id)
        }
        var policy = RetryPolicy()
        policy.initialDelay = .milliseconds(10)
        policy.maximumDelay = .milliseconds(50)
        let worker = DeliveryWorker(queue: "c/hook", store: store, sender: sender, policy: policy, logger: quiet)
        let run = Task { await worker.run() }
        let end = ContinuousClock.now + .seconds(30)
        var entries: [QueueEntry] = []
        while ContinuousClock.now < end {
            entries = []
            for id in journaled { entries += try await store.message(id)?.entries ?? [] }
            if done(entries) { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        run.cancel()
        await run.value
        return (store, journaled, entries.map(\.status))
    }

    @Test func er7DeliveryRetriesAndDeadLetters() async throws {
        guard Peers.need("python3", Peers.available("python3")) else { return }
        let server = try WebhookServer()
        defer { server.stop() }
        var endpoint = HTTPEndpoint(url: "http://127.0.0.1:\(server.port)/hl7/in")
        endpoint.headers = ["Authorization": "Bearer s3cret"]
        let sender = try HTTPSender(endpoint: endpoint, contentDirectory: "/nonexistent", transforms: [.set(path: "MSH-5", value: "WEBHOOK")])
        let (store, ids, statuses) = try await Self.deliver(["OK1", "RETRY2", "BAD3", "OK4"], sender: sender) {
            $0.map(\.status) == [.sent, .sent, .deadLettered, .sent]
        }
        #expect(statuses == [.sent, .sent, .deadLettered, .sent], "5xx retried until 2xx; 400 is a rejection, dead-lettered")
        let requests = server.requests
        #expect(requests.map(\.cid) == ["OK1", "RETRY2", "RETRY2", "RETRY2", "BAD3", "OK4"], "in order, each retried entry again")
        #expect(requests.allSatisfy { $0.path == "/hl7/in" && $0.headers["content-type"] == "x-application/hl7-v2+er7" })
        #expect(requests.allSatisfy { $0.headers["authorization"] == "Bearer s3cret" })
        #expect(requests.filter { $0.cid == "RETRY2" }.map { $0.headers["x-isthmus-attempt"] } == ["1", "2", "3"])
        #expect(requests[0].headers["x-isthmus-message-id"] == "\(ids[0])")
        let first = try Message(server.body(1))
        #expect(first.value(at: "MSH-5") == "WEBHOOK", "the channel's transforms are applied")
        #expect(first.value(at: "PID-5.1") == "MÜLLER")
        #expect(try await store.message(ids[1])?.entries.first?.response == "HTTP 200")
        let dead = try #require(try await store.message(ids[2])?.entries.first)
        #expect(dead.lastError?.contains("HTTP 400") == true)
        try await store.close()
    }

    @Test func jsonOverMutualTLS() async throws {
        guard Peers.need("python3 and openssl", Peers.available("python3") && Peers.available("openssl")) else { return }
        let certs = try TestCertificates.make()
        let server = try WebhookServer(certificate: certs.serverCertificate, key: certs.serverKey, clientCA: certs.caCertificate)
        defer { server.stop() }
        var endpoint = HTTPEndpoint(url: "https://localhost:\(server.port)/hook")
        endpoint.format = .json
        endpoint.tls = TLSSettings(certificate: certs.clientCertificate, key: certs.clientKey, ca: certs.caCertificate)
        let sender = try HTTPSender(endpoint: endpoint, contentDirectory: "/nonexistent")
        let (store, _, statuses) = try await Self.deliver(["J1", "J2"], sender: sender) { $0.map(\.status) == [.sent, .sent] }
        #expect(statuses == [.sent, .sent])
        let requests = server.requests
        #expect(requests.map(\.cid) == ["J1", "J2"])
        #expect(requests.allSatisfy { $0.client == "client" && $0.headers["content-type"] == "application/json" }, "our client certificate was checked")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(server.body(1))) as? [String: Any])
        let segments = try #require(json["segments"] as? [[String: Any]])
        #expect(segments.map { $0["id"] as? String } == ["MSH", "PID"])
        #expect(HL7JSON.encode(try Self.message("J1")) == server.body(1), "the documented JSON form of the message")
        try await store.close()

        // A server whose certificate does not chain to the configured CA is never sent anything.
        var wrong = endpoint
        wrong.timeout = .seconds(1) // async-http-client keeps trying to connect until the request's deadline
        wrong.tls = TLSSettings(certificate: certs.clientCertificate, key: certs.clientKey, ca: certs.otherCACertificate)
        let refused = try HTTPSender(endpoint: wrong, contentDirectory: "/nonexistent")
        let (store2, ids2, _) = try await Self.deliver(["UNTRUSTED"], sender: refused) { $0.first.map { $0.attempts >= 2 } ?? false }
        let entry = try #require(try await store2.message(ids2[0])?.entries.first)
        #expect(entry.status == .pending && entry.attempts >= 2 && entry.lastError?.contains("POST") == true, "a TLS failure is a transport failure: retried, not sent")
        #expect(server.requests.count == 2)
        try await store2.close()
    }

    @Test func badTLSFilesAreAnErrorAtStart() {
        var endpoint = HTTPEndpoint(url: "https://localhost:1/hook")
        endpoint.tls = TLSSettings(ca: "/nonexistent/ca.pem")
        #expect(throws: (any Error).self) { try HTTPSender(endpoint: endpoint, contentDirectory: "/") }
    }

    @Test func configurationReadsWebhookSettings() throws {
        setenv("ISTHMUS_TEST_WEBHOOK_TOKEN", "t0ken", 1)
        defer { unsetenv("ISTHMUS_TEST_WEBHOOK_TOKEN") }
        let yaml = """
        listeners:
          mllp: [ { name: in, port: 2575 } ]
        channels:
          - name: all
            source: in
            destinations:
              - http: https://hooks.example.org/hl7
                name: hook
                format: json
                timeout: 5s
                headers: { Authorization: "Bearer ${ISTHMUS_TEST_WEBHOOK_TOKEN}", X-Site: north }
                tls: { ca: /etc/ssl/ca.pem }
        """
        let c = try ConfigurationLoader.parse(yaml, file: "t.yaml")
        guard case .http(let e) = c.channels.first?.destinations.first?.kind else {
            Issue.record("not an http destination")
            return
        }
        #expect(e.url == "https://hooks.example.org/hl7")
        #expect(e.format == .json)
        #expect(e.timeout == .seconds(5))
        #expect(e.headers == ["Authorization": "Bearer t0ken", "X-Site": "north"])
        #expect(e.tls?.ca == "/etc/ssl/ca.pem")

        func problems(_ destination: String) -> String {
            let yaml = "listeners:\n  mllp: [ { name: in, port: 2575 } ]\nchannels:\n  - name: all\n    source: in\n    destinations:\n      - \(destination)\n"
            do {
                _ = try ConfigurationLoader.parse(yaml, file: "t.yaml")
                return ""
            } catch {
                return "\(error)"
            }
        }
        #expect(problems("{ http: ftp://x/y }").contains("is not an http:// or https:// URL"))
        #expect(problems("{ http: http://x/y, tls: { ca: a.pem } }").contains("tls is for https:// URLs"))
        #expect(problems("{ http: http://x/y, headers: { A: \"${ISTHMUS_TEST_UNSET_VARIABLE}\" } }").contains("${ISTHMUS_TEST_UNSET_VARIABLE} is not set"))
        #expect(problems("{ http: http://x/y, format: xml }").contains("format"))
        #expect(problems("{ http: http://x/y, header: { A: b } }").contains("headers"), "a typo names the closest key")
        #expect(problems("{ http: http://x/y, headers: { \"A B\": c } }").contains("not a valid HTTP header name"))
    }

    /// `isthmus serve`: an HL7 message in over MLLP and a DICOM instance in over C-STORE are POSTed to the webhook;
    /// the ADT^A08 renamed the instance's patient first, so the instance goes out with the current name (PIR) while
    /// the stored file keeps its own.
    @Test func serveForwardsHL7AndDICOMToAWebhook() async throws {
        let corpus = Peers.pydicomCorpus.filter { $0.hasSuffix("/CT_small.dcm") }
        guard haveIsthmus(), Peers.need("python3", Peers.available("python3")),
              Peers.need("DCMTK storescu", Peers.available(Peers.storescu)), Peers.need("pydicom corpus", corpus.count == 1) else { return }
        let server = try WebhookServer()
        defer { server.stop() }
        setenv("ISTHMUS_TEST_WEBHOOK_TOKEN", "from-env", 1)
        defer { unsetenv("ISTHMUS_TEST_WEBHOOK_TOKEN") }
        let data = try Peers.temporaryDirectory("serve-webhook")
        let config = data + "/isthmus.yaml"
        try """
        listeners:
          mllp: [ { name: in, port: 0 } ]
          dicom: [ { name: scp, ae-title: ISTHMUS, port: 0 } ]
        channels:
          - name: hl7
            source: in
            transform: [ { set: { path: MSH-5, value: HOOK } } ]
            destinations:
              - { http: "http://127.0.0.1:\(server.port)/hl7", headers: { Authorization: "Bearer ${ISTHMUS_TEST_WEBHOOK_TOKEN}" } }
          - name: images
            source: scp
            destinations: [ { http: "http://127.0.0.1:\(server.port)/dicom" } ]
        workflow:
          patients: true
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let process = try await ServeProcess.start(data: data, ["--config", config])
        defer { process.kill() }
        let a08 = try Message("MSH|^~\\&|RIS|HOSP|LAB|HOSP|20260101||ADT^A08|W1|P|2.5.1\rEVN|A08|20260101\rPID|1||1CT1||RENAMED^PATIENT\r")
        try a08.serialized().withUnsafeBufferPointer { try Data($0).write(to: URL(fileURLWithPath: data + "/a08.hl7")) }
        let send = try Peers.run(isthmusExecutable, ["hl7", "send", "127.0.0.1:\(process.mllpPort)", data + "/a08.hl7"])
        #expect(send.status == 0, "\(send.stdout)\(send.stderr)")
        let store = try Peers.run(Peers.storescu, ["-aet", "CT01", "-aec", "ISTHMUS", "127.0.0.1", "\(process.dicomPort)", corpus[0]],
                                  environment: Peers.dcmtkEnvironment)
        #expect(store.status == 0, "\(store.stderr)")
        let end = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < end, server.requests.count < 2 { try await Task.sleep(for: .milliseconds(50)) }
        let requests = server.requests.sorted { $0.path < $1.path }
        try #require(requests.count == 2, "\(process.stderr)")
        #expect(requests[0].path == "/dicom" && requests[0].headers["content-type"] == "application/dicom")
        let original = try #require(FileManager.default.contents(atPath: corpus[0]))
        let posted = try DICOMFile.read(bytes: server.body(requests[0].n)).dataSet
        let sent = try DICOMFile.read(bytes: [UInt8](original)).dataSet
        #expect(posted.string(.sopInstanceUID) == sent.string(.sopInstanceUID))
        #expect(posted.string(.patientName) == "RENAMED^PATIENT", "forwarded with the current demographics")
        #expect(sent.string(.patientName) == "CompressedSamples^CT1")
        let stored = try FileManager.default.subpathsOfDirectory(atPath: data + "/content").filter { $0.hasSuffix(".dcm") }
        #expect(try DICOMFile.read(contentsOf: data + "/content/" + stored[0]).dataSet.string(.patientName) == "CompressedSamples^CT1",
                "the stored file is not changed")
        #expect(requests[0].headers["x-isthmus-sop-instance-uid"] == sent.string(.sopInstanceUID))
        #expect(requests[1].path == "/hl7" && requests[1].cid == "W1" && requests[1].headers["authorization"] == "Bearer from-env")
        #expect(try Message(server.body(requests[1].n)).value(at: "MSH-5") == "HOOK")
        #expect(process.terminate() == 0, "\(process.stderr)")
    }
}
