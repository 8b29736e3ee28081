import Foundation
import HL7
import IsthmusStore
import MLLP
import NIOConcurrencyHelpers
import Testing
import TestSupport

/// `kill -9` while messages are being sent and delivered: whatever was answered AA before a crash is in the
/// journal after it, and reaches the destination at least once.
@Suite(.serialized) struct CrashTests {
    @Test func everyAcknowledgedMessageSurvivesKill9AndReachesTheDestination() async throws {
        guard haveIsthmus() else { return }
        let destination = try await ArrivalListener()
        let data = try Peers.temporaryDirectory("serve-crash")
        let config = data + "/isthmus.yaml"
        try """
        listeners:
          mllp: [ { name: in, port: 0 } ]
          dicom: [ { name: scp, ae-title: ISTHMUS, port: 0 } ]
        peers:
          mllp: [ { name: destination, host: 127.0.0.1, port: \(destination.port) } ]
        channels:
          - name: all
            source: in
            destinations: [ { mllp: destination } ]
        """.write(toFile: config, atomically: true, encoding: .utf8)
        var server = try await ServeProcess.start(data: data, ["--config", config])
        let port = server.mllpPort
        let acked = Collected()
        let stop = LockedBox(false)
        let senders = Task {
            await withTaskGroup(of: Void.self) { group in
                for conn in 0 ..< Self.connections {
                    group.addTask {
                        var n = 0
                        var c = MLLPClient(host: "127.0.0.1", port: port, configuration: Self.oneAttempt)
                        while !stop.value {
                            let id = "K\(conn)-\(n)"
                            n += 1
                            guard let m = try? Message(ServeTests.hl7(id)) else { return }
                            if let ack = try? await c.send(m) {
                                if ack.code == "AA" { acked.append(id) }
                            } else {
                                // Server down: a new connection once it is back (the message is not sent again).
                                await c.close()
                                try? await Task.sleep(for: .milliseconds(50))
                                c = MLLPClient(host: "127.0.0.1", port: port, configuration: Self.oneAttempt)
                            }
                        }
                        await c.close()
                    }
                }
            }
        }
        // A kill after every `messages / (kills + 1)` more AAs; the last share is sent to the last restarted server.
        let step = Self.messages / (Self.kills + 1)
        var restarts = 0
        for round in 1 ... Self.kills {
            let target = round * step
            let deadline = Date().addingTimeInterval(60)
            while acked.count < target && Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
            #expect(acked.count >= target, "round \(round): the server stopped acknowledging")
            server.kill()
            server = try await ServeProcess.start(data: data, ["--config", config, "--mllp-port", String(port)])
            restarts += 1
        }
        let deadline = Date().addingTimeInterval(60)
        while acked.count < Self.messages && Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
        stop.set(true)
        await senders.value
        #expect(restarts == Self.kills)
        let ids = Set(acked.values)
        #expect(ids.count >= Self.messages, "every control ID is answered AA once")

        // A clean restart, then let delivery drain (a generous limit, not a timing assertion).
        #expect(server.terminate() == 0)
        server = try await ServeProcess.start(data: data, ["--config", config])
        let drained = Date().addingTimeInterval(120)
        while !destination.hasAll(ids) && Date() < drained { try await Task.sleep(for: .milliseconds(100)) }
        #expect(server.terminate() == 0, "\(server.stderr)")
        await destination.stop()

        let store = try SQLiteStore(path: data + "/isthmus.sqlite", contentDirectory: data + "/content")
        let journaled = Set(try await store.listMessages(limit: 0).map(\.controlID))
        let lost = ids.subtracting(journaled)
        #expect(lost.isEmpty, "\(lost.count) of \(ids.count) acknowledged messages not journaled: \(lost.sorted().prefix(10))")
        try await store.close()
        let arrivals = destination.arrivals.withLockedValue { $0 }
        let undelivered = ids.filter { arrivals[$0] == nil }
        #expect(undelivered.isEmpty, "\(undelivered.count) of \(ids.count) acknowledged messages never reached the destination: \(undelivered.sorted().prefix(10))")
        // Duplicates are allowed (a delivery in flight at a kill is sent again); report how many there were.
        let redelivered = arrivals.values.filter { $0 > 1 }.count
        print("crash test: \(ids.count) acknowledged, \(restarts) kills, \(arrivals.count) distinct arrivals, \(redelivered) redelivered")
    }

    /// AAs to collect in all: the issue asks for 10,000; the debug build on the 2-core machine gets them, the
    /// kills, the restarts and the drain done in well under a minute.
    static let messages = 10_000
    static let kills = 8
    static let connections = 8

    static let oneAttempt: MLLPClient.Configuration = {
        var c = MLLPClient.Configuration()
        c.maximumAttempts = 1
        c.ackTimeout = .seconds(10)
        return c
    }()
}
