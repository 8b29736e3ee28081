import Foundation
import GRDB

/// The embedded `Store`: one SQLite database (WAL mode; a write returns only once its commit is on
/// disk), one writer with group commit, concurrent readers, a versioned schema, and the DICOM
/// content folder whose files it indexes.
public final class SQLiteStore: Store {
    public struct Configuration: Sendable {
        /// Default duplicate window for `receive` (a message's own `duplicateWindow` overrides it).
        public var duplicateWindow: Duration = .seconds(24 * 3600)
        /// How commits reach the disk before a write returns.
        public enum Durability: String, Sendable, CaseIterable {
            /// `synchronous=NORMAL` and the WAL fdatasync'd by `WALSync`, several syncs in flight: the writer
            /// commits the next batch while the previous ones are being flushed (the default).
            case pipelined
            /// `synchronous=FULL`: SQLite fsyncs the WAL inside each commit; one flush at a time.
            case full
        }
        public var durability: Durability = .pipelined
        /// With `.pipelined`: the most WAL syncs in flight at once.
        public var maximumSyncsInFlight: Int = 4
        /// `.pipelined`: while the WAL's flushes take less than this on average, the writer flushes itself when no
        /// flush is in flight (no hand-off to a sync thread; requests arriving meanwhile join the next transaction);
        /// slower flushes overlap on sync threads. nil: always on sync threads.
        public var inlineSyncBelow: Duration? = .milliseconds(1)
        /// Tests: replaces the fdatasync of the WAL (0 or an errno).
        var walFlush: WALSync.Flush?
        /// Commit concurrent writes together (on by default). Off: one transaction per write.
        public var groupCommit: Bool = true
        /// The most writes one group commit takes.
        public var maxBatchSize: Int = 1024
        /// Commit delay: when fewer writes are waiting than the last group commit had, how long the writer
        /// may wait for more before starting the next commit (the writers that commit released usually
        /// submit again within a network round trip; one fsync then serves them all). Zero: never wait.
        /// It only delays a commit: nobody is answered before their commit. Off by default until measured
        /// (docs/benchmarks.md, the engine benchmark with `serve --group-commit-wait-us`).
        public var groupCommitWait: Duration = .zero
        /// How long writes nobody waits to see durable (entries marked sent without waiting) may wait for a
        /// write that somebody does, to share its transaction: a transaction of their own costs as many WAL pages
        /// as one with the receives in it (each table and index touched is one page). Zero: committed at once.
        public var lazyCommitWait: Duration = .milliseconds(5)
        /// How long a write waits for a lock held by another process before failing `.busy`.
        public var busyTimeout: Duration = .seconds(10)
        /// Open an existing database read-only: every write fails with `.readOnly`.
        public var readOnly: Bool = false
        /// Limit the database to this many pages (`PRAGMA max_page_count`): a write beyond fails
        /// with `.full`, as on a full disk. nil: no limit but the disk's.
        public var maxPageCount: Int?
        /// Rows `prune` deletes per transaction: a large backlog is pruned in steps, so receives
        /// queued behind it wait for one step, not for the whole run.
        public var pruneBatchSize: Int = 500
        /// Concurrent read connections.
        public var maximumReaderCount: Int = 4

        public init() {}
    }

    /// The database file.
    public let path: String
    /// The folder the indexed Part 10 files' paths are relative to.
    public let contentDirectory: String
    public let configuration: Configuration

    let pool: DatabasePool
    let batcher: WriteBatcher
    /// With `.pipelined` durability.
    let walSync: WALSync?
    let claims = Claims()
    let background = BackgroundWrites()

