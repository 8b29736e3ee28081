// Study activity (migration v3) for study-stable notifications: the pending studies, and their
// notification journaled and recorded in one transaction.
import Foundation
import GRDB

extension SQLiteStore: StudyActivityStore {
    public func stableStudies(lastInstanceBefore cutoff: Date, limit: Int) async throws -> [StableStudy] {
        try await read { db in
            // The partial index holds exactly the pending studies, ordered by their last instance.
            var sql = """
                SELECT * FROM study_activity
                WHERE (notified_revision IS NULL OR notified_revision < revision) AND last_instance_at <= ?
                ORDER BY last_instance_at
                """
            if limit > 0 { sql += " LIMIT \(limit)" }
            let pending = try Row.fetchAll(db, sql: sql, arguments: [cutoff.storeSeconds]).map(Self.activity)
            return try pending.compactMap { activity -> StableStudy? in
                let uid = activity.studyInstanceUID
                guard let latest = try db.row(
                    sql: "SELECT * FROM instance WHERE study_instance_uid = ? ORDER BY received_at DESC, rowid DESC LIMIT 1", arguments: [uid])
                else { return nil }
                let counts = try db.row(
                    sql: "SELECT count(*) AS n, count(DISTINCT series_instance_uid) AS s FROM instance WHERE study_instance_uid = ?", arguments: [uid])
                let modalities = try String.fetchAll(
                    db, sql: "SELECT modality FROM instance WHERE study_instance_uid = ? AND modality IS NOT NULL AND modality <> '' GROUP BY modality ORDER BY min(received_at)",
                    arguments: [uid])
                return StableStudy(activity: activity, numberOfInstances: counts?["n"] ?? 0, numberOfSeries: counts?["s"] ?? 0,
                                   modalities: modalities, latest: Self.instance(latest))
            }
        }
    }

    public func recordStudyNotification(_ study: StableStudy, notifications: [StudyNotification], at: Date) async throws -> [MessageID]? {
        let metadata = try notifications.map { try Self.encode($0.message.metadata) }
        return try await write { db -> [MessageID]? in
            let notified = try db.row(sql: "SELECT notified_revision FROM study_activity WHERE study_instance_uid = ?", arguments: [study.studyInstanceUID])
            guard let notified else { return nil }  // the study left the index (pruned) meanwhile
            if let covered: Int64 = notified["notified_revision"], covered >= study.revision { return nil }
            var ids: [MessageID] = []
            for (n, meta) in zip(notifications, metadata) {
                ids.append(MessageID(try Self.insertMessage(db, n.message, metadata: meta, deliveries: n.deliveries, events: [])))
            }
            try db.run(
                sql: "UPDATE study_activity SET notified_revision = ?, notified_at = ? WHERE study_instance_uid = ?",
                arguments: [study.revision, at.storeSeconds, study.studyInstanceUID])
            return ids
        }
    }

    public func studyActivity(studyInstanceUID: String) async throws -> StudyActivity? {
        try await read { db in
            try db.row(sql: "SELECT * FROM study_activity WHERE study_instance_uid = ?", arguments: [studyInstanceUID]).map(Self.activity)
        }
    }

    static func activity(_ row: Row) -> StudyActivity {
        let notifiedAt: Double? = row["notified_at"]
        return StudyActivity(
            studyInstanceUID: row["study_instance_uid"], revision: row["revision"], lastInstanceAt: Date(storeSeconds: row["last_instance_at"]),
            notifiedRevision: row["notified_revision"], notifiedAt: notifiedAt.map(Date.init(storeSeconds:)))
    }
}
