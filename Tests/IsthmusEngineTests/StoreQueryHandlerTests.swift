// The archive's C-FIND and C-MOVE/C-GET handlers over a real SQLiteStore in a temporary directory (no sockets):
// PS3.4 C.2.2.2 matching at each level, one response per entity, aggregate counts, failures.

import DICOM
import DICOMNetwork
import Foundation
import IsthmusEngine
import IsthmusStore
import Testing
import TestSupport

@Suite(.serialized) struct StoreQueryHandlerTests {
    /// Two patients, three studies, five instances. P1: study S1 (CT series with 2 instances, MR series with 1) and
    /// S3 (CT, 1); P2: S2 (US, 1).
    static let records: [InstanceRecord] = {
        func r(_ p: String, _ name: String, _ study: String, _ date: String, _ series: String, _ modality: String, _ sop: String, _ n: Int) -> InstanceRecord {
            InstanceRecord(path: "\(study)/\(series)/\(sop).dcm", patientID: p, patientName: name, patientBirthDate: "19700101", patientSex: "F",
                           studyInstanceUID: study, studyDate: date, studyTime: "101500", accessionNumber: "A-" + study, studyID: "1",
                           modalitiesInStudy: [modality], seriesInstanceUID: series, seriesNumber: n, modality: modality,
                           sopClassUID: "1.2.840.10008.5.1.4.1.1.7", sopInstanceUID: sop, instanceNumber: n, transferSyntaxUID: "1.2.840.10008.1.2.1",
                           size: 100)
        }
        return [
            r("P1", "DOE^JANE", "1.2.1", "20240105", "1.2.1.1", "CT", "1.2.1.1.1", 1),
            r("P1", "DOE^JANE", "1.2.1", "20240105", "1.2.1.1", "CT", "1.2.1.1.2", 2),
            r("P1", "DOE^JANE", "1.2.1", "20240105", "1.2.1.2", "MR", "1.2.1.2.1", 1),
            r("P2", "SMITH^JOHN", "1.2.2", "20231201", "1.2.2.1", "US", "1.2.2.1.1", 1),
            r("P1", "DOE^JANE", "1.2.3", "20240301", "1.2.3.1", "CT", "1.2.3.1.1", 1),
        ]
    }()

