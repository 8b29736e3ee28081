import Foundation
import GRDB

extension SQLiteStore {
    public func receive(_ message: InboundMessage, deliveries: [Delivery], events: [StateChange]) async throws -> ReceiveOutcome {
        try await write(try receiveOperation(message, deliveries: deliveries, events: events))
    }

    public func receive(_ message: InboundMessage, deliveries: [Delivery], events: [StateChange],
                        completion: @escaping @Sendable (Result<ReceiveOutcome, any Error>) -> Void) {
        do {
            try checkWritable()
            batcher.enqueue(try receiveOperation(message, deliveries: deliveries, events: events), completion: completion)
        } catch {
            completion(.failure(error))
        }
    }

    /// The transaction of a `receive`: the duplicate check, then the journal entry, its history and queue entries.
    private func receiveOperation(_ message: InboundMessage, deliveries: [Delivery], events: [StateChange]) throws
        -> @Sendable (Database) throws -> ReceiveOutcome
    {
        let window = message.duplicateWindow ?? configuration.duplicateWindow
        let metadata = try Self.encode(message.metadata)
        return { db in
            if window > .zero, !message.controlID.isEmpty {
                let since = message.receivedAt.storeSeconds - window.seconds
                // min(id), not ORDER BY id LIMIT 1: that sorts the matches in a temporary b-tree for every message received.
                if let original = try db.hotInt(
                    "SELECT min(id) FROM message WHERE sender = ? AND control_id = ? AND received_at >= ?",
                    [.text(message.sender), .text(message.controlID), .double(since)])
                {
                    try Self.insertChange(db, original, StateChange(.duplicate, at: message.receivedAt, reason: "repeated control ID from \(message.channel)"))
                    return .duplicate(of: MessageID(original))
                }
            }
            let id = try Self.insertMessage(db, message, metadata: metadata, deliveries: deliveries, events: events)
            return .stored(MessageID(id))
        }
    }

