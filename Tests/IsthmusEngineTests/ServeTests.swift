import DICOM
import Foundation
import HL7
import IsthmusStore
import MLLP
import NIOCore
import Testing
import TestSupport

/// `isthmus serve` run as users run it (a child process, port 0, a temporary data directory), fed by the project's
/// MLLP client, python-hl7's `mllp_send` and DCMTK's `echoscu`/`storescu`; the store is opened afterwards to check
/// that what was acknowledged is there.
@Suite(.serialized) struct ServeTests {
    static func hl7(_ controlID: String, type: String = "ADT^A01", sender: String = "LAB") -> String {
        "MSH|^~\\&|\(sender)|FAC|ISTHMUS|FAC|20260101120000||\(type)|\(controlID)|P|2.5.1\rEVN|A01|20260101120000\rPID|1||P100^^^FAC^MR||DOE^JANE\r"
    }

    private func client(_ port: Int, attempts: Int = 3) -> MLLPClient {
        var c = MLLPClient.Configuration()
        c.maximumAttempts = attempts
        c.ackTimeout = .seconds(20)
        return MLLPClient(host: "127.0.0.1", port: port, configuration: c)
    }

    @Test func hl7IsJournaledBeforeAAAndDuplicatesAreNotEnqueuedTwice() async throws {
        guard haveIsthmus() else { return }
        let data = try Peers.temporaryDirectory("serve-hl7")
        let config = data + "/isthmus.yaml"
        try """
        listeners:
          mllp: [ { name: in, port: 0 } ]
          dicom: [ { name: scp, ae-title: ISTHMUS, port: 0 } ]
        peers:
          mllp: [ { name: ris, host: 127.0.0.1, port: 9 } ]
        channels:
          - name: adt
            source: in
            filter: { path: MSH-9.1, equals: ADT }
            destinations: [ { mllp: ris } ]
        duplicates: { hl7-window: 1h }
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let server = try await ServeProcess.start(data: data, ["--config", config])
        defer { server.kill() }
        let c = client(server.mllpPort)
        for id in ["C1", "C2", "C1"] {
            let ack = try await c.send(try Message(Self.hl7(id)))
            #expect(ack.code == "AA" && ack.controlID == id)
        }
        let orm = try await c.send(try Message(Self.hl7("O1", type: "ORM^O01")))
        #expect(orm.code == "AA")
        // Not HL7: AR with an ERR segment (ERR-3 100 segment sequence error).
        let reply = try await c.sendRaw(ByteBuffer(string: "this is not hl7"))
        let ar = try Message(Array(reply.readableBytesView))
        #expect(ar["MSA-1"] == "AR")
        #expect(ar["ERR-3.1"] == "100")
        // No MSH-10: AR naming MSH-10.
        let noID = try await c.sendRaw(ByteBuffer(string: "MSH|^~\\&|LAB|FAC|||20260101||ADT^A01||P|2.5.1\rPID|1\r"))
        let ar2 = try Message(Array(noID.readableBytesView))
        #expect(ar2["MSA-1"] == "AR")
        #expect(ar2["ERR-2.1"] == "MSH" && ar2["ERR-2.3"] == "10" && ar2["ERR-3.1"] == "101")
        await c.close()
        #expect(server.terminate() == 0, "\(server.stdout)\(server.stderr)")
        #expect(!server.stdout.contains("DOE"), "no PHI in the log")

        let store = try SQLiteStore(path: data + "/isthmus.sqlite", contentDirectory: data + "/content")
        let messages = try await store.listMessages(limit: 0)
        #expect(messages.map(\.controlID).sorted() == ["C1", "C2", "O1"])
        let c1 = try #require(messages.first { $0.controlID == "C1" })
        let stored = try #require(try await store.message(c1.id))
        #expect(stored.raw == Array(Self.hl7("C1").utf8))
        #expect(stored.entries.map(\.destination) == ["adt/ris"], "the duplicate was not enqueued again")
        let o1 = try #require(messages.first { $0.controlID == "O1" })
        #expect(try await store.message(o1.id)?.entries.isEmpty == true, "the ADT filter kept the ORM out")
        try await store.close()
    }

    @Test func pythonMLLPSendGetsAA() async throws {
        guard haveIsthmus(), Peers.need("mllp_send (pip install hl7)", Peers.available("mllp_send")) else { return }
        let data = try Peers.temporaryDirectory("serve-py")
        let server = try await ServeProcess.start(data: data)
        defer { server.kill() }
        let file = data + "/in.hl7"
        try [Self.hl7("PY1"), Self.hl7("PY2", type: "ORU^R01")].joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let sent = try await Task.detached { try Peers.run("mllp_send", ["--loose", "-f", file, "-p", String(server.mllpPort), "127.0.0.1"]) }.value
        #expect(sent.status == 0, "\(sent.stderr)")
        let acks = try sent.stdout.split(separator: 0x0B).map { Array($0.prefix { $0 != 0x1C }) }
            .filter { $0.starts(with: Array("MSH".utf8)) }.map { try Message($0) }
        #expect(acks.map { $0["MSA-1"] } == ["AA", "AA"])
        #expect(acks.map { $0["MSA-2"] } == ["PY1", "PY2"])
        #expect(server.terminate() == 0)
        let store = try SQLiteStore(path: data + "/isthmus.sqlite", contentDirectory: data + "/content")
        #expect(try await store.listMessages(limit: 0).map(\.controlID).sorted() == ["PY1", "PY2"])
        try await store.close()
    }

    /// A CT instance made with the DICOM target, written as a Part 10 file.
    static func writeInstance(_ path: String, sop: String, study: String = "1.2.826.0.1.3680043.10.1472.9.1", series: String = "1.2.826.0.1.3680043.10.1472.9.1.1",
                              pixelBytes: Int = 0) throws {
        var ds = DataSet()
        try ds.set(.sopClassUID, string: "1.2.840.10008.5.1.4.1.1.2")
        try ds.set(.sopInstanceUID, string: sop)
        try ds.set(Tag(0x0020, 0x000D), string: study)
        try ds.set(Tag(0x0020, 0x000E), string: series)
        try ds.set(.patientID, string: "P100")
        try ds.set(.patientName, string: "DOE^JANE")
        try ds.set(Tag(0x0008, 0x0060), string: "CT")
        try ds.set(Tag(0x0020, 0x0013), integers: [1])
        if pixelBytes > 0 { ds.set(Tag(0x7FE0, 0x0010), vr: .OB, bytes: [UInt8](repeating: 0x5A, count: pixelBytes)) }
        try DICOMFile(dataSet: ds, transferSyntax: .explicitVRLittleEndian).write(toPath: path, sync: false)
    }

    @Test func dicomStoreIsFiledAndIndexed() async throws {
        guard haveIsthmus(), Peers.need("DCMTK storescu", Peers.available(Peers.storescu)),
              Peers.need("DCMTK echoscu", Peers.available(Peers.echoscu)) else { return }
        let data = try Peers.temporaryDirectory("serve-dicom")
        let config = data + "/isthmus.yaml"
        try """
        listeners:
          dicom: [ { name: scp, ae-title: ISTHMUS, port: 0, allowed-calling-aes: [CT01, ECHOSCU] } ]
          mllp: [ { name: in, port: 0 } ]
        peers:
          dicom: [ { name: pacs, ae-title: PACS, host: 127.0.0.1, port: 104 } ]
        channels:
          - name: ct
            source: scp
            filter: { all: [ { tag: Modality, in: [CT] }, { calling-ae: true, equals: CT01 } ] }
            destinations: [ { dicom: pacs } ]
          - name: mr
            source: scp
            filter: { tag: "(0008,0060)", equals: MR }
            destinations: [ { dicom: pacs } ]
        duplicates: { sop-instance: reject }
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let server = try await ServeProcess.start(data: data, ["--config", config])
        defer { server.kill() }
        let port = String(server.dicomPort)
        let echo = try await Task.detached { try Peers.run(Peers.echoscu, ["-aec", "ISTHMUS", "127.0.0.1", port], environment: Peers.dcmtkEnvironment) }.value
        #expect(echo.status == 0, "\(echo.stderr)")
        // A calling AE not in allowed-calling-aes is rejected at association.
        let stranger = try await Task.detached { try Peers.run(Peers.echoscu, ["-aet", "STRANGER", "-aec", "ISTHMUS", "127.0.0.1", port], environment: Peers.dcmtkEnvironment) }.value
        #expect(stranger.status != 0)
        let sop = "1.2.826.0.1.3680043.10.1472.9.1.1.1"
        let file = data + "/ct.dcm"
        try Self.writeInstance(file, sop: sop)
        let stored = try await Task.detached { try Peers.run(Peers.storescu, ["-aet", "CT01", "-aec", "ISTHMUS", "127.0.0.1", port, file], environment: Peers.dcmtkEnvironment) }.value
        #expect(stored.status == 0, "\(stored.stderr)")
        // The same SOP Instance again, under the reject policy: a failure status (storescu reports it).
        let again = try await Task.detached { try Peers.run(Peers.storescu, ["-v", "-aet", "CT01", "-aec", "ISTHMUS", "127.0.0.1", port, file], environment: Peers.dcmtkEnvironment) }.value
        // (DCMTK prints 0111H Duplicate SOP Instance, a PS3.7 Annex C status, as "Unknown Status: 0x111".)
        #expect((again.text + again.stderr).contains("Status: 0x111"), "\(again.text)\(again.stderr)")
        #expect(server.terminate() == 0, "\(server.stdout)")

        let path = data + "/content/1.2.826.0.1.3680043.10.1472.9.1/1.2.826.0.1.3680043.10.1472.9.1.1/\(sop).dcm"
        #expect(FileManager.default.fileExists(atPath: path))
        let received = try DICOMFile.read(contentsOf: path)
        #expect(received.dataSet.string(.sopInstanceUID) == sop)
        let incoming = try FileManager.default.contentsOfDirectory(atPath: data + "/incoming")
        #expect(incoming.isEmpty, "temporary files left: \(incoming)")
        let store = try SQLiteStore(path: data + "/isthmus.sqlite", contentDirectory: data + "/content")
        let record = try #require(try await store.instance(sopInstanceUID: sop))
        #expect(record.path == "1.2.826.0.1.3680043.10.1472.9.1/1.2.826.0.1.3680043.10.1472.9.1.1/\(sop).dcm")
        #expect(record.callingAE == "CT01" && record.modality == "CT" && record.patientID == "P100")
        // The CT channel's filter kept it: one journal entry with its queue entry, indexed in the same transaction.
        let journal = try await store.listMessages(limit: 0)
        #expect(journal.count == 1)
        if let m = journal.first {
            #expect(m.kind == .dicom && m.channel == "ct")
            #expect(try await store.message(m.id)?.entries.map(\.destination) == ["ct/pacs"])
        }
        try await store.close()
    }

