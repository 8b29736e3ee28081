import DICOM
import Foundation
import HL7
import IsthmusEngine
import IsthmusStore
import Logging
import MLLP
import NIOConcurrencyHelpers
import NIOCore
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The retry policy as a value.
@Suite struct RetryPolicyTests {
    @Test func backoffDoublesUpToTheCap() {
        var p = RetryPolicy()
        p.initialDelay = .seconds(1)
        p.maximumDelay = .seconds(10)
        #expect(p.delay(afterAttempts: 1) == .seconds(1))
        #expect(p.delay(afterAttempts: 2) == .seconds(2))
        #expect(p.delay(afterAttempts: 4) == .seconds(8))
        #expect(p.delay(afterAttempts: 5) == .seconds(10))
        #expect(p.delay(afterAttempts: 500) == .seconds(10))
    }

    @Test func decisions() {
        var p = RetryPolicy()
        p.maximumAttempts = 3
        #expect(p.decision(afterAttempts: 1, failure: .transport) == .retry(after: p.initialDelay))
        #expect(p.decision(afterAttempts: 3, failure: .transport) == .deadLetter)
        #expect(p.decision(afterAttempts: 1, failure: .rejected) == .deadLetter)
        #expect(p.decision(afterAttempts: 1, failure: .unsendable) == .deadLetter)
        #expect(p.decision(afterAttempts: 2, failure: .applicationError) == .retry(after: .seconds(2)))
        p.retryApplicationErrors = false
        #expect(p.decision(afterAttempts: 1, failure: .applicationError) == .deadLetter)
        p.deadLetterRejections = false
        #expect(p.decision(afterAttempts: 1, failure: .rejected) == .retry(after: p.initialDelay))
        p.maximumAttempts = nil
        #expect(p.decision(afterAttempts: 10_000, failure: .transport) != .deadLetter)
    }
}

/// Each transform step on its own.
@Suite struct TransformerTests {
    let message = try! Message("MSH|^~\\&|RIS|HOSP|ISTHMUS|HOSP|20260101||ADT^A08|C1|P|2.3.1\rPID|1||123^^^HOSP^MR||DOE^JANE||19800101|F\rZPI|secret\rZXX|more\r")

    @Test func set() throws {
        let m = try Transformer.apply([.set(path: "MSH-5", value: "LAB"), .set(path: "MSH-12", value: "2.5.1")], to: message)
        #expect(m.value(at: "MSH-5") == "LAB" && m.value(at: "MSH-12") == "2.5.1")
        #expect(m.value(at: "PID-5.1") == "DOE")
    }

    @Test func copyKeepsComponents() throws {
        let m = try Transformer.apply([.copy(from: "PID-5", to: "PID-9")], to: message)
        #expect(m.value(at: "PID-9.1") == "DOE" && m.value(at: "PID-9.2") == "JANE")
    }

    @Test func delete() throws {
        let m = try Transformer.apply([.delete(path: "PID-7")], to: message)
        #expect(m.value(at: "PID-7") == "")
        #expect(m.value(at: "PID-8") == "F")
    }

    @Test func map() throws {
        let table = ["F": "2", "M": "1"]
        #expect(try Transformer.apply([.map(path: "PID-8", table: table, default: nil)], to: message).value(at: "PID-8") == "2")
        let other = try Transformer.apply([.set(path: "PID-8", value: "X"), .map(path: "PID-8", table: table, default: "9")], to: message)
        #expect(other.value(at: "PID-8") == "9")
        let kept = try Transformer.apply([.set(path: "PID-8", value: "X"), .map(path: "PID-8", table: table, default: nil)], to: message)
        #expect(kept.value(at: "PID-8") == "X")
    }

    @Test func dropSegments() throws {
        let m = try Transformer.apply([.dropSegments("ZPI")], to: message)
        #expect(m.segments.map(\.id) == ["MSH", "PID", "ZXX"])
        let z = try Transformer.apply([.dropSegments("Z*")], to: message)
        #expect(z.segments.map(\.id) == ["MSH", "PID"])
        #expect(try Transformer.apply([.dropSegments("MSH")], to: message).segments.first?.id == "MSH")
    }

