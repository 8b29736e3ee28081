import Foundation

/// Study activity for "study stable" notifications (../shared/standards/hl7-dicom-mapping.md §4: a study
/// that receives no new instance for a while is reported to the RIS): for every study of the archive
/// index, when its last instance was indexed and up to which instance a notification covered it. A
/// refinement of `Store`, so existing conformers are unaffected; `SQLiteStore` implements it (schema
/// migration `v3`: a `study_activity` row per study, kept by the index itself as instances are
/// indexed, replaced or pruned).
///
/// Like every `Store` write, a method that returns has committed durably; one that throws has written
/// nothing.
public protocol StudyActivityStore: Store {
    /// Studies with instances indexed since their last notification (or never notified) whose last
    /// instance was indexed at or before `cutoff`, oldest activity first, at most `limit` (0: all),
    /// each with a summary of what the index holds of it.
    func stableStudies(lastInstanceBefore cutoff: Date, limit: Int) async throws -> [StableStudy]

    /// Journals the notifications made for `study` (each message with its queue entries) and records
    /// the study notified up to `study.revision`, in one transaction. Returns the journal ids, or nil
    /// when nothing was written because a notification already covers that revision. An instance
    /// indexed later makes the study pending again.
    func recordStudyNotification(_ study: StableStudy, notifications: [StudyNotification], at: Date) async throws -> [MessageID]?

    /// The activity recorded for a study (nil when the index holds none of its instances).
    func studyActivity(studyInstanceUID: String) async throws -> StudyActivity?
}

/// What the store records of a study's activity.
public struct StudyActivity: Sendable, Hashable {
    public var studyInstanceUID: String
    /// Counts the instances indexed (or replaced) for the study; it only grows.
    public var revision: Int64
    /// When the study's last instance was indexed.
    public var lastInstanceAt: Date
    /// The revision the last notification covered (nil: never notified).
    public var notifiedRevision: Int64?
    /// When it was notified.
    public var notifiedAt: Date?

    public init(studyInstanceUID: String, revision: Int64, lastInstanceAt: Date, notifiedRevision: Int64?, notifiedAt: Date?) {
        self.studyInstanceUID = studyInstanceUID
        self.revision = revision
        self.lastInstanceAt = lastInstanceAt
        self.notifiedRevision = notifiedRevision
        self.notifiedAt = notifiedAt
    }

    /// Whether instances arrived since the last notification.
    public var isPending: Bool { notifiedRevision.map { $0 < revision } ?? true }
}

/// A study due for a notification, with a summary of its indexed instances.
public struct StableStudy: Sendable, Hashable {
    public var activity: StudyActivity
    public var numberOfInstances: Int
    public var numberOfSeries: Int
    /// The distinct series modalities, in the order first indexed.
    public var modalities: [String]
    /// The study's most recently indexed instance (patient, accession number, study date and
    /// description as indexed — the index columns follow patient updates and merges).
    public var latest: InstanceRecord

    public init(activity: StudyActivity, numberOfInstances: Int, numberOfSeries: Int, modalities: [String], latest: InstanceRecord) {
        self.activity = activity
        self.numberOfInstances = numberOfInstances
        self.numberOfSeries = numberOfSeries
        self.modalities = modalities
        self.latest = latest
    }

    public var studyInstanceUID: String { activity.studyInstanceUID }
    public var revision: Int64 { activity.revision }
}

/// One notification message and the destinations it is queued for.
public struct StudyNotification: Sendable, Hashable {
    public var message: InboundMessage
    public var deliveries: [Delivery]
    public init(message: InboundMessage, deliveries: [Delivery]) {
        self.message = message
        self.deliveries = deliveries
    }
}
