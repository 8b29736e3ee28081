// HL7 v2.5.1 §2.14.8 MSA — Message Acknowledgment Segment: MSA-1 acknowledgment code (AA, AE, AR; CA, CE, CR
// in enhanced mode), MSA-2 message control ID (the MSH-10 of the message acknowledged).

import HL7
import NIOCore

/// What a receiver answered to one message: the parts of its ACK a sender acts on.
public struct MLLPAcknowledgment: Sendable, Hashable {
    /// MSA-1: AA/CA accepted, AE/CE error, AR/CR rejected.
    public var code: String
    /// MSA-2: the control ID of the message acknowledged.
    public var controlID: String
    /// MSH-10 of the acknowledgment itself.
    public var acknowledgmentControlID: String?

    /// Whether the message was accepted (AA or CA).
    public var isAccepted: Bool { code == "AA" || code == "CA" }

    /// Reads an ACK and checks that it acknowledges `expectedControlID` (when given).
    /// - Throws: ``MLLPError`` `.invalidAcknowledgment` (unparsable, or no MSA-1) or `.controlIDMismatch`.
    private static let msa1 = HL7Path("MSA-1")!, msa2 = HL7Path("MSA-2")!

    public init(reply: ByteBuffer, expectedControlID: String?) throws {
        let message: Message
        do {
            message = try Message(Array(reply.readableBytesView))
        } catch {
            throw MLLPError(.invalidAcknowledgment, "the reply is not an HL7 message: \(error.code)")
        }
        guard let code = message.value(at: Self.msa1), !code.isEmpty else {
            throw MLLPError(.invalidAcknowledgment, "the reply has no MSA-1")
        }
        let controlID = message.value(at: Self.msa2) ?? ""
        if let expectedControlID, controlID != expectedControlID {
            throw MLLPError(.controlIDMismatch, "MSA-2 is \(controlID), expected \(expectedControlID)")
        }
        self.code = code
        self.controlID = controlID
        self.acknowledgmentControlID = message.controlID
    }
}
