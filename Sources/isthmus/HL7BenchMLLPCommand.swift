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
            // Warm up: open every connection and send it one message.
            let (w, base) = (warmed, uniqueIds == nil ? 0 : measured)
            let links = try await withThrowingTaskGroup(of: MLLPConnection.self) { group in
                for i in 0 ..< n {
                    group.addTask {
                        let link = try await MLLPConnection.connect(host: host, port: port)
                        let (payload, id) = warmups0[(w + i) % warmups0.count]
                        let ack = try MLLPAcknowledgment(reply: try await link.send(payload), expectedControlID: id)
                        if !ack.isAccepted { throw MLLPError(.invalidAcknowledgment, "not accepted: \(ack.code)") }
                        return link
                    }
                }
                var all: [MLLPConnection] = []
                for try await link in group { all.append(link) }
                return all
            }
            warmed += n
            let perConnection = messages / n
            measured += perConnection * n
            let payloads = payloads0
            let clock = ContinuousClock()
            let start = clock.now
            // Each connection sends its share one message at a time, the next as soon as the ACK is in, chained on
            // the connection's event loop: the load generator costs as little as it can, so that what is measured
            // is the receiver.
            let latencies = try await withThrowingTaskGroup(of: [Duration].self) { group in
                for (c, link) in links.enumerated() {
                    group.addTask {
                        try await Self.sendAll(over: link, count: perConnection, clock: clock) { i in
                            payloads[(base + c * perConnection + i) % payloads.count]
                        }.get()
                    }
                }
                var all: [Duration] = []
                for try await part in group { all += part }
                return all
            }
            let elapsed = clock.now - start
            for link in links { await link.close() }
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

    /// Sends `count` payloads over `link`, each after the previous one's ACK (checked: accepted, MSA-2 echoing the
    /// control ID), on the connection's event loop; the round-trip times, or the first failure.
    static func sendAll(over link: MLLPConnection, count: Int, clock: ContinuousClock,
                        payload: @escaping @Sendable (Int) -> (ByteBuffer, String?)) -> EventLoopFuture<[Duration]> {
        let done = link.eventLoop.makePromise(of: [Duration].self)
        let loop = link.eventLoop
        loop.execute {
            let times = NIOLoopBoundBox([Duration](), eventLoop: loop)
            times.value.reserveCapacity(count)
            @Sendable func send(_ i: Int) {
                guard i < count else { return done.succeed(times.value) }
                let (bytes, id) = payload(i)
                let t = clock.now
                link.sendFuture(bytes).whenComplete { result in
                    do {
                        let ack = try MLLPAcknowledgment(reply: try result.get(), expectedControlID: id)
                        if !ack.isAccepted { throw MLLPError(.invalidAcknowledgment, "not accepted: \(ack.code)") }
                        times.value.append(clock.now - t)
                        send(i + 1)
                    } catch {
                        done.fail(error)
                    }
                }
            }
            send(0)
        }
        return done.futureResult
    }
}
