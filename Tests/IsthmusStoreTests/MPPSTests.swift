import DICOM
import Foundation
import IsthmusStore
import Testing

@Suite("Store MPPS")
struct MPPSTests {
    @Test("N-CREATE stores IN PROGRESS; N-SET merges attributes and moves to COMPLETED, then is refused")
    func createAndSet() async throws {
        let t = try TempStore("mpps")
        defer { t.cleanUp() }
        let store = try t.open()
        let uid = "1.2.826.0.1.3680043.10.1472.7.1"
        let created = try await store.createPerformedProcedureStep(sopInstanceUID: uid, dataSet: Workflow.mpps())
        #expect(created.status == .inProgress)
        #expect(created.patient == PatientKey(id: "P1", issuer: "HOSP"))
        #expect(created.studyInstanceUID == "1.2.826.0.1.3680043.10.1472.99.1")
        let duplicate = await #expect(throws: WorkflowError.self) { try await store.createPerformedProcedureStep(sopInstanceUID: uid, dataSet: Workflow.mpps()) }
        #expect(duplicate?.kind == .mppsExists)
        let notInProgress = await #expect(throws: WorkflowError.self) {
            try await store.createPerformedProcedureStep(sopInstanceUID: uid + ".2", dataSet: Workflow.mpps(status: "COMPLETED"))
        }
        #expect(notInProgress?.kind == .invalidMPPSStatus)
        #expect(try await store.performedProcedureStep(sopInstanceUID: uid + ".2") == nil)

        // N-SET: a description while in progress, then the end time and COMPLETED.
        var set1 = DataSet()
        try set1.set(Tag(0x0040, 0x0254), vr: .LO, string: "CT HEAD")
        let updated = try await store.updatePerformedProcedureStep(sopInstanceUID: uid, modification: set1)
        #expect(updated.status == .inProgress)
        #expect(updated.dataSet.string(Tag(0x0040, 0x0254)) == "CT HEAD")
        #expect(updated.dataSet.string(Tag(0x0040, 0x0253)) == "PPS1")
        var set2 = DataSet()
        try set2.set(Tag(0x0040, 0x0252), vr: .CS, string: "COMPLETED")
        try set2.set(Tag(0x0040, 0x0250), vr: .DA, string: "20260301")
        let completed = try await store.updatePerformedProcedureStep(sopInstanceUID: uid, modification: set2)
        #expect(completed.status == .completed)
        #expect(abs(completed.createdAt.timeIntervalSince(created.createdAt)) < 0.001)
        let stored = try #require(try await store.performedProcedureStep(sopInstanceUID: uid))
        #expect(stored.status == .completed)
        #expect(stored.dataSet.string(Tag(0x0040, 0x0254)) == "CT HEAD")
        #expect(stored.dataSet.string(Tag(0x0040, 0x0250)) == "20260301")

        let final = await #expect(throws: WorkflowError.self) { try await store.updatePerformedProcedureStep(sopInstanceUID: uid, modification: set1) }
        #expect(final?.kind == .invalidMPPSStatus)
        let unknown = await #expect(throws: WorkflowError.self) { try await store.updatePerformedProcedureStep(sopInstanceUID: uid + ".9", modification: set1) }
        #expect(unknown?.kind == .mppsNotFound)
        var bad = DataSet()
        try bad.set(Tag(0x0040, 0x0252), vr: .CS, string: "PAUSED")
        let other = try await store.createPerformedProcedureStep(sopInstanceUID: uid + ".3", dataSet: Workflow.mpps())
        let badStatus = await #expect(throws: WorkflowError.self) { try await store.updatePerformedProcedureStep(sopInstanceUID: other.sopInstanceUID, modification: bad) }
        #expect(badStatus?.kind == .invalidMPPSStatus)
        #expect(try await store.performedProcedureStep(sopInstanceUID: other.sopInstanceUID)?.status == .inProgress)
        try await store.close()
    }

    @Test("the MPPS's study UID drives the worklist item's status")
    func drivesWorklist() async throws {
        let t = try TempStore("mpps-wl")
        defer { t.cleanUp() }
        let store = try t.open()
        try await store.upsertWorklistItem(Workflow.item())
        let step = try await store.createPerformedProcedureStep(sopInstanceUID: "1.2.3.7", dataSet: Workflow.mpps())
        let study = try #require(step.studyInstanceUID)
        #expect(try await store.updateWorklistStatus(.started, where: .studyInstanceUID(study)) == 1)
        #expect(try await store.worklistItems(matching: WorklistQuery(stationAETitle: "CT1")).isEmpty)
        var done = DataSet()
        try done.set(Tag(0x0040, 0x0252), vr: .CS, string: "DISCONTINUED")
        let ended = try await store.updatePerformedProcedureStep(sopInstanceUID: "1.2.3.7", modification: done)
        #expect(ended.status == .discontinued)
        #expect(try await store.updateWorklistStatus(.discontinued, where: .studyInstanceUID(study)) == 1)
        #expect(try await store.worklistItem(Workflow.key())?.status == .discontinued)
        try await store.close()
    }
}
