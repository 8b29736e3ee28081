import DICOM
import Foundation

/// The imaging workflow side of the store (IHE Scheduled Workflow and Patient Information
/// Reconciliation): Modality Worklist items, patient records with merges and identifier
/// changes, and MPPS instances. A refinement of `Store`, so existing conformers are unaffected;
/// `SQLiteStore` implements it (schema migration `v2`).
///
/// Like every `Store` write, each method that returns has committed durably; one that throws
/// (`WorkflowError` for a refusal due to what is stored, `StoreError` for the database) has
/// written nothing.
public protocol WorkflowStore: Store {
    // MARK: Modality Worklist

    /// Stores a worklist item (its data set, one SPS) under its key (accession number,
    /// requested procedure ID, SPS ID), replacing the item with the same key (an order update).
    /// Throws `.invalidItem` when the data set lacks the key attributes.
    @discardableResult
    func upsertWorklistItem(_ dataSet: DataSet, at: Date) async throws -> WorklistUpsertOutcome

    /// Several items in one transaction (all SPS of one order, or a bulk load): all stored or,
    /// if one is invalid, none. Outcomes in the order given.
    @discardableResult
    func upsertWorklistItems(_ dataSets: [DataSet], at: Date) async throws -> [WorklistUpsertOutcome]

    /// Sets the status of the item with `key` whatever its current status (order control from the
    /// RIS: cancel → CANCELED, discontinue → DISCONTINUED, complete → COMPLETED), in the index
    /// and in the data set's SPS Status. Throws `.itemNotFound` when there is no such item.
    func setWorklistStatus(_ status: ProcedureStepStatus, key: WorklistKey, at: Date) async throws

    /// Status change from MPPS (STARTED, COMPLETED, DISCONTINUED) for every item `selector`
    /// names, except those already COMPLETED, DISCONTINUED or CANCELED. Returns how many changed.
    @discardableResult
    func updateWorklistStatus(_ status: ProcedureStepStatus, where selector: WorklistSelector, at: Date) async throws -> Int

    /// The item with this key.
    func worklistItem(_ key: WorklistKey) async throws -> WorklistItem?

    /// Items matching the prefilter, ordered by SPS start date and time (for a C-FIND SCP,
    /// which applies the exact PS3.4 K.6 matching to their data sets).
    func worklistItems(matching query: WorklistQuery) async throws -> [WorklistItem]

    /// `worklistItems(matching:)` with each item's current patient record (`currentPatient`), in
    /// one read: what a Modality Worklist C-FIND SCP needs to answer with current demographics.
    func worklistMatches(_ query: WorklistQuery) async throws -> [WorklistMatch]

    /// Deletes the items that are COMPLETED, DISCONTINUED or CANCELED and were last written
    /// before `date` (worklist retention). Returns how many.
    @discardableResult
    func deleteFinishedWorklistItems(updatedBefore date: Date) async throws -> Int

    // MARK: Patients (PIR)

    /// Creates or replaces the patient's demographics (A01/A04/A05/A08/A28/A31) and applies them
    /// to the patient's worklist items (their data sets) and indexed instances (name, birth
    /// date, sex columns; the files are not rewritten). Throws `.patientMerged` for a patient
    /// merged into another.
    @discardableResult
    func updatePatient(_ key: PatientKey, attributes: DataSet, at: Date) async throws -> PatientUpdateOutcome

    /// A40: marks `prior` merged into `surviving` and moves the prior's worklist items, indexed
    /// instances (index columns, not the files) and MPPS to the surviving patient, with its
    /// demographics, in one transaction. `survivorAttributes` (the A40's PID), when given, first
    /// update the survivor as `updatePatient` does, in the same transaction — a refused merge
    /// changes nothing. Records missing for either are created. Throws
    /// `.samePatient`, `.repeatedMerge` (already merged into it), `.circularMerge` (the survivor
    /// is merged, along any chain, into the prior), `.priorAlreadyMerged` (into another) or
    /// `.patientMerged` (the survivor was merged into another patient).
    @discardableResult
    func mergePatient(prior: PatientKey, into surviving: PatientKey, survivorAttributes: DataSet?, at: Date) async throws -> PatientMoveResult

