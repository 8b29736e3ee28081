import Foundation
import HL7
import IsthmusStore
import MLLP
import Testing
import TestSupport

/// `kill -9` while messages are being sent: whatever was answered AA before the crash is in the journal after it.
@Suite(.serialized) struct CrashTests {
    @Test func everyAcknowledgedMessageSurvivesKill9() async throws {
        guard haveIsthmus() else { return }
        let data = try Peers.temporaryDirectory("serve-crash")
        var server = try await ServeProcess.start(data: data)
        let port = server.mllpPort
        let acked = Collected()
        let stop = LockedBox(false)
        let senders = Task {
            await withTaskGroup(of: Void.self) { group in
                for conn in 0 ..< 4 {
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
                                // Server down: a new connection once it is back.
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
        var restarts = 0
        for round in 1 ... Self.kills {
            let target = acked.count + 300
            let deadline = Date().addingTimeInterval(60)
            while acked.count < target && Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
            #expect(acked.count >= target, "round \(round): the server stopped acknowledging")
            server.kill()
            server = try await ServeProcess.start(data: data, ["--mllp-port", String(port)])
            restarts += 1
        }
        let final = acked.count + 100
        let deadline = Date().addingTimeInterval(60)
        while acked.count < final && Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
        stop.set(true)
        await senders.value
        #expect(server.terminate() == 0)
        #expect(restarts == Self.kills)

        let store = try SQLiteStore(path: data + "/isthmus.sqlite", contentDirectory: data + "/content")
        let journaled = Set(try await store.listMessages(limit: 0).map(\.controlID))
        let missing = acked.values.filter { !journaled.contains($0) }
        #expect(missing.isEmpty, "\(missing.count) of \(acked.count) acknowledged messages lost: \(missing.prefix(10))")
        #expect(acked.count >= Self.kills * 300 + 100)
        try await store.close()
    }

    static let kills = 5

    static let oneAttempt: MLLPClient.Configuration = {
        var c = MLLPClient.Configuration()
        c.maximumAttempts = 1
        c.ackTimeout = .seconds(10)
        return c
    }()
}
