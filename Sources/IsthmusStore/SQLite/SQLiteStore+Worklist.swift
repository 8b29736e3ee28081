// PS3.4 K.6.1.2: the Modality Worklist prefilter over the indexed SPS attributes; the exact
// matching of K.6.1.2.1 / C.2.2.2 is the C-FIND SCP's, on the returned data sets.
import DICOM
import Foundation
import GRDB

extension SQLiteStore: WorkflowStore {
    @discardableResult
    public func upsertWorklistItem(_ dataSet: DataSet, at: Date) async throws -> WorklistUpsertOutcome {
        try await upsertWorklistItems([dataSet], at: at)[0]
    }

    @discardableResult
    public func upsertWorklistItems(_ dataSets: [DataSet], at: Date) async throws -> [WorklistUpsertOutcome] {
        let items = try dataSets.map { ds throws(WorkflowError) in (try WorklistItem(dataSet: ds, updatedAt: at), try ds.storedBytes()) }
        return try await write { db in
            try items.map { item, bytes in
                let existing = try db.one(Int64.self, sql: "SELECT id FROM worklist_item WHERE accession_number = ? AND requested_procedure_id = ? AND sps_id = ?",
                    arguments: [item.key.accessionNumber, item.key.requestedProcedureID, item.key.scheduledProcedureStepID])
                try Self.writeWorklistRow(db, id: existing, item, bytes: bytes)
                return existing == nil ? WorklistUpsertOutcome.created : .updated
            }
        }
    }

