import DICOM
import Foundation
import IsthmusStore
import Testing

@Suite("Store worklist items")
struct WorklistTests {
    @Test("upsert by (accession, requested procedure ID, SPS ID): create, update in place, separate keys")
    func upsertKeys() async throws {
        let t = try TempStore("wl-upsert")
        defer { t.cleanUp() }
        let store = try t.open()
        #expect(try await store.upsertWorklistItem(Workflow.item()) == .created)
        #expect(try await store.upsertWorklistItem(Workflow.item(date: "20260302", time: "101500")) == .updated)
        #expect(try await store.upsertWorklistItem(Workflow.item(sps: "SPS2")) == .created)
        #expect(try await store.upsertWorklistItem(Workflow.item(accession: "ACC2")) == .created)
        // No accession number: the key holds "".
        #expect(try await store.upsertWorklistItem(Workflow.item(accession: "", rp: "RP9", sps: "RP9")) == .created)

        let one = try #require(try await store.worklistItem(Workflow.key()))
        #expect(one.startDate == "20260302")
        #expect(one.startTime == "101500")
        #expect(one.stationAETitle == "CT1")
        #expect(one.modality == "CT")
        #expect(one.status == .scheduled)
        #expect(one.patient == PatientKey(id: "P1", issuer: "HOSP"))
        #expect(one.patientName == "DOE^JANE")
        #expect(one.dataSet.items(Tag(0x0040, 0x0100))?.first?.dataSet.string(Tag(0x0040, 0x0002)) == "20260302")
        #expect(try await store.worklistItem(Workflow.key("", "RP9", "RP9"))?.key.accessionNumber == "")
        #expect(try await store.worklistItems(matching: WorklistQuery()).count == 4)

        // A batch is all or nothing: the second item lacks its SPS ID.
        var broken = try Workflow.item(accession: "ACC3")
        broken.set(Tag(0x0040, 0x0100), items: [Item(dataSet: DataSet())])
        await #expect(throws: WorkflowError.self) { try await store.upsertWorklistItems([Workflow.item(accession: "ACC4"), broken], at: Date()) }
        #expect(try await store.worklistItem(Workflow.key("ACC4")) == nil)
        var noRP = try Workflow.item(accession: "ACC5")
        _ = noRP.remove(Tag(0x0040, 0x1001))
        let error = await #expect(throws: WorkflowError.self) { try await store.upsertWorklistItem(noRP) }
        #expect(error?.kind == .invalidItem)
        #expect(error?.message.contains("(0040,1001)") == true)
        try await store.close()
    }

    @Test("concurrent upserts of one key make one item (group commit runs them in order)")
    func concurrentUpserts() async throws {
        let t = try TempStore("wl-concurrent")
        defer { t.cleanUp() }
        let store = try t.open()
        let outcomes = try await withThrowingTaskGroup(of: WorklistUpsertOutcome.self) { group in
            for n in 0..<20 { group.addTask { try await store.upsertWorklistItem(Workflow.item(time: String(format: "0900%02d", n))) } }
            return try await group.reduce(into: [WorklistUpsertOutcome]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == .created }.count == 1)
        #expect(outcomes.filter { $0 == .updated }.count == 19)
        #expect(try await store.worklistItems(matching: WorklistQuery()).count == 1)
        try await store.close()
    }

    @Test("the stored data set comes back byte for byte, character set included")
    func roundTrip() async throws {
        let t = try TempStore("wl-bytes")
        defer { t.cleanUp() }
        let store = try t.open()
        let ds = try Workflow.item(name: "MÜLLER^JÖRG", characterSet: "ISO_IR 100")
        try await store.upsertWorklistItem(ds)
        let back = try #require(try await store.worklistItem(Workflow.key()))
        #expect(back.dataSet.string(.patientName) == "MÜLLER^JÖRG")
        #expect(try back.dataSet.bytes(.patientName) == [UInt8]("M\u{DC}LLER^J\u{D6}RG ".unicodeScalars.map { UInt8($0.value) }))
        #expect(try DataSetWriter.encode(back.dataSet, transferSyntax: .explicitVRLittleEndian) == DataSetWriter.encode(ds, transferSyntax: .explicitVRLittleEndian))
        try await store.close()
    }

