// HL7 MLLP Release 2 — sender: send one block, wait for the acknowledgment block; reconnect with backoff.

import HL7
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// An MLLP sender to one receiver: ``send(_:)`` transmits a message and returns its checked acknowledgment.
///
/// The connection is opened on first use and kept; when it fails (refused, reset, closed, no reply in time)
/// the client reconnects with exponential backoff and sends the message again, up to
/// ``Configuration/maximumAttempts`` times (MLLP's "original mode": the receiver recognizes a resent
/// message by its control ID). An AE or AR is an answer, not a failure: it is returned, not retried.
/// Sends from concurrent tasks are serialized; use ``MLLPClientPool`` for parallel sends.
public actor MLLPClient {
    /// How to reach the receiver and how hard to try.
    public struct Configuration: Sendable {
        /// Connect timeout, frame size and TLS.
        public var connection = MLLPConnection.Configuration()
        /// The longest to wait for an acknowledgment.
        public var ackTimeout: Duration = .seconds(30)
        /// Sends of one message, including the first (at least 1).
        public var maximumAttempts = 5
        /// The first wait before reconnecting; doubled after each failure up to ``maximumBackoff``.
        public var initialBackoff: Duration = .milliseconds(100)
        /// The longest wait between attempts.
        public var maximumBackoff: Duration = .seconds(10)

        /// The defaults: 30 s ACK timeout, 5 attempts, backoff from 100 ms to 10 s.
        public init() {}
    }

    /// The receiver's host.
    public let host: String
    /// The receiver's port.
    public let port: Int
    /// The configuration.
    public let configuration: Configuration
    private let group: any EventLoopGroup
    private var connection: MLLPConnection?
    private var sending = false
    private var queue: [CheckedContinuation<Void, Never>] = []

    /// Number of connections opened so far (for tests and metrics).
    public private(set) var connects = 0

    /// Creates a client; nothing is connected until the first send.
    public init(host: String, port: Int, configuration: Configuration = Configuration(),
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.host = host
        self.port = port
        self.configuration = configuration
        self.group = group
    }

    /// Sends a message and returns its acknowledgment, checked against the message's control ID (MSH-10).
    /// - Throws: ``MLLPError`` when no acknowledgment could be obtained in ``Configuration/maximumAttempts``
    ///   attempts (the last transport error), `.invalidAcknowledgment` or `.controlIDMismatch`.
    public func send(_ message: Message) async throws -> MLLPAcknowledgment {
        try await send(ByteBuffer(bytes: message.serialized()), controlID: message.controlID)
    }

    /// Sends a payload; checks the acknowledgment's MSA-2 against `controlID` when given.
    public func send(_ payload: ByteBuffer, controlID: String?) async throws -> MLLPAcknowledgment {
        let reply = try await sendRaw(payload)
        return try MLLPAcknowledgment(reply: reply, expectedControlID: controlID)
    }

    /// Sends a payload and returns the raw reply, reconnecting and resending on transport failures.
    public func sendRaw(_ payload: ByteBuffer) async throws -> ByteBuffer {
        await acquire()
        defer { release() }
        var backoff = configuration.initialBackoff
        var attempt = 1
        while true {
            do {
                let connection = try await connected()
                return try await connection.send(payload, timeout: configuration.ackTimeout)
            } catch {
                await connection?.close()
                connection = nil
                if attempt >= max(1, configuration.maximumAttempts) || Task.isCancelled { throw error }
                attempt += 1
                try await Task.sleep(for: backoff)
                backoff = min(backoff * 2, configuration.maximumBackoff)
            }
        }
    }

    /// Closes the connection (a later send opens a new one).
    /// Sends `payloads` in order over one connection, one at a time, and hands each reply (or the failure of its
    /// send) to `handle`, on the connection's event loop — no task hand-off between messages. Stops after a failed
    /// send, when `handle` returns false, or once the calling task is cancelled (after the reply of the block in
    /// flight). Nothing is resent here: a failed send closes the connection (the next
    /// call reconnects); failing to connect is handed to `handle` as the first payload's failure.
    public func sendEach(_ payloads: [ByteBuffer], _ handle: @escaping @Sendable (Int, Result<ByteBuffer, any Error>) -> Bool) async {
        guard !payloads.isEmpty else { return }
        await acquire()
        defer { release() }
        let connection: MLLPConnection
        do {
            connection = try await connected()
        } catch {
            _ = handle(0, .failure(error))
            return
        }
        let timeout = configuration.ackTimeout
        // true: ended by a failed send.
        let done = connection.eventLoop.makePromise(of: Bool.self)
        // Cancelling the calling task stops the chain after the block in flight (which gets its reply first).
        let cancelled = NIOLockedValueBox(false)
        @Sendable func send(_ i: Int) {
            connection.sendFuture(payloads[i], timeout: timeout).whenComplete { result in
                let goOn = handle(i, result)
                if case .failure = result {
                    done.succeed(true)
                } else if goOn && i + 1 < payloads.count && !cancelled.withLockedValue({ $0 }) {
                    send(i + 1)
                } else {
                    done.succeed(false)
                }
            }
        }
        send(0)
        let failed = await withTaskCancellationHandler {
            (try? await done.futureResult.get()) ?? true
        } onCancel: {
            cancelled.withLockedValue { $0 = true }
        }
        if failed {
            await connection.close()
            self.connection = nil
        }
    }

    public func close() async {
        await connection?.close()
        connection = nil
    }

    private func connected() async throws -> MLLPConnection {
        if let connection, connection.isActive { return connection }
        let c = try await MLLPConnection.connect(host: host, port: port, configuration: configuration.connection, group: group)
        connects += 1
        connection = c
        return c
    }

    // One message at a time on the connection: MLLP waits for each ACK before the next block.
    private func acquire() async {
        if !sending {
            sending = true
            return
        }
        await withCheckedContinuation { queue.append($0) }
    }

    private func release() {
        if queue.isEmpty {
            sending = false
        } else {
            queue.removeFirst().resume()
        }
    }
}
