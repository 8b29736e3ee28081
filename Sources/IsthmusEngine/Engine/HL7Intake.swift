// HL7 v2.8 §2.9.2 original acknowledgment mode and §2.9.3 enhanced mode (accept ACK) for messages received over
// MLLP: the durable path parse → journal + queue entries (one transaction, group commit) → ACK.

import Foundation
import HL7
import IsthmusStore
import Logging
import NIOCore
import Synchronization

/// What the engine does with each block an MLLP listener receives.
///
/// - Parsed, and the journal entry with its queue entries committed: AA (or CA in enhanced mode). A duplicate
///   (same sender MSH-3/MSH-4 and MSH-10 within the window) is acknowledged AA but not enqueued again.
/// - The commit failed (disk full, read-only store, …): AE (CE) with an ERR segment (207 application internal
///   error); nothing is stored.
/// - Not parseable, or no MSH-9 / MSH-10: AR (CR) with an ERR segment saying why and where.
///
/// The ACK is built only after `Store.receive` has returned, so an AA always means "on disk".
public struct HL7Intake: Sendable {
    public let listener: String
    public let store: any Store
    public let router: ChannelRouter
    public let duplicateWindow: Duration
    public let logger: Logger
    /// Orders → worklist, ADT → patients (applied before the message is journaled; nil: off).
    public let workflow: HL7Workflow?
    private let counter = ACKCounter()

    public init(listener: String, store: any Store, router: ChannelRouter, duplicateWindow: Duration, logger: Logger, workflow: HL7Workflow? = nil) {
        self.listener = listener
        self.store = store
        self.router = router
        self.duplicateWindow = duplicateWindow
        self.logger = logger
        self.workflow = workflow
    }

    /// Handles one MLLP payload; returns the ACK to send (nil when the message asks for none).
    public func handle(_ payload: ByteBuffer) async -> ByteBuffer? {
        let message: Message
        let ackID: String
        switch parse(payload) {
        case .answer(let ack): return ack
        case .message(let m, let id): (message, ackID) = (m, id)
        }
        // The worklist or patient change first: it is idempotent, so a message journaled after it (or a sender
        // repeating it when an ACK was lost) never leaves an AA without the change committed.
        if let workflow, let errors = await workflow.apply(message) {
            return acknowledge(message, .error, ackID: ackID, errors: errors)
        }
        let (inbound, deliveries) = route(message)
        do {
            return stored(message, ackID: ackID, inbound, .success(try await store.receive(inbound, deliveries: deliveries)))
        } catch {
            return stored(message, ackID: ackID, inbound, .failure(error))
        }
    }

    /// Handles one MLLP payload on the connection's event loop (`MLLPServer.serve(onEventLoop:)`): parse, route
    /// and build the ACK there, hand the commit to the store's group commit, and answer from its completion — no
    /// task per message. A message the imaging workflow must apply first (an order, a patient update) takes the
    /// async path, whose workflow writes must commit before the journal entry.
    public func handle(_ payload: ByteBuffer, on loop: any EventLoop) -> EventLoopFuture<ByteBuffer?> {
        let message: Message
        let ackID: String
        switch parse(payload) {
        case .answer(let ack): return loop.makeSucceededFuture(ack)
        case .message(let m, let id): (message, ackID) = (m, id)
        }
        if let workflow, workflow.handles(message) {
            return loop.makeFutureWithTask { await self.handle(payload) }
        }
        let (inbound, deliveries) = route(message)
        let promise = loop.makePromise(of: ByteBuffer?.self)
        // The completion runs on the store's writer thread: the ACK is built back on the connection's loop, so
        // the one thread every commit goes through does nothing but commit.
        store.receive(inbound, deliveries: deliveries, events: []) { result in
            loop.execute { promise.succeed(self.stored(message, ackID: ackID, inbound, result)) }
        }
        return promise.futureResult
    }

    private enum Parsed {
        /// A message to store, with the control ID its ACK will have.
        case message(Message, ackID: String)
        /// Not a message that can be stored: this is the answer (an AR, or nothing).
        case answer(ByteBuffer?)
    }

    /// Parses a payload and checks the header fields the journal needs (MSH-9, MSH-10).
    private func parse(_ payload: ByteBuffer) -> Parsed {
        let bytes = Array(payload.readableBytesView)
        let ackID = counter.next()
        let message: Message
        do throws(HL7Error) {
            message = try Message(bytes)
        } catch {
            logger.warning("rejected: not an HL7 message", metadata: ["listener": "\(listener)", "error": "\(error.code.name)", "offset": "\(error.offset ?? 0)"])
            let condition: ErrorConditionCode = error.code == .invalidSegmentID || error.code == .missingHeader ? .segmentSequenceError : .dataTypeError
            let location = error.segment.map { ErrorLocation(segment: $0, field: error.field) }
            return .answer(reject(bytes, ackID: ackID, AcknowledgmentError(condition, at: location, message: "\(error.code.name)")))
        }
        guard let controlID = message.controlID else {
            logger.warning("rejected: no MSH-10", metadata: ["listener": "\(listener)"])
            return .answer(reject(bytes, ackID: ackID, AcknowledgmentError(.requiredFieldMissing, at: ErrorLocation(segment: "MSH", field: 10), message: "MSH-10 is empty")))
        }
        guard message.messageType != nil else {
            logger.warning("rejected: no MSH-9", metadata: ["listener": "\(listener)", "controlID": "\(controlID)"])
            return .answer(acknowledge(message, .reject, ackID: ackID, errors: [AcknowledgmentError(.requiredFieldMissing, at: ErrorLocation(segment: "MSH", field: 9), message: "MSH-9 is empty")]))
        }
        return .message(message, ackID: ackID)
    }

