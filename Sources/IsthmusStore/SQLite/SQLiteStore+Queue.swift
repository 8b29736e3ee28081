import Foundation
import GRDB

extension SQLiteStore {
    static let entryColumns = """
        id, message_id, destination, status, attempts, next_attempt_at, last_error, created_at, updated_at, sent_at, response, \
        payload IS NOT NULL AS has_payload
        """

    /// `entryColumns` of `queue_entry AS q`, for joins.
    static let qualifiedEntryColumns = """
        q.id, q.message_id, q.destination, q.status, q.attempts, q.next_attempt_at, q.last_error, q.created_at, q.updated_at, \
        q.sent_at, q.response, q.payload IS NOT NULL AS has_payload
        """

    static func entry(_ row: Row) -> QueueEntry {
        QueueEntry(
            id: QueueEntryID(row["id"]), messageID: MessageID(row["message_id"]), destination: row["destination"],
            status: QueueStatus(rawValue: row["status"]) ?? .pending, attempts: row["attempts"],
            nextAttemptAt: Date(storeSeconds: row["next_attempt_at"]), lastError: row["last_error"],
            createdAt: Date(storeSeconds: row["created_at"]), updatedAt: Date(storeSeconds: row["updated_at"]),
            sentAt: (row["sent_at"] as Double?).map(Date.init(storeSeconds:)), response: row["response"], hasPayload: row["has_payload"])
    }

    /// The next position at the tail of the queues (one sequence across destinations).
    static func nextSeq(_ db: Database) throws -> Int64 {
        try db.hotInt("SELECT IFNULL(MAX(seq), 0) + 1 FROM queue_entry", []) ?? 1
    }

    @discardableResult
    static func insertEntries(_ db: Database, _ messageID: Int64, _ deliveries: [Delivery], at now: Date) throws -> [QueueEntryID] {
        var ids: [QueueEntryID] = []
        var seq = try nextSeq(db)
        for d in deliveries {
            try db.hot(
                """
                INSERT INTO queue_entry (message_id, destination, seq, status, attempts, next_attempt_at, created_at, updated_at, payload)
                VALUES (?, ?, ?, 'pending', 0, ?, ?, ?, ?)
                """,
                [.int(messageID), .text(d.destination), .int(seq), .double((d.notBefore ?? now).storeSeconds), .double(now.storeSeconds),
                 .double(now.storeSeconds), d.payload.map { .blob($0) } ?? .null])
            ids.append(QueueEntryID(db.lastInsertedRowID))
            try insertChange(db, messageID, StateChange(.queued, at: now, destination: d.destination))
            seq += 1
        }
        return ids
    }

    /// The entry's message id and status; throws `.notFound` if there is no such entry.
    static func entryState(_ db: Database, _ entry: QueueEntryID) throws -> (message: Int64, destination: String, status: QueueStatus) {
        var state: (message: Int64, destination: String, status: QueueStatus)?
        try db.hot("SELECT message_id, destination, status FROM queue_entry WHERE id = ?", [.int(entry.rawValue)]) { row in
            state = (row.int(0), row.text(1) ?? "", row.text(2).flatMap(QueueStatus.init(rawValue:)) ?? .pending)
        }
        guard let state else { throw StoreError(.notFound, "no queue entry \(entry)") }
        return state
    }

    @discardableResult
    public func enqueue(_ deliveries: [Delivery], for id: MessageID, event: StateChange?) async throws -> [QueueEntryID] {
        try await write { db in
            try Self.requireMessage(db, id.rawValue)
            let now = Date()
            if let event { try Self.insertChange(db, id.rawValue, event) }
            let ids = try Self.insertEntries(db, id.rawValue, deliveries, at: now)
            let added = deliveries.reduce(0) { $0 + ($1.payload?.count ?? 0) }
            if added > 0 { try db.run(sql: "UPDATE message SET size = size + ? WHERE id = ?", arguments: [added, id.rawValue]) }
            try Self.refreshStatus(db, id.rawValue)
            return ids
        }
    }

    @discardableResult
    public func resend(_ id: MessageID, destination: String) async throws -> QueueEntryID {
        try await write { db in
            try Self.requireMessage(db, id.rawValue)
            let payload = try Data?.fetchOne(
                db, sql: "SELECT payload FROM queue_entry WHERE message_id = ? AND destination = ? ORDER BY id DESC LIMIT 1",
                arguments: [id.rawValue, destination]) ?? nil
            let now = Date()
            try Self.insertChange(db, id.rawValue, StateChange(.resent, at: now, destination: destination))
            let ids = try Self.insertEntries(db, id.rawValue, [Delivery(destination: destination, payload: payload.map { [UInt8]($0) })], at: now)
            if let payload { try db.run(sql: "UPDATE message SET size = size + ? WHERE id = ?", arguments: [payload.count, id.rawValue]) }
            try Self.refreshStatus(db, id.rawValue)
            return ids[0]
        }
    }