    @Test func noStepsChangesNothing() throws {
        #expect(try Transformer.apply([], to: message).serialized() == message.serialized())
    }
}

/// An MLLP listener for the tests: records each message's control ID and answers with the code `answer` picks.
final class RecordingListener: Sendable {
    let server: MLLPServer
    let received = NIOLockedValueBox<[String]>([])
    /// The messages themselves, in arrival order.
    let messages = NIOLockedValueBox<[Message]>([])
    let task: Task<Void, Never>

    var port: Int { server.localPort ?? 0 }

    init(port: Int = 0, answer: @escaping @Sendable (Message, Int) -> String = { _, _ in "AA" }) async throws {
        server = try await MLLPServer.bind(host: "127.0.0.1", port: port)
        let server = self.server, received = self.received, messages = self.messages
        task = Task {
            try? await server.serve { payload in
                let m = try Message(Array(payload.readableBytesView))
                messages.withLockedValue { $0.append(m) }
                let seen = received.withLockedValue { r -> Int in
                    r.append(m.controlID ?? "")
                    return r.filter { $0 == m.controlID }.count
                }
                let ack = try m.acknowledgment(AcknowledgmentCode(rawValue: answer(m, seen))!, controlID: "ACK\(seen)")
                return ByteBuffer(bytes: ack.serialized())
            }
        }
    }

    func stop() async {
        await server.shutdown(gracePeriod: .seconds(1))
        task.cancel()
    }
}

/// Delivery workers against real destinations over loopback, with a real SQLite store.
@Suite(.serialized) struct DeliveryTests {
    let logger = Logger(label: "delivery-test", factory: { _ in SwiftLogNoOpLogHandler() })

    func store() throws -> (SQLiteStore, String) {
        let dir = try Peers.temporaryDirectory("delivery")
        try FileManager.default.createDirectory(atPath: dir + "/content", withIntermediateDirectories: true)
        return (try SQLiteStore(path: dir + "/store.sqlite", contentDirectory: dir + "/content"), dir)
    }

    func message(_ id: String) throws -> Message {
        try Message("MSH|^~\\&|RIS|HOSP|LAB|HOSP|20260101||ORM^O01|\(id)|P|2.3.1\rPID|1||MRN\(id)^^^HOSP^MR||DOE^JANE\r")
    }

    /// Journals `ids` with one queue entry each for `queue`; returns the message ids.
    func journal(_ store: SQLiteStore, _ ids: [String], queue: String) async throws -> [MessageID] {
        var out: [MessageID] = []
        for id in ids {
            let outcome = try await store.receive(InboundMessage(try message(id), channel: "c"), deliveries: [Delivery(destination: queue)])
            out.append(outcome.id)
        }
        return out
    }

