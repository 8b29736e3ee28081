// IHE RAD TF-2 Patient Information Reconciliation (RAD-12 Patient Update): demographics updates,
// A40 merge and A47 identifier change applied to worklist items, the instance index and MPPS.
import DICOM
import Foundation
import GRDB

extension SQLiteStore {
    @discardableResult
    public func updatePatient(_ key: PatientKey, attributes: DataSet, at: Date) async throws -> PatientUpdateOutcome {
        let bytes = try attributes.storedBytes()
        return try await write { db in
            let existing = try Self.patientRow(db, key)
            if let existing, let into = existing.mergedInto {
                throw WorkflowError(.patientMerged, "the patient was merged into another patient", prior: key, into: into)
            }
            try Self.writePatient(db, key, attributes, bytes: bytes, at: at)
            return existing == nil ? .created : .updated
        }
    }

    /// Stores the demographics and applies them to the patient's items, instances and MPPS.
    static func writePatient(_ db: Database, _ key: PatientKey, _ attributes: DataSet, bytes: [UInt8], at: Date) throws {
        try db.run(sql: """
            INSERT INTO patient (patient_id, issuer_of_patient_id, patient_name, updated_at, data) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (patient_id, issuer_of_patient_id) DO UPDATE SET patient_name = excluded.patient_name,
            updated_at = excluded.updated_at, data = excluded.data
            """, arguments: [key.id, key.issuer, text(attributes, .patientName), at.storeSeconds, Data(bytes)])
        _ = try movePatient(db, from: key, to: key, attributes: attributes, at: at)
    }

    @discardableResult
    public func mergePatient(prior: PatientKey, into surviving: PatientKey, survivorAttributes: DataSet?, at: Date) async throws -> PatientMoveResult {
        let survivorBytes = try survivorAttributes?.storedBytes()
        return try await write { db in
            if prior == surviving { throw WorkflowError(.samePatient, "a patient cannot be merged into itself", prior: prior, surviving: surviving) }
            let p = try Self.patientRow(db, prior)
            if let into = p?.mergedInto {
                if into == surviving {
                    throw WorkflowError(.repeatedMerge, "the prior patient was already merged into the surviving patient", prior: prior, surviving: surviving, into: into)
                }
                throw WorkflowError(.priorAlreadyMerged, "the prior patient was already merged into another patient", prior: prior, surviving: surviving, into: into)
            }
            var s = try Self.patientRow(db, surviving)
            if let into = s?.mergedInto {
                // Follow the survivor's chain of merges: reaching the prior makes a cycle.
                var seen: Set<PatientKey> = [surviving]
                var next: PatientKey? = into
                while let k = next, seen.insert(k).inserted {
                    if k == prior {
                        throw WorkflowError(.circularMerge, "the surviving patient was merged into the prior patient", prior: prior, surviving: surviving, into: into)
                    }
                    next = try Self.patientRow(db, k)?.mergedInto
                }
                throw WorkflowError(.patientMerged, "the surviving patient was merged into another patient", prior: prior, surviving: surviving, into: into)
            }
            if p == nil { try Self.insertEmptyPatient(db, prior, at: at) }
            if let survivorAttributes, let survivorBytes {
                try Self.writePatient(db, surviving, survivorAttributes, bytes: survivorBytes, at: at)
                s = try Self.patientRow(db, surviving)
            } else if s == nil {
                try Self.insertEmptyPatient(db, surviving, at: at)
                s = try Self.patientRow(db, surviving)
            }
            try db.run(sql: """
                UPDATE patient SET merged_into_id = ?, merged_into_issuer = ?, merged_at = ?, updated_at = ?
                WHERE patient_id = ? AND issuer_of_patient_id = ?
                """, arguments: [surviving.id, surviving.issuer, at.storeSeconds, at.storeSeconds, prior.id, prior.issuer])
            return try Self.movePatient(db, from: prior, to: surviving, attributes: s?.attributes, at: at)
        }
    }

    @discardableResult
    public func changePatientIdentifier(from: PatientKey, to: PatientKey, attributes: DataSet?, at: Date) async throws -> PatientMoveResult {
        let bytes = try attributes?.storedBytes()
        return try await write { db in
            let target = try Self.patientRow(db, to)
            if from == to || target != nil {
                throw WorkflowError(.identifierExists, "a patient with the new identifier exists", prior: from, surviving: to)
            }
            let record = try Self.patientRow(db, from)
            if let into = record?.mergedInto {
                throw WorkflowError(.patientMerged, "the patient was merged into another patient", prior: from, surviving: to, into: into)
            }
            if var attributes = record?.attributes {
                try attributes.setPatient(to)
                try db.run(sql: """
                    UPDATE patient SET patient_id = ?, issuer_of_patient_id = ?, updated_at = ?, data = ?
                    WHERE patient_id = ? AND issuer_of_patient_id = ?
                    """, arguments: [to.id, to.issuer, at.storeSeconds, Data(try attributes.storedBytes()), from.id, from.issuer])
            } else {
                try Self.insertEmptyPatient(db, to, at: at)
            }
            try db.run(sql: "UPDATE patient SET merged_into_id = ?, merged_into_issuer = ? WHERE merged_into_id = ? AND merged_into_issuer = ?",
                arguments: [to.id, to.issuer, from.id, from.issuer])
            let moved = try Self.movePatient(db, from: from, to: to, attributes: nil, at: at)
            if let attributes, let bytes { try Self.writePatient(db, to, attributes, bytes: bytes, at: at) }
            return moved
        }
    }