    /// A47: the patient `from` becomes `to` (its record, worklist items, instances, MPPS, and
    /// the records merged into it); `attributes` (the A47's PID), when given, then update `to` in
    /// the same transaction. Throws `.identifierExists` if a record for `to` exists,
    /// `.patientMerged` if `from` was merged.
    @discardableResult
    func changePatientIdentifier(from: PatientKey, to: PatientKey, attributes: DataSet?, at: Date) async throws -> PatientMoveResult

    /// The patient's own record (merged or not).
    func patient(_ key: PatientKey) async throws -> StoredPatient?

    /// The record that is current for `key`: the record itself, or the one it was merged into
    /// (following chains of merges).
    func currentPatient(_ key: PatientKey) async throws -> StoredPatient?

    // MARK: MPPS

    /// N-CREATE: stores the MPPS, whose Performed Procedure Step Status must be IN PROGRESS
    /// (`.invalidMPPSStatus`); `.mppsExists` for a known SOP Instance UID.
    func createPerformedProcedureStep(sopInstanceUID: String, dataSet: DataSet, at: Date) async throws -> StoredPerformedProcedureStep

    /// N-SET: replaces the stored attributes by those of `modification` (top-level elements)
    /// while the MPPS is IN PROGRESS; the status follows (0040,0252). `.mppsNotFound`,
    /// `.invalidMPPSStatus` (not IN PROGRESS any more, or an unknown status).
    func updatePerformedProcedureStep(sopInstanceUID: String, modification: DataSet, at: Date) async throws -> StoredPerformedProcedureStep

    func performedProcedureStep(sopInstanceUID: String) async throws -> StoredPerformedProcedureStep?
}

extension WorkflowStore {
    /// One read for the items, then one per distinct patient (a store that can do better overrides it).
    public func worklistMatches(_ query: WorklistQuery) async throws -> [WorklistMatch] {
        var patients: [PatientKey: StoredPatient?] = [:]
        var out: [WorklistMatch] = []
        for item in try await worklistItems(matching: query) {
            if patients[item.patient] == nil { patients[item.patient] = .some(try await currentPatient(item.patient)) }
            out.append(WorklistMatch(item: item, currentPatient: patients[item.patient] ?? nil))
        }
        return out
    }

    @discardableResult
    public func upsertWorklistItem(_ dataSet: DataSet) async throws -> WorklistUpsertOutcome {
        try await upsertWorklistItem(dataSet, at: Date())
    }

    public func cancelWorklistItem(_ key: WorklistKey) async throws {
        try await setWorklistStatus(.canceled, key: key, at: Date())
    }

    public func discontinueWorklistItem(_ key: WorklistKey) async throws {
        try await setWorklistStatus(.discontinued, key: key, at: Date())
    }

    public func completeWorklistItem(_ key: WorklistKey) async throws {
        try await setWorklistStatus(.completed, key: key, at: Date())
    }

    @discardableResult
    public func updateWorklistStatus(_ status: ProcedureStepStatus, where selector: WorklistSelector) async throws -> Int {
        try await updateWorklistStatus(status, where: selector, at: Date())
    }

    @discardableResult
    public func updatePatient(_ key: PatientKey, attributes: DataSet) async throws -> PatientUpdateOutcome {
        try await updatePatient(key, attributes: attributes, at: Date())
    }

    @discardableResult
    public func mergePatient(prior: PatientKey, into surviving: PatientKey, survivorAttributes: DataSet? = nil) async throws -> PatientMoveResult {
        try await mergePatient(prior: prior, into: surviving, survivorAttributes: survivorAttributes, at: Date())
    }

    @discardableResult
    public func changePatientIdentifier(from: PatientKey, to: PatientKey, attributes: DataSet? = nil) async throws -> PatientMoveResult {
        try await changePatientIdentifier(from: from, to: to, attributes: attributes, at: Date())
    }

    public func createPerformedProcedureStep(sopInstanceUID: String, dataSet: DataSet) async throws -> StoredPerformedProcedureStep {
        try await createPerformedProcedureStep(sopInstanceUID: sopInstanceUID, dataSet: dataSet, at: Date())
    }

    public func updatePerformedProcedureStep(sopInstanceUID: String, modification: DataSet) async throws -> StoredPerformedProcedureStep {
        try await updatePerformedProcedureStep(sopInstanceUID: sopInstanceUID, modification: modification, at: Date())
    }
}
