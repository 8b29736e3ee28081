// PS3.4 K.6 Modality Worklist C-FIND from the store with IHE RAD TF-2 PIR (RAD-12): the engine's
// WorklistQueryHandler over a real SQLiteStore in a temporary directory, and through a DICOMServer on
// loopback — answers carry the patient's current demographics after ADT A08 updates and A40 merges,
// also for orders stored after them; many matches arrive in order, in batches.

import DICOM
import DICOMNetwork
import Foundation
import IsthmusEngine
import IsthmusStore
import Testing
import TestSupport

@Suite(.serialized) struct WorklistQueryHandlerTests {
    static func item(_ accession: String, patient: String, name: String, station: String = "CT01", time: String = "083000") throws -> DataSet {
        var ds = DataSet()
        try ds.set(.specificCharacterSet, vr: .CS, string: "ISO_IR 192")
        try ds.set(.patientID, vr: .LO, string: patient)
        try ds.set(DICOM.Tag(0x0010, 0x0021), vr: .LO, string: "HOSP")
        try ds.set(.patientName, vr: .PN, string: name)
        try ds.set(DICOM.Tag(0x0010, 0x0030), vr: .DA, string: "19700101")
        try ds.set(DICOM.Tag(0x0008, 0x0050), vr: .SH, string: accession)
        try ds.set(DICOM.Tag(0x0040, 0x1001), vr: .SH, string: "RP-" + accession)
        try ds.set(DICOM.Tag(0x0020, 0x000D), vr: .UI, string: "1.2.826.0.1.3680043.10.1472.7.\(accession.unicodeScalars.first!.value).\(accession.filter(\.isNumber))")
        var step = DataSet()
        try step.set(DICOM.Tag(0x0040, 0x0001), vr: .AE, string: station)
        try step.set(DICOM.Tag(0x0040, 0x0002), vr: .DA, string: "20260305")
        try step.set(DICOM.Tag(0x0040, 0x0003), vr: .TM, string: time)
        try step.set(DICOM.Tag(0x0008, 0x0060), vr: .CS, string: "CT")
        try step.set(DICOM.Tag(0x0040, 0x0009), vr: .SH, string: "SPS-" + accession)
        try step.set(DICOM.Tag(0x0040, 0x0020), vr: .CS, string: "SCHEDULED")
        ds.set(DICOM.Tag(0x0040, 0x0100), items: [DICOM.Item(dataSet: step)])
        return ds
    }

    /// A station's worklist for 5 March 2026, returning the patient and accession keys.
    static func query(station: String = "CT01") throws -> DataSet {
        var ds = DataSet()
        for (tag, vr) in [(DICOM.Tag.patientName, VR.PN), (.patientID, .LO), (DICOM.Tag(0x0010, 0x0021), .LO), (DICOM.Tag(0x0010, 0x0030), .DA),
                          (DICOM.Tag(0x0008, 0x0050), .SH)] {
            try ds.set(tag, vr: vr, string: "")
        }
        var step = DataSet()
        try step.set(DICOM.Tag(0x0040, 0x0001), vr: .AE, string: station)
        step.set(DataElement(tag: DICOM.Tag(0x0040, 0x0002), vr: .DA, bytes: Array("20260301-20260331 ".utf8)))
        try step.set(DICOM.Tag(0x0040, 0x0003), vr: .TM, string: "")
        try step.set(DICOM.Tag(0x0040, 0x0020), vr: .CS, string: "SCHEDULED")
        ds.set(DICOM.Tag(0x0040, 0x0100), items: [DICOM.Item(dataSet: step)])
        return ds
    }

    static func find(_ store: SQLiteStore, _ identifier: DataSet) async throws -> [DataSet] {
        var out: [DataSet] = []
        let handler = WorklistQueryHandler(store: store)
        for try await ds in handler.find(QueryRequest(identifier: identifier, model: .modalityWorklist, callingAETitle: "CT01")) { out.append(ds) }
        return out
    }

