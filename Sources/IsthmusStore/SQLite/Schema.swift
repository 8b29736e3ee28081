import GRDB

/// The versioned schema: each migration runs once, in order, in its own transaction; the
/// applied ones are recorded in `grdb_migrations`. Add new migrations at the end; never edit one
/// that has shipped.
enum Schema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE message (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    kind TEXT NOT NULL,
                    channel TEXT NOT NULL,
                    sender TEXT NOT NULL,
                    control_id TEXT NOT NULL,
                    message_type TEXT NOT NULL,
                    received_at REAL NOT NULL,
                    status TEXT NOT NULL,
                    raw BLOB NOT NULL,
                    size INTEGER NOT NULL,
                    metadata TEXT NOT NULL
                );
                CREATE INDEX message_duplicate ON message(sender, control_id, received_at);
                CREATE INDEX message_channel ON message(channel, id);
                CREATE INDEX message_status ON message(status, id);
                CREATE INDEX message_received ON message(received_at);

                CREATE TABLE state_change (
                    id INTEGER PRIMARY KEY,
                    message_id INTEGER NOT NULL REFERENCES message(id) ON DELETE CASCADE,
                    state TEXT NOT NULL,
                    at REAL NOT NULL,
                    destination TEXT,
                    reason TEXT
                );
                CREATE INDEX state_change_message ON state_change(message_id, id);

                CREATE TABLE queue_entry (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    message_id INTEGER NOT NULL REFERENCES message(id) ON DELETE CASCADE,
                    destination TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at REAL NOT NULL,
                    last_error TEXT,
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL,
                    sent_at REAL,
                    response TEXT,
                    payload BLOB
                );
                CREATE UNIQUE INDEX queue_entry_seq ON queue_entry(seq);
                CREATE INDEX queue_entry_open ON queue_entry(destination, seq) WHERE status IN ('pending', 'in-flight');
                CREATE INDEX queue_entry_dead ON queue_entry(id) WHERE status = 'dead-lettered';
                CREATE INDEX queue_entry_message ON queue_entry(message_id);

                CREATE TABLE instance (
                    sop_instance_uid TEXT PRIMARY KEY NOT NULL,
                    path TEXT NOT NULL,
                    patient_id TEXT,
                    issuer_of_patient_id TEXT,
                    patient_name TEXT,
                    patient_birth_date TEXT,
                    patient_sex TEXT,
                    study_instance_uid TEXT NOT NULL,
                    study_date TEXT,
                    study_time TEXT,
                    accession_number TEXT,
                    study_description TEXT,
                    study_id TEXT,
                    modalities_in_study TEXT NOT NULL,
                    series_instance_uid TEXT NOT NULL,
                    series_number INTEGER,
                    modality TEXT,
                    sop_class_uid TEXT NOT NULL,
                    instance_number INTEGER,
                    transfer_syntax_uid TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    calling_ae TEXT,
                    received_at REAL NOT NULL,
                    message_id INTEGER REFERENCES message(id) ON DELETE SET NULL
                );
                CREATE INDEX instance_patient ON instance(patient_id, issuer_of_patient_id);
                CREATE INDEX instance_study ON instance(study_instance_uid, series_instance_uid);
                CREATE INDEX instance_series ON instance(series_instance_uid);
                CREATE INDEX instance_accession ON instance(accession_number);
                CREATE INDEX instance_study_date ON instance(study_date);
                CREATE INDEX instance_received ON instance(received_at);
                CREATE INDEX instance_message ON instance(message_id);
                """)
        }
        m.registerMigration("v2", migrate: v2)
        m.registerMigration("v3", migrate: v3)
        return m
    }
}
