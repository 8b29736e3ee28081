import HL7
import MLLP
import NIOCore
import NIOConcurrencyHelpers
import Testing

/// An ACK for `payload` (AA, or AE when its control ID starts with "REJECT"), as a receiver makes it.
func acknowledge(_ payload: ByteBuffer, controlIDPrefix: String = "ACK-") throws -> ByteBuffer {
    let m = try Message(Array(payload.readableBytesView))
    let code: AcknowledgmentCode = (m.controlID ?? "").hasPrefix("REJECT") ? .AE : .AA
    let time = HL7Timestamp(year: 2026, month: 1, day: 1, hour: 12, minute: 0, second: 1)
    return ByteBuffer(bytes: try m.acknowledgment(code, controlID: controlIDPrefix + (m.controlID ?? ""), timestamp: time).serialized())
}

func testMessage(_ control: String) -> ByteBuffer {
    ByteBuffer(string: "MSH|^~\\&|SND|FAC|RCV|FAC|20260101120000||ADT^A01^ADT_A01|\(control)|P|2.5.1\rPID|1||X1^^^FAC^MR\r")
}

/// Runs `body` against a server on an ephemeral port that answers with `handler`.
func withServer(_ handler: @escaping MLLPServer.Handler, _ body: (MLLPServer, Int) async throws -> Void) async throws {
    try await withServer(MLLPServer.Configuration(), handler, body)
}

/// Runs `body` against a server configured with `configuration` on an ephemeral port that answers with `handler`.
func withServer(_ configuration: MLLPServer.Configuration, _ handler: @escaping MLLPServer.Handler,
                _ body: (MLLPServer, Int) async throws -> Void) async throws {
    let server = try await MLLPServer.bind(host: "127.0.0.1", port: 0, configuration: configuration)
    let port = try #require(server.localPort)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.serve(handler) }
        do {
            try await body(server, port)
        } catch {
            await server.shutdown(gracePeriod: .seconds(1))
            throw error
        }
        await server.shutdown(gracePeriod: .seconds(5))
        try await group.waitForAll()
    }
}

/// Live-socket tests on the loopback interface (ephemeral ports).
@Suite struct MLLPServerClientTests {
    @Test func messagesAreAcknowledgedInOrder() async throws {
        try await withServer({ try acknowledge($0) }) { _, port in
            let connection = try await MLLPConnection.connect(host: "127.0.0.1", port: port)
            let r1 = try await connection.send(testMessage("C1"))
            let r2 = try await connection.send(testMessage("C2"))
            let acks = try [r1, r2].map { try Message(Array($0.readableBytesView)) }
            #expect(acks.map { $0["MSA-1"] } == ["AA", "AA"])
            #expect(acks.map { $0["MSA-2"] } == ["C1", "C2"])
            #expect(acks.map { $0["MSH-10"] } == ["ACK-C1", "ACK-C2"])
            #expect(acks[0]["MSH-3"] == "RCV")
            await connection.close()
        }
    }

    @Test func pipelinedBlocksOnOneConnectionAreHandledInOrder() async throws {
        let seen = NIOLockedValueBox<[String]>([])
        try await withServer({ payload in
            let m = try Message(Array(payload.readableBytesView))
            // Later messages finish faster: only in-order handling keeps the order.
            let n = Int(m.controlID?.dropFirst() ?? "0") ?? 0
            try await Task.sleep(for: .milliseconds(20 - n))
            seen.withLockedValue { $0.append(m.controlID ?? "") }
            return try acknowledge(payload)
        }) { _, port in
            let connection = try await MLLPConnection.connect(host: "127.0.0.1", port: port)
            let ids = (0 ..< 10).map { "P\($0)" }
            let replies = try await withThrowingTaskGroup(of: (Int, ByteBuffer).self) { group in
                for (i, id) in ids.enumerated() {
                    group.addTask { (i, try await connection.send(testMessage(id))) }
                    try await Task.sleep(for: .milliseconds(1)) // keep the write order
                }
                var out: [(Int, ByteBuffer)] = []
                for try await r in group { out.append(r) }
                return out.sorted { $0.0 < $1.0 }.map(\.1)
            }
            let acked = try replies.map { try MLLPAcknowledgment(reply: $0, expectedControlID: nil).controlID }
            #expect(acked == ids)
            #expect(seen.withLockedValue { $0 } == ids)
            await connection.close()
        }
    }

    @Test func manyConcurrentConnectionsThroughAPool() async throws {
        try await withServer({ try acknowledge($0) }) { server, port in
            let pool = MLLPClientPool(host: "127.0.0.1", port: port, size: 8)
            let acks = try await withThrowingTaskGroup(of: MLLPAcknowledgment.self) { group in
                for i in 0 ..< 400 { group.addTask { try await pool.send(testMessage("M\(i)"), controlID: "M\(i)") } }
                var out: [MLLPAcknowledgment] = []
                for try await a in group { out.append(a) }
                return out
            }
            #expect(acks.count == 400)
            #expect(acks.allSatisfy { $0.isAccepted })
            #expect(Set(acks.map(\.controlID)).count == 400)
            #expect(server.openConnections == 8)
            #expect(server.statistics.frames == 400)
            await pool.close()
        }
    }