    public func claimNext(destination: String, now: Date) async throws -> ClaimedEntry? {
        try await claim(destination: destination, limit: 1, now: now).first
    }

    public func claim(destination: String, limit: Int, now: Date) async throws -> [ClaimedEntry] {
        guard !batcher.isClosed else { throw StoreError(.closed, "the store is closed") }
        guard !claims.isClaimed(destination: destination) else { return [] }
        let skip = claims.settlingIDs
        let limit = max(1, limit)
        let entries: [ClaimedEntry] = try await readOneStatement { db in
            var result: [ClaimedEntry] = []
            let rows = try Row.fetchCursor(
                db.cachedStatement(
                    sql: """
                        SELECT \(Self.qualifiedEntryColumns), q.payload, m.kind, m.raw, m.metadata
                        FROM queue_entry q JOIN message m ON m.id = q.message_id
                        WHERE q.destination = ? AND q.status IN ('pending', 'in-flight') ORDER BY q.seq
                        """),
                arguments: [destination])
            while result.count < limit, let row = try rows.next() {
                let id: Int64 = row["id"]
                if skip.contains(id) { continue }
                // Compared as stored (Unix seconds), so an entry due exactly at `now` is due. The
                // first entry not due ends the claim: entries leave in order.
                let due: Double = row["next_attempt_at"]
                guard due <= now.storeSeconds else { break }
                var entry = Self.entry(row)
                entry.status = .inFlight
                let payload: Data = row["payload"] ?? row["raw"]
                result.append(ClaimedEntry(
                    entry: entry, payload: [UInt8](payload), kind: MessageKind(rawValue: row["kind"]) ?? .hl7, metadata: Self.decode(row["metadata"])))
            }
            return result
        }
        guard !entries.isEmpty, claims.claim(entries.map(\.id.rawValue), destination: destination) else { return [] }
        return entries
    }

    public func unclaim(destination: String) async {
        claims.release(destination: destination)
    }

    public func nextAttempt(destination: String) async throws -> Date? {
        guard !claims.isClaimed(destination: destination) else { return nil }
        let skip = claims.settlingIDs
        return try await read { db in
            let rows = try Row.fetchCursor(
                db.cachedStatement(
                    sql: "SELECT id, next_attempt_at FROM queue_entry WHERE destination = ? AND status IN ('pending', 'in-flight') ORDER BY seq"),
                arguments: [destination])
            while let row = try rows.next() {
                if skip.contains(row["id"]) { continue }
                return Date(storeSeconds: row["next_attempt_at"])
            }
            return nil
        }
    }

