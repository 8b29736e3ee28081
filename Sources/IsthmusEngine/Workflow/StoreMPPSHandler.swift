// IHE Scheduled Workflow RAD-6/RAD-7 (Modality Performed Procedure Step In Progress / Completed) on the
// engine's DICOM listeners: MPPS instances are kept in the store, the worklist items they perform change
// status (STARTED, COMPLETED, DISCONTINUED), and an HL7 procedure status message (ORM^O01, OMI^O23, OMG^O19 or ORU^R01 per
// destination, ../shared/standards/hl7-dicom-mapping.md §4) is journaled for the workflow's status destinations —
// all before the N-CREATE / N-SET response.

import DICOM
import DICOMNetwork
import Foundation
import HL7
import IsthmusStore
import Logging
import Mapping

/// The MPPS handler of `isthmus serve`.
public struct StoreMPPSHandler: MPPSHandler {
    public let store: any WorkflowStore
    public let settings: WorkflowSettings
    public let logger: Logger
    let counter = StatusCounter()

    public init(store: any WorkflowStore, settings: WorkflowSettings, logger: Logger) {
        self.store = store
        self.settings = settings
        self.logger = logger
    }

    /// The queue name of a status destination.
    public static func queueName(_ destination: String) -> String { ChannelRouter.queueName(channel: "workflow", destination: destination) }

    public func instance(_ sopInstanceUID: String) async -> DataSet? {
        try? await store.performedProcedureStep(sopInstanceUID: sopInstanceUID)?.dataSet
    }

    public func create(_ instance: MPPSInstance) async -> UInt16 {
        do {
            _ = try await store.createPerformedProcedureStep(sopInstanceUID: instance.sopInstanceUID, dataSet: instance.attributes, at: Date())
        } catch let error as WorkflowError where error.kind == .mppsExists {
            return 0x0111
        } catch {
            logger.error("MPPS N-CREATE not stored", metadata: ["sopInstanceUID": "\(instance.sopInstanceUID)", "error": "\(error)"])
            return 0x0110
        }
        return await follow(instance, event: "N-CREATE")
    }

    public func update(_ instance: MPPSInstance) async -> UInt16 {
        do {
            _ = try await store.updatePerformedProcedureStep(sopInstanceUID: instance.sopInstanceUID, modification: instance.attributes, at: Date())
        } catch let error as WorkflowError where error.kind == .mppsNotFound {
            return 0x0112
        } catch let error as WorkflowError where error.kind == .invalidMPPSStatus {
            return 0x0110
        } catch {
            logger.error("MPPS N-SET not stored", metadata: ["sopInstanceUID": "\(instance.sopInstanceUID)", "error": "\(error)"])
            return 0x0110
        }
        return await follow(instance, event: "N-SET")
    }

    /// The worklist status change and the HL7 status message that follow a kept step.
    func follow(_ instance: MPPSInstance, event: String) async -> UInt16 {
        let meta: Logger.Metadata = ["sopInstanceUID": "\(instance.sopInstanceUID)", "event": "\(event)", "status": "\(instance.status ?? "")"]
        guard let raw = instance.status, let status = Mapping.PerformedProcedureStepStatus(rawValue: raw) else { return 0x0000 }
        do {
            // The worklist items this step performs: by SPS ID, else by study.
            var changed = 0
            for item in instance.attributes.items(Tag(0x0040, 0x0270)) ?? [] {
                let sps = item.dataSet.string(Tag(0x0040, 0x0009))?.trimmingCharacters(in: .whitespaces) ?? ""
                let study = item.dataSet.string(Tag(0x0020, 0x000D))?.trimmingCharacters(in: .whitespaces) ?? ""
                let target = ProcedureStepStatus(rawValue: status.spsStatus.rawValue)
                if !sps.isEmpty {
                    changed += try await store.updateWorklistStatus(target, where: .scheduledProcedureStepID(sps), at: Date())
                } else if !study.isEmpty {
                    changed += try await store.updateWorklistStatus(target, where: .studyInstanceUID(study), at: Date())
                }
            }
            // The HL7 status message, journaled with a queue entry per status destination: one message per
            // message type the destinations chose (`status-message`, or their own `message:`).
            if !settings.statusDestinations.isEmpty {
                let byType = Dictionary(grouping: settings.statusDestinations) { settings.statusMessageType(for: $0.name) }
                for type in StatusMessageType.allCases {
                    guard let destinations = byType[type] else { continue }
                    let controlID = "MPPS\(counter.next())-\(instance.sopInstanceUID.suffix(12))"
                    let message = try ProcedureStatusMapper(messageType: type, sendingApplication: "ISTHMUS").message(for: instance.attributes, controlID: controlID)
                    let deliveries = destinations.map { Delivery(destination: Self.queueName($0.name)) }
                    _ = try await store.receive(InboundMessage(message, channel: "workflow", metadata: ["source": "mpps", "sopInstanceUID": instance.sopInstanceUID],
                                                               duplicateWindow: .zero), deliveries: deliveries)
                    logger.info("procedure status queued", metadata: meta.merging(["controlID": "\(controlID)", "type": "\(type.rawValue)", "worklistItems": "\(changed)"]) { a, _ in a })
                }
            } else {
                logger.info("MPPS kept", metadata: meta.merging(["worklistItems": "\(changed)"]) { a, _ in a })
            }
            return 0x0000
        } catch {
            logger.error("MPPS follow-up failed", metadata: meta.merging(["error": "\(error)"]) { a, _ in a })
            return 0x0110
        }
    }
}

/// Numbers status messages within a run (with the SOP Instance UID's tail, unique enough for MSH-10).
final class StatusCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
