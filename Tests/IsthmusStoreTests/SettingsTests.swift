import Foundation
@testable import IsthmusStore
import Testing

@Suite("Store SQLite settings")
struct SettingsTests {
    @Test("the writer runs WAL with synchronous=FULL, foreign keys, incremental auto-vacuum and the current schema")
    func pragmas() async throws {
        let t = try TempStore("pragmas")
        defer { t.cleanUp() }
        let store = try t.open()
        let s = try await store.writerSettings()
        #expect(s["journal_mode"] == "wal")
        #expect(s["synchronous"] == "2")   // FULL
        #expect(s["auto_vacuum"] == "2")   // INCREMENTAL
        #expect(s["foreign_keys"] == "1")
        #expect(s["migrations"] == "v1")
        try await store.close()
    }
}
