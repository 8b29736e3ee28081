import DICOM
import Foundation
import HL7
@testable import IsthmusStore
import Testing

/// Study activity (migration v3): pending studies once their last instance is old enough, the notification
/// journaled and recorded in one transaction, a new instance making the study pending again, restarts and
/// upgrades.
@Suite("Store study activity")
struct StudyActivityTests {
    func notification(_ control: String) throws -> StudyNotification {
        let m = try Message("MSH|^~\\&|ISTHMUS||RIS||20260305||ORU^R01^ORU_R01|\(control)|P|2.5.1\rPID|||P1^^^HOSP\rORC|SC||||CM\r")
        return StudyNotification(message: InboundMessage(m, channel: "workflow", duplicateWindow: .zero), deliveries: [Delivery(destination: "workflow/ris")])
    }

    func indexed(_ t: TempStore, _ store: SQLiteStore, study: String, series: String = "1.2.3.1.1", sop: String, at: Date) async throws {
        var (record, _) = try ArchiveTests.writeInstance(t, name: sop, study: study, series: series, sop: sop)
        record.receivedAt = at
        _ = try await store.indexInstance(record, policy: .replace)
    }

    @Test("a study is pending once its last instance is older than the cutoff, until a notification covers it")
    func pendingNotifiedAndPendingAgain() async throws {
        let t = try TempStore("study-activity")
        defer { t.cleanUp() }
        var store = try t.open()
        let t0 = Date(timeIntervalSince1970: 1_780_000_000)
        try await indexed(t, store, study: "1.2.3.1", sop: "1.2.3.1.1.1", at: t0)
        try await indexed(t, store, study: "1.2.3.1", series: "1.2.3.1.2", sop: "1.2.3.1.2.1", at: t0 + 1)
        try await indexed(t, store, study: "1.2.3.2", sop: "1.2.3.2.1.1", at: t0 + 5)
        // The last instance of 1.2.3.1 arrived at t0+1: not stable at t0+0.5, stable at t0+2 (1.2.3.2 is not yet).
        #expect(try await store.stableStudies(lastInstanceBefore: t0 + 0.5, limit: 0).isEmpty)
        let stable = try await store.stableStudies(lastInstanceBefore: t0 + 2, limit: 0)
        #expect(stable.map(\.studyInstanceUID) == ["1.2.3.1"])
        let study = try #require(stable.first)
        #expect(study.revision == 2 && study.numberOfInstances == 2 && study.numberOfSeries == 2 && study.modalities == ["CT"])
        #expect(study.latest.sopInstanceUID == "1.2.3.1.2.1" && study.latest.patientID == "P1" && study.latest.accessionNumber == "ACC-1")
        #expect(study.activity.lastInstanceAt == t0 + 1 && study.activity.notifiedRevision == nil)

        // Notified: the message and its queue entry are in the journal, and the study is no longer pending.
        let ids = try #require(try await store.recordStudyNotification(study, notifications: [try notification("N1")], at: t0 + 3))
        #expect(ids.count == 1)
        let journaled = try #require(try await store.message(ids[0]))
        #expect(journaled.summary.controlID == "N1" && journaled.entries.map(\.destination) == ["workflow/ris"])
        #expect(try await store.stableStudies(lastInstanceBefore: t0 + 10, limit: 0).map(\.studyInstanceUID) == ["1.2.3.2"])
        // The same revision again: nothing written.
        #expect(try await store.recordStudyNotification(study, notifications: [try notification("N2")], at: t0 + 4) == nil)
        #expect(try await store.listMessages(limit: 0).map(\.controlID) == ["N1"])

        // Restart: still notified.
        try await store.close()
        store = try t.open()
        let activity = try #require(try await store.studyActivity(studyInstanceUID: "1.2.3.1"))
        #expect(activity.notifiedRevision == 2 && activity.notifiedAt == t0 + 3 && !activity.isPending)

        // A new instance: pending again, at the next revision, with the new count.
        try await indexed(t, store, study: "1.2.3.1", sop: "1.2.3.1.1.2", at: t0 + 20)
        #expect(try await store.stableStudies(lastInstanceBefore: t0 + 19, limit: 0).map(\.studyInstanceUID) == ["1.2.3.2"])
        let again = try await store.stableStudies(lastInstanceBefore: t0 + 21, limit: 1)
        #expect(again.map(\.studyInstanceUID) == ["1.2.3.2"])  // oldest activity first
        let both = try await store.stableStudies(lastInstanceBefore: t0 + 21, limit: 0)
        #expect(both.map(\.studyInstanceUID) == ["1.2.3.2", "1.2.3.1"])
        #expect(both.last?.revision == 3 && both.last?.numberOfInstances == 3)
        try await store.close()
    }

    @Test("pruning a study's last instance drops its activity; a database of schema v2 counts its studies as notified")
    func pruneAndUpgrade() async throws {
        let t = try TempStore("study-upgrade")
        defer { t.cleanUp() }
        try Schema.createDatabase(at: t.path, upTo: "v2", then: """
            INSERT INTO instance (sop_instance_uid, path, study_instance_uid, modalities_in_study, series_instance_uid, sop_class_uid,
                                  transfer_syntax_uid, size, received_at)
            VALUES ('1.9.1.1.1', 'x.dcm', '1.9.1', 'CT', '1.9.1.1', '1.2.840.10008.5.1.4.1.1.2', '1.2.840.10008.1.2.1', 10, 1767225600)
            """)
        let store = try t.open()
        let old = try #require(try await store.studyActivity(studyInstanceUID: "1.9.1"))
        #expect(old.revision == 1 && old.notifiedRevision == 1 && !old.isPending)
        #expect(try await store.stableStudies(lastInstanceBefore: Date(), limit: 0).isEmpty)
        // Retention removes the study's only instance: its activity goes with it.
        let pruned = try await store.prune(RetentionPolicy(messageMaxAge: nil, messageMaxBytes: nil, instanceMaxAge: .seconds(60), instanceMaxBytes: nil))
        #expect(pruned.instancesDeleted == 1)
        #expect(try await store.studyActivity(studyInstanceUID: "1.9.1") == nil)
        try await store.close()
    }
}
