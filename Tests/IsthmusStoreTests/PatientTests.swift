import DICOM
import Foundation
import IsthmusStore
import Testing

@Suite("Store patients (PIR)")
struct PatientTests {
    static let p1 = PatientKey(id: "P1", issuer: "HOSP")
    static let p2 = PatientKey(id: "P2", issuer: "HOSP")
    static let p3 = PatientKey(id: "P3", issuer: "HOSP")

    @Test("updatePatient creates, then updates, and applies the demographics to worklist items and the instance index")
    func update() async throws {
        let t = try TempStore("pir-update")
        defer { t.cleanUp() }
        let store = try t.open()
        try await store.upsertWorklistItem(Workflow.item(patient: "P1", name: "DOE^JANE"))
        let (instance, path) = try ArchiveTests.writeInstance(t, name: "a", patient: "P1", sop: "1.2.3.1.1.1")
        #expect(try await store.indexInstance(instance, policy: .reject).isSuccess)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))

        #expect(try await store.updatePatient(Self.p1, attributes: Workflow.patient("P1", name: "SMITH^JANE", birthDate: "19710202")) == .created)
        #expect(try await store.updatePatient(Self.p1, attributes: Workflow.patient("P1", name: "SMITH^JANE^M", birthDate: "19710202")) == .updated)
        let record = try #require(try await store.patient(Self.p1))
        #expect(record.attributes.string(.patientName) == "SMITH^JANE^M")
        #expect(record.mergedInto == nil)
        let item = try #require(try await store.worklistItem(Workflow.key()))
        #expect(item.patientName == "SMITH^JANE^M")
        #expect(item.dataSet.string(.patientName) == "SMITH^JANE^M")
        #expect(item.dataSet.string(Tag(0x0010, 0x0030)) == "19710202")
        let indexed = try #require(try await store.instance(sopInstanceUID: "1.2.3.1.1.1"))
        #expect(indexed.patientName == "SMITH^JANE^M")
        #expect(indexed.patientBirthDate == "19710202")
        // The stored file is not rewritten.
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        try await store.close()
    }