    public func patient(_ key: PatientKey) async throws -> StoredPatient? {
        try await read { db in try Self.patientRow(db, key) }
    }

    public func currentPatient(_ key: PatientKey) async throws -> StoredPatient? {
        try await read { db in try Self.currentPatientRow(db, key) }
    }

    /// The record of `key`, or the one it was merged into (following chains of merges).
    static func currentPatientRow(_ db: Database, _ key: PatientKey) throws -> StoredPatient? {
        var seen: Set<PatientKey> = []
        var record = try patientRow(db, key)
        while let r = record, let into = r.mergedInto, seen.insert(r.key).inserted {
            guard let next = try patientRow(db, into) else { return r }
            record = next
        }
        return record
    }

    static func patientRow(_ db: Database, _ key: PatientKey) throws -> StoredPatient? {
        guard let row = try db.row(sql: "SELECT data, merged_into_id, merged_into_issuer, merged_at, updated_at FROM patient WHERE patient_id = ? AND issuer_of_patient_id = ?",
                                   arguments: [key.id, key.issuer])
        else { return nil }
        // By position, in the order selected.
        let data: Data = row[0]
        let intoID: String? = row[1]
        let intoIssuer: String? = row[2]
        let mergedAt: Double? = row[3]
        return StoredPatient(
            key: key, attributes: try DataSet(storedBytes: [UInt8](data)), mergedInto: intoID.map { PatientKey(id: $0, issuer: intoIssuer ?? "") },
            mergedAt: mergedAt.map(Date.init(storeSeconds:)), updatedAt: Date(storeSeconds: row[4]))
    }

    /// A record with only the identity (a merge or identifier change naming an unknown patient).
    static func insertEmptyPatient(_ db: Database, _ key: PatientKey, at: Date) throws {
        var ds = DataSet()
        try ds.setPatient(key)
        try db.run(sql: "INSERT INTO patient (patient_id, issuer_of_patient_id, updated_at, data) VALUES (?, ?, ?, ?)",
            arguments: [key.id, key.issuer, at.storeSeconds, Data(try ds.storedBytes())])
    }

    static func text(_ ds: DataSet, _ tag: Tag) -> String? {
        guard let s = ds.string(tag)?.trimmingCharacters(in: .whitespaces), !s.isEmpty else { return nil }
        return s
    }

    /// Gives everything of patient `old` the identity `new` and (when given) the demographics
    /// `attributes`: worklist items and MPPS (columns and data sets), indexed instances (columns).
    static func movePatient(_ db: Database, from old: PatientKey, to new: PatientKey, attributes: DataSet?, at: Date) throws -> PatientMoveResult {
        func apply(_ ds: inout DataSet) throws {
            if let attributes { try ds.overlay(attributes) }
            try ds.setPatient(new)
        }
        let items = try db.rows(sql: "SELECT id, data FROM worklist_item WHERE patient_id = ? AND issuer_of_patient_id = ?", arguments: [old.id, old.issuer])
        for row in items {
            try rewriteWorklistRow(db, id: row["id"], data: row["data"], at: at, apply)
        }
        let steps = try db.rows(sql: "SELECT sop_instance_uid, data FROM mpps WHERE patient_id = ? AND issuer_of_patient_id = ?", arguments: [old.id, old.issuer])
        for row in steps {
            let data: Data = row["data"]
            var ds = try DataSet(storedBytes: [UInt8](data))
            try apply(&ds)
            try db.run(sql: "UPDATE mpps SET patient_id = ?, issuer_of_patient_id = ?, updated_at = ?, data = ? WHERE sop_instance_uid = ?",
                arguments: [new.id, new.issuer, at.storeSeconds, Data(try ds.storedBytes()), row["sop_instance_uid"] as String])
        }
        let name = attributes.flatMap { text($0, .patientName) }
        let birthDate = attributes.flatMap { text($0, WorklistTag.patientBirthDate) }
        let sex = attributes.flatMap { text($0, WorklistTag.patientSex) }
        try db.run(sql: """
            UPDATE instance SET patient_id = ?, issuer_of_patient_id = ?, patient_name = COALESCE(?, patient_name),
            patient_birth_date = COALESCE(?, patient_birth_date), patient_sex = COALESCE(?, patient_sex)
            WHERE patient_id = ? AND IFNULL(issuer_of_patient_id, '') = ?
            """, arguments: [new.id, new.issuer.isEmpty ? nil : new.issuer, name, birthDate, sex, old.id, old.issuer])
        return PatientMoveResult(worklistItems: items.count, instances: db.changesCount, performedProcedureSteps: steps.count)
    }
}
