// HL7 MLLP Release 2 — sender: send one block, wait for the acknowledgment block.

import NIOCore
import NIOPosix

/// An MLLP client connection: send a payload, receive the peer's reply (the ACK).
public struct MLLPClient: Sendable {
    private let channel: MLLPAsyncChannel

    /// Connects to an MLLP server.
    public static func connect(host: String, port: Int, maximumFrameSize: Int = MLLPFrameDecoder.defaultMaximumFrameSize,
                               group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> MLLPClient {
        let channel = try await ClientBootstrap(group: group)
            .connect(host: host, port: port) { channel in
                MLLPPipeline.configure(channel, maximumFrameSize: maximumFrameSize)
            }
        return MLLPClient(channel: channel)
    }

    /// Sends each payload in turn and returns the reply to each, then closes the connection.
    /// - Parameter timeout: the longest the whole exchange may take; the connection is closed when it expires.
    /// - Throws: ``MLLPError`` (`.timeout`, or `.truncatedFrame` when the peer closes without replying)
    ///   or the channel's error.
    public func exchange(_ payloads: [ByteBuffer], timeout: Duration = .seconds(30)) async throws -> [ByteBuffer] {
        let channel = self.channel
        return try await withThrowingTaskGroup(of: [ByteBuffer]?.self) { group in
            group.addTask {
                try await channel.executeThenClose { inbound, outbound in
                    var replies: [ByteBuffer] = []
                    var iterator = inbound.makeAsyncIterator()
                    for payload in payloads {
                        try await outbound.write(payload)
                        guard let reply = try await iterator.next() else {
                            throw MLLPError(.truncatedFrame, "the peer closed the connection without a reply")
                        }
                        replies.append(reply)
                    }
                    return replies
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                channel.channel.close(promise: nil)
                return nil
            }
            while let result = try await group.next() {
                group.cancelAll()
                guard let replies = result else { break }
                return replies
            }
            throw MLLPError(.timeout, "no reply within \(timeout)")
        }
    }
}