    /// Opens (creating if needed) the database at `path` and migrates it to the current schema.
    /// Queue entries left in flight by a previous run are pending again (at-least-once delivery).
    /// `contentDirectory` defaults to `content` beside the database file.
    public init(path: String, contentDirectory: String? = nil, configuration: Configuration = Configuration()) throws {
        self.path = path
        self.contentDirectory = contentDirectory ?? URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("content").path
        self.configuration = configuration
        var config = GRDB.Configuration()
        config.readonly = configuration.readOnly
        config.busyMode = .timeout(configuration.busyTimeout.seconds)
        config.maximumReaderCount = max(1, configuration.maximumReaderCount)
        config.label = "IsthmusStore"
        let maxPageCount = configuration.maxPageCount
        config.prepareDatabase { db in
            if let maxPageCount {
                try db.execute(sql: "PRAGMA max_page_count = \(maxPageCount)")
            }
        }
        do {
            if !configuration.readOnly {
                try FileManager.default.createDirectory(
                    atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path, withIntermediateDirectories: true)
            }
            pool = try DatabasePool(path: path, configuration: config)
            if !configuration.readOnly {
                let durability = configuration.durability
                try pool.writeWithoutTransaction { db in
                    // Durable before a write returns. `.full`: SQLite fsyncs the WAL at every commit.
                    // `.pipelined`: NORMAL (syncs only at checkpoints) plus WALSync, which flushes the WAL
                    // after each commit and resumes its writers only then. (GRDB opens a pool's writer with
                    // NORMAL; the writer connection lives as long as the pool, so setting it here holds.)
                    try db.execute(sql: durability == .full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
                    // Incremental auto-vacuum lets pruning give pages back to the file system; it
                    // can only be switched on before the first table exists.
                    let tables = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0
                    if tables == 0 {
                        try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
                        try db.execute(sql: "VACUUM")
                    }
                }
                try Schema.migrator.migrate(pool)
                try pool.write { db in
                    try db.execute(
                        sql: "UPDATE queue_entry SET status = 'pending', updated_at = ? WHERE status = 'in-flight'",
                        arguments: [Date().timeIntervalSince1970])
                }
            } else {
                let known = try pool.read { db in try Schema.migrator.hasCompletedMigrations(db) }
                if !known { throw StoreError(.schema, "the read-only database at \(path) is not at this program's schema version") }
            }
            if !configuration.readOnly {
                try FileManager.default.createDirectory(atPath: self.contentDirectory, withIntermediateDirectories: true)
            }
        } catch {
            throw StoreError(error)
        }
        if !configuration.readOnly && configuration.durability == .pipelined {
            walSync = WALSync(path: path + "-wal", maximumInFlight: configuration.maximumSyncsInFlight,
                              flush: configuration.walFlush,
                              inlineBelow: configuration.inlineSyncBelow)
            // The WAL file exists now (the migrations wrote through it): make its directory entry durable.
            WALSync.syncDirectory(URL(fileURLWithPath: path).deletingLastPathComponent().path)
        } else {
            walSync = nil
        }
        batcher = WriteBatcher(writer: pool, maxBatch: configuration.groupCommit ? configuration.maxBatchSize : 1,
                               maxWait: configuration.groupCommit ? configuration.groupCommitWait : .zero,
                               lazyWait: configuration.groupCommit ? configuration.lazyCommitWait : .zero, sync: walSync)
    }

    /// Runs `operation` in the writer's next group commit.
    func write<T: Sendable>(_ operation: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try checkWritable()
        return try await batcher.submit(operation)
    }

    func checkWritable() throws {
        if configuration.readOnly { throw StoreError(.readOnly, "the store was opened read-only") }
    }

    func read<T: Sendable>(_ operation: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await reading { try await pool.read(operation) }
    }

    /// A read made of ONE statement (SQLite gives the statement its own consistent snapshot): without GRDB's
    /// BEGIN/COMMIT around it, which cost as much as the claim query itself.
    func readOneStatement<T: Sendable>(_ operation: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await reading { try await pool.unsafeRead(operation) }
    }

    private func reading<T>(_ body: () async throws -> T) async throws -> T {
        guard !batcher.isClosed else { throw StoreError(.closed, "the store is closed") }
        do {
            return try await body()
        } catch {
            throw StoreError(error)
        }
    }

    public func close() async throws {
        await batcher.close()
        walSync?.close()
        do { try pool.close() } catch { throw StoreError(error) }
    }

    public func statistics() async throws -> StoreStatistics {
        let transactions = batcher.transactions
        let writes = batcher.writes
        let counts = try await read { db in
            (
                try Int.fetchOne(db, sql: "SELECT count(*) FROM message") ?? 0,
                try Int.fetchOne(db, sql: "SELECT count(*) FROM queue_entry WHERE status IN ('pending', 'in-flight')") ?? 0,
                try Int.fetchOne(db, sql: "SELECT count(*) FROM queue_entry WHERE status = 'dead-lettered'") ?? 0,
                try Int.fetchOne(db, sql: "SELECT count(*) FROM instance") ?? 0,
                try Int64.fetchOne(db, sql: "SELECT IFNULL(SUM(size), 0) FROM instance") ?? 0
            )
        }
        return StoreStatistics(
            messages: counts.0, queued: counts.1, deadLetters: counts.2, instances: counts.3, instanceBytes: counts.4,
            databaseBytes: databaseFileBytes(), transactions: transactions, writes: writes, unwaitedWriteFailures: background.failures,
            walSyncs: walSync?.syncs ?? 0)
    }

    /// The writer connection's settings (for tests and diagnostics): journal_mode, synchronous,
    /// auto_vacuum, foreign_keys, and the applied migrations.
    func writerSettings() async throws -> [String: String] {
        try await pool.writeWithoutTransaction { db in
            var s: [String: String] = [:]
            for p in ["journal_mode", "synchronous", "auto_vacuum", "foreign_keys"] {
                s[p] = try String.fetchOne(db, sql: "PRAGMA \(p)")
            }
            s["migrations"] = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid").joined(separator: ",")
            return s
        }
    }

    /// `PRAGMA integrity_check`: "ok", or what SQLite found damaged.
    func integrityCheck() async throws -> String {
        try await read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ") }
    }

    /// Size of the database's files (main, WAL) on disk.
    func databaseFileBytes() -> Int64 {
        [path, path + "-wal"].reduce(Int64(0)) { total, p in
            let size = (try? FileManager.default.attributesOfItem(atPath: p)[.size] as? NSNumber)?.int64Value ?? 0
            return total + size
        }
    }
}

extension Date {
    var storeSeconds: Double { timeIntervalSince1970 }
    init(storeSeconds: Double) { self.init(timeIntervalSince1970: storeSeconds) }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
