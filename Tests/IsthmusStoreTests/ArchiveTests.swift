import DICOM
import Foundation
import IsthmusStore
import Testing

@Suite("Store DICOM archive index")
struct ArchiveTests {
    static let ct = "1.2.840.10008.5.1.4.1.1.2"

    /// Writes a small CT Part 10 file (fsync'd) under the content folder; returns its relative path and size.
    static func writeInstance(
        _ t: TempStore, name: String, patient: String = "P1", study: String = "1.2.3.1", series: String = "1.2.3.1.1", sop: String,
        modality: String = "CT", studyDate: String = "20260102", instance: Int = 1, extra: Int = 0
    ) throws -> (InstanceRecord, String) {
        var ds = DataSet()
        try ds.set(.sopClassUID, vr: .UI, string: ct)
        try ds.set(.sopInstanceUID, vr: .UI, string: sop)
        try ds.set(.patientID, vr: .LO, string: patient)
        try ds.set(Tag(0x0010, 0x0021), vr: .LO, string: "HOSP")
        try ds.set(.patientName, vr: .PN, string: "DOE^JANE")
        try ds.set(Tag(0x0010, 0x0030), vr: .DA, string: "19700101")
        try ds.set(Tag(0x0010, 0x0040), vr: .CS, string: "F")
        try ds.set(Tag(0x0020, 0x000D), vr: .UI, string: study)
        try ds.set(Tag(0x0008, 0x0020), vr: .DA, string: studyDate)
        try ds.set(Tag(0x0008, 0x0030), vr: .TM, string: "101500")
        try ds.set(Tag(0x0008, 0x0050), vr: .SH, string: "ACC-\(study.suffix(1))")
        try ds.set(Tag(0x0008, 0x1030), vr: .LO, string: "CT HEAD")
        try ds.set(Tag(0x0020, 0x0010), vr: .SH, string: "S1")
        try ds.set(Tag(0x0020, 0x000E), vr: .UI, string: series)
        try ds.set(Tag(0x0020, 0x0011), vr: .IS, integers: [2])
        try ds.set(Tag(0x0008, 0x0060), vr: .CS, string: modality)
        try ds.set(Tag(0x0020, 0x0013), vr: .IS, integers: [instance])
        if extra > 0 { ds.set(.pixelData, vr: .OW, bytes: [UInt8](repeating: 7, count: extra)) }
        let relative = "\(study)/\(name).dcm"
        let full = t.content + "/" + relative
        try FileManager.default.createDirectory(atPath: t.content + "/" + study, withIntermediateDirectories: true)
        try DICOMFile(dataSet: ds, transferSyntax: .explicitVRLittleEndian).write(toPath: full, sync: true)
        let size = (try FileManager.default.attributesOfItem(atPath: full)[.size] as? NSNumber)?.int64Value ?? 0
        let file = try DICOMFile.read(contentsOf: full)
        return (try InstanceRecord(file: file, path: relative, size: size, callingAE: "MODALITY1"), full)
    }

    @Test("the index attributes are read from the data set; lookups by patient, study, series and instance")
    func index() async throws {
        let t = try TempStore("archive")
        defer { t.cleanUp() }
        let store = try t.open()
        let (a, _) = try Self.writeInstance(t, name: "a", sop: "1.2.3.1.1.1", instance: 1)
        #expect(a.patientID == "P1")
        #expect(a.issuerOfPatientID == "HOSP")
        #expect(a.patientName == "DOE^JANE")
        #expect(a.patientBirthDate == "19700101")
        #expect(a.patientSex == "F")
        #expect(a.studyInstanceUID == "1.2.3.1")
        #expect(a.studyDate == "20260102")
        #expect(a.studyTime == "101500")
        #expect(a.accessionNumber == "ACC-1")
        #expect(a.studyDescription == "CT HEAD")
        #expect(a.studyID == "S1")
        #expect(a.modalitiesInStudy == ["CT"])
        #expect(a.seriesInstanceUID == "1.2.3.1.1")
        #expect(a.seriesNumber == 2)
        #expect(a.modality == "CT")
        #expect(a.sopClassUID == Self.ct)
        #expect(a.instanceNumber == 1)
        #expect(a.transferSyntaxUID == "1.2.840.10008.1.2.1")
        #expect(a.size > 0)
        #expect(a.callingAE == "MODALITY1")
        let (b, _) = try Self.writeInstance(t, name: "b", sop: "1.2.3.1.1.2", instance: 2)
        let (c, _) = try Self.writeInstance(t, name: "c", patient: "P2", study: "1.2.3.2", series: "1.2.3.2.1", sop: "1.2.3.2.1.1", modality: "MR", studyDate: "20260301")
        for r in [a, b, c] { #expect(try await store.indexInstance(r, policy: .reject) == .indexed(message: nil)) }

        #expect(try await store.instance(sopInstanceUID: a.sopInstanceUID) == a.withReceivedAtRounded(from: try await store.instance(sopInstanceUID: a.sopInstanceUID)))
        #expect(try await store.instances(matching: InstanceQuery(patientID: "P1")).map(\.sopInstanceUID) == [a.sopInstanceUID, b.sopInstanceUID])
        #expect(try await store.instances(matching: InstanceQuery(studyInstanceUID: "1.2.3.2")).map(\.sopInstanceUID) == [c.sopInstanceUID])
        #expect(try await store.instances(matching: InstanceQuery(seriesInstanceUID: "1.2.3.1.1")).count == 2)
        #expect(try await store.instances(matching: InstanceQuery(modality: "MR")).map(\.patientID) == ["P2"])
        #expect(try await store.instances(matching: InstanceQuery(accessionNumber: "ACC-1", limit: 1)).count == 1)
        #expect(try await store.instances(matching: InstanceQuery(studyDateFrom: "20260201", studyDateThrough: "20261231")).map(\.sopInstanceUID) == [c.sopInstanceUID])
        #expect(try await store.instances(matching: InstanceQuery(patientID: "nobody")).isEmpty)
        #expect(try await store.instances(matching: InstanceQuery()).count == 3)
        let stats = try await store.statistics()
        #expect(stats.instances == 3)
        #expect(stats.instanceBytes == a.size + b.size + c.size)
        try await store.close()
    }

    @Test("a data set without its UIDs cannot be indexed, and the error names the missing attribute")
    func missingUID() throws {
        var ds = DataSet()
        try ds.set(.sopClassUID, vr: .UI, string: Self.ct)
        try ds.set(.sopInstanceUID, vr: .UI, string: "1.2.3")
        #expect(throws: InstanceIndexError(missing: Tag(0x0020, 0x000D))) {
            try InstanceRecord(dataSet: ds, transferSyntaxUID: "1.2.840.10008.1.2.1", path: "x.dcm", size: 1)
        }
    }

