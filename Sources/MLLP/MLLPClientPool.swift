// Parallel MLLP sends: several connections to one receiver, each carrying one message at a time.

import HL7
import NIOCore
import NIOPosix

/// A fixed set of ``MLLPClient``s to one receiver; each send goes to a client with no message in flight
/// (or waits for one). Order between messages is kept only within one awaited call, so send messages that
/// must stay in order (same patient) from one task, one after another.
public actor MLLPClientPool {
    private let clients: [MLLPClient]
    private var idle: [Int]
    private var waiters: [CheckedContinuation<Int, Never>] = []

    /// Creates `size` clients (connected lazily).
    public init(host: String, port: Int, size: Int, configuration: MLLPClient.Configuration = .init(),
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        precondition(size > 0, "a pool needs at least one connection")
        clients = (0 ..< size).map { _ in MLLPClient(host: host, port: port, configuration: configuration, group: group) }
        idle = Array((0 ..< size).reversed())
    }

    /// The number of connections.
    public nonisolated var size: Int { clients.count }

    /// Sends a message on a free connection and returns its checked acknowledgment.
    public func send(_ message: Message) async throws -> MLLPAcknowledgment {
        let i = await borrow()
        defer { giveBack(i) }
        return try await clients[i].send(message)
    }

    /// Sends a payload on a free connection; checks MSA-2 against `controlID` when given.
    public func send(_ payload: ByteBuffer, controlID: String?) async throws -> MLLPAcknowledgment {
        let i = await borrow()
        defer { giveBack(i) }
        return try await clients[i].send(payload, controlID: controlID)
    }

    /// Closes every connection.
    public func close() async {
        for c in clients { await c.close() }
    }

    private func borrow() async -> Int {
        if let i = idle.popLast() { return i }
        return await withCheckedContinuation { waiters.append($0) }
    }

    private func giveBack(_ i: Int) {
        if waiters.isEmpty {
            idle.append(i)
        } else {
            waiters.removeFirst().resume(returning: i)
        }
    }
}
