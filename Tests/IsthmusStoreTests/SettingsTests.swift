import Foundation
import GRDB
@testable import IsthmusStore
import Testing

@Suite("Store SQLite settings")
struct SettingsTests {
    @Test("the writer runs WAL with synchronous=FULL, foreign keys, incremental auto-vacuum and the current schema")
    func pragmas() async throws {
        let t = try TempStore("pragmas")
        defer { t.cleanUp() }
        let store = try t.open()
        let (journal, synchronous, autoVacuum, foreignKeys, migrations) = try await store.pool.writeWithoutTransaction { db in
            (
                try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"),
                try Int.fetchOne(db, sql: "PRAGMA auto_vacuum"), try Int.fetchOne(db, sql: "PRAGMA foreign_keys"),
                try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
            )
        }
        #expect(journal == "wal")
        #expect(synchronous == 2)   // FULL
        #expect(autoVacuum == 2)    // INCREMENTAL
        #expect(foreignKeys == 1)
        #expect(migrations == ["v1"])
        try await store.close()
    }
}
