// PS3.4 F.7.2: MPPS N-CREATE (status IN PROGRESS) and N-SET (only while IN PROGRESS; COMPLETED
// and DISCONTINUED are final).
import DICOM
import Foundation
import GRDB

extension SQLiteStore {
    public func createPerformedProcedureStep(sopInstanceUID: String, dataSet: DataSet, at: Date) async throws -> StoredPerformedProcedureStep {
        let status = Self.text(dataSet, WorklistTag.ppsStatus)
        guard status == PerformedProcedureStepStatus.inProgress.rawValue else {
            throw WorkflowError(.invalidMPPSStatus, "an MPPS is created IN PROGRESS, not \(status ?? "without a status")", sopInstanceUID: sopInstanceUID)
        }
        let step = Self.step(sopInstanceUID, dataSet, status: .inProgress, createdAt: at, updatedAt: at)
        let bytes = try dataSet.storedBytes()
        return try await write { db in
            if try db.one(Int.self, sql: "SELECT 1 FROM mpps WHERE sop_instance_uid = ?", arguments: [sopInstanceUID]) != nil {
                throw WorkflowError(.mppsExists, "the MPPS exists", sopInstanceUID: sopInstanceUID)
            }
            try db.run(sql: """
                INSERT INTO mpps (sop_instance_uid, status, patient_id, issuer_of_patient_id, study_instance_uid, created_at, updated_at, data)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [sopInstanceUID, step.status.rawValue, step.patient.id, step.patient.issuer, step.studyInstanceUID, at.storeSeconds, at.storeSeconds, Data(bytes)])
            return step
        }
    }

    public func updatePerformedProcedureStep(sopInstanceUID: String, modification: DataSet, at: Date) async throws -> StoredPerformedProcedureStep {
        try await write { db in
            guard let row = try db.row(sql: "SELECT status, created_at, data FROM mpps WHERE sop_instance_uid = ?", arguments: [sopInstanceUID]) else {
                throw WorkflowError(.mppsNotFound, "no such MPPS", sopInstanceUID: sopInstanceUID)
            }
            let current: String = row["status"]
            guard current == PerformedProcedureStepStatus.inProgress.rawValue else {
                throw WorkflowError(.invalidMPPSStatus, "the MPPS is \(current), no longer IN PROGRESS", sopInstanceUID: sopInstanceUID)
            }
            let data: Data = row["data"]
            var ds = try DataSet(storedBytes: [UInt8](data))
            try ds.overlay(modification)
            let text = Self.text(ds, WorklistTag.ppsStatus) ?? ""
            guard let status = PerformedProcedureStepStatus(rawValue: text) else {
                throw WorkflowError(.invalidMPPSStatus, "unknown Performed Procedure Step Status \(text)", sopInstanceUID: sopInstanceUID)
            }
            let step = Self.step(sopInstanceUID, ds, status: status, createdAt: Date(storeSeconds: row["created_at"]), updatedAt: at)
            try db.run(sql: """
                UPDATE mpps SET status = ?, patient_id = ?, issuer_of_patient_id = ?, study_instance_uid = ?, updated_at = ?, data = ?
                WHERE sop_instance_uid = ?
                """, arguments: [status.rawValue, step.patient.id, step.patient.issuer, step.studyInstanceUID, at.storeSeconds, Data(try ds.storedBytes()), sopInstanceUID])
            return step
        }
    }

    public func performedProcedureStep(sopInstanceUID: String) async throws -> StoredPerformedProcedureStep? {
        try await read { db in
            guard let row = try db.row(sql: "SELECT * FROM mpps WHERE sop_instance_uid = ?", arguments: [sopInstanceUID]) else { return nil }
            let data: Data = row["data"]
            let status: String = row["status"]
            return Self.step(
                sopInstanceUID, try DataSet(storedBytes: [UInt8](data)), status: PerformedProcedureStepStatus(rawValue: status) ?? .inProgress,
                createdAt: Date(storeSeconds: row["created_at"]), updatedAt: Date(storeSeconds: row["updated_at"]))
        }
    }

    static func step(_ uid: String, _ ds: DataSet, status: PerformedProcedureStepStatus, createdAt: Date, updatedAt: Date) -> StoredPerformedProcedureStep {
        let study = ds.items(WorklistTag.scheduledStepAttributes)?.first.flatMap { text($0.dataSet, WorklistTag.studyInstanceUID) }
        return StoredPerformedProcedureStep(
            sopInstanceUID: uid, status: status, dataSet: ds,
            patient: PatientKey(id: text(ds, .patientID) ?? "", issuer: text(ds, WorklistTag.issuerOfPatientID) ?? ""),
            studyInstanceUID: study, createdAt: createdAt, updatedAt: updatedAt)
    }
}