    /// Waits (up to a generous limit, not a timing assertion) until `done` holds.
    func eventually(_ limit: Duration = .seconds(30), _ done: () async throws -> Bool) async throws -> Bool {
        let end = ContinuousClock.now + limit
        while ContinuousClock.now < end {
            if try await done() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try await done()
    }

    func statuses(_ store: SQLiteStore, _ ids: [MessageID]) async throws -> [QueueStatus] {
        var out: [QueueStatus] = []
        for id in ids { out += try await store.message(id)?.entries.map(\.status) ?? [] }
        return out
    }

    var fastPolicy: RetryPolicy {
        var p = RetryPolicy()
        p.initialDelay = .milliseconds(10)
        p.maximumDelay = .milliseconds(50)
        p.maximumAttempts = 3
        return p
    }

    @Test func mllpDeliveryIsInOrderAndAcknowledged() async throws {
        let (store, _) = try store()
        let listener = try await RecordingListener()
        let ids = (1 ... 40).map { "M\($0)" }
        let messages = try await journal(store, ids, queue: "c/lab")
        let worker = DeliveryWorker(queue: "c/lab", store: store,
                                    sender: MLLPSender(host: "127.0.0.1", port: listener.port, transforms: [.set(path: "MSH-5", value: "LAB2")]),
                                    policy: fastPolicy, logger: logger)
        let run = Task { await worker.run() }
        #expect(try await eventually { try await statuses(store, messages).allSatisfy { $0 == .sent } })
        run.cancel()
        await run.value
        #expect(listener.received.withLockedValue { $0 } == ids)
        let stored = try #require(try await store.message(messages[0]))
        #expect(stored.entries.first?.response == "AA M1")
        await listener.stop()
        try await store.close()
    }

    @Test func applicationErrorsAreRetriedThenDeadLettered() async throws {
        let (store, _) = try store()
        // M1: AE twice then AA; M2: always AE; M3: AR; M4: AA.
        let listener = try await RecordingListener { m, seen in
            switch m.controlID {
            case "M1": seen <= 2 ? "AE" : "AA"
            case "M2": "AE"
            case "M3": "AR"
            default: "AA"
            }
        }
        let messages = try await journal(store, ["M1", "M2", "M3", "M4"], queue: "c/lab")
        let worker = DeliveryWorker(queue: "c/lab", store: store, sender: MLLPSender(host: "127.0.0.1", port: listener.port),
                                    policy: fastPolicy, logger: logger)
        let run = Task { await worker.run() }
        #expect(try await eventually { try await statuses(store, messages) == [.sent, .deadLettered, .deadLettered, .sent] })
        run.cancel()
        await run.value
        let entries = try await (0 ..< 4).asyncMap { try await store.message(messages[$0])!.entries[0] }
        #expect(entries[0].attempts == 2)          // two AE, then AA
        #expect(entries[1].attempts == 3)          // maximumAttempts
        #expect(entries[1].lastError?.contains("AE") == true)
        #expect(entries[2].attempts == 1)          // AR: dead-lettered at once
        // In order: M1's retries before M2, M4 only after M3 left the queue.
        #expect(listener.received.withLockedValue { $0 } == ["M1", "M1", "M1", "M2", "M2", "M2", "M3", "M4"])
        #expect(try await store.listDeadLetters(destination: "c/lab", limit: 0).map(\.messageID) == [messages[1], messages[2]])
        await listener.stop()
        try await store.close()
    }

    @Test func anOutageDelaysDeliveryButLosesNothing() async throws {
        let (store, _) = try store()
        // Find a free port, then nobody listens on it until later.
        let probe = try await RecordingListener()
        let port = probe.port
        await probe.stop()
        var policy = fastPolicy
        policy.maximumAttempts = nil
        let messages = try await journal(store, ["O1", "O2", "O3"], queue: "c/lab")
        let worker = DeliveryWorker(queue: "c/lab", store: store, sender: MLLPSender(host: "127.0.0.1", port: port), policy: policy, logger: logger)
        let run = Task { await worker.run() }
        #expect(try await eventually { try await store.message(messages[0])!.entries[0].attempts >= 3 })
        #expect(try await statuses(store, messages).allSatisfy { $0 != .sent })
        let listener = try await RecordingListener(port: port)
        #expect(try await eventually { try await statuses(store, messages).allSatisfy { $0 == .sent } })
        run.cancel()
        await run.value
        #expect(listener.received.withLockedValue { $0 } == ["O1", "O2", "O3"])
        await listener.stop()
        try await store.close()
    }

    @Test func pythonHL7ListenerAsDestination() async throws {
        guard Peers.need("python-hl7 (pip install hl7)", (try? Peers.run("python3", ["-c", "import hl7.mllp"]))?.status == 0) else { return }
        let script = Peers.repositoryRoot.appendingPathComponent("Scripts/mllp-ack-server.py").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, "0"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { p.terminate(); p.waitUntilExit() }
        // "listening on PORT"
        var line = Data()
        while !line.contains(0x0A) {
            let d = out.fileHandleForReading.availableData
            if d.isEmpty { break }
            line.append(d)
        }
        let port = try #require(Int(String(decoding: line, as: UTF8.self).split(separator: " ").last!.trimmingCharacters(in: .whitespacesAndNewlines)))
        let (store, _) = try store()
        // REJECT… control IDs are answered AE by the script.
        let messages = try await journal(store, ["P1", "REJECT-P2", "P3"], queue: "c/py")
        var policy = fastPolicy
        policy.maximumAttempts = 2
        let worker = DeliveryWorker(queue: "c/py", store: store, sender: MLLPSender(host: "127.0.0.1", port: port), policy: policy, logger: logger)
        let run = Task { await worker.run() }
        #expect(try await eventually { try await statuses(store, messages) == [.sent, .deadLettered, .sent] })
        run.cancel()
        await run.value
        try await store.close()
    }

    @Test func folderDestinationWritesEachMessageOnce() async throws {
        let (store, dir) = try store()
        let messages = try await journal(store, ["F1", "F2"], queue: "c/drop")
        let worker = DeliveryWorker(queue: "c/drop", store: store,
                                    sender: FolderSender(directory: dir + "/drop", contentDirectory: dir + "/content", transforms: [.dropSegments("PID")]),
                                    policy: fastPolicy, logger: logger)
        let run = Task { await worker.run() }
        #expect(try await eventually { try await statuses(store, messages).allSatisfy { $0 == .sent } })
        run.cancel()
        await run.value
        let files = try FileManager.default.contentsOfDirectory(atPath: dir + "/drop").sorted()
        #expect(files.count == 2)
        #expect(files.allSatisfy { $0.hasSuffix(".hl7") && !$0.hasPrefix(".") })
        let first = try Message([UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/drop/" + files[0]))))
        #expect(first.segments.map(\.id) == ["MSH"])
        try await store.close()
    }

    @Test func dicomDestinationSendsStoredInstancesToStorescp() async throws {
        let corpus = Peers.pydicomCorpus.filter { $0.hasSuffix("CT_small.dcm") || $0.hasSuffix("MR_small.dcm") }
        guard Peers.need("DCMTK storescp", Peers.available(Peers.storescp)), Peers.need("pydicom corpus", corpus.count == 2) else { return }
        let (store, dir) = try store()
        var ids: [MessageID] = []
        for (i, path) in corpus.enumerated() {
            let relative = "i\(i).dcm"
            try FileManager.default.copyItem(atPath: path, toPath: dir + "/content/" + relative)
            let file = try DICOMFile.read(contentsOf: dir + "/content/" + relative)
            let record = try InstanceRecord(file: file, path: relative, size: 0, callingAE: "MODALITY")
            let outcome = try await store.indexInstance(record, policy: .ignore, channel: "c", deliveries: [Delivery(destination: "c/pacs")])
            if case .indexed(let message) = outcome, let id = message { ids.append(id) }
        }
        #expect(ids.count == 2)
        let probe = try await RecordingListener()
        let port = probe.port
        await probe.stop()
        let received = try Peers.temporaryDirectory("storescp-delivery")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Peers.storescp)
        p.arguments = ["-aet", "PACS", "+xa", "-od", received, "\(port)"]
        p.environment = ProcessInfo.processInfo.environment.merging(Peers.dcmtkEnvironment) { $1 }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
        var policy = fastPolicy
        policy.maximumAttempts = nil   // storescp may take a moment to listen: transport failures are retried
        let worker = DeliveryWorker(queue: "c/pacs", store: store,
                                    sender: DICOMSender(host: "127.0.0.1", port: port, calledAETitle: "PACS", callingAETitle: "ISTHMUS", contentDirectory: dir + "/content"),
                                    policy: policy, logger: logger)
        let run = Task { await worker.run() }
        #expect(try await eventually { try await statuses(store, ids).allSatisfy { $0 == .sent } })
        run.cancel()
        await run.value
        let got = try FileManager.default.contentsOfDirectory(atPath: received)
        #expect(got.count == 2)
        // The same data sets arrived.
        let sent = Set(try corpus.map { try DICOMFile.read(contentsOf: $0).dataSet.string(.sopInstanceUID) ?? "" })
        let arrived = Set(try got.map { try DICOMFile.read(contentsOf: received + "/" + $0).dataSet.string(.sopInstanceUID) ?? "" })
        #expect(sent == arrived)
        try await store.close()
    }
}

extension Sequence {
    func asyncMap<T>(_ f: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for e in self { out.append(try await f(e)) }
        return out
    }
}