    /// Inserts (id nil) or rewrites a worklist row from the item and its data set's bytes.
    static func writeWorklistRow(_ db: Database, id: Int64?, _ i: WorklistItem, bytes: [UInt8]) throws {
        let values: StatementArguments = [
            i.key.accessionNumber, i.key.requestedProcedureID, i.key.scheduledProcedureStepID, i.patient.id, i.patient.issuer,
            i.patientName, i.stationAETitle, i.modality, i.startDate, i.startTime, i.status.rawValue, i.studyInstanceUID,
            i.updatedAt.storeSeconds, Data(bytes),
        ]
        if let id {
            try db.run(sql: """
                UPDATE worklist_item SET accession_number = ?, requested_procedure_id = ?, sps_id = ?, patient_id = ?, issuer_of_patient_id = ?,
                patient_name = ?, station_ae = ?, modality = ?, start_date = ?, start_time = ?, status = ?, study_instance_uid = ?,
                updated_at = ?, data = ? WHERE id = ?
                """, arguments: values + [id])
        } else {
            try db.run(sql: """
                INSERT INTO worklist_item (accession_number, requested_procedure_id, sps_id, patient_id, issuer_of_patient_id, patient_name,
                station_ae, modality, start_date, start_time, status, study_instance_uid, updated_at, data)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: values)
        }
    }

    /// Rewrites the item in row `id` after `change` edits its data set (status, patient).
    static func rewriteWorklistRow(_ db: Database, id: Int64, data: Data, at: Date, _ change: (inout DataSet) throws -> Void) throws {
        var ds = try DataSet(storedBytes: [UInt8](data))
        try change(&ds)
        let item = try WorklistItem(dataSet: ds, updatedAt: at)
        try writeWorklistRow(db, id: id, item, bytes: try ds.storedBytes())
    }

    public func setWorklistStatus(_ status: ProcedureStepStatus, key: WorklistKey, at: Date) async throws {
        try await write { db in
            guard let row = try db.row(sql: "SELECT id, data FROM worklist_item WHERE accession_number = ? AND requested_procedure_id = ? AND sps_id = ?",
                arguments: [key.accessionNumber, key.requestedProcedureID, key.scheduledProcedureStepID])
            else { throw WorkflowError(.itemNotFound, "no worklist item has this accession number, requested procedure ID and SPS ID") }
            try Self.rewriteWorklistRow(db, id: row["id"], data: row["data"], at: at) { ds in try ds.setStepStatus(status) }
        }
    }

    @discardableResult
    public func updateWorklistStatus(_ status: ProcedureStepStatus, where selector: WorklistSelector, at: Date) async throws -> Int {
        let (condition, arguments): (String, StatementArguments) = switch selector {
        case .key(let k): ("accession_number = ? AND requested_procedure_id = ? AND sps_id = ?", [k.accessionNumber, k.requestedProcedureID, k.scheduledProcedureStepID])
        case .accessionNumber(let a): ("accession_number = ?", [a])
        case .studyInstanceUID(let u): ("study_instance_uid = ?", [u])
        case .scheduledProcedureStepID(let s): ("sps_id = ?", [s])
        }
        let final = [ProcedureStepStatus.completed, .discontinued, .canceled].map(\.rawValue)
        return try await write { db in
            let rows = try db.rows(
                sql: "SELECT id, data FROM worklist_item WHERE \(condition) AND status NOT IN (?, ?, ?) AND status != ?",
                arguments: arguments + StatementArguments(final) + [status.rawValue])
            for row in rows {
                try Self.rewriteWorklistRow(db, id: row["id"], data: row["data"], at: at) { ds in try ds.setStepStatus(status) }
            }
            return rows.count
        }
    }

    @discardableResult
    public func deleteFinishedWorklistItems(updatedBefore date: Date) async throws -> Int {
        try await write { db in
            try db.run(sql: "DELETE FROM worklist_item WHERE status IN ('COMPLETED', 'DISCONTINUED', 'CANCELED') AND updated_at < ?",
                arguments: [date.storeSeconds])
            return db.changesCount
        }
    }

    public func worklistItem(_ key: WorklistKey) async throws -> WorklistItem? {
        try await read { db in
            try db.row(sql: "SELECT \(Self.worklistItemColumns) FROM worklist_item WHERE accession_number = ? AND requested_procedure_id = ? AND sps_id = ?",
                arguments: [key.accessionNumber, key.requestedProcedureID, key.scheduledProcedureStepID]).map(Self.worklistItem)
        }
    }

    /// The item of a row of `worklistItemColumns` (read by position, in that order): its data set
    /// decoded, the indexed attributes from the columns.
    static func worklistItem(_ row: Row) throws -> WorklistItem {
        let data: Data = row[0]
        let status: String = row[11]
        return WorklistItem(
            dataSet: try DataSet(storedBytes: [UInt8](data)),
            key: WorklistKey(accessionNumber: row[1], requestedProcedureID: row[2], scheduledProcedureStepID: row[3]),
            patient: PatientKey(id: row[4], issuer: row[5]), patientName: row[6],
            stationAETitle: row[7], modality: row[8], startDate: row[9], startTime: row[10],
            status: ProcedureStepStatus(rawValue: status), studyInstanceUID: row[12], updatedAt: Date(storeSeconds: row[13]))
    }

    static let worklistItemColumns = "data, accession_number, requested_procedure_id, sps_id, patient_id, issuer_of_patient_id, patient_name, station_ae, modality, start_date, start_time, status, study_instance_uid, updated_at"

    public func worklistItems(matching q: WorklistQuery) async throws -> [WorklistItem] {
        let (sql, arguments) = Self.worklistSQL(q, columns: Self.worklistItemColumns)
        return try await read { db in try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.worklistItem) }
    }

    /// The items and their patients' current records in one read transaction (one hop to a
    /// reader, whatever the number of items; each distinct patient looked up once).
    public func worklistMatches(_ q: WorklistQuery) async throws -> [WorklistMatch] {
        let (sql, arguments) = Self.worklistSQL(q, columns: Self.worklistItemColumns)
        return try await read { db in
            var patients: [PatientKey: StoredPatient?] = [:]
            return try db.rows(sql: sql, arguments: arguments).map { row in
                let item = try Self.worklistItem(row)
                if patients[item.patient] == nil { patients[item.patient] = .some(try Self.currentPatientRow(db, item.patient)) }
                return WorklistMatch(item: item, currentPatient: patients[item.patient] ?? nil)
            }
        }
    }

    /// The row ids the query selects, without reading the data sets (for measuring the index).
    func worklistRowIDs(matching q: WorklistQuery) async throws -> [Int64] {
        let (sql, arguments) = Self.worklistSQL(q, columns: "id")
        return try await read { db in try Int64.fetchAll(db, sql: sql, arguments: arguments) }
    }

    /// SQLite's plan for the query (`EXPLAIN QUERY PLAN` details).
    func worklistQueryPlan(_ q: WorklistQuery) async throws -> [String] {
        let (sql, arguments) = Self.worklistSQL(q, columns: "data")
        return try await read { db in try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map { $0["detail"] as String } }
    }

    static func worklistSQL(_ q: WorklistQuery, columns: String) -> (String, StatementArguments) {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        func match(_ column: String, _ value: String?, _ op: String = "=") {
            guard let value else { return }
            conditions.append("\(column) \(op) ?")
            arguments += [value]
        }
        // An item without a station AE or modality is returned for any (the SCP decides).
        if let ae = q.stationAETitle {
            conditions.append("station_ae IN (?, '')")
            arguments += [ae]
        }
        if let m = q.modality {
            conditions.append("modality IN (?, '')")
            arguments += [m]
        }
        if !q.statuses.isEmpty {
            let statuses = q.statuses.map(\.rawValue).sorted()
            conditions.append("status IN (\(statuses.map { _ in "?" }.joined(separator: ", ")))")
            arguments += StatementArguments(statuses)
        }
        match("start_date", q.startDateFrom, ">=")
        match("start_date", q.startDateThrough, "<=")
        match("start_time", q.startTimeFrom, ">=")
        // "HHMMSS" also matches "HHMMSS.FFFFFF" of the same second.
        match("start_time", q.startTimeThrough.map { $0 + "\u{7F}" }, "<")
        if let p = q.patient {
            match("patient_id", p.id)
            match("issuer_of_patient_id", p.issuer)
        } else {
            match("patient_id", q.patientID)
        }
        match("accession_number", q.accessionNumber)
        match("study_instance_uid", q.studyInstanceUID)
        // Without statistics SQLite may prefer the (status, date) index; a worklist query names
        // its station (or modality), whose index narrows far more.
        var sql = "SELECT \(columns) FROM worklist_item"
        if q.stationAETitle != nil {
            sql += " INDEXED BY worklist_station"
        } else if q.modality != nil {
            sql += " INDEXED BY worklist_modality"
        }
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY start_date, start_time, id"
        if q.limit > 0 { sql += " LIMIT \(q.limit)" }
        return (sql, arguments)
    }
}
