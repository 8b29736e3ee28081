import GRDB

extension Schema {
    /// Migration `v3`: study activity for study-stable notifications. One row per study of the
    /// archive index: `revision` counts the instances indexed for it, `last_instance_at` is when the
    /// last one was, `notified_revision` / `notified_at` what the last notification covered. Triggers
    /// keep the rows with the index (an insert — new or replacing instance — counts; the study's last
    /// instance deleted, by retention or replacement, drops its row), so no indexing path can forget
    /// it. Studies already indexed count as notified: an upgrade does not notify the whole archive.
    static func v3(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE study_activity (
                study_instance_uid TEXT PRIMARY KEY NOT NULL,
                revision INTEGER NOT NULL,
                last_instance_at REAL NOT NULL,
                notified_revision INTEGER,
                notified_at REAL
            );
            CREATE INDEX study_activity_pending ON study_activity(last_instance_at)
                WHERE notified_revision IS NULL OR notified_revision < revision;

            INSERT INTO study_activity (study_instance_uid, revision, last_instance_at, notified_revision, notified_at)
                SELECT study_instance_uid, count(*), max(received_at), count(*), max(received_at) FROM instance GROUP BY study_instance_uid;

            CREATE TRIGGER study_activity_indexed AFTER INSERT ON instance BEGIN
                INSERT INTO study_activity (study_instance_uid, revision, last_instance_at) VALUES (NEW.study_instance_uid, 1, NEW.received_at)
                ON CONFLICT (study_instance_uid) DO UPDATE SET revision = revision + 1, last_instance_at = excluded.last_instance_at;
            END;

            CREATE TRIGGER study_activity_removed AFTER DELETE ON instance
            WHEN NOT EXISTS (SELECT 1 FROM instance WHERE study_instance_uid = OLD.study_instance_uid) BEGIN
                DELETE FROM study_activity WHERE study_instance_uid = OLD.study_instance_uid;
            END;
            """)
    }
}
