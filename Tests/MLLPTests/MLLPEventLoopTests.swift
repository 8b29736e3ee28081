import HL7
import MLLP
import NIOCore
import NIOConcurrencyHelpers
import NIOPosix
import Testing

/// `MLLPServer.serve(onEventLoop:)` and `MLLPClient.sendEach`: the paths without a task per block.
@Suite struct MLLPEventLoopTests {
    /// A server whose handler runs on the event loop and completes each reply later (a scheduled task, as a commit
    /// completed by another thread would), later messages sooner.
    func withDelayingServer(_ seen: NIOLockedValueBox<(inFlight: Int, most: Int, order: [String])>,
                            _ body: (MLLPServer, Int) async throws -> Void) async throws {
        let server = try await MLLPServer.bind(host: "127.0.0.1", port: 0)
        let port = try #require(server.localPort)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await server.serve(onEventLoop: { payload, loop in
                    #expect(loop.inEventLoop)
                    let id = (try? Message(Array(payload.readableBytesView)))?.controlID ?? ""
                    seen.withLockedValue {
                        $0.inFlight += 1
                        $0.most = max($0.most, $0.inFlight)
                        $0.order.append(id)
                    }
                    let n = Int(id.dropFirst()) ?? 0
                    return loop.scheduleTask(in: .milliseconds(Int64(max(1, 12 - n)))) {
                        seen.withLockedValue { $0.inFlight -= 1 }
                        return try acknowledge(payload)
                    }.futureResult.map { Optional($0) }
                })
            }
            try await body(server, port)
            await server.shutdown(gracePeriod: .seconds(5))
            try await group.waitForAll()
        }
    }

    @Test("blocks sent back to back on one connection are handled one at a time and answered in order")
    func inOrderOnTheLoop() async throws {
        let seen = NIOLockedValueBox<(inFlight: Int, most: Int, order: [String])>((0, 0, []))
        try await withDelayingServer(seen) { server, port in
            // Ten blocks in one write: the server must not hand the second to the handler before the first's reply.
            let connection = try await MLLPConnection.connect(host: "127.0.0.1", port: port)
            let ids = (0 ..< 10).map { "E\($0)" }
            let replies = try await withThrowingTaskGroup(of: (Int, ByteBuffer).self) { group in
                let futures = ids.map { connection.sendFuture(testMessage($0)) }
                for (i, f) in futures.enumerated() { group.addTask { (i, try await f.get()) } }
                var out: [(Int, ByteBuffer)] = []
                for try await r in group { out.append(r) }
                return out.sorted { $0.0 < $1.0 }.map(\.1)
            }
            let acks = try replies.map { try MLLPAcknowledgment(reply: $0, expectedControlID: nil) }
            #expect(acks.map(\.controlID) == ids)
            #expect(acks.allSatisfy { $0.isAccepted })
            #expect(seen.withLockedValue { $0.order } == ids)
            #expect(seen.withLockedValue { $0.most } == 1)
            #expect(server.statistics.frames == 10)
            await connection.close()
        }
    }

    @Test("many connections at once: each answered in its own order, blocks of different connections overlap")
    func manyConnections() async throws {
        let seen = NIOLockedValueBox<(inFlight: Int, most: Int, order: [String])>((0, 0, []))
        try await withDelayingServer(seen) { server, port in
            let counts = try await withThrowingTaskGroup(of: Int.self) { group in
                for c in 0 ..< 6 {
                    group.addTask {
                        let client = MLLPClient(host: "127.0.0.1", port: port)
                        let ids = (0 ..< 8).map { "C\(c)x\($0)" }
                        let got = NIOLockedValueBox<[String]>([])
                        await client.sendEach(ids.map { testMessage($0) }) { _, reply in
                            guard let ack = try? MLLPAcknowledgment(reply: reply.get(), expectedControlID: nil) else { return false }
                            got.withLockedValue { $0.append(ack.controlID) }
                            return true
                        }
                        await client.close()
                        #expect(got.withLockedValue { $0 } == ids)
                        return got.withLockedValue { $0.count }
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(counts == 48)
            #expect(server.statistics.frames == 48)
            #expect(seen.withLockedValue { $0.most } > 1)
        }
    }

    @Test("sendEach stops when the handler says so, and reports a refused connection as the first block's failure")
    func sendEachStops() async throws {
        try await withServer({ try acknowledge($0) }) { server, port in
            let client = MLLPClient(host: "127.0.0.1", port: port)
            let handled = NIOLockedValueBox<[Int]>([])
            await client.sendEach((0 ..< 5).map { testMessage("S\($0)") }) { i, reply in
                #expect((try? reply.get()) != nil)
                handled.withLockedValue { $0.append(i) }
                return i < 2
            }
            #expect(handled.withLockedValue { $0 } == [0, 1, 2])
            #expect(server.statistics.frames == 3)
            // The connection stays usable after a stop that was not a failure.
            let ack = try await client.send(testMessage("S9"), controlID: "S9")
            #expect(ack.controlID == "S9")
            #expect(await client.connects == 1)
            await client.close()
        }
        // Nothing listens on this port any more.
        let closed = try await MLLPServer.bind(host: "127.0.0.1", port: 0)
        let port = try #require(closed.localPort)
        try await closed.close()
        var configuration = MLLPClient.Configuration()
        configuration.maximumAttempts = 1
        let client = MLLPClient(host: "127.0.0.1", port: port, configuration: configuration)
        let failures = NIOLockedValueBox<[Int]>([])
        await client.sendEach([testMessage("R0"), testMessage("R1")]) { i, reply in
            if case .failure = reply { failures.withLockedValue { $0.append(i) } }
            return true
        }
        #expect(failures.withLockedValue { $0 } == [0])
    }

    @Test("cancelling the task stops sendEach after the block in flight, which still gets its reply")
    func sendEachCancelled() async throws {
        let handled = NIOLockedValueBox(0)
        try await withServer({ payload in
            try await Task.sleep(for: .milliseconds(30))
            return try acknowledge(payload)
        }) { server, port in
            let client = MLLPClient(host: "127.0.0.1", port: port)
            let task = Task {
                await client.sendEach((0 ..< 50).map { testMessage("K\($0)") }) { _, reply in
                    if (try? reply.get()) != nil { handled.withLockedValue { $0 += 1 } }
                    return true
                }
            }
            // Once a few replies are in, cancel: the chain stops at the next reply.
            while handled.withLockedValue({ $0 }) < 2 { try await Task.sleep(for: .milliseconds(5)) }
            task.cancel()
            await task.value
            let sent = handled.withLockedValue { $0 }
            #expect(sent >= 2 && sent < 50)
            #expect(server.statistics.frames == sent)
            await client.close()
        }
    }
}