    @Test func clientChecksCodeAndControlID() async throws {
        try await withServer({ try acknowledge($0) }) { _, port in
            let client = MLLPClient(host: "127.0.0.1", port: port)
            let ok = try await client.send(Message(Array(testMessage("OK1").readableBytesView)))
            #expect(ok.code == "AA" && ok.controlID == "OK1" && ok.isAccepted && ok.acknowledgmentControlID == "ACK-OK1")
            let rejected = try await client.send(testMessage("REJECT1"), controlID: "REJECT1")
            #expect(rejected.code == "AE" && !rejected.isAccepted)
            await #expect { try await client.send(testMessage("X1"), controlID: "OTHER") } throws: {
                ($0 as? MLLPError)?.code == .controlIDMismatch
            }
            #expect(await client.connects == 1)
            await client.close()
        }
        try await withServer({ _ in ByteBuffer(string: "not an ack") }) { _, port in
            let client = MLLPClient(host: "127.0.0.1", port: port)
            await #expect { try await client.send(testMessage("Y1"), controlID: "Y1") } throws: {
                ($0 as? MLLPError)?.code == .invalidAcknowledgment
            }
            await client.close()
        }
    }

    @Test func noReplyTimesOut() async throws {
        try await withServer({ _ in nil }) { _, port in
            let connection = try await MLLPConnection.connect(host: "127.0.0.1", port: port)
            await #expect { try await connection.send(testMessage("T1"), timeout: .milliseconds(200)) } throws: {
                ($0 as? MLLPError)?.code == .timeout
            }
        }
    }

    @Test func handlerFailureClosesTheConnection() async throws {
        try await withServer({ _ in throw MLLPError(.timeout, "handler failure") }) { _, port in
            let connection = try await MLLPConnection.connect(host: "127.0.0.1", port: port)
            await #expect { try await connection.send(testMessage("F2"), timeout: .seconds(10)) } throws: {
                ($0 as? MLLPError)?.code == .connectionClosed
            }
        }
    }

    @Test func connectRefusedAndConnectTimeout() async throws {
        let port = try freePort()
        var configuration = MLLPConnection.Configuration()
        configuration.connectTimeout = .milliseconds(500)
        await #expect { try await MLLPConnection.connect(host: "127.0.0.1", port: port, configuration: configuration) } throws: {
            ($0 as? MLLPError)?.code == .connectFailed
        }
    }

    @Test func clientReconnectsWithBackoff() async throws {
        // The receiver comes up only after the first attempts failed; the client keeps trying.
        let port = try freePort()
        var configuration = MLLPClient.Configuration()
        configuration.maximumAttempts = 50
        configuration.initialBackoff = .milliseconds(20)
        configuration.maximumBackoff = .milliseconds(100)
        let client = MLLPClient(host: "127.0.0.1", port: port, configuration: configuration)
        async let ack = client.send(testMessage("R1"), controlID: "R1")
        try await Task.sleep(for: .milliseconds(300))
        let server = try await MLLPServer.bind(host: "127.0.0.1", port: port)
        let serving = Task { try await server.serve { try acknowledge($0) } }
        #expect(try await ack.code == "AA")
        // The server drops the connection; the next send reconnects.
        await server.shutdown(gracePeriod: .seconds(1))
        _ = try await serving.value
        let server2 = try await MLLPServer.bind(host: "127.0.0.1", port: port)
        let serving2 = Task { try await server2.serve { try acknowledge($0) } }
        #expect(try await client.send(testMessage("R2"), controlID: "R2").isAccepted)
        #expect(await client.connects == 2)
        await client.close()
        await server2.shutdown(gracePeriod: .seconds(1))
        _ = try await serving2.value
    }

    @Test func idleConnectionsAreClosedButNotWhileAReplyIsPending() async throws {
        var configuration = MLLPServer.Configuration()
        configuration.idleTimeout = .seconds(1) // long enough for a busy test machine between connect and send
        try await withServer(configuration, { payload in
            try await Task.sleep(for: .seconds(2)) // a slow commit: longer than the idle timeout
            return try acknowledge(payload)
        }) { server, port in
            let connection = try await MLLPConnection.connect(host: "127.0.0.1", port: port)
            let reply = try await connection.send(testMessage("S1"))
            #expect(try MLLPAcknowledgment(reply: reply, expectedControlID: "S1").isAccepted)
            // Then quiet: closed by the server.
            var waited = 0
            while connection.isActive && waited < 200 {
                try await Task.sleep(for: .milliseconds(50))
                waited += 1
            }
            #expect(!connection.isActive)
        }
    }

    @Test func gracefulShutdownFinishesInFlightMessages() async throws {
        let started = NIOLockedValueBox(false)
        let server = try await MLLPServer.bind(host: "127.0.0.1", port: 0)
        let port = try #require(server.localPort)
        let serving = Task {
            try await server.serve { payload in
                started.withLockedValue { $0 = true }
                try await Task.sleep(for: .milliseconds(300))
                return try acknowledge(payload)
            }
        }
        let idle = try await MLLPConnection.connect(host: "127.0.0.1", port: port)
        let busy = try await MLLPConnection.connect(host: "127.0.0.1", port: port)
        async let reply = busy.send(testMessage("G1"))
        while !started.withLockedValue({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
        await server.shutdown(gracePeriod: .seconds(10))
        // The message being handled got its ACK; then every connection was closed and serving ended.
        #expect(try MLLPAcknowledgment(reply: try await reply, expectedControlID: "G1").isAccepted)
        _ = try await serving.value
        #expect(server.openConnections == 0)
        try await Task.sleep(for: .milliseconds(50))
        #expect(!idle.isActive && !busy.isActive)
        // No longer listening.
        await #expect { try await MLLPConnection.connect(host: "127.0.0.1", port: port) } throws: { _ in true }
    }
}