    @Test("a repeated SOP Instance UID follows the policy: ignore, reject or replace")
    func duplicatePolicy() async throws {
        let t = try TempStore("sopdup")
        defer { t.cleanUp() }
        let store = try t.open()
        let (first, firstFile) = try Self.writeInstance(t, name: "first", sop: "1.2.3.1.1.9")
        #expect(try await store.indexInstance(first, policy: .ignore) == .indexed(message: nil))

        let (ignored, ignoredFile) = try Self.writeInstance(t, name: "second", sop: "1.2.3.1.1.9")
        #expect(try await store.indexInstance(ignored, policy: .ignore) == .ignored(existingPath: first.path))
        #expect(FileManager.default.fileExists(atPath: firstFile))
        #expect(!FileManager.default.fileExists(atPath: ignoredFile))

        let (rejected, rejectedFile) = try Self.writeInstance(t, name: "third", sop: "1.2.3.1.1.9")
        let outcome = try await store.indexInstance(rejected, policy: .reject)
        #expect(outcome == .rejected(existingPath: first.path))
        #expect(!outcome.isSuccess)
        #expect(!FileManager.default.fileExists(atPath: rejectedFile))
        #expect(try await store.instance(sopInstanceUID: "1.2.3.1.1.9")?.path == first.path)

        let (replacement, replacementFile) = try Self.writeInstance(t, name: "fourth", sop: "1.2.3.1.1.9", extra: 100)
        #expect(try await store.indexInstance(replacement, policy: .replace) == .replaced(previousPath: first.path, message: nil))
        #expect(!FileManager.default.fileExists(atPath: firstFile))
        #expect(FileManager.default.fileExists(atPath: replacementFile))
        let now = try #require(try await store.instance(sopInstanceUID: "1.2.3.1.1.9"))
        #expect(now.path == replacement.path)
        #expect(now.size == replacement.size)
        #expect(try await store.statistics().instances == 1)
        try await store.close()
    }

    @Test("an instance with deliveries gets a journal entry and queue entries in the same transaction")
    func forwarding() async throws {
        let t = try TempStore("forward")
        defer { t.cleanUp() }
        let store = try t.open()
        let (r, _) = try Self.writeInstance(t, name: "f", sop: "1.2.3.1.1.5")
        let outcome = try await store.indexInstance(r, policy: .reject, channel: "dicom-in", deliveries: [Delivery(destination: "pacs")])
        let id = try #require(outcome.messageID)
        let m = try #require(try await store.message(id))
        #expect(m.summary.kind == .dicom)
        #expect(m.summary.controlID == r.sopInstanceUID)
        #expect(m.summary.sender == "MODALITY1")
        #expect(m.metadata["path"] == r.path)
        let claimed = try #require(try await store.claimNext(destination: "pacs"))
        #expect(claimed.kind == .dicom)
        #expect(claimed.metadata["path"] == r.path)
        try await store.close()
    }
}

extension InstanceRecord {
    /// This record with the stored record's receivedAt (the store keeps seconds as a double).
    func withReceivedAtRounded(from stored: InstanceRecord?) -> InstanceRecord {
        var copy = self
        if let stored, abs(stored.receivedAt.timeIntervalSince(receivedAt)) < 0.001 { copy.receivedAt = stored.receivedAt }
        return copy
    }
}