    /// SIGTERM while storescu is sending a large instance: the association finishes, the instance is stored, exit 0.
    @Test func sigtermLetsAnAssociationInProgressFinish() async throws {
        guard haveIsthmus(), Peers.need("DCMTK storescu", Peers.available(Peers.storescu)) else { return }
        let data = try Peers.temporaryDirectory("serve-term-dicom")
        defer { try? FileManager.default.removeItem(atPath: data) } // 96 MiB
        let file = data + "/big.dcm"
        let sop = "1.2.826.0.1.3680043.10.1472.9.1.1.2"
        try Self.writeInstance(file, sop: sop, pixelBytes: 96 << 20)
        let server = try await ServeProcess.start(data: data + "/d")
        defer { server.kill() }
        let port = String(server.dicomPort)
        let sender = Task.detached { try Peers.run(Peers.storescu, ["-aet", "CT01", "-aec", "ISTHMUS", "127.0.0.1", port, file], environment: Peers.dcmtkEnvironment) }
        let deadline = Date().addingTimeInterval(30)
        while !server.stdout.contains("calling=CT01") && Date() < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(server.terminate() == 0, "\(server.stdout)")
        let sent = try await sender.value
        #expect(sent.status == 0, "\(sent.stderr)")
        let store = try SQLiteStore(path: data + "/d/isthmus.sqlite", contentDirectory: data + "/d/content")
        let record = try #require(try await store.instance(sopInstanceUID: sop))
        #expect(FileManager.default.fileExists(atPath: data + "/d/content/" + record.path))
        #expect(record.size > 96 << 20)
        try await store.close()
    }

