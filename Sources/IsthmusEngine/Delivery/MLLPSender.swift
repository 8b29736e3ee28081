// Delivery to an MLLP peer (HL7 v2 over MLLP, TLS optional): the entry counts as sent only when the peer's
// acknowledgment accepts it (AA or CA) and MSA-2 echoes the message's control ID.

import HL7
import IsthmusStore
import MLLP
import NIOCore
import NIOSSL
import Synchronization

/// Sends HL7 entries to an MLLP peer over one kept-open connection.
public struct MLLPSender: DestinationSender {
    let client: MLLPClient
    let transforms: [Transform]

    /// - Parameters:
    ///   - transforms: the channel's transform steps, applied to each message before it is sent.
    public init(host: String, port: Int, tls: NIOSSLContext? = nil, serverHostname: String? = nil,
                ackTimeout: Duration = .seconds(30), transforms: [Transform] = []) {
        var configuration = MLLPClient.Configuration()
        configuration.ackTimeout = ackTimeout
        // The worker owns retries (with the destination's backoff, across restarts): one attempt here.
        configuration.maximumAttempts = 1
        configuration.connection.tls = tls
        configuration.connection.serverHostname = serverHostname
        client = MLLPClient(host: host, port: port, configuration: configuration)
        self.transforms = transforms
    }

    public func deliver(_ entry: ClaimedEntry) async -> DeliveryOutcome {
        await deliver([entry]) { _, _ in }.first ?? .failed(.transport, reason: "not sent")
    }

    /// Sends the entries over the kept-open connection one at a time, each after the previous one's ACK, chained
    /// on the connection's event loop (no task hand-off per message); stops at the first not accepted.
    public func deliver(_ entries: [ClaimedEntry], delivered: @escaping @Sendable (ClaimedEntry, String) -> Void) async -> [DeliveryOutcome] {
        var payloads: [ByteBuffer] = []
        var controlIDs: [String?] = []
        var unsendable: DeliveryOutcome?
        for entry in entries {
            guard entry.kind == .hl7 else {
                unsendable = .failed(.unsendable, reason: "an MLLP destination sends HL7 messages only")
                break
            }
            do {
                let message = try Transformer.apply(transforms, to: try Message(entry.payload))
                payloads.append(ByteBuffer(bytes: message.serialized()))
                controlIDs.append(message.controlID)
            } catch {
                unsendable = .failed(.unsendable, reason: "cannot prepare the message: \(error)")
                break
            }
        }
        let outcomes = Mutex<[DeliveryOutcome]>([])
        await client.sendEach(payloads) { [controlIDs] i, result in
            let outcome = Self.outcome(result, expectedControlID: controlIDs[i])
            outcomes.withLock { $0.append(outcome) }
            guard case .delivered(let response) = outcome else { return false }
            delivered(entries[i], response)
            return true
        }
        var result = outcomes.withLock { $0 }
        if result.count == payloads.count, let unsendable { result.append(unsendable) }
        return result
    }

    /// What a reply (or the failure to get one) means: delivered only for AA/CA echoing the control ID.
    static func outcome(_ reply: Result<ByteBuffer, any Error>, expectedControlID: String?) -> DeliveryOutcome {
        let ack: MLLPAcknowledgment
        do {
            ack = try MLLPAcknowledgment(reply: try reply.get(), expectedControlID: expectedControlID)
        } catch let error as MLLPError where error.code == .controlIDMismatch || error.code == .invalidAcknowledgment {
            return .failed(.applicationError, reason: "\(error)")
        } catch {
            return .failed(.transport, reason: "\(error)")
        }
        let response = "\(ack.code) \(ack.controlID)"
        switch ack.code {
        case "AA", "CA": return .delivered(response: response)
        case "AR", "CR": return .failed(.rejected, reason: "rejected: \(response)")
        default: return .failed(.applicationError, reason: "not accepted: \(response)")
        }
    }

    public func close() async { await client.close() }
}
