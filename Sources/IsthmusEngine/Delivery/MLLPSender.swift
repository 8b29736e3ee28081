// Delivery to an MLLP peer (HL7 v2 over MLLP, TLS optional): the entry counts as sent only when the peer's
// acknowledgment accepts it (AA or CA) and MSA-2 echoes the message's control ID.

import HL7
import IsthmusStore
import MLLP
import NIOCore
import NIOSSL

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
        guard entry.kind == .hl7 else { return .failed(.unsendable, reason: "an MLLP destination sends HL7 messages only") }
        let message: Message
        do {
            message = try Transformer.apply(transforms, to: try Message(entry.payload))
        } catch {
            return .failed(.unsendable, reason: "cannot prepare the message: \(error)")
        }
        let ack: MLLPAcknowledgment
        do {
            ack = try await client.send(message)
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
