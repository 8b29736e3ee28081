import Foundation
import GRDB

extension SQLiteStore {
    static let instanceColumns = [
        "sop_instance_uid", "path", "patient_id", "issuer_of_patient_id", "patient_name", "patient_birth_date", "patient_sex",
        "study_instance_uid", "study_date", "study_time", "accession_number", "study_description", "study_id", "modalities_in_study",
        "series_instance_uid", "series_number", "modality", "sop_class_uid", "instance_number", "transfer_syntax_uid", "size",
        "calling_ae", "received_at", "message_id",
    ]

    static func instance(_ row: Row) -> InstanceRecord {
        let modalities: String = row["modalities_in_study"]
        return InstanceRecord(
            path: row["path"], patientID: row["patient_id"], issuerOfPatientID: row["issuer_of_patient_id"], patientName: row["patient_name"],
            patientBirthDate: row["patient_birth_date"], patientSex: row["patient_sex"], studyInstanceUID: row["study_instance_uid"],
            studyDate: row["study_date"], studyTime: row["study_time"], accessionNumber: row["accession_number"],
            studyDescription: row["study_description"], studyID: row["study_id"],
            modalitiesInStudy: modalities.split(separator: "\\").map(String.init), seriesInstanceUID: row["series_instance_uid"],
            seriesNumber: row["series_number"], modality: row["modality"], sopClassUID: row["sop_class_uid"],
            sopInstanceUID: row["sop_instance_uid"], instanceNumber: row["instance_number"], transferSyntaxUID: row["transfer_syntax_uid"],
            size: row["size"], callingAE: row["calling_ae"], receivedAt: Date(storeSeconds: row["received_at"]))
    }

    static func insertInstance(_ db: Database, _ i: InstanceRecord, message: Int64?) throws {
        let values: [(any DatabaseValueConvertible)?] = [
            i.sopInstanceUID, i.path, i.patientID, i.issuerOfPatientID, i.patientName, i.patientBirthDate, i.patientSex,
            i.studyInstanceUID, i.studyDate, i.studyTime, i.accessionNumber, i.studyDescription, i.studyID,
            i.modalitiesInStudy.joined(separator: "\\"), i.seriesInstanceUID, i.seriesNumber, i.modality, i.sopClassUID,
            i.instanceNumber, i.transferSyntaxUID, i.size, i.callingAE, i.receivedAt.storeSeconds, message,
        ]
        let placeholders = Array(repeating: "?", count: values.count).joined(separator: ", ")
        try db.run(
            sql: "INSERT INTO instance (\(instanceColumns.joined(separator: ", "))) VALUES (\(placeholders))",
            arguments: StatementArguments(values))
    }

    /// The absolute path of a file in the content folder.
    public func contentPath(_ relative: String) -> String {
        relative.hasPrefix("/") ? relative : contentDirectory + "/" + relative
    }

    public func indexInstance(_ instance: InstanceRecord, policy: DuplicateInstancePolicy, channel: String?, deliveries: [Delivery]) async throws -> IndexOutcome {
        let metadata = try Self.encode([
            "path": instance.path, "sopInstanceUID": instance.sopInstanceUID, "studyInstanceUID": instance.studyInstanceUID,
            "seriesInstanceUID": instance.seriesInstanceUID, "transferSyntaxUID": instance.transferSyntaxUID,
        ])
        let (outcome, redundant): (IndexOutcome, String?) = try await write { db in
            let existing = try db.row(sql: "SELECT path FROM instance WHERE sop_instance_uid = ?", arguments: [instance.sopInstanceUID])
            let existingPath: String? = existing?["path"]
            let redundantNew = existingPath.flatMap { $0 == instance.path ? nil : instance.path }
            switch (existingPath, policy) {
            case (let path?, .ignore): return (.ignored(existingPath: path), redundantNew)
            case (let path?, .reject): return (.rejected(existingPath: path), redundantNew)
            case (let path?, .replace):
                try db.run(sql: "DELETE FROM instance WHERE sop_instance_uid = ?", arguments: [instance.sopInstanceUID])
                let message = try Self.instanceMessage(db, instance, channel: channel, deliveries: deliveries, metadata: metadata)
                try Self.insertInstance(db, instance, message: message)
                return (.replaced(previousPath: path, message: message.map { MessageID($0) }), path == instance.path ? nil : path)
            case (nil, _):
                let message = try Self.instanceMessage(db, instance, channel: channel, deliveries: deliveries, metadata: metadata)
                try Self.insertInstance(db, instance, message: message)
                return (.indexed(message: message.map { MessageID($0) }), nil)
            }
        }
        if let redundant { try? FileManager.default.removeItem(atPath: contentPath(redundant)) }
        return outcome
    }

    /// The journal entry of a DICOM instance that has deliveries (none without).
    static func instanceMessage(_ db: Database, _ i: InstanceRecord, channel: String?, deliveries: [Delivery], metadata: String) throws -> Int64? {
        guard !deliveries.isEmpty else { return nil }
        let message = InboundMessage(
            kind: .dicom, raw: [], channel: channel ?? "dicom", sender: i.callingAE ?? "", controlID: i.sopInstanceUID,
            messageType: i.sopClassUID, receivedAt: i.receivedAt)
        let id = try insertMessage(db, message, metadata: metadata, deliveries: deliveries, events: [])
        try db.run(sql: "UPDATE message SET size = size + ? WHERE id = ?", arguments: [i.size, id])
        return id
    }

    public func instance(sopInstanceUID: String) async throws -> InstanceRecord? {
        try await read { db in
            try db.row(sql: "SELECT * FROM instance WHERE sop_instance_uid = ?", arguments: [sopInstanceUID]).map(Self.instance)
        }
    }

    public func instances(matching q: InstanceQuery) async throws -> [InstanceRecord] {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        func match(_ column: String, _ value: String?, _ op: String = "=") {
            guard let value else { return }
            conditions.append("\(column) \(op) ?")
            arguments += [value]
        }
        match("patient_id", q.patientID)
        match("issuer_of_patient_id", q.issuerOfPatientID)
        match("patient_name", q.patientName)
        match("study_instance_uid", q.studyInstanceUID)
        match("accession_number", q.accessionNumber)
        match("study_id", q.studyID)
        match("study_date", q.studyDateFrom, ">=")
        match("study_date", q.studyDateThrough, "<=")
        match("series_instance_uid", q.seriesInstanceUID)
        match("modality", q.modality)
        match("sop_instance_uid", q.sopInstanceUID)
        match("sop_class_uid", q.sopClassUID)
        match("calling_ae", q.callingAE)
        var sql = "SELECT * FROM instance"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY study_instance_uid, series_number, series_instance_uid, instance_number, received_at"
        if q.limit > 0 { sql += " LIMIT \(q.limit)" }
        let query = sql
        let args = arguments
        return try await read { db in try Row.fetchAll(db, sql: query, arguments: args).map(Self.instance) }
    }
}
