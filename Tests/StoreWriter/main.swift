// A helper process for the store's crash test and benchmark (not part of the product):
//   isthmus-store-writer crash DIR WRITERS          receive forever from WRITERS tasks; print each
//                                                   control ID after its receive returned (then kill -9 it)
//   isthmus-store-writer bench DIR WRITERS COUNT [--no-group-commit] [--claim N] [--no-wait]
//                                                   COUNT receives from WRITERS concurrent tasks; prints receives/s;
//                                                   then drains the queue N entries per claim; prints deliveries/s
//   isthmus-store-writer worklist DIR COUNT          COUNT worklist items, then p50/p99 of worklist queries
//   isthmus-store-writer worklist-load DIR COUNT WLDIR
//                                                   the same COUNT items into DIR/isthmus.sqlite (an `isthmus serve`
//                                                   data directory) and as Part 10 files WLDIR/*.wl (for wlmscpfs)
import Foundation
import IsthmusStore

let filler = [UInt8](repeating: UInt8(ascii: "x"), count: 4096)

func message(_ control: String, size: Int) -> InboundMessage {
    var raw = Array("MSH|^~\\&|LAB|HOSP|ISTHMUS|HOSP|20260101120000||ADT^A01^ADT_A01|\(control)|P|2.5.1\rEVN||20260101120000\rPID|1||12345^^^HOSP^MR||DOE^JOHN\r".utf8)
    if raw.count + 8 < size { raw += Array("NTE|1||".utf8) + filler.prefix(size - raw.count - 8) + [0x0D] }
    return InboundMessage(raw: raw, channel: "bench", sender: "LAB|HOSP", controlID: control, messageType: "ADT^A01")
}

/// Writes one line with a single write(2), so lines from concurrent tasks never interleave.
func emit(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
}

let args = CommandLine.arguments
guard args.count >= 4 else {
    FileHandle.standardError.write(Data("usage: isthmus-store-writer crash DIR WRITERS | bench DIR WRITERS COUNT [--no-group-commit]\n".utf8))
    exit(2)
}
let dir = args[2]
let writers = Int(args[3]) ?? 8
var configuration = SQLiteStore.Configuration()
configuration.groupCommit = !args.contains("--no-group-commit")
let store = try SQLiteStore(path: dir + (args[1] == "worklist-load" ? "/isthmus.sqlite" : "/store.sqlite"), configuration: configuration)

switch args[1] {
case "crash":
    let pid = getpid()
    await withThrowingTaskGroup(of: Void.self) { group in
        for w in 0 ..< writers {
            group.addTask {
                var n = 0
                while true {
                    let control = "W\(pid)-\(w)-\(n)"
                    _ = try await store.receive(message(control, size: 600), deliveries: [Delivery(destination: "out")])
                    emit(control)
                    n += 1
                }
            }
        }
    }
case "bench":
    let count = args.count > 4 ? Int(args[4]) ?? 10_000 : 10_000
    let perWriter = count / writers
    let clock = ContinuousClock()
    let start = clock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for w in 0 ..< writers {
            group.addTask {
                for n in 0 ..< perWriter {
                    _ = try await store.receive(message("B\(w)-\(n)", size: 700), deliveries: [Delivery(destination: "out")])
                }
            }
        }
        try await group.waitForAll()
    }
    let elapsed = clock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let stats = try await store.statistics()
    emit(String(
        format: "group commit %@: %d receives from %d writers in %.2f s = %.0f receives/s, %d transactions (%.1f receives per commit)",
        configuration.groupCommit ? "on" : "off", perWriter * writers, writers, seconds, Double(perWriter * writers) / seconds,
        stats.transactions, Double(stats.writes) / Double(max(1, stats.transactions))))
    // Delivery side: one worker empties the destination's queue, claiming `batch` entries at a
    // time and marking each sent (durably) before the next claim — with no network in between.
    let batch = args.firstIndex(of: "--claim").flatMap { args.count > $0 + 1 ? Int(args[$0 + 1]) : nil } ?? 1
    let drainStart = clock.now
    var delivered = 0
    while true {
        let entries = try await store.claim(destination: "out", limit: batch, now: Date())
        if entries.isEmpty { break }
        if args.contains("--no-wait") {
            for e in entries { store.markSentWithoutWaiting(e.id, at: Date(), response: nil) }
        } else {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for e in entries { group.addTask { try await store.markSent(e.id) } }
                try await group.waitForAll()
            }
        }
        delivered += entries.count
    }
    let drained = clock.now - drainStart
    let drainSeconds = Double(drained.components.seconds) + Double(drained.components.attoseconds) / 1e18
    emit(String(format: "delivery: %d entries claimed %d at a time and marked sent%@ in %.2f s = %.0f deliveries/s",
                delivered, batch, args.contains("--no-wait") ? " without waiting" : "", drainSeconds, Double(delivered) / drainSeconds))
    try await store.close()
case "worklist":
    try await worklistBench(store, count: Int(args[3]) ?? 100_000)
    try await store.close()
case "worklist-load":
    guard args.count >= 5 else { FileHandle.standardError.write(Data("usage: worklist-load DIR COUNT WLDIR\n".utf8)); exit(2) }
    try await worklistLoad(store, count: Int(args[3]) ?? 100_000, files: args[4])
    try await store.close()
default:
    FileHandle.standardError.write(Data("unknown mode \(args[1])\n".utf8))
    exit(2)
}