    @Test("prefilters: station AE, modality, start date and time ranges, patient, accession, status")
    func prefilters() async throws {
        let t = try TempStore("wl-query")
        defer { t.cleanUp() }
        let store = try t.open()
        try await store.upsertWorklistItems([
            Workflow.item(accession: "A1", station: "CT1", modality: "CT", date: "20260301", time: "080000"),
            Workflow.item(accession: "A2", station: "CT1", modality: "CT", date: "20260302", time: "140000.5"),
            Workflow.item(accession: "A3", patient: "P2", station: "MR1", modality: "MR", date: "20260301", time: "090000"),
            Workflow.item(accession: "A4", station: "", modality: "", date: "20260301", time: "100000"),
            Workflow.item(accession: "A5", station: "CT1", modality: "CT", date: "20260301", time: "110000", status: "STARTED"),
            Workflow.item(accession: "A6", patient: "P1", issuer: "OTHER", station: "CT2", date: "20260310", time: "070000", status: nil),
        ], at: Date())
        func accessions(_ q: WorklistQuery) async throws -> [String] {
            try await store.worklistItems(matching: q).map(\.key.accessionNumber)
        }
        // Default: SCHEDULED only (A5 is STARTED; A6 has no status, which counts as SCHEDULED).
        #expect(try await accessions(WorklistQuery()) == ["A1", "A3", "A4", "A2", "A6"])
        #expect(try await accessions(WorklistQuery(statuses: [])) == ["A1", "A3", "A4", "A5", "A2", "A6"])
        #expect(try await accessions(WorklistQuery(statuses: [.started])) == ["A5"])
        // The item without station AE (A4) is a candidate for every station.
        #expect(try await accessions(WorklistQuery(stationAETitle: "CT1")) == ["A1", "A4", "A2"])
        #expect(try await accessions(WorklistQuery(modality: "MR")) == ["A3", "A4"])
        #expect(try await accessions(WorklistQuery(startDateFrom: "20260301", startDateThrough: "20260301")) == ["A1", "A3", "A4"])
        #expect(try await accessions(WorklistQuery(startDateFrom: "20260302")) == ["A2", "A6"])
        #expect(try await accessions(WorklistQuery(startDateThrough: "20260301")) == ["A1", "A3", "A4"])
        #expect(try await accessions(WorklistQuery(stationAETitle: "CT1", startDateFrom: "20260301", startDateThrough: "20260302", startTimeFrom: "090000", startTimeThrough: "140000")) == ["A4", "A2"])
        #expect(try await accessions(WorklistQuery(patient: PatientKey(id: "P1", issuer: "HOSP"))) == ["A1", "A4", "A2"])
        #expect(try await accessions(WorklistQuery(patientID: "P1")) == ["A1", "A4", "A2", "A6"])
        #expect(try await accessions(WorklistQuery(accessionNumber: "A3")) == ["A3"])
        #expect(try await accessions(WorklistQuery(limit: 2)) == ["A1", "A3"])
        try await store.close()
    }

    @Test("order status changes by key; MPPS status changes by study UID or SPS ID leave final items alone")
    func statusChanges() async throws {
        let t = try TempStore("wl-status")
        defer { t.cleanUp() }
        let store = try t.open()
        try await store.upsertWorklistItems([
            Workflow.item(accession: "A1", sps: "S1", study: "1.2.3.1"),
            Workflow.item(accession: "A1", sps: "S2", study: "1.2.3.1"),
            Workflow.item(accession: "A2", sps: "S3", study: "1.2.3.2"),
            Workflow.item(accession: "A3", sps: "S4", study: "1.2.3.3"),
        ], at: Date())
        try await store.cancelWorklistItem(Workflow.key("A3", "RP1", "S4"))
        let canceled = try #require(try await store.worklistItem(Workflow.key("A3", "RP1", "S4")))
        #expect(canceled.status == .canceled)
        #expect(Workflow.stepStatus(canceled.dataSet) == "CANCELED")

        #expect(try await store.updateWorklistStatus(.started, where: .studyInstanceUID("1.2.3.1")) == 2)
        #expect(try await store.worklistItems(matching: WorklistQuery(statuses: [.started])).map(\.key.scheduledProcedureStepID) == ["S1", "S2"])
        #expect(try await store.updateWorklistStatus(.completed, where: .scheduledProcedureStepID("S1")) == 1)
        // A final item is not changed by MPPS, nor is one already in the status.
        #expect(try await store.updateWorklistStatus(.started, where: .scheduledProcedureStepID("S1")) == 0)
        #expect(try await store.updateWorklistStatus(.discontinued, where: .accessionNumber("A3")) == 0)
        #expect(try await store.updateWorklistStatus(.started, where: .studyInstanceUID("1.2.3.1")) == 0)
        let s1 = try #require(try await store.worklistItem(Workflow.key("A1", "RP1", "S1")))
        #expect(s1.status == .completed)
        #expect(Workflow.stepStatus(s1.dataSet) == "COMPLETED")
        // The RIS's order control applies whatever the status.
        try await store.discontinueWorklistItem(Workflow.key("A1", "RP1", "S2"))
        try await store.completeWorklistItem(Workflow.key("A3", "RP1", "S4"))
        #expect(try await store.worklistItem(Workflow.key("A1", "RP1", "S2"))?.status == .discontinued)
        #expect(try await store.worklistItem(Workflow.key("A3", "RP1", "S4"))?.status == .completed)
        #expect(try await store.worklistItems(matching: WorklistQuery()).map(\.key.accessionNumber) == ["A2"])
        let error = await #expect(throws: WorkflowError.self) { try await store.cancelWorklistItem(Workflow.key("NOPE")) }
        #expect(error?.kind == .itemNotFound)
        // An update of the order (XO) brings its status back.
        try await store.upsertWorklistItem(Workflow.item(accession: "A1", sps: "S2", study: "1.2.3.1"))
        #expect(try await store.worklistItem(Workflow.key("A1", "RP1", "S2"))?.status == .scheduled)
        try await store.close()
    }
}