    static func withStore(_ body: (SQLiteStore) async throws -> Void) async throws {
        let dir = try Peers.temporaryDirectory("worklist-handler")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try SQLiteStore(path: dir + "/store.sqlite", contentDirectory: dir + "/content")
        do {
            try await body(store)
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }

    /// (accession, patient ID, name) of each answer, in order.
    static func summary(_ answers: [DataSet]) -> [String] {
        answers.map { "\($0.string(DICOM.Tag(0x0008, 0x0050)) ?? "-") \($0.string(.patientID) ?? "-") \($0.string(.patientName) ?? "-")" }
    }

    @Test func answersCarryCurrentDemographicsAfterUpdatesMergesAndLateOrders() async throws {
        try await Self.withStore { store in
            let p1 = PatientKey(id: "P1", issuer: "HOSP"), p2 = PatientKey(id: "P2", issuer: "HOSP")
            try await store.upsertWorklistItem(try Self.item("A1", patient: "P1", name: "DOE^JANE", time: "080000"))
            #expect(Self.summary(try await Self.find(store, Self.query())) == ["A1 P1 DOE^JANE"])

            // A08: the new name; an order for the patient stored after it still carries the old one.
            var janet = DataSet()
            try janet.set(.patientName, vr: .PN, string: "DOE^JANET")
            try janet.set(DICOM.Tag(0x0010, 0x0030), vr: .DA, string: "19700102")
            try await store.updatePatient(p1, attributes: janet)
            try await store.upsertWorklistItem(try Self.item("A2", patient: "P1", name: "DOE^JANE", time: "090000"))
            var answers = try await Self.find(store, Self.query())
            #expect(Self.summary(answers) == ["A1 P1 DOE^JANET", "A2 P1 DOE^JANET"])
            #expect(answers.map { $0.string(DICOM.Tag(0x0010, 0x0030)) } == ["19700102", "19700102"])

            // A40: P1 merged into P2, whose name comes with the merge; an order for P1 stored after the merge
            // is answered as P2's.
            var richard = DataSet()
            try richard.set(.patientName, vr: .PN, string: "ROE^RICHARD")
            try await store.mergePatient(prior: p1, into: p2, survivorAttributes: richard)
            try await store.upsertWorklistItem(try Self.item("A3", patient: "P1", name: "DOE^JANE", time: "100000"))
            answers = try await Self.find(store, Self.query())
            #expect(Self.summary(answers) == ["A1 P2 ROE^RICHARD", "A2 P2 ROE^RICHARD", "A3 P2 ROE^RICHARD"])

            // A patient without a record: the order's own demographics.
            try await store.upsertWorklistItem(try Self.item("A4", patient: "P9", name: "POE^EDGAR", time: "110000"))
            #expect(Self.summary(try await Self.find(store, Self.query())).last == "A4 P9 POE^EDGAR")
            // Matching is on the current values: the old name finds nothing, the new one the three items.
            var byName = try Self.query()
            try byName.set(.patientName, vr: .PN, string: "DOE^JANE")
            #expect(try await Self.find(store, byName).isEmpty)
            try byName.set(.patientName, vr: .PN, string: "ROE*")
            #expect(Self.summary(try await Self.find(store, byName)).count == 3)

            // The store's batched read agrees with the item and patient reads one at a time.
            let matches = try await store.worklistMatches(WorklistQuery(stationAETitle: "CT01"))
            #expect(matches.map(\.item.key.accessionNumber) == ["A1", "A2", "A3", "A4"])
            for m in matches {
                #expect(m.currentPatient?.key == (try await store.currentPatient(m.item.patient))?.key)
            }
        }
    }

    @Test func manyMatchesOverTheNetworkInOrder() async throws {
        try await Self.withStore { store in
            // More matches than the SCP lets wait for the event loop (64), over several stations.
            var items: [DataSet] = []
            for i in 0..<300 {
                items.append(try Self.item("B\(i)", patient: "Q\(i % 40)", name: "DOE^JOHN^\(i)", station: i % 3 == 0 ? "MR01" : "CT01",
                                           time: String(format: "%02d%02d%02d", 7 + i / 60 % 12, i % 60, i % 7)))
            }
            try await store.upsertWorklistItems(items, at: Date())
            var renamed = DataSet()
            try renamed.set(.patientName, vr: .PN, string: "RENAMED^ONE")
            try await store.updatePatient(PatientKey(id: "Q1", issuer: "HOSP"), attributes: renamed)

            let dir = try Peers.temporaryDirectory("worklist-scp")
            defer { try? FileManager.default.removeItem(atPath: dir) }
            var config = DICOMServerConfiguration(aeTitle: "ISTHMUS", temporaryDirectory: dir)
            config.host = "127.0.0.1"
            config.port = 0
            config.query = WorklistQueryHandler(store: store)
            let server = DICOMServer(configuration: config)
            let port = try await server.start()
            let assoc = try await DICOMAssociation.open(AssociationParameters(
                host: "127.0.0.1", port: port, callingAETitle: "CT01", calledAETitle: "ISTHMUS",
                presentationContexts: DICOMAssociation.findContexts([.modalityWorklist])))
            for _ in 0..<3 {
                let overNetwork = try await assoc.findAll(identifier: try Self.query(), model: .modalityWorklist)
                let direct = try await Self.find(store, try Self.query())
                #expect(overNetwork.count == 200)
                #expect(Self.summary(overNetwork) == Self.summary(direct))
                #expect(overNetwork.filter { $0.string(.patientID) == "Q1" }.allSatisfy { $0.string(.patientName) == "RENAMED^ONE" })
            }
            #expect(try await assoc.findAll(identifier: try Self.query(station: "MR01"), model: .modalityWorklist).count == 100)
            try await assoc.release()
            await server.shutdown()
        }
    }
}
