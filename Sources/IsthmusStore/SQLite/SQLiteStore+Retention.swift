import Foundation
import GRDB

extension SQLiteStore {
    /// A message may go when none of its queue entries is pending or in flight.
    static let messageIsSettled = "NOT EXISTS (SELECT 1 FROM queue_entry q WHERE q.message_id = message.id AND q.status IN ('pending', 'in-flight'))"
    /// An instance may go when its journal entry (if any) has nothing pending or in flight.
    static let instanceIsSettled = """
        (instance.message_id IS NULL OR NOT EXISTS (SELECT 1 FROM queue_entry q WHERE q.message_id = instance.message_id \
        AND q.status IN ('pending', 'in-flight')))
        """

    public func prune(_ policy: RetentionPolicy, now: Date) async throws -> PruneResult {
        let before = databaseFileBytes()
        var result = PruneResult()
        let chunk = max(1, configuration.pruneBatchSize)
        if policy.messageMaxAge != nil || policy.messageMaxBytes != nil {
            while true {
                let deleted = try await write { db in try Self.pruneMessages(db, policy, now: now, limit: chunk) }
                result.messagesDeleted += deleted
                if deleted < chunk { break }
            }
        }
        if policy.instanceMaxAge != nil || policy.instanceMaxBytes != nil {
            while true {
                let files = try await write { db in try Self.pruneInstances(db, policy, now: now, limit: chunk) }
                result.instancesDeleted += files.count
                for file in files {
                    let path = contentPath(file.path)
                    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? file.size
                    if (try? FileManager.default.removeItem(atPath: path)) != nil {
                        result.filesDeleted += 1
                        result.fileBytesFreed += size
                    }
                }
                if files.count < chunk { break }
            }
        }
        // Give the freed pages back to the file system and empty the WAL.
        do {
            try await pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA incremental_vacuum")
                _ = try Row.fetchAll(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            }
        } catch {
            throw StoreError(error)
        }
        result.databaseBytesFreed = max(0, before - databaseFileBytes())
        return result
    }

    /// Deletes up to `limit` settled messages the policy no longer keeps (by age, then the oldest
    /// beyond the size limit); returns how many.
    static func pruneMessages(_ db: Database, _ policy: RetentionPolicy, now: Date, limit: Int) throws -> Int {
        var ids: [Int64] = []
        if let age = policy.messageMaxAge {
            ids = try Int64.fetchAll(
                db, sql: "SELECT id FROM message WHERE received_at < ? AND \(messageIsSettled) ORDER BY id LIMIT \(limit)",
                arguments: [now.storeSeconds - age.seconds])
        }
        if ids.count < limit, let maxBytes = policy.messageMaxBytes {
            var total = try Int64.fetchOne(db, sql: "SELECT IFNULL(SUM(size), 0) FROM message") ?? 0
            total -= try sum(db, "message", "size", "id", ids)
            let chosen = Set(ids)
            let rows = try Row.fetchCursor(db, sql: "SELECT id, size FROM message WHERE \(messageIsSettled) ORDER BY id")
            while total > maxBytes, ids.count < limit, let row = try rows.next() {
                let id: Int64 = row["id"]
                if chosen.contains(id) { continue }
                ids.append(id)
                total -= row["size"] as Int64
            }
        }
        try deleteRows(db, "message", "id", ids)
        return ids.count
    }

    /// Deletes up to `limit` settled instances the policy no longer keeps; returns their files.
    static func pruneInstances(_ db: Database, _ policy: RetentionPolicy, now: Date, limit: Int) throws -> [(path: String, size: Int64)] {
        var picked: [(uid: String, path: String, size: Int64)] = []
        if let age = policy.instanceMaxAge {
            picked = try Row.fetchAll(
                db,
                sql: "SELECT sop_instance_uid, path, size FROM instance WHERE received_at < ? AND \(instanceIsSettled) ORDER BY received_at, rowid LIMIT \(limit)",
                arguments: [now.storeSeconds - age.seconds]
            ).map { ($0["sop_instance_uid"], $0["path"], $0["size"]) }
        }
        if picked.count < limit, let maxBytes = policy.instanceMaxBytes {
            var total = try Int64.fetchOne(db, sql: "SELECT IFNULL(SUM(size), 0) FROM instance") ?? 0
            total -= picked.reduce(0) { $0 + $1.size }
            let chosen = Set(picked.map(\.uid))
            let rows = try Row.fetchCursor(
                db, sql: "SELECT sop_instance_uid, path, size FROM instance WHERE \(instanceIsSettled) ORDER BY received_at, rowid")
            while total > maxBytes, picked.count < limit, let row = try rows.next() {
                let uid: String = row["sop_instance_uid"]
                if chosen.contains(uid) { continue }
                picked.append((uid, row["path"], row["size"]))
                total -= row["size"] as Int64
            }
        }
        try deleteRows(db, "instance", "sop_instance_uid", picked.map(\.uid))
        return picked.map { ($0.path, $0.size) }
    }

    static func deleteRows(_ db: Database, _ table: String, _ key: String, _ values: [some DatabaseValueConvertible]) throws {
        for part in values.chunked(500) {
            try db.execute(
                sql: "DELETE FROM \(table) WHERE \(key) IN (\(Array(repeating: "?", count: part.count).joined(separator: ",")))",
                arguments: StatementArguments(Array(part)))
        }
    }

    static func sum(_ db: Database, _ table: String, _ column: String, _ key: String, _ ids: [Int64]) throws -> Int64 {
        var total: Int64 = 0
        for part in ids.chunked(500) {
            total += try Int64.fetchOne(
                db, sql: "SELECT IFNULL(SUM(\(column)), 0) FROM \(table) WHERE \(key) IN (\(Array(repeating: "?", count: part.count).joined(separator: ",")))",
                arguments: StatementArguments(Array(part))) ?? 0
        }
        return total
    }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0 ..< Swift.min($0 + size, count)] }
    }
}