    public func activeDestinations() async throws -> [String] {
        try await read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT destination FROM queue_entry WHERE status IN ('pending', 'in-flight') ORDER BY destination")
        }
    }

    public func markSent(_ entry: QueueEntryID, at: Date, response: String?) async throws {
        claims.beginSettling(entry.rawValue)
        defer { claims.endSettling(entry.rawValue) }
        try await write(Self.sentOperation(entry, at: at, response: response))
    }

    public func markSentWithoutWaiting(_ entry: QueueEntryID, at: Date, response: String?) {
        claims.beginSettling(entry.rawValue)
        let claims = self.claims, background = self.background
        guard !configuration.readOnly else {
            claims.endSettling(entry.rawValue)
            background.recordFailure()
            return
        }
        // Straight into the group commit (no task): the delivery worker may call this from an event loop.
        // Not durable before it completes: lost in a crash, the entry is only sent again (at least once).
        batcher.enqueue(Self.sentOperation(entry, at: at, response: response), durable: false) { result in
            claims.endSettling(entry.rawValue)
            if case .failure = result { background.recordFailure() }
        }
    }

    /// The transaction that marks one queue entry sent.
    private static func sentOperation(_ entry: QueueEntryID, at: Date, response: String?) -> @Sendable (Database) throws -> Void {
        { db in
            // One statement checks and updates (the entry must still be in the queue).
            // Read, then update: `UPDATE … RETURNING` costs more (SQLite builds an ephemeral table for its rows).
            let state = try Self.entryState(db, entry)
            guard state.status == .inFlight || state.status == .pending else {
                throw StoreError(.invalidState, "queue entry \(entry) is \(state.status.rawValue), not in flight")
            }
            try db.hot(
                "UPDATE queue_entry SET status = 'sent', sent_at = ?, updated_at = ?, response = ? WHERE id = ?",
                [.double(at.storeSeconds), .double(at.storeSeconds), .text(response), .int(entry.rawValue)])
            try Self.insertChange(db, state.message, StateChange(.sent, at: at, destination: state.destination, reason: response))
            try Self.refreshStatus(db, state.message)
        }
    }

    @discardableResult
    public func markFailed(_ entry: QueueEntryID, error: String, retryAt: Date) async throws -> Int {
        // The claim (this entry and any claimed after it) ends once the retry time is committed,
        // so that no claim sees the entry due before that.
        let destination = claims.destination(of: entry.rawValue)
        defer { if let destination { claims.release(destination: destination) } }
        return try await write { db in
            let state = try Self.entryState(db, entry)
            guard state.status == .inFlight || state.status == .pending else {
                throw StoreError(.invalidState, "queue entry \(entry) is \(state.status.rawValue), not in flight")
            }
            let now = Date()
            try db.run(
                sql: """
                    UPDATE queue_entry SET status = 'pending', attempts = attempts + 1, next_attempt_at = ?, last_error = ?, updated_at = ?
                    WHERE id = ?
                    """,
                arguments: [retryAt.storeSeconds, error, now.storeSeconds, entry.rawValue])
            try Self.insertChange(db, state.message, StateChange(.error, at: now, destination: state.destination, reason: error))
            try Self.refreshStatus(db, state.message)
            return try db.one(Int.self,sql: "SELECT attempts FROM queue_entry WHERE id = ?", arguments: [entry.rawValue]) ?? 0
        }
    }

    public func deadLetter(_ entry: QueueEntryID, reason: String) async throws {
        claims.beginSettling(entry.rawValue)
        defer { claims.endSettling(entry.rawValue) }
        try await write { db in
            let state = try Self.entryState(db, entry)
            guard state.status == .inFlight || state.status == .pending else {
                throw StoreError(.invalidState, "queue entry \(entry) is \(state.status.rawValue), not in the queue")
            }
            let now = Date()
            try db.run(
                sql: "UPDATE queue_entry SET status = 'dead-lettered', last_error = ?, updated_at = ? WHERE id = ?",
                arguments: [reason, now.storeSeconds, entry.rawValue])
            try Self.insertChange(db, state.message, StateChange(.deadLettered, at: now, destination: state.destination, reason: reason))
            try Self.refreshStatus(db, state.message)
        }
    }

    public func listDeadLetters(destination: String?, limit: Int) async throws -> [QueueEntry] {
        var sql = "SELECT \(Self.entryColumns) FROM queue_entry WHERE status = 'dead-lettered'"
        var arguments: StatementArguments = []
        if let destination {
            sql += " AND destination = ?"
            arguments += [destination]
        }
        sql += " ORDER BY id"
        if limit > 0 { sql += " LIMIT \(limit)" }
        let query = sql
        let args = arguments
        return try await read { db in try Row.fetchAll(db, sql: query, arguments: args).map(Self.entry) }
    }

    public func release(_ entry: QueueEntryID) async throws {
        try await write { db in
            let state = try Self.entryState(db, entry)
            guard state.status == .deadLettered else {
                throw StoreError(.invalidState, "queue entry \(entry) is \(state.status.rawValue), not dead-lettered")
            }
            let now = Date()
            try db.run(
                sql: """
                    UPDATE queue_entry SET status = 'pending', attempts = 0, seq = ?, next_attempt_at = ?, updated_at = ? WHERE id = ?
                    """,
                arguments: [try Self.nextSeq(db), now.storeSeconds, now.storeSeconds, entry.rawValue])
            try Self.insertChange(db, state.message, StateChange(.queued, at: now, destination: state.destination, reason: "released from the dead letters"))
            try Self.refreshStatus(db, state.message)
        }
    }

    public func queueEntry(_ entry: QueueEntryID) async throws -> QueueEntry? {
        let found = try await read { db in
            try db.row(sql: "SELECT \(Self.entryColumns) FROM queue_entry WHERE id = ?", arguments: [entry.rawValue]).map(Self.entry)
        }
        return found.map(withClaim)
    }

    /// The entry with its in-memory claim shown as `.inFlight`.
    func withClaim(_ entry: QueueEntry) -> QueueEntry {
        guard entry.status == .pending, claims.isClaimed(entry.id.rawValue) else { return entry }
        var e = entry
        e.status = .inFlight
        return e
    }
}
