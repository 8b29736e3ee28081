import GRDB

extension Schema {
    /// Migration `v2`: the imaging workflow (worklist items, patients, MPPS).
    static func v2(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE worklist_item (
                id INTEGER PRIMARY KEY,
                accession_number TEXT NOT NULL,
                requested_procedure_id TEXT NOT NULL,
                sps_id TEXT NOT NULL,
                patient_id TEXT NOT NULL,
                issuer_of_patient_id TEXT NOT NULL,
                patient_name TEXT,
                station_ae TEXT NOT NULL,
                modality TEXT NOT NULL,
                start_date TEXT NOT NULL,
                start_time TEXT NOT NULL,
                status TEXT NOT NULL,
                study_instance_uid TEXT,
                updated_at REAL NOT NULL,
                data BLOB NOT NULL
            );
            CREATE UNIQUE INDEX worklist_key ON worklist_item(accession_number, requested_procedure_id, sps_id);
            CREATE INDEX worklist_station ON worklist_item(station_ae, status, start_date, start_time);
            CREATE INDEX worklist_modality ON worklist_item(modality, status, start_date, start_time);
            CREATE INDEX worklist_date ON worklist_item(status, start_date, start_time);
            CREATE INDEX worklist_patient ON worklist_item(patient_id, issuer_of_patient_id);
            CREATE INDEX worklist_study ON worklist_item(study_instance_uid);
            CREATE INDEX worklist_sps ON worklist_item(sps_id);

            CREATE TABLE patient (
                patient_id TEXT NOT NULL,
                issuer_of_patient_id TEXT NOT NULL,
                patient_name TEXT,
                merged_into_id TEXT,
                merged_into_issuer TEXT,
                merged_at REAL,
                updated_at REAL NOT NULL,
                data BLOB NOT NULL,
                PRIMARY KEY (patient_id, issuer_of_patient_id)
            );
            CREATE INDEX patient_merged_into ON patient(merged_into_id, merged_into_issuer);

            CREATE TABLE mpps (
                sop_instance_uid TEXT PRIMARY KEY NOT NULL,
                status TEXT NOT NULL,
                patient_id TEXT NOT NULL,
                issuer_of_patient_id TEXT NOT NULL,
                study_instance_uid TEXT,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL,
                data BLOB NOT NULL
            );
            CREATE INDEX mpps_patient ON mpps(patient_id, issuer_of_patient_id);
            CREATE INDEX mpps_study ON mpps(study_instance_uid);
            """)
    }
}

extension Schema {
    /// Creates a database at `path` migrated only up to `migration`, then runs `sql` (for
    /// upgrade tests).
    static func createDatabase(at path: String, upTo migration: String, then sql: String = "") throws {
        let queue = try DatabaseQueue(path: path)
        try migrator.migrate(queue, upTo: migration)
        if !sql.isEmpty { try queue.write { db in try db.execute(sql: sql) } }
        try queue.close()
    }
}