    @Test("a merge moves worklist items, indexed instances and MPPS to the survivor in one transaction")
    func merge() async throws {
        let t = try TempStore("pir-merge")
        defer { t.cleanUp() }
        let store = try t.open()
        try await store.updatePatient(Self.p1, attributes: Workflow.patient("P1", name: "DOE^JANE"))
        try await store.updatePatient(Self.p2, attributes: Workflow.patient("P2", name: "DOE^JANE^B", birthDate: "19690303"))
        try await store.upsertWorklistItems([Workflow.item(accession: "A1", patient: "P1"), Workflow.item(accession: "A2", patient: "P1"),
                                              Workflow.item(accession: "A3", patient: "P3")], at: Date())
        let (a, _) = try ArchiveTests.writeInstance(t, name: "a", patient: "P1", sop: "1.2.3.1.1.1")
        let (b, _) = try ArchiveTests.writeInstance(t, name: "b", patient: "P1", sop: "1.2.3.1.1.2", instance: 2)
        let (c, _) = try ArchiveTests.writeInstance(t, name: "c", patient: "P3", study: "1.2.3.2", series: "1.2.3.2.1", sop: "1.2.3.2.1.1")
        for r in [a, b, c] { #expect(try await store.indexInstance(r, policy: .reject).isSuccess) }
        _ = try await store.createPerformedProcedureStep(sopInstanceUID: "1.2.3.9.1", dataSet: Workflow.mpps(patient: "P1"))

        let moved = try await store.mergePatient(prior: Self.p1, into: Self.p2, survivorAttributes: Workflow.patient("P2", name: "DOE^JANE^ANN", birthDate: "19690303"))
        #expect(moved == PatientMoveResult(worklistItems: 2, instances: 2, performedProcedureSteps: 1))
        let prior = try #require(try await store.patient(Self.p1))
        #expect(prior.mergedInto == Self.p2)
        #expect(prior.mergedAt != nil)
        #expect(try await store.currentPatient(Self.p1)?.key == Self.p2)
        #expect(try await store.currentPatient(Self.p2)?.key == Self.p2)

        let items = try await store.worklistItems(matching: WorklistQuery(patient: Self.p2))
        #expect(items.map(\.key.accessionNumber) == ["A1", "A2"])
        for item in items {
            #expect(item.dataSet.string(.patientID) == "P2")
            #expect(item.dataSet.string(.patientName) == "DOE^JANE^ANN")
            #expect(item.dataSet.string(Tag(0x0010, 0x0030)) == "19690303")
        }
        #expect(try await store.worklistItems(matching: WorklistQuery(patient: Self.p1)).isEmpty)
        #expect(try await store.worklistItems(matching: WorklistQuery(patient: Self.p3)).count == 1)
        let instances = try await store.instances(matching: InstanceQuery(patientID: "P2"))
        #expect(instances.map(\.sopInstanceUID) == ["1.2.3.1.1.1", "1.2.3.1.1.2"])
        #expect(instances.allSatisfy { $0.patientName == "DOE^JANE^ANN" && $0.issuerOfPatientID == "HOSP" })
        #expect(try await store.instances(matching: InstanceQuery(patientID: "P1")).isEmpty)
        #expect(try await store.instances(matching: InstanceQuery(patientID: "P3")).count == 1)
        let mpps = try #require(try await store.performedProcedureStep(sopInstanceUID: "1.2.3.9.1"))
        #expect(mpps.patient == Self.p2)
        #expect(mpps.dataSet.string(.patientID) == "P2")

        // Later demographics of the merged patient are refused.
        let error = await #expect(throws: WorkflowError.self) { try await store.updatePatient(Self.p1, attributes: Workflow.patient("P1", name: "X^Y")) }
        #expect(error?.kind == .patientMerged)
        #expect(error?.into == Self.p2)
        try await store.close()
    }

    @Test("a merge that cannot complete (a name the item's character set cannot hold) changes nothing")
    func mergeIsAtomic() async throws {
        let t = try TempStore("pir-atomic")
        defer { t.cleanUp() }
        let store = try t.open()
        try await store.upsertWorklistItems([Workflow.item(accession: "A1", patient: "P1"), Workflow.item(accession: "A2", patient: "P1")], at: Date())
        let (a, _) = try ArchiveTests.writeInstance(t, name: "a", patient: "P1", sop: "1.2.3.1.1.1")
        #expect(try await store.indexInstance(a, policy: .reject).isSuccess)
        var survivor = DataSet(characterSet: SpecificCharacterSet("ISO_IR 192"))
        try survivor.set(.specificCharacterSet, vr: .CS, string: "ISO_IR 192")
        try survivor.set(.patientID, vr: .LO, string: "P2")
        try survivor.set(.patientName, vr: .PN, string: "王^小明")
        try await store.updatePatient(Self.p2, attributes: survivor)
        let error = await #expect(throws: WorkflowError.self) { try await store.mergePatient(prior: Self.p1, into: Self.p2) }
        #expect(error?.kind == .characterSet)
        #expect(try await store.patient(Self.p1) == nil)
        #expect(try await store.worklistItems(matching: WorklistQuery(patient: Self.p1)).count == 2)
        #expect(try await store.instance(sopInstanceUID: "1.2.3.1.1.1")?.patientID == "P1")
        // The survivor's record itself holds the name in its own character set.
        #expect(try await store.patient(Self.p2)?.attributes.string(.patientName) == "王^小明")
        try await store.close()
    }

    @Test("self, repeated, circular (direct and along a chain) and second merges are errors that change nothing")
    func mergeErrors() async throws {
        let t = try TempStore("pir-errors")
        defer { t.cleanUp() }
        let store = try t.open()
        try await store.upsertWorklistItems([Workflow.item(accession: "A1", patient: "P1"), Workflow.item(accession: "A2", patient: "P2")], at: Date())
        func kind(_ prior: PatientKey, _ survivor: PatientKey) async -> WorkflowError.Kind? {
            await #expect(throws: WorkflowError.self) { try await store.mergePatient(prior: prior, into: survivor) }?.kind
        }
        #expect(await kind(Self.p1, Self.p1) == .samePatient)
        // Merging patients the store has no record of creates their records.
        #expect(try await store.mergePatient(prior: Self.p1, into: Self.p2).worklistItems == 1)
        #expect(try await store.patient(Self.p2) != nil)
        #expect(await kind(Self.p1, Self.p2) == .repeatedMerge)
        #expect(await kind(Self.p2, Self.p1) == .circularMerge)
        // A refused merge that carries the A40's PID leaves the survivor's record as it was.
        let refused = await #expect(throws: WorkflowError.self) {
            try await store.mergePatient(prior: Self.p2, into: Self.p1, survivorAttributes: Workflow.patient("P1", name: "NEW^NAME"))
        }
        #expect(refused?.kind == .circularMerge)
        #expect(try await store.patient(Self.p1)?.attributes.string(.patientName) == nil)
        #expect(await kind(Self.p1, Self.p3) == .priorAlreadyMerged)
        // P2 into P3, then P3 into P1 would close the loop P1 → P2 → P3 → P1.
        try await store.mergePatient(prior: Self.p2, into: Self.p3)
        #expect(await kind(Self.p3, Self.p1) == .circularMerge)
        #expect(try await store.currentPatient(Self.p1)?.key == Self.p3)
        // A survivor that was itself merged is refused (the caller names the current patient).
        let p4 = PatientKey(id: "P4", issuer: "HOSP")
        #expect(await kind(p4, Self.p2) == .patientMerged)
        #expect(try await store.patient(p4) == nil)
        let items = try await store.worklistItems(matching: WorklistQuery(patient: Self.p3))
        #expect(items.map(\.key.accessionNumber) == ["A1", "A2"])
        try await store.close()
    }

