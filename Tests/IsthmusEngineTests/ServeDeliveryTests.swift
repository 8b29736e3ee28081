import DICOM
import Foundation
import HL7
import IsthmusStore
import MLLP
import NIOCore
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `isthmus serve` end to end: in over MLLP or DICOM, journaled, routed by channel, out to real destinations.
@Suite(.serialized) struct ServeDeliveryTests {
    @Test func hl7IsRoutedByTypeTransformedAndDeliveredInOrder() async throws {
        guard haveIsthmus() else { return }
        let adt = try await RecordingListener()
        let orders = try await RecordingListener { m, _ in m.controlID == "O-BAD" ? "AR" : "AA" }
        defer { Task { await adt.stop(); await orders.stop() } }
        let data = try Peers.temporaryDirectory("serve-delivery")
        let config = data + "/isthmus.yaml"
        try """
        listeners:
          mllp: [ { name: in, port: 0 } ]
          dicom: [ { name: scp, ae-title: ISTHMUS, port: 0 } ]
        peers:
          mllp:
            - { name: adt-peer, host: 127.0.0.1, port: \(adt.port) }
            - { name: order-peer, host: 127.0.0.1, port: \(orders.port) }
        channels:
          - name: adt
            source: in
            filter: { path: MSH-9.1, equals: ADT }
            transform:
              - set: { path: MSH-5, value: ADTRCV }
              - drop-segments: Z*
            destinations: [ { mllp: adt-peer } ]
          - name: orders
            source: in
            filter: { path: MSH-9.1, equals: ORM }
            destinations: [ { mllp: order-peer }, { folder: \(data)/drop, name: archive } ]
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let server = try await ServeProcess.start(data: data, ["--config", config])
        defer { server.kill() }
        var cc = MLLPClient.Configuration()
        cc.ackTimeout = .seconds(20)
        let client = MLLPClient(host: "127.0.0.1", port: server.mllpPort, configuration: cc)
        var sent: [String] = []
        for i in 1 ... 30 {
            let id = "A\(i)"
            let ack = try await client.send(try Message(ServeTests.hl7(id) + "ZPD|private\r"))
            #expect(ack.code == "AA")
            sent.append(id)
        }
        for id in ["O1", "O-BAD", "O2"] {
            #expect(try await client.send(try Message(ServeTests.hl7(id, type: "ORM^O01"))).code == "AA")
        }
        await client.close()
        let end = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < end, adt.received.withLockedValue({ $0.count }) < 30 || orders.received.withLockedValue({ $0.count }) < 3 {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(adt.received.withLockedValue { $0 } == sent, "ADT delivered once each, in order")
        #expect(orders.received.withLockedValue { $0 } == ["O1", "O-BAD", "O2"])
        #expect(server.terminate() == 0, "\(server.stderr)")

        let store = try SQLiteStore(path: data + "/isthmus.sqlite", contentDirectory: data + "/content")
        let dead = try await store.listDeadLetters(destination: "orders/order-peer", limit: 0)
        #expect(dead.count == 1, "AR is dead-lettered")
        #expect(dead.first?.lastError?.contains("AR") == true)
        let drop = try FileManager.default.contentsOfDirectory(atPath: data + "/drop").filter { $0.hasSuffix(".hl7") }
        #expect(drop.count == 3, "the folder destination got every order")
        let a1 = try #require(try await store.listMessages(limit: 0).first { $0.controlID == "A1" })
        let bad = try #require(try await store.listMessages(limit: 0).first { $0.controlID == "O-BAD" })
        try await store.close()

        // Operations from the command line, on the stopped engine's store.
        func cli(_ args: [String]) throws -> (Int32, String) {
            let r = try Peers.run(isthmusExecutable, ["messages"] + args + ["--config", config, "--data", data])
            return (r.status, r.text + r.stderr)
        }
        let (listed, list) = try cli(["list", "--limit", "0"])
        #expect(listed == 0)
        #expect(list.split(separator: "\n").count == 33)
        let jsonLines = try cli(["list", "--channel", "orders", "--json"]).1.split(separator: "\n").map(String.init)
        #expect(jsonLines.count == 3)
        // The lines are written directly: the same text as JSONSerialization with sorted keys gives for them.
        func reserialized(_ line: String) throws -> (String, [String: Any]) {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return (String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self), object)
        }
        for line in jsonLines {
            let (again, object) = try reserialized(line)
            #expect(again == line)
            #expect(object["channel"] as? String == "orders" && object["receivedAt"] is String && object["id"] is Int)
        }
        let (_, deadJSON) = try cli(["dead-letters", "--json"])
        let (deadAgain, deadObject) = try reserialized(deadJSON.trimmingCharacters(in: .newlines))
        #expect(deadAgain == deadJSON.trimmingCharacters(in: .newlines), "slashes escaped, keys sorted, as before")
        #expect(deadObject["destination"] as? String == "orders/order-peer")
        #expect((deadObject["error"] as? String)?.contains("AR") == true)
        #expect(deadObject["message"] as? Int == Int(bad.id.rawValue) && deadObject["status"] as? String == "dead-lettered")
        let (_, shown) = try cli(["show", "\(bad.id)"])
        #expect(shown.contains("orders/order-peer") && shown.contains("dead-lettered") && shown.contains("AR"))
        let (_, a1Shown) = try cli(["show", "\(a1.id)"])
        #expect(a1Shown.contains("# as sent to adt/adt-peer") && a1Shown.contains("ADTRCV"), "the transformed form is shown")
        let (_, dl) = try cli(["dead-letters"])
        let entry = try #require(dl.split(separator: "\t").first.map(String.init))
        #expect(try cli(["release", entry]).0 == 0)
        #expect(try cli(["dead-letters"]).1.isEmpty)
        #expect(try cli(["resend", "\(a1.id)", "--destination", "adt/adt-peer"]).0 == 0)
        #expect(try cli(["replay", "\(a1.id)"]).1.contains("replayed\t1 queue entry"))
        #expect(try cli(["show", "999999"]).0 == 1)
        let reopened = try SQLiteStore(path: data + "/isthmus.sqlite", contentDirectory: data + "/content")
        let again = try #require(try await reopened.message(a1.id))
        #expect(again.entries.filter { $0.destination == "adt/adt-peer" }.count == 3, "sent + resent + replayed")
        #expect(try await reopened.message(bad.id)?.entries.first?.status == .pending, "released back to its queue")
        try await reopened.close()
    }

    @Test func transformedMessageIsWhatTheDestinationGets() async throws {
        guard haveIsthmus() else { return }
        let data = try Peers.temporaryDirectory("serve-transform")
        let config = data + "/isthmus.yaml"
        try """
        listeners:
          mllp: [ { name: in, port: 0 } ]
          dicom: [ { name: scp, ae-title: ISTHMUS, port: 0 } ]
        channels:
          - name: all
            source: in
            transform:
              - set: { path: MSH-5, value: ADTRCV }
              - drop-segments: Z*
            destinations: [ { folder: \(data)/out } ]
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let server = try await ServeProcess.start(data: data, ["--config", config])
        defer { server.kill() }
        let client = MLLPClient(host: "127.0.0.1", port: server.mllpPort)
        #expect(try await client.send(try Message(ServeTests.hl7("T1") + "ZPD|private\r")).code == "AA")
        await client.close()
        let end = ContinuousClock.now + .seconds(30)
        var files: [String] = []
        while ContinuousClock.now < end {
            files = ((try? FileManager.default.contentsOfDirectory(atPath: data + "/out")) ?? []).filter { $0.hasSuffix(".hl7") }
            if !files.isEmpty { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let file = try #require(files.first)
        let m = try Message([UInt8](try Data(contentsOf: URL(fileURLWithPath: data + "/out/" + file))))
        #expect(m.value(at: "MSH-5") == "ADTRCV")
        #expect(!m.segments.contains { $0.id == "ZPD" })
        #expect(server.terminate() == 0)
    }

    @Test func dicomInstanceIsForwardedToStorescp() async throws {
        let corpus = Peers.pydicomCorpus.filter { $0.hasSuffix("/CT_small.dcm") }
        guard haveIsthmus(), Peers.need("DCMTK storescp/storescu", Peers.available(Peers.storescp) && Peers.available(Peers.storescu)),
              Peers.need("pydicom corpus", corpus.count == 1) else { return }
        let probe = try await RecordingListener()
        let pacsPort = probe.port
        await probe.stop()
        let received = try Peers.temporaryDirectory("forwarded")
        let pacs = Process()
        pacs.executableURL = URL(fileURLWithPath: Peers.storescp)
        pacs.arguments = ["-aet", "PACS", "+xa", "-od", received, "\(pacsPort)"]
        pacs.environment = ProcessInfo.processInfo.environment.merging(Peers.dcmtkEnvironment) { $1 }
        pacs.standardOutput = FileHandle.nullDevice
        pacs.standardError = FileHandle.nullDevice
        try pacs.run()
        defer { kill(pacs.processIdentifier, SIGKILL); pacs.waitUntilExit() }

        let data = try Peers.temporaryDirectory("serve-forward")
        let config = data + "/isthmus.yaml"
        try """
        listeners:
          mllp: [ { name: in, port: 0 } ]
          dicom: [ { name: scp, ae-title: ISTHMUS, port: 0 } ]
        peers:
          dicom: [ { name: pacs, ae-title: PACS, host: 127.0.0.1, port: \(pacsPort) } ]
        channels:
          - name: to-pacs
            source: scp
            destinations: [ { dicom: pacs } ]
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let server = try await ServeProcess.start(data: data, ["--config", config])
        defer { server.kill() }
        let store = try Peers.run(Peers.storescu, ["-aet", "CT01", "-aec", "ISTHMUS", "127.0.0.1", "\(server.dicomPort)", corpus[0]],
                                  environment: Peers.dcmtkEnvironment)
        #expect(store.status == 0, "\(store.stderr)")
        let end = ContinuousClock.now + .seconds(60)
        var got: [String] = []
        while ContinuousClock.now < end {
            got = (try? FileManager.default.contentsOfDirectory(atPath: received)) ?? []
            if !got.isEmpty { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(got.count == 1)
        if let f = got.first {
            let original = try DICOMFile.read(contentsOf: corpus[0]).dataSet
            let forwarded = try DICOMFile.read(contentsOf: received + "/" + f).dataSet
            #expect(forwarded.string(.sopInstanceUID) == original.string(.sopInstanceUID))
            // The same elements, group lengths and trailing padding (FFFC,FFFC) aside: DCMTK writes neither.
            let tags = { (d: DataSet) in d.map(\.tag).filter { $0.element != 0 && $0 != Tag(0xFFFC, 0xFFFC) } }
            let (a, b) = (tags(forwarded), tags(original))
            #expect(a == b, "differ: \(Set(a).symmetricDifference(Set(b)))")
        }
        #expect(server.terminate() == 0)
    }
}
