// `isthmus hl7 bench-mllp` (hidden): MLLP round trips, send → ACK, no storage; messages/s and latency percentiles.

import ArgumentParser
import Foundation
import HL7
import MLLP
import NIOCore

struct HL7BenchMLLPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-mllp",
        abstract: "Measure MLLP round trips (send, wait for the ACK) on loopback.",
        discussion: """
        Without --target, starts an in-process listener (parse, AA acknowledgment, no storage) on a free loopback
        port. Each connection sends its share of the messages one at a time, waiting for each ACK. Prints
        messages/s and p50/p99 latency per connection count; --json prints one JSON object per line.
        """,
        shouldDisplay: false
    )

    @Option(help: "Total messages per measurement.")
    var messages = 20000

    @Option(help: "Connection counts to measure, comma separated.")
    var connections = "1,8"

    @Option(help: "Send to this MLLP receiver (HOST:PORT) instead of an in-process listener.")
    var target: String?

    @Flag(help: "Print JSON lines.")
    var json = false

    @Option(help: "Give every message (warm-up included) its own control ID PREFIX-N, so that a storing receiver takes no duplicate path.")
    var uniqueIds: String?

    mutating func run() async throws {
        var generator = HL7CorpusGenerator(seed: 1)
        let corpus = generator.messages(count: min(messages, 2000)).map { try? Message($0) }.compactMap { $0 }
        var payloads = corpus.map { (ByteBuffer(bytes: $0.serialized()), $0.controlID) }
        var warmups = payloads
        if let prefix = uniqueIds {
            // One message per send (measured and warm-up), built before the clock starts.
            func unique(_ count: Int, _ tag: String) throws -> [(ByteBuffer, String?)] {
                try (0 ..< count).map { i in
                    var m = corpus[i % corpus.count]
                    let id = "\(prefix)\(tag)\(i)"
                    try m.set("MSH-10", to: id)
                    return (ByteBuffer(bytes: m.serialized()), id)
                }
            }
            let counts = connections.split(separator: ",").compactMap { Int($0) }
            payloads = try unique(messages * max(1, counts.count), "-")
            warmups = try unique(counts.reduce(0, +), "-W")
        }
        let payloads0 = payloads, warmups0 = warmups
        var measured = 0, warmed = 0
        var server: MLLPServer?
        let host: String, port: Int
        if let target {
            (host, port) = try parseAddress(target)
        } else {
            var configuration = MLLPServer.Configuration()
            configuration.idleTimeout = nil
            let s = try await MLLPServer.bind(host: "127.0.0.1", port: 0, configuration: configuration)
            server = s
            host = "127.0.0.1"
            port = s.localPort ?? 0
            Task {
                try await s.serve(onEventLoop: { payload, loop in
                    loop.makeCompletedFuture { try HL7Receiver.handle(payload, n: 0, directory: nil, quiet: true) }
                })
            }
        }
        for n in connections.split(separator: ",").compactMap({ Int($0) }) where n > 0 {
            let pool = MLLPClientPool(host: host, port: port, size: n)
            // Warm up: open every connection.
            let (w, base) = (warmed, uniqueIds == nil ? 0 : measured)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0 ..< n { group.addTask { _ = try await pool.send(warmups0[(w + i) % warmups0.count].0, controlID: warmups0[(w + i) % warmups0.count].1) } }
                try await group.waitForAll()
            }
            warmed += n
            let perConnection = messages / n
            measured += perConnection * n
            let payloads = payloads0
            let clock = ContinuousClock()
            let start = clock.now
            let latencies = try await withThrowingTaskGroup(of: [Duration].self) { group in
                for c in 0 ..< n {
                    group.addTask {
                        var own: [Duration] = []
                        own.reserveCapacity(perConnection)
                        for i in 0 ..< perConnection {
                            let (payload, id) = payloads[(base + c * perConnection + i) % payloads.count]
                            let t = clock.now
                            let ack = try await pool.send(payload, controlID: id)
                            own.append(clock.now - t)
                            if !ack.isAccepted { throw MLLPError(.invalidAcknowledgment, "not accepted: \(ack.code)") }
                        }
                        return own
                    }
                }
                var all: [Duration] = []
                for try await part in group { all += part }
                return all
            }
            let elapsed = clock.now - start
            await pool.close()
            let sorted = latencies.sorted()
            func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
            let rate = Double(sorted.count) / (ms(elapsed) / 1000)
            let p50 = ms(sorted[sorted.count / 2]), p99 = ms(sorted[min(sorted.count - 1, sorted.count * 99 / 100)])
            if json {
                print(#"{"connections":\#(n),"messages":\#(sorted.count),"messagesPerSecond":\#(Int(rate)),"p50ms":\#(String(format: "%.3f", p50)),"p99ms":\#(String(format: "%.3f", p99))}"#)
            } else {
                print("connections \(n): \(sorted.count) messages, \(Int(rate)) msg/s, p50 \(String(format: "%.3f", p50)) ms, p99 \(String(format: "%.3f", p99)) ms")
            }
        }
        if let server { await server.shutdown(gracePeriod: .seconds(1)) }
    }
}