    @Test("an identifier change moves everything to the new ID; refused when the new ID exists")
    func changeIdentifier() async throws {
        let t = try TempStore("pir-change")
        defer { t.cleanUp() }
        let store = try t.open()
        try await store.updatePatient(Self.p1, attributes: Workflow.patient("P1", name: "DOE^JANE"))
        try await store.updatePatient(Self.p3, attributes: Workflow.patient("P3", name: "ROE^RICHARD"))
        try await store.mergePatient(prior: Self.p3, into: Self.p1)
        try await store.upsertWorklistItem(Workflow.item(accession: "A1", patient: "P1"))
        let (a, _) = try ArchiveTests.writeInstance(t, name: "a", patient: "P1", sop: "1.2.3.1.1.1")
        #expect(try await store.indexInstance(a, policy: .reject).isSuccess)
        _ = try await store.createPerformedProcedureStep(sopInstanceUID: "1.2.3.9.1", dataSet: Workflow.mpps(patient: "P1"))

        let new = PatientKey(id: "N1", issuer: "HOSP2")
        let pid = try Workflow.patient("N1", issuer: "HOSP2", name: "DOE^JANE^NEW")
        #expect(try await store.changePatientIdentifier(from: Self.p1, to: new, attributes: pid) == PatientMoveResult(worklistItems: 1, instances: 1, performedProcedureSteps: 1))
        #expect(try await store.patient(Self.p1) == nil)
        let record = try #require(try await store.patient(new))
        #expect(record.attributes.string(.patientID) == "N1")
        #expect(record.attributes.string(Tag(0x0010, 0x0021)) == "HOSP2")
        #expect(record.attributes.string(.patientName) == "DOE^JANE^NEW")
        #expect(try await store.currentPatient(Self.p3)?.key == new)
        let item = try #require(try await store.worklistItem(Workflow.key("A1")))
        #expect(item.patient == new)
        #expect(item.patientName == "DOE^JANE^NEW")
        #expect(try await store.instance(sopInstanceUID: "1.2.3.1.1.1")?.patientName == "DOE^JANE^NEW")
        #expect(item.dataSet.string(Tag(0x0010, 0x0021)) == "HOSP2")
        #expect(try await store.instance(sopInstanceUID: "1.2.3.1.1.1")?.patientID == "N1")
        #expect(try await store.instance(sopInstanceUID: "1.2.3.1.1.1")?.issuerOfPatientID == "HOSP2")
        #expect(try await store.performedProcedureStep(sopInstanceUID: "1.2.3.9.1")?.patient == new)

        try await store.updatePatient(Self.p2, attributes: Workflow.patient("P2", name: "X^Y"))
        let error = await #expect(throws: WorkflowError.self) { try await store.changePatientIdentifier(from: new, to: Self.p2) }
        #expect(error?.kind == .identifierExists)
        #expect(try await store.worklistItem(Workflow.key("A1"))?.patient == new)
        try await store.close()
    }

    @Test("worklist items, patients and MPPS survive a restart")
    func persistence() async throws {
        let t = try TempStore("pir-restart")
        defer { t.cleanUp() }
        do {
            let store = try t.open()
            try await store.upsertWorklistItem(Workflow.item(accession: "A1", patient: "P1"))
            try await store.updatePatient(Self.p1, attributes: Workflow.patient("P1", name: "DOE^JANE"))
            try await store.mergePatient(prior: Self.p1, into: Self.p2)
            _ = try await store.createPerformedProcedureStep(sopInstanceUID: "1.2.3.9.1", dataSet: Workflow.mpps(patient: "P2"))
            try await store.updateWorklistStatus(.started, where: .scheduledProcedureStepID("SPS1"))
            try await store.close()
        }
        let store = try t.open()
        let item = try #require(try await store.worklistItem(Workflow.key("A1")))
        #expect(item.patient == Self.p2)
        #expect(item.status == .started)
        #expect(try await store.worklistItems(matching: WorklistQuery(stationAETitle: "CT1", statuses: [.started])).count == 1)
        #expect(try await store.patient(Self.p1)?.mergedInto == Self.p2)
        #expect(try await store.currentPatient(Self.p1)?.key == Self.p2)
        #expect(try await store.performedProcedureStep(sopInstanceUID: "1.2.3.9.1")?.status == .inProgress)
        try await store.close()
    }
}