    /// SIGTERM while messages are in flight over several connections: exit 0; every message answered AA is in the
    /// journal; a message not answered was simply not acknowledged (its connection closed).
    @Test func sigtermDrainsInFlightMessages() async throws {
        guard haveIsthmus() else { return }
        let data = try Peers.temporaryDirectory("serve-term")
        let server = try await ServeProcess.start(data: data)
        defer { server.kill() }
        let port = server.mllpPort
        let acked = Collected()
        let senders = Task {
            await withTaskGroup(of: Void.self) { group in
                for conn in 0 ..< 4 {
                    group.addTask {
                        let c = client(port, attempts: 1)
                        for n in 0 ..< 100_000 {
                            let id = "T\(conn)-\(n)"
                            guard let m = try? Message(Self.hl7(id)) else { return }
                            guard let ack = try? await c.send(m) else { break }
                            if ack.code == "AA" { acked.append(id) }
                        }
                        await c.close()
                    }
                }
            }
        }
        // Let some messages through, then stop the server under load.
        while acked.count < 50 { try await Task.sleep(for: .milliseconds(10)) }
        let status = server.terminate()
        await senders.value
        #expect(status == 0, "\(server.stdout)\(server.stderr)")
        #expect(server.stdout.contains("stopping"))
        let store = try SQLiteStore(path: data + "/isthmus.sqlite", contentDirectory: data + "/content")
        let journaled = Set(try await store.listMessages(limit: 0).map(\.controlID))
        let missing = acked.values.filter { !journaled.contains($0) }
        #expect(missing.isEmpty, "acknowledged but not journaled: \(missing.prefix(10))")
        try await store.close()
    }