    static func withStore(_ body: (SQLiteStore, String) async throws -> Void) async throws {
        let dir = try Peers.temporaryDirectory("archive-unit")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try SQLiteStore(path: dir + "/store.sqlite", contentDirectory: dir + "/content")
        for r in records { _ = try await store.indexInstance(r, policy: .ignore) }
        do {
            try await body(store, dir + "/content")
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }

    /// An identifier: level and `(tag, VR, value)` keys (empty value: return it).
    static func identifier(_ level: String, _ keys: [(DICOM.Tag, VR, String)]) throws -> DataSet {
        var ds = DataSet()
        try ds.set(DICOM.Tag(0x0008, 0x0052), vr: .CS, string: level)
        for (t, vr, v) in keys {
            // As a peer sends it: ranges may be longer than the VR's maximum for one value.
            var bytes = Array(v.utf8)
            if bytes.count % 2 == 1 { bytes.append(vr == .UI ? 0 : 0x20) }
            ds.set(DataElement(tag: t, vr: vr, bytes: bytes))
        }
        return ds
    }

    static let study = DICOM.Tag(0x0020, 0x000D), series = DICOM.Tag(0x0020, 0x000E), studyDate = DICOM.Tag(0x0008, 0x0020)
    static let modalities = DICOM.Tag(0x0008, 0x0061), modality = DICOM.Tag(0x0008, 0x0060)

    static func find(_ store: SQLiteStore, _ model: QueryModel, _ level: String, _ keys: [(DICOM.Tag, VR, String)]) async throws -> [DataSet] {
        let handler = StoreQueryHandler(store: store, retrieveAETitle: "ARCHIVE")
        var out: [DataSet] = []
        for try await ds in handler.find(QueryRequest(identifier: try identifier(level, keys), model: model, callingAETitle: "SCU")) { out.append(ds) }
        return out
    }

    static func studies(_ store: SQLiteStore, _ keys: [(DICOM.Tag, VR, String)]) async throws -> [String] {
        try await find(store, .studyRoot, "STUDY", [(study, .UI, "")] + keys).compactMap { $0.string(study) }.sorted()
    }

    @Test func studyLevelMatchingAndCounts() async throws {
        try await Self.withStore { store, _ in
            let all = try await Self.find(store, .studyRoot, "STUDY", [
                (Self.study, .UI, ""), (.patientID, .LO, ""), (Self.modalities, .CS, ""), (DICOM.Tag(0x0020, 0x1206), .IS, ""),
                (DICOM.Tag(0x0020, 0x1208), .IS, ""), (DICOM.Tag(0x0008, 0x0054), .AE, ""), (DICOM.Tag(0x0008, 0x0090), .PN, ""),
            ])
            #expect(all.map { $0.string(Self.study) } == ["1.2.1", "1.2.2", "1.2.3"])
            let s1 = try #require(all.first)
            #expect(s1.string(.patientID) == "P1")
            #expect(s1.strings(Self.modalities) == ["CT", "MR"])
            #expect(s1.int(DICOM.Tag(0x0020, 0x1206)) == 2)
            #expect(s1.int(DICOM.Tag(0x0020, 0x1208)) == 3)
            #expect(s1.string(DICOM.Tag(0x0008, 0x0054)) == "ARCHIVE")
            #expect(s1.string(DICOM.Tag(0x0008, 0x0052)) == "STUDY")
            // A key the index does not hold comes back empty; nothing unrequested comes back.
            #expect(s1[DICOM.Tag(0x0008, 0x0090)]?.valueLength == 0)
            #expect(s1[.patientName] == nil && s1[Self.series] == nil)
            #expect(all[1].int(DICOM.Tag(0x0020, 0x1208)) == 1)

            // Single value, ranges, wildcards (PN case-insensitive), list of UIDs, aggregate matching.
            #expect(try await Self.studies(store, [(Self.studyDate, .DA, "20240105")]) == ["1.2.1"])
            #expect(try await Self.studies(store, [(Self.studyDate, .DA, "20240101-")]) == ["1.2.1", "1.2.3"])
            #expect(try await Self.studies(store, [(Self.studyDate, .DA, "-20231231")]) == ["1.2.2"])
            #expect(try await Self.studies(store, [(Self.studyDate, .DA, "20240101-20240201")]) == ["1.2.1"])
            #expect(try await Self.studies(store, [(.patientName, .PN, "doe*")]) == ["1.2.1", "1.2.3"])
            #expect(try await Self.studies(store, [(.patientName, .PN, "SMITH^J?HN")]) == ["1.2.2"])
            #expect(try await Self.studies(store, [(.patientID, .LO, "P1")]) == ["1.2.1", "1.2.3"])
            #expect(try await Self.studies(store, [(Self.study, .UI, "1.2.3\\1.2.2\\9.9")]) == ["1.2.2", "1.2.3"])
            #expect(try await Self.studies(store, [(Self.modalities, .CS, "MR")]) == ["1.2.1"])
            #expect(try await Self.studies(store, [(DICOM.Tag(0x0008, 0x0050), .SH, "A-1.2.2")]) == ["1.2.2"])
            #expect(try await Self.studies(store, [(.patientID, .LO, "P9")]).isEmpty)
            // Study Time range (left to the matcher).
            #expect(try await Self.studies(store, [(DICOM.Tag(0x0008, 0x0030), .TM, "1000-1100")]).count == 3)
            #expect(try await Self.studies(store, [(DICOM.Tag(0x0008, 0x0030), .TM, "1100-")]).isEmpty)
        }
    }

    @Test func patientSeriesAndImageLevels() async throws {
        try await Self.withStore { store, _ in
            let patients = try await Self.find(store, .patientRoot, "PATIENT", [
                (.patientID, .LO, ""), (.patientName, .PN, ""), (DICOM.Tag(0x0020, 0x1200), .IS, ""), (DICOM.Tag(0x0020, 0x1202), .IS, ""),
                (DICOM.Tag(0x0020, 0x1204), .IS, ""),
            ])
            #expect(patients.map { $0.string(.patientID) } == ["P1", "P2"])
            #expect(patients[0].string(.patientName) == "DOE^JANE")
            #expect(patients[0].int(DICOM.Tag(0x0020, 0x1200)) == 2)
            #expect(patients[0].int(DICOM.Tag(0x0020, 0x1202)) == 3)
            #expect(patients[0].int(DICOM.Tag(0x0020, 0x1204)) == 4)
            #expect(patients[1].int(DICOM.Tag(0x0020, 0x1204)) == 1)
            let janes = try await Self.find(store, .patientRoot, "PATIENT", [(.patientID, .LO, ""), (.patientName, .PN, "*JANE")])
            #expect(janes.map { $0.string(.patientID) } == ["P1"])

            // Patient Root, STUDY level under a patient.
            let p1 = try await Self.find(store, .patientRoot, "STUDY", [(.patientID, .LO, "P1"), (Self.study, .UI, "")])
            #expect(p1.compactMap { $0.string(Self.study) } == ["1.2.1", "1.2.3"])

            let series = try await Self.find(store, .studyRoot, "SERIES", [
                (Self.study, .UI, "1.2.1"), (Self.series, .UI, ""), (Self.modality, .CS, ""), (DICOM.Tag(0x0020, 0x1209), .IS, ""),
            ])
            #expect(series.map { $0.string(Self.series) } == ["1.2.1.1", "1.2.1.2"])
            #expect(series.map { $0.string(Self.modality) } == ["CT", "MR"])
            #expect(series.map { $0.int(DICOM.Tag(0x0020, 0x1209)) } == [2, 1])
            let ct = try await Self.find(store, .studyRoot, "SERIES", [(Self.series, .UI, ""), (Self.modality, .CS, "CT")])
            #expect(ct.map { $0.string(Self.series) } == ["1.2.1.1", "1.2.3.1"])

            let images = try await Self.find(store, .patientRoot, "IMAGE", [
                (.patientID, .LO, "P1"), (Self.study, .UI, "1.2.1"), (Self.series, .UI, "1.2.1.1"), (.sopInstanceUID, .UI, ""),
                (DICOM.Tag(0x0020, 0x0013), .IS, ""),
            ])
            #expect(images.map { $0.string(.sopInstanceUID) } == ["1.2.1.1.1", "1.2.1.1.2"])
            #expect(images.map { $0.int(DICOM.Tag(0x0020, 0x0013)) } == [1, 2])
            let listed = try await Self.find(store, .studyRoot, "IMAGE", [(.sopInstanceUID, .UI, "1.2.3.1.1\\1.2.2.1.1")])
            #expect(listed.compactMap { $0.string(.sopInstanceUID) }.sorted() == ["1.2.2.1.1", "1.2.3.1.1"])
        }
    }

    /// PIR through the store (A08 update, A40 merge): queries answer with the index's current demographics.
    @Test func queriesSeePatientUpdatesAndMerges() async throws {
        try await Self.withStore { store, _ in
            var janet = DataSet()
            try janet.set(.patientName, vr: .PN, string: "DOE^JANET")
            try await store.updatePatient(PatientKey(id: "P1"), attributes: janet)
            try await store.mergePatient(prior: PatientKey(id: "P2"), into: PatientKey(id: "P1"))
            let patients = try await Self.find(store, .patientRoot, "PATIENT", [
                (.patientID, .LO, ""), (.patientName, .PN, ""), (DICOM.Tag(0x0020, 0x1200), .IS, ""), (DICOM.Tag(0x0020, 0x1204), .IS, ""),
            ])
            #expect(patients.map { $0.string(.patientID) } == ["P1"])
            #expect(patients.first?.string(.patientName) == "DOE^JANET")
            #expect(patients.first?.int(DICOM.Tag(0x0020, 0x1200)) == 3)
            #expect(patients.first?.int(DICOM.Tag(0x0020, 0x1204)) == 5)
            #expect(try await Self.studies(store, [(.patientName, .PN, "DOE^JANET")]) == ["1.2.1", "1.2.2", "1.2.3"])
        }
    }

    @Test func badLevelsFail() async throws {
        try await Self.withStore { store, _ in
            // Modality Worklist: not the archive's (C000 without a worklist handler); handed over when there is one.
            let noWorklist = await #expect(throws: QueryFailure.self) { try await Self.find(store, .modalityWorklist, "", []) }
            #expect(noWorklist?.status == DIMSEStatus.unableToProcess)
            var item = DataSet()
            try item.set(.patientID, vr: .LO, string: "W1")
            let combined = StoreQueryHandler(store: store, worklist: InMemoryQueryHandler(dataSets: [item]))
            var items: [DataSet] = []
            var query = DataSet()
            query.set(DataElement(tag: .patientID, vr: .LO, bytes: []))
            for try await ds in combined.find(QueryRequest(identifier: query, model: .modalityWorklist, callingAETitle: "MOD")) { items.append(ds) }
            #expect(items.map { $0.string(.patientID) } == ["W1"])
            for (model, level) in [(QueryModel.studyRoot, "PATIENT"), (.patientRoot, "FRAME"), (.studyRoot, "")] {
                let error = await #expect(throws: QueryFailure.self) { try await Self.find(store, model, level, [(Self.study, .UI, "")]) }
                #expect(error?.status == DIMSEStatus.identifierDoesNotMatchSOPClass, "\(model) \(level)")
            }
        }
    }

    @Test func retrieveResolvesStoredFiles() async throws {
        try await Self.withStore { store, content in
            let handler = StoreRetrieveHandler(store: store, contentDirectory: content)
            func paths(_ model: RetrieveModel, _ level: String, _ keys: [(DICOM.Tag, VR, String)]) async throws -> [String] {
                let request = RetrieveRequest(identifier: try Self.identifier(level, keys), model: model, operation: .get, callingAETitle: "SCU")
                return try await handler.instances(for: request).map(\.path).sorted()
            }
            let s1 = Self.records.filter { $0.studyInstanceUID == "1.2.1" }.map { content + "/" + $0.path }.sorted()
            #expect(try await paths(.studyRoot, "STUDY", [(Self.study, .UI, "1.2.1")]) == s1)
            #expect(try await paths(.patientRoot, "PATIENT", [(.patientID, .LO, "P1")]).count == 4)
            #expect(try await paths(.studyRoot, "SERIES", [(Self.study, .UI, "1.2.1"), (Self.series, .UI, "1.2.1.2")]) == [content + "/1.2.1/1.2.1.2/1.2.1.2.1.dcm"])
            #expect(try await paths(.studyRoot, "SERIES", [(Self.study, .UI, "1.2.2"), (Self.series, .UI, "1.2.1.2")]).isEmpty, "keys above the level must match too")
            #expect(try await paths(.studyRoot, "IMAGE", [(Self.study, .UI, "1.2.1"), (Self.series, .UI, "1.2.1.1"), (.sopInstanceUID, .UI, "1.2.1.1.2\\1.2.1.1.1")]).count == 2)
            let one = try #require(try await handler.instances(for: RetrieveRequest(
                identifier: try Self.identifier("IMAGE", [(.sopInstanceUID, .UI, "1.2.2.1.1")]), model: .studyRoot, operation: .move(destination: "X"), callingAETitle: "SCU")).first)
            #expect(one.sopClassUID == "1.2.840.10008.5.1.4.1.1.7" && one.transferSyntaxUID == "1.2.840.10008.1.2.1")
            let error = await #expect(throws: QueryFailure.self) { try await paths(.studyRoot, "STUDY", [(.patientID, .LO, "P1")]) }
            #expect(error?.status == DIMSEStatus.identifierDoesNotMatchSOPClass)
        }
    }

    @Test func theAETableComesFromDICOMPeers() throws {
        guard Peers.need("openssl", Peers.available("openssl")) else { return }
        let certs = try TestCertificates.make()
        let file = try Peers.temporaryDirectory("archive-config") + "/isthmus.yaml"
        try """
        listeners:
          dicom: [ { name: scp, ae-title: ISTHMUS, port: 0 } ]
        peers:
          dicom:
            - { name: viewer, ae-title: VIEWER, host: 127.0.0.1, port: 11113 }
            - { name: pacs, ae-title: PACS, host: pacs.example, port: 104 }
            - { name: secure, ae-title: SECURE, host: 127.0.0.1, port: 2762, tls: { ca: \(certs.caCertificate) } }
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let config = try ConfigurationLoader.load(file: file)
        let table = try config.remoteEntities()
        #expect(table["VIEWER"] == RemoteApplicationEntity(host: "127.0.0.1", port: 11113))
        #expect(table["PACS"] == RemoteApplicationEntity(host: "pacs.example", port: 104))
        #expect(table["SECURE"]?.port == 2762 && table["SECURE"]?.tls != nil, "a TLS peer is a move destination over TLS")
        #expect(table.count == 3)
    }
}
