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
        let (messages, files): (Int, [(path: String, size: Int64)]) = try await write { db in
            var messageIDs = Set<Int64>()
            if let age = policy.messageMaxAge {
                try messageIDs.formUnion(Int64.fetchAll(
                    db, sql: "SELECT id FROM message WHERE received_at < ? AND \(Self.messageIsSettled)",
                    arguments: [now.storeSeconds - age.seconds]))
            }
            if let limit = policy.messageMaxBytes {
                var total = try Int64.fetchOne(db, sql: "SELECT IFNULL(SUM(size), 0) FROM message") ?? 0
                total -= try messageIDs.isEmpty ? 0 : Self.sum(db, "message", "size", "id", messageIDs)
                let rows = try Row.fetchCursor(db, sql: "SELECT id, size FROM message WHERE \(Self.messageIsSettled) ORDER BY id")
                while total > limit, let row = try rows.next() {
                    let id: Int64 = row["id"]
                    if messageIDs.insert(id).inserted { total -= row["size"] as Int64 }
                }
            }
            var instances: [String: (path: String, size: Int64)] = [:]
            if let age = policy.instanceMaxAge {
                for row in try Row.fetchAll(
                    db, sql: "SELECT sop_instance_uid, path, size FROM instance WHERE received_at < ? AND \(Self.instanceIsSettled)",
                    arguments: [now.storeSeconds - age.seconds])
                {
                    instances[row["sop_instance_uid"]] = (row["path"], row["size"])
                }
            }
            if let limit = policy.instanceMaxBytes {
                var total = try Int64.fetchOne(db, sql: "SELECT IFNULL(SUM(size), 0) FROM instance") ?? 0
                total -= instances.values.reduce(0) { $0 + $1.size }
                let rows = try Row.fetchCursor(
                    db, sql: "SELECT sop_instance_uid, path, size FROM instance WHERE \(Self.instanceIsSettled) ORDER BY received_at, rowid")
                while total > limit, let row = try rows.next() {
                    let uid: String = row["sop_instance_uid"]
                    if instances[uid] == nil {
                        instances[uid] = (row["path"], row["size"])
                        total -= row["size"] as Int64
                    }
                }
            }
            for chunk in Array(messageIDs).chunked(500) {
                try db.execute(
                    sql: "DELETE FROM message WHERE id IN (\(Array(repeating: "?", count: chunk.count).joined(separator: ",")))",
                    arguments: StatementArguments(chunk))
            }
            for chunk in Array(instances.keys).chunked(500) {
                try db.execute(
                    sql: "DELETE FROM instance WHERE sop_instance_uid IN (\(Array(repeating: "?", count: chunk.count).joined(separator: ",")))",
                    arguments: StatementArguments(chunk))
            }
            return (messageIDs.count, Array(instances.values))
        }
        var result = PruneResult(messagesDeleted: messages, instancesDeleted: files.count)
        for file in files {
            let path = contentPath(file.path)
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? file.size
            if (try? FileManager.default.removeItem(atPath: path)) != nil {
                result.filesDeleted += 1
                result.fileBytesFreed += size
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

    static func sum(_ db: Database, _ table: String, _ column: String, _ key: String, _ ids: Set<Int64>) throws -> Int64 {
        var total: Int64 = 0
        for chunk in Array(ids).chunked(500) {
            total += try Int64.fetchOne(
                db, sql: "SELECT IFNULL(SUM(\(column)), 0) FROM \(table) WHERE \(key) IN (\(Array(repeating: "?", count: chunk.count).joined(separator: ",")))",
                arguments: StatementArguments(chunk)) ?? 0
        }
        return total
    }
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0 ..< Swift.min($0 + size, count)] }
    }
}