    /// The journal entry and its queue entries: the channels whose filters keep the message.
    private func route(_ message: Message) -> (InboundMessage, [Delivery]) {
        let channels = router.channels(from: listener, keeping: .hl7(message))
        var metadata = ["listener": listener]
        if channels.count > 1 { metadata["channels"] = channels.map(\.name).joined(separator: ",") }
        let inbound = InboundMessage(message, channel: channels.first?.name ?? listener, metadata: metadata, duplicateWindow: duplicateWindow)
        return (inbound, ChannelRouter.deliveries(for: channels))
    }

    /// The ACK once the store has answered: AA after the commit, AE when it failed.
    private func stored(_ message: Message, ackID: String, _ inbound: InboundMessage, _ result: Result<ReceiveOutcome, any Error>) -> ByteBuffer? {
        let controlID = inbound.controlID
        switch result {
        case .success(let outcome):
            logger.debug("stored", metadata: ["controlID": "\(controlID)", "type": "\(inbound.messageType)", "id": "\(outcome.id)", "duplicate": "\(outcome.isDuplicate)"])
            if outcome.isDuplicate {
                logger.info("duplicate acknowledged, not enqueued again", metadata: ["controlID": "\(controlID)", "original": "\(outcome.id)"])
            }
            return acknowledge(message, .accept, ackID: ackID)
        case .failure(let error):
            let reason = (error as? StoreError).map { $0.code.rawValue } ?? "error"
            logger.error("store failed: answering AE", metadata: ["controlID": "\(controlID)", "reason": "\(reason)"])
            return acknowledge(message, .error, ackID: ackID, errors: [AcknowledgmentError(.applicationInternalError, message: "message not stored (\(reason)); send it again")])
        }
    }

    enum Outcome { case accept, error, reject }

    /// The ACK in the mode the message asks for: AA/AE/AR, or CA/CE/CR when MSH-15/16 are valued (nil when its
    /// MSH-15 says not to send one).
    private func acknowledge(_ message: Message, _ outcome: Outcome, ackID: String, errors: [AcknowledgmentError] = []) -> ByteBuffer? {
        let mode = message.acknowledgmentMode
        let enhanced = mode != .original
        let code: AcknowledgmentCode = switch outcome {
        case .accept: enhanced ? .CA : .AA
        case .error: enhanced ? .CE : .AE
        case .reject: enhanced ? .CR : .AR
        }
        guard message.wantsAcknowledgment(code, mode: mode) else { return nil }
        guard let ack = try? message.acknowledgmentER7(code, controlID: ackID, errors: errors) else {
            return minimalACK(code.isSuccess ? "AA" : "AR", acknowledging: message.controlID ?? "", ackID: ackID, errors: errors)
        }
        return ByteBuffer(bytes: ack)
    }

    /// An AR for a block that is not a whole message: built from its MSH when that can be read on its own.
    private func reject(_ bytes: [UInt8], ackID: String, _ error: AcknowledgmentError) -> ByteBuffer? {
        let headerEnd = bytes.firstIndex(where: { $0 == 0x0D || $0 == 0x0A }) ?? bytes.count
        if let header = try? Message(Array(bytes[..<headerEnd])), header.controlID != nil {
            return acknowledge(header, .reject, ackID: ackID, errors: [error])
        }
        return minimalACK("AR", acknowledging: "", ackID: ackID, errors: [error])
    }

    /// An ACK without an original header to answer (v2.5 layout, MSA-2 as given).
    private func minimalACK(_ code: String, acknowledging controlID: String, ackID: String, errors: [AcknowledgmentError]) -> ByteBuffer? {
        let stub = "MSH|^~\\&|||ISTHMUS||\(HL7Timestamp.now())||ACK|\(ackID.isEmpty ? "0" : ackID)|P|2.5\r"
        guard var original = try? Message(stub) else { return nil }
        try? original.set("MSH-10", to: controlID.isEmpty ? "UNKNOWN" : controlID)
        guard var ack = try? original.acknowledgment(AcknowledgmentCode(rawValue: code) ?? .AR, controlID: ackID, errors: errors) else { return nil }
        if controlID.isEmpty { try? ack.set("MSA-2", to: "") }
        return ByteBuffer(bytes: ack.serialized())
    }
}

/// ACK control IDs: `ISTHMUS` + process-unique sequence (with the start time, so restarts do not repeat them).
final class ACKCounter: Sendable {
    private let value = Mutex(0)
    private let prefix = "I" + String(UInt64(Date().timeIntervalSince1970 * 1000) % 100_000_000, radix: 36).uppercased() + "-"
    func next() -> String { prefix + String(value.withLock { $0 += 1; return $0 }) }
}
