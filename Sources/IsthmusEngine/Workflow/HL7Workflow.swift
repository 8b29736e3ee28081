// IHE Scheduled Workflow (RAD-4/RAD-13: orders → Modality Worklist) and Patient Information Reconciliation
// (RAD-12: ADT → patients) for messages received by `isthmus serve`, applied before the message is journaled
// and acknowledged: an AA means the worklist or patient change is committed too.

import DICOM
import Foundation
import HL7
import IsthmusStore
import Logging
import Mapping

/// Applies orders and ADT messages to the worklist and the patient records.
public struct HL7Workflow: Sendable {
    public let settings: WorkflowSettings
    public let store: any WorkflowStore
    public let logger: Logger
    let orders: OrderMapper
    let patients: PatientMapper

    public init(settings: WorkflowSettings, store: any WorkflowStore, logger: Logger) {
        self.settings = settings
        self.store = store
        self.logger = logger
        orders = settings.orderMapper
        patients = settings.patientMapper
    }

    /// Whether the workflow acts on this message at all.
    public func handles(_ message: Message) -> Bool {
        switch message.messageType {
        case "ORM", "OMI": return settings.orders
        case "ADT": return settings.patients && (patients.updateEvents.contains(message.triggerEvent ?? "") || ["A40", "A47"].contains(message.triggerEvent ?? ""))
        default: return false
        }
    }

    /// Applies the message; nil when done, else the errors for an AE acknowledgment (nothing was changed).
    /// Applying the same message twice (a sender repeating it after a lost ACK) changes nothing more.
    public func apply(_ message: Message) async -> [AcknowledgmentError]? {
        guard handles(message) else { return nil }
        let controlID = message.controlID ?? ""
        do {
            switch message.messageType {
            case "ORM", "OMI":
                let result = try orders.map(message)
                try await applyOrder(result)
                logger.info("worklist updated", metadata: ["controlID": "\(controlID)", "action": "\(result.action.rawValue)", "items": "\(result.items.count)"])
            default:
                try await applyPatient(try patients.map(message), controlID: controlID)
            }
            return nil
        } catch let error as MappingError {
            logger.notice("not mapped: answering AE", metadata: ["controlID": "\(controlID)", "field": "\(error.path?.description ?? "")", "condition": "\(error.condition.code)"])
            return [error.acknowledgmentError]
        } catch let error as WorkflowError {
            logger.notice("refused by the workflow: answering AE", metadata: ["controlID": "\(controlID)", "kind": "\(error.kind.rawValue)"])
            let location: ErrorLocation? = ["samePatient", "circularMerge", "repeatedMerge", "priorAlreadyMerged", "identifierExists"].contains(error.kind.rawValue)
                ? ErrorLocation(segment: "MRG", field: 1) : nil
            return [AcknowledgmentError(.applicationInternalError, at: location, message: error.description)]
        } catch {
            logger.error("workflow failed: answering AE", metadata: ["controlID": "\(controlID)", "error": "\(error)"])
            return [AcknowledgmentError(.applicationInternalError, message: "not applied; send it again")]
        }
    }

    func applyOrder(_ result: OrderMappingResult) async throws {
        switch result.action {
        case .create, .update:
            _ = try await store.upsertWorklistItems(result.items, at: Date())
        case .cancel, .discontinue, .complete:
            let status: ProcedureStepStatus = result.action == .cancel ? .canceled : result.action == .discontinue ? .discontinued : .completed
            for item in result.items {
                let key = try WorklistItem(dataSet: item).key
                if try await store.worklistItem(key) == nil {
                    // Cancelling an order never scheduled here: keep it, with its final status, so that a late
                    // NW for the same order does not resurrect it silently.
                    _ = try await store.upsertWorklistItem(item, at: Date())
                } else {
                    try await store.setWorklistStatus(status, key: key, at: Date())
                }
            }
        }
    }

    func applyPatient(_ event: PatientEvent, controlID: String) async throws {
        let record = event.record
        let key = PatientKey(id: record.identity.id, issuer: record.identity.issuer)
        switch event {
        case .update:
            _ = try await store.updatePatient(key, attributes: record.attributes, at: Date())
            logger.info("patient updated", metadata: ["controlID": "\(controlID)"])
        case .merge(let prior, _):
            let priorKey = PatientKey(id: prior.id, issuer: prior.issuer)
            do {
                let moved = try await store.mergePatient(prior: priorKey, into: key, survivorAttributes: record.attributes, at: Date())
                logger.info("patients merged", metadata: ["controlID": "\(controlID)", "worklistItems": "\(moved.worklistItems)", "instances": "\(moved.instances)", "mpps": "\(moved.performedProcedureSteps)"])
            } catch let error as WorkflowError where error.kind == .repeatedMerge {
                // Already merged the same way: the sender repeating a message whose ACK it lost.
                logger.info("merge already applied", metadata: ["controlID": "\(controlID)"])
            }
        case .changeIdentifier(let from, _):
            let moved = try await store.changePatientIdentifier(from: PatientKey(id: from.id, issuer: from.issuer), to: key, attributes: record.attributes, at: Date())
            logger.info("patient identifier changed", metadata: ["controlID": "\(controlID)", "worklistItems": "\(moved.worklistItems)", "instances": "\(moved.instances)"])
        }
    }
}
