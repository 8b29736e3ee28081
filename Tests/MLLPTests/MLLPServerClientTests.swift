import HL7
import MLLP
import NIOCore
import Testing

/// Live-socket tests on the loopback interface (ephemeral port).
@Suite struct MLLPServerClientTests {
    private func message(_ control: String) -> ByteBuffer {
        ByteBuffer(string: "MSH|^~\\&|SND|FAC|RCV|FAC|20260101120000||ADT^A01^ADT_A01|\(control)|P|2.5.1\rPID|1||X1^^^FAC^MR\r")
    }

    /// Runs `body` against a server on an ephemeral port that answers with `handler`.
    private func withServer(_ handler: @escaping MLLPServer.Handler, _ body: (Int) async throws -> Void) async throws {
        let server = try await MLLPServer.bind(host: "127.0.0.1", port: 0)
        let port = try #require(server.localPort)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve(handler) }
            do {
                try await body(port)
            } catch {
                try await server.close()
                throw error
            }
            try await server.close()
            try await group.waitForAll()
        }
    }

    @Test func messagesAreAcknowledgedInOrder() async throws {
        let ackTime = HL7Timestamp(year: 2026, month: 1, day: 1, hour: 12, minute: 0, second: 1)
        try await withServer({ payload in
            let m = try Message(Array(payload.readableBytesView))
            let ack = try m.acknowledgment(.AA, controlID: "ACK-" + (m.controlID ?? ""), timestamp: ackTime)
            return ByteBuffer(bytes: ack.serialized())
        }) { port in
            let client = try await MLLPClient.connect(host: "127.0.0.1", port: port)
            let replies = try await client.exchange([message("C1"), message("C2")], timeout: .seconds(10))
            let acks = try replies.map { try Message(Array($0.readableBytesView)) }
            #expect(acks.map { $0["MSA-1"] } == ["AA", "AA"])
            #expect(acks.map { $0["MSA-2"] } == ["C1", "C2"])
            #expect(acks.map { $0["MSH-10"] } == ["ACK-C1", "ACK-C2"])
            #expect(acks[0]["MSH-3"] == "RCV")
        }
    }

    @Test func noReplyTimesOut() async throws {
        try await withServer({ _ in nil }) { port in
            let client = try await MLLPClient.connect(host: "127.0.0.1", port: port)
            await #expect { try await client.exchange([message("T1")], timeout: .milliseconds(200)) } throws: {
                ($0 as? MLLPError)?.code == .timeout
            }
        }
    }

    @Test func anyReplyIsFramedAndAHandlerFailureClosesTheConnection() async throws {
        try await withServer({ _ in ByteBuffer(string: "unexpected") }) { port in
            let client = try await MLLPClient.connect(host: "127.0.0.1", port: port)
            let replies = try await client.exchange([message("F1")], timeout: .seconds(10))
            #expect(replies == [ByteBuffer(string: "unexpected")])
        }
        // A handler error closes the connection: the client sees the end of the stream.
        try await withServer({ _ in throw MLLPError(.timeout, "handler failure") }) { port in
            let client = try await MLLPClient.connect(host: "127.0.0.1", port: port)
            await #expect { try await client.exchange([message("F2")], timeout: .seconds(10)) } throws: {
                ($0 as? MLLPError)?.code == .truncatedFrame
            }
        }
    }
}