    /// Inserts a journal entry, its history and its queue entries; returns its id.
    static func insertMessage(_ db: Database, _ message: InboundMessage, metadata: String, deliveries: [Delivery], events: [StateChange]) throws -> Int64 {
        let status: MessageStatus = deliveries.isEmpty ? (events.last(where: { $0.state != .duplicate })?.state ?? .received) : .queued
        let size = message.raw.count + deliveries.reduce(0) { $0 + ($1.payload?.count ?? 0) }
        try db.hot(
            """
            INSERT INTO message (kind, channel, sender, control_id, message_type, received_at, status, raw, size, metadata)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(message.kind.rawValue), .text(message.channel), .text(message.sender), .text(message.controlID),
                .text(message.messageType), .double(message.receivedAt.storeSeconds), .text(status.rawValue), .blob(message.raw),
                .int(Int64(size)), .text(metadata),
            ])
        let id = db.lastInsertedRowID
        try insertChange(db, id, StateChange(.received, at: message.receivedAt))
        for event in events { try insertChange(db, id, event) }
        try insertEntries(db, id, deliveries, at: message.receivedAt)
        return id
    }

    static func insertChange(_ db: Database, _ id: Int64, _ change: StateChange) throws {
        try db.hot(
            "INSERT INTO state_change (message_id, state, at, destination, reason) VALUES (?, ?, ?, ?, ?)",
            [.int(id), .text(change.state.rawValue), .double(change.at.storeSeconds), .text(change.destination), .text(change.reason)])
    }

    /// The message's status from its queue entries (or, without any, its last state change).
    static func refreshStatus(_ db: Database, _ id: Int64) throws {
        // One statement: any dead-lettered entry → dead-lettered; else any open one → error if an open one has
        // failed attempts, queued otherwise; else any sent → sent; without entries, the last state change that is
        // not `duplicate` (received if it is not a message status).
        try db.hot(refreshStatusSQL, [.int(id)])
    }

    private static let refreshStatusSQL = """
        UPDATE message SET status = COALESCE(
            (SELECT CASE
                WHEN sum(status = 'dead-lettered') > 0 THEN 'dead-lettered'
                WHEN sum(status IN ('pending', 'in-flight') AND attempts > 0) > 0 THEN 'error'
                WHEN sum(status IN ('pending', 'in-flight')) > 0 THEN 'queued'
                WHEN sum(status = 'sent') > 0 THEN 'sent'
                END
             FROM queue_entry WHERE message_id = ?1),
            (SELECT CASE WHEN state IN (\(MessageStatus.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", "))) THEN state ELSE 'received' END
             FROM state_change WHERE message_id = ?1 AND state <> 'duplicate' ORDER BY id DESC LIMIT 1),
            'received')
        WHERE id = ?1
        """

    static func requireMessage(_ db: Database, _ id: Int64) throws {
        guard try db.one(Bool.self,sql: "SELECT 1 FROM message WHERE id = ?", arguments: [id]) != nil else {
            throw StoreError(.notFound, "no message \(id)")
        }
    }

    public func record(_ change: StateChange, for id: MessageID) async throws {
        try await write { db in
            try Self.requireMessage(db, id.rawValue)
            try Self.insertChange(db, id.rawValue, change)
            if change.state != .duplicate { try Self.refreshStatus(db, id.rawValue) }
        }
    }

    public func message(_ id: MessageID) async throws -> StoredMessage? {
        var found = try await read { db -> StoredMessage? in
            guard let row = try db.row(sql: "SELECT * FROM message WHERE id = ?", arguments: [id.rawValue]) else { return nil }
            let history = try db.rows(sql: "SELECT * FROM state_change WHERE message_id = ? ORDER BY id", arguments: [id.rawValue]).map {
                StateChange(
                    MessageStatus(rawValue: $0["state"]) ?? .error, at: Date(storeSeconds: $0["at"]), destination: $0["destination"],
                    reason: $0["reason"])
            }
            let entries = try db.rows(
                sql: "SELECT \(Self.entryColumns) FROM queue_entry WHERE message_id = ? ORDER BY id", arguments: [id.rawValue]
            ).map(Self.entry)
            let raw: Data = row["raw"]
            return StoredMessage(
                summary: Self.summary(row), raw: [UInt8](raw), metadata: Self.decode(row["metadata"]), history: history, entries: entries)
        }
        if let entries = found?.entries { found?.entries = entries.map(withClaim) }
        return found
    }

    public func listMessages(channel: String?, status: MessageStatus?, since: Date?, limit: Int) async throws -> [MessageSummary] {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let channel {
            conditions.append("channel = ?")
            arguments += [channel]
        }
        if let status {
            conditions.append("status = ?")
            arguments += [status.rawValue]
        }
        if let since {
            conditions.append("received_at >= ?")
            arguments += [since.storeSeconds]
        }
        var sql = "SELECT \(Self.summaryColumns) FROM message"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY id DESC"
        if limit > 0 { sql += " LIMIT \(limit)" }
        let query = sql
        let args = arguments
        return try await read { db in try Row.fetchAll(db, sql: query, arguments: args).map(Self.summary) }
    }

    static let summaryColumns = "id, kind, channel, sender, control_id, message_type, received_at, status, length(raw) AS raw_size"

    static func summary(_ row: Row) -> MessageSummary {
        let size: Int? = row["raw_size"]
        let raw: Data? = size == nil ? row["raw"] : nil
        return MessageSummary(
            id: MessageID(row["id"]), kind: MessageKind(rawValue: row["kind"]) ?? .hl7, channel: row["channel"], sender: row["sender"],
            controlID: row["control_id"], messageType: row["message_type"], receivedAt: Date(storeSeconds: row["received_at"]),
            status: MessageStatus(rawValue: row["status"]) ?? .error, size: size ?? raw?.count ?? 0)
    }

    static func encode(_ metadata: [String: String]) throws -> String {
        MetadataJSON.encode(metadata)
    }

    static func decode(_ json: String) -> [String: String] {
        MetadataJSON.decode(json) ?? [:]
    }
}
