import Foundation
@testable import IsthmusStore
import Testing

@Suite("Store SQLite settings")
struct SettingsTests {
    @Test("the writer runs WAL with synchronous=NORMAL (pipelined WAL syncs), foreign keys, incremental auto-vacuum and the current schema")
    func pragmas() async throws {
        let t = try TempStore("pragmas")
        defer { t.cleanUp() }
        let store = try t.open()
        let s = try await store.writerSettings()
        #expect(s["journal_mode"] == "wal")
        #expect(s["synchronous"] == "1")   // NORMAL: WALSync flushes the WAL before a write returns
        #expect(s["auto_vacuum"] == "2")   // INCREMENTAL
        #expect(s["foreign_keys"] == "1")
        #expect(s["migrations"] == "v1,v2,v3")
        try await store.close()
        let full = try t.open { $0.durability = .full }
        #expect(try await full.writerSettings()["synchronous"] == "2")   // FULL: SQLite syncs at each commit
        try await full.close()
    }

    @Test("a database of schema v1 is migrated to the current schema on open, its journal kept")
    func upgrade() async throws {
        let t = try TempStore("upgrade")
        defer { t.cleanUp() }
        try Schema.createDatabase(at: t.path, upTo: "v1", then: """
            INSERT INTO message (id, kind, channel, sender, control_id, message_type, received_at, status, raw, size, metadata)
            VALUES (7, 'hl7', 'adt-in', 'LAB|HOSP', 'OLD-1', 'ADT^A01', 1767225600, 'received', x'4D5348', 3, '{}')
            """)
        let store = try t.open()
        #expect(try await store.writerSettings()["migrations"] == "v1,v2,v3")
        let old = try #require(try await store.message(MessageID(7)))
        #expect(old.summary.controlID == "OLD-1")
        try await store.upsertWorklistItem(Workflow.item())
        #expect(try await store.worklistItem(Workflow.key()) != nil)
        try await store.close()
    }
}
