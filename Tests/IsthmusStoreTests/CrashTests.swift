import Foundation
@testable import IsthmusStore
import TestSupport
import Testing

@Suite("Store crash durability")
struct CrashTests {
    /// The helper executable, built next to the test bundle.
    static var writer: String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("isthmus-store-writer").path,
            Peers.repositoryRoot.appendingPathComponent(".build/debug/isthmus-store-writer").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    @Test("kill -9 during concurrent receives: every receive that returned is there after reopening")
    func killNine() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.writer) else {
            Issue.record("the helper \(Self.writer) is not built (swift build builds it)")
            return
        }
        let t = try TempStore("crash")
        defer { t.cleanUp() }
        var acknowledged: [String] = []
        for round in 0 ..< 3 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Self.writer)
            p.arguments = ["crash", t.dir, "8"]
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            try p.run()
            // A writer that hangs without output must not hang the test: killed after 60 s.
            let child = p.processIdentifier
            let watchdog = DispatchWorkItem { kill(child, SIGKILL) }
            DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: watchdog)
            defer { watchdog.cancel() }
            // Read acknowledged control IDs until enough arrived, then kill -9 mid-run.
            var buffer = Data()
            var lines: [String] = []
            let target = 300 * (round + 1)
            while lines.count < target {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
                while let nl = buffer.firstIndex(of: 0x0A) {
                    lines.append(String(decoding: buffer[buffer.startIndex ..< nl], as: UTF8.self))
                    buffer.removeSubrange(buffer.startIndex ... nl)
                }
            }
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            #expect(p.terminationReason == .uncaughtSignal)
            #expect(lines.count >= target, "the writer printed \(lines.count) lines before dying")
            acknowledged += lines
        }
        let store = try t.open()
        let journal = Set(try await store.listMessages(limit: 0).map(\.controlID))
        let missing = acknowledged.filter { !journal.contains($0) }
        #expect(missing.isEmpty, "\(missing.count) of \(acknowledged.count) acknowledged receives are missing")
        // Every stored message is whole: its queue entry is there too.
        let stats = try await store.statistics()
        #expect(stats.queued == stats.messages)
        #expect(try await store.integrityCheck() == "ok")
        try await store.close()
    }
}