    /// retention.max-age prunes at start: messages from a previous run that are older are gone.
    @Test func retentionPrunesAtStart() async throws {
        guard haveIsthmus() else { return }
        let data = try Peers.temporaryDirectory("serve-retention")
        let first = try await ServeProcess.start(data: data)
        let c = client(first.mllpPort)
        for id in ["R1", "R2"] { #expect(try await c.send(try Message(Self.hl7(id))).code == "AA") }
        await c.close()
        #expect(first.terminate() == 0)
        try await Task.sleep(for: .seconds(2))
        let config = data + "/isthmus.yaml"
        try "listeners: { mllp: [ { name: in, port: 0 } ], dicom: [ { name: scp, ae-title: ISTHMUS, port: 0 } ] }\nretention: { max-age: 1s, interval: 1h }\n".write(toFile: config, atomically: true, encoding: .utf8)
        let second = try await ServeProcess.start(data: data, ["--config", config])
        let deadline = Date().addingTimeInterval(20)
        while !second.stdout.contains("pruned") && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(second.stdout.contains("messages=2"), "\(second.stdout)")
        #expect(second.terminate() == 0)
        let store = try SQLiteStore(path: data + "/isthmus.sqlite", contentDirectory: data + "/content")
        #expect(try await store.listMessages(limit: 0).isEmpty)
        try await store.close()
    }

    /// A port already in use: exit 1 with the listener named, nothing left running.
    @Test func portInUseFailsToStart() async throws {
        guard haveIsthmus() else { return }
        let data = try Peers.temporaryDirectory("serve-busy")
        let first = try await ServeProcess.start(data: data + "/a")
        defer { first.kill() }
        let second = try await Task.detached {
            try Peers.run(isthmusExecutable, ["serve", "--data", data + "/b", "--host", "127.0.0.1", "--mllp-port", String(first.mllpPort), "--dicom-port", "0"])
        }.value
        #expect(second.status == 1)
        #expect(second.stderr.contains("listener mllp: cannot listen on 127.0.0.1:\(first.mllpPort)"), "\(second.stderr)")
        #expect(first.terminate() == 0)
    }

    @Test func configCheckAndExample() async throws {
        guard haveIsthmus() else { return }
        let dir = try Peers.temporaryDirectory("config")
        let example = try Peers.run(isthmusExecutable, ["config", "example"])
        #expect(example.status == 0)
        try example.stdout.write(to: URL(fileURLWithPath: dir + "/example.yaml"))
        let ok = try Peers.run(isthmusExecutable, ["config", "check", dir + "/example.yaml"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.text.contains("ok"))

        let bad = dir + "/bad.yaml"
        try """
        listeners:
          mllp:
            - name: in
              port: 99999
              idle-timout: 5m
          dicom:
            - name: scp
              port: "x"
        """.write(toFile: bad, atomically: true, encoding: .utf8)
        let out = try Peers.run(isthmusExecutable, ["config", "check", bad])
        #expect(out.status == 1)
        let lines = out.stderr.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("\(bad):4:13: listeners.mllp[0].port: port 99999 is out of range") }, "\(out.stderr)")
        #expect(lines.contains { $0.hasPrefix("\(bad):5:7: listeners.mllp[0].idle-timout: unknown key 'idle-timout' (did you mean 'idle-timeout'?)") }, "\(out.stderr)")
        #expect(lines.contains("\(bad):7:7: listeners.dicom[0].ae-title: missing required key 'ae-title'"), "\(out.stderr)")
        #expect(lines.contains("\(bad):8:13: listeners.dicom[0].port: expected a whole number, found 'x'"), "\(out.stderr)")
        #expect(lines.last == "\(bad): 4 problems")
        // serve refuses the same file with the same messages.
        let serve = try Peers.run(isthmusExecutable, ["serve", "--config", bad, "--data", dir + "/data"])
        #expect(serve.status == 1)
        #expect(serve.stderr.contains("\(bad):4:13: listeners.mllp[0].port"))
    }
}

/// Strings collected from concurrent tasks.
final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func append(_ s: String) { lock.lock(); items.append(s); lock.unlock() }
    var values: [String] { lock.lock(); defer { lock.unlock() }; return items }
    var count: Int { values.count }
}
