import Foundation
import IsthmusStore
import Testing

@Suite("Store retention")
struct RetentionTests {
    static func fileSize(_ path: String) -> Int64 {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
    }

    /// A message of about `bytes` bytes (an OBX with a long value).
    static func big(_ control: String, bytes: Int, at: Date) throws -> InboundMessage {
        var m = try inbound(control, at: at)
        m.raw += Array("OBX|1|TX|||\(String(repeating: "x", count: bytes))\r".utf8)
        return m
    }

    @Test("pruning by age deletes settled journal entries and instance files and gives the disk space back")
    func byAge() async throws {
        let t = try TempStore("prune")
        defer { t.cleanUp() }
        let store = try t.open { $0.pruneBatchSize = 7 }   // several steps
        let old = Date().addingTimeInterval(-10 * 86400)
        var settled: [MessageID] = []
        for i in 0 ..< 60 {
            let id = try await store.receive(try Self.big("OLD\(i)", bytes: 20_000, at: old), deliveries: [Delivery(destination: "a")]).id
            let e = try #require(try await store.claimNext(destination: "a"))
            try await store.markSent(e.id)
            settled.append(id)
        }
        // Old but still waiting for delivery: kept.
        let pending = try await store.receive(try Self.big("PENDING", bytes: 1000, at: old), deliveries: [Delivery(destination: "b")]).id
        let recent = try await store.receive(try Self.big("NEW", bytes: 1000, at: Date())).id
        let (oldInstance, oldFile) = try ArchiveTests.writeInstance(t, name: "old", sop: "1.2.3.1.1.1", extra: 50_000)
        var aged = oldInstance
        aged.receivedAt = old
        _ = try await store.indexInstance(aged, policy: .reject)
        let (newInstance, newFile) = try ArchiveTests.writeInstance(t, name: "new", sop: "1.2.3.1.1.2")
        _ = try await store.indexInstance(newInstance, policy: .reject)

        let before = Self.fileSize(t.path) + Self.fileSize(t.path + "-wal")
        let result = try await store.prune(RetentionPolicy(messageMaxAge: .seconds(86400), instanceMaxAge: .seconds(86400)))
        let after = Self.fileSize(t.path) + Self.fileSize(t.path + "-wal")
        #expect(result.messagesDeleted == 60)
        #expect(result.instancesDeleted == 1)
        #expect(result.filesDeleted == 1)
        #expect(result.fileBytesFreed == aged.size)
        #expect(result.databaseBytesFreed > 60 * 20_000 / 2, "database shrank by \(result.databaseBytesFreed) bytes")
        #expect(result.databaseBytesFreed == before - after)
        #expect(!FileManager.default.fileExists(atPath: oldFile))
        #expect(FileManager.default.fileExists(atPath: newFile))
        for id in settled { #expect(try await store.message(id) == nil) }
        #expect(try await store.message(pending) != nil)
        #expect(try await store.message(recent) != nil)
        #expect(try await store.instance(sopInstanceUID: aged.sopInstanceUID) == nil)
        #expect(try await store.instance(sopInstanceUID: newInstance.sopInstanceUID) != nil)
        // A second run finds nothing more to delete.
        #expect(try await store.prune(RetentionPolicy(messageMaxAge: .seconds(86400), instanceMaxAge: .seconds(86400))).messagesDeleted == 0)
        try await store.close()
    }

    @Test("pruning by size deletes the oldest settled entries until the total fits")
    func bySize() async throws {
        let t = try TempStore("prunesize")
        defer { t.cleanUp() }
        let store = try t.open { $0.pruneBatchSize = 4 }
        var ids: [MessageID] = []
        let t0 = Date().addingTimeInterval(-3600)
        for i in 0 ..< 10 {
            ids.append(try await store.receive(try Self.big("S\(i)", bytes: 10_000, at: t0.addingTimeInterval(Double(i)))).id)
        }
        let each = try #require(try await store.message(ids[0])).summary.size
        let result = try await store.prune(RetentionPolicy(messageMaxBytes: Int64(each * 4)))
        #expect(result.messagesDeleted == 6)
        for id in ids.prefix(6) { #expect(try await store.message(id) == nil) }
        for id in ids.suffix(4) { #expect(try await store.message(id) != nil) }
        try await store.close()
    }

    @Test("pruning instances by total size removes the oldest files first, never one still queued")
    func instancesBySize() async throws {
        let t = try TempStore("prunefiles")
        defer { t.cleanUp() }
        let store = try t.open { $0.pruneBatchSize = 2 }
        var records: [InstanceRecord] = []
        var files: [String] = []
        let t0 = Date().addingTimeInterval(-3600)
        for i in 0 ..< 5 {
            var (r, f) = try ArchiveTests.writeInstance(t, name: "i\(i)", sop: "1.2.3.1.1.\(i)", extra: 10_000)
            r.receivedAt = t0.addingTimeInterval(Double(i))
            // The oldest one is still to be forwarded: it must stay.
            _ = try await store.indexInstance(r, policy: .reject, channel: "dicom", deliveries: i == 0 ? [Delivery(destination: "pacs")] : [])
            records.append(r)
            files.append(f)
        }
        let result = try await store.prune(RetentionPolicy(instanceMaxBytes: records[0].size * 2))
        // 5 files, keep at most 2 worth: the oldest is pinned by its queue entry, so 1…3 go.
        #expect(result.instancesDeleted == 3)
        #expect(result.filesDeleted == 3)
        #expect(result.fileBytesFreed == records[1].size + records[2].size + records[3].size)
        #expect(FileManager.default.fileExists(atPath: files[0]))
        for f in files[1 ... 3] { #expect(!FileManager.default.fileExists(atPath: f)) }
        #expect(FileManager.default.fileExists(atPath: files[4]))
        #expect(try await store.instances(matching: InstanceQuery()).map(\.sopInstanceUID) == ["1.2.3.1.1.0", "1.2.3.1.1.4"])
        try await store.close()
    }
}
