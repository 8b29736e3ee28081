// Study-stable notifications (../shared/standards/hl7-dicom-mapping.md §4, "a configurable HL7 notification
// when a study is stable"): a study whose last instance arrived more than `after` ago and that was not
// notified since becomes a procedure status message (ORC-1 SC, ORC-5 CM; ORM^O01, OMI^O23, OMG^O19 or ORU^R01
// per destination) with the patient's current demographics (PIR), the order's identifiers when a worklist
// item of the study (or its accession number) is known, the study UID, modality and counts. The messages are
// journaled with their queue entries and the study recorded as notified in one transaction, so a restart
// neither loses nor repeats a notification, and a later instance makes the study notify again.

import DICOM
import Foundation
import IsthmusStore
import Logging
import Mapping

/// Finds stable studies and queues their notifications; runs in `isthmus serve` while the engine runs.
public struct StudyStableService: Sendable {
    public let store: any WorkflowStore & StudyActivityStore
    public let settings: StudyStableSettings
    public let logger: Logger
    let counter = StatusCounter()

    public init(store: any WorkflowStore & StudyActivityStore, settings: StudyStableSettings, logger: Logger) {
        self.store = store
        self.settings = settings
        self.logger = logger
    }

    /// Polls every `settings.pollInterval` until the task is cancelled.
    public func run() async {
        while !Task.isCancelled {
            await poll(now: Date())
            try? await Task.sleep(for: settings.pollInterval)
        }
    }

    /// One pass: notifies every study stable at `now`; returns how many were notified.
    @discardableResult
    public func poll(now: Date) async -> Int {
        let cutoff = now.addingTimeInterval(-Double(settings.after.components.seconds) - Double(settings.after.components.attoseconds) / 1e18)
        var notified = 0
        while !Task.isCancelled {
            let studies: [StableStudy]
            do {
                studies = try await store.stableStudies(lastInstanceBefore: cutoff, limit: 64)
            } catch {
                logger.error("study-stable: cannot read the pending studies", metadata: ["error": "\(error)"])
                return notified
            }
            for study in studies {
                do {
                    if try await notify(study, at: now) { notified += 1 }
                } catch {
                    logger.error("study-stable: notification not queued", metadata: ["studyInstanceUID": "\(study.studyInstanceUID)", "error": "\(error)"])
                    return notified  // the store failed: again at the next poll
                }
            }
            if studies.count < 64 { break }
        }
        return notified
    }

    /// Builds the messages for `study` (one per message type its destinations chose), journals them and records
    /// the study notified. A study whose message cannot be built is recorded notified without one (logged), so
    /// that it is not tried again until a new instance arrives.
    func notify(_ study: StableStudy, at now: Date) async throws -> Bool {
        let uid = study.studyInstanceUID
        let status = await procedureStatus(study)
        let byType = Dictionary(grouping: settings.destinations) { settings.messageType(for: $0.name) }
        var notifications: [StudyNotification] = []
        for type in StatusMessageType.allCases {
            guard let destinations = byType[type] else { continue }
            let controlID = "S\(Int64(now.timeIntervalSince1970 * 1000))-\(counter.next())"
            do {
                let message = try ProcedureStatusMapper(messageType: type, sendingApplication: "ISTHMUS").message(for: status, controlID: controlID)
                notifications.append(StudyNotification(
                    message: InboundMessage(message, channel: "workflow", receivedAt: now,
                                            metadata: ["source": "study-stable", "studyInstanceUID": uid, "revision": "\(study.revision)"],
                                            duplicateWindow: .zero),
                    deliveries: destinations.map { Delivery(destination: StoreMPPSHandler.queueName($0.name)) }))
            } catch {
                logger.error("study-stable: cannot build the message", metadata: ["studyInstanceUID": "\(uid)", "type": "\(type.rawValue)", "error": "\(error)"])
            }
        }
        guard let ids = try await store.recordStudyNotification(study, notifications: notifications, at: now) else { return false }
        logger.info("study stable: notification queued", metadata: [
            "studyInstanceUID": "\(uid)", "instances": "\(study.numberOfInstances)", "messages": "\(ids.count)",
            "controlIDs": "\(notifications.map(\.message.controlID).joined(separator: ","))",
        ])
        return true
    }

    /// What the notification says: COMPLETED (ORC-5 CM), the current demographics of the study's patient, the
    /// order of its worklist item (by study, else by accession number), the study's date, modality and counts.
    func procedureStatus(_ study: StableStudy) async -> ProcedureStatus {
        let i = study.latest
        var s = ProcedureStatus(status: .completed)
        s.studyInstanceUID = study.studyInstanceUID
        s.numberOfInstances = study.numberOfInstances
        s.numberOfSeries = study.numberOfSeries
        s.patientID = i.patientID ?? ""
        s.issuerOfPatientID = i.issuerOfPatientID ?? ""
        s.patientName = i.patientName ?? ""
        s.birthDate = i.patientBirthDate ?? ""
        s.sex = i.patientSex ?? ""
        if let id = i.patientID, !id.isEmpty,
           let current = try? await store.currentPatient(PatientKey(id: id, issuer: i.issuerOfPatientID ?? "")) {
            s.patientID = current.key.id
            s.issuerOfPatientID = current.key.issuer
            if let v = current.attributes.string(.patientName) { s.patientName = v }
            if let v = current.attributes.string(Tag(0x0010, 0x0030)) { s.birthDate = v }
            if let v = current.attributes.string(Tag(0x0010, 0x0040)) { s.sex = v }
        }
        s.accessionNumber = i.accessionNumber ?? ""
        s.procedureDescription = i.studyDescription ?? ""
        s.start = Conversions.timestamp(date: i.studyDate, time: i.studyTime)
        s.modality = study.modalities.first ?? i.modality ?? ""
        if let item = await worklistItem(study) {
            let ds = item.dataSet
            func v(_ tag: Tag, in d: DataSet = ds) -> String { d.string(tag)?.trimmingCharacters(in: .whitespaces) ?? "" }
            s.placerOrderNumber = v(Tag(0x0040, 0x2016))
            s.fillerOrderNumber = v(Tag(0x0040, 0x2017))
            if s.accessionNumber.isEmpty { s.accessionNumber = item.key.accessionNumber }
            s.requestedProcedureID = item.key.requestedProcedureID
            s.scheduledProcedureStepID = item.key.scheduledProcedureStepID
            if let code = ds.items(Tag(0x0032, 0x1064))?.first?.dataSet {
                s.procedureCode = ProcedureStatus.Code(value: v(Tag(0x0008, 0x0100), in: code), meaning: v(Tag(0x0008, 0x0104), in: code),
                                                       scheme: v(Tag(0x0008, 0x0102), in: code))
            }
            if !v(Tag(0x0032, 0x1060)).isEmpty { s.procedureDescription = v(Tag(0x0032, 0x1060)) }
            if s.modality.isEmpty { s.modality = item.modality }
            s.stationAETitle = item.stationAETitle
        }
        return s
    }

    /// The worklist item the study performs: by Study Instance UID, else by accession number (any status).
    func worklistItem(_ study: StableStudy) async -> WorklistItem? {
        if let item = try? await store.worklistItems(matching: WorklistQuery(studyInstanceUID: study.studyInstanceUID, statuses: [], limit: 1)).first {
            return item
        }
        guard let accession = study.latest.accessionNumber, !accession.isEmpty else { return nil }
        return try? await store.worklistItems(matching: WorklistQuery(accessionNumber: accession, statuses: [], limit: 1)).first
    }
}
