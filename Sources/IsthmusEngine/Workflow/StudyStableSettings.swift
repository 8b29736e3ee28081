// The `workflow.study-stable` section (docs/configuration.md): when a study has received no new instance for
// `after`, an HL7 notification (../shared/standards/hl7-dicom-mapping.md §4 message types) goes to `to`.

import Mapping

/// Study-stable notifications: which message, to whom, after how long without a new instance.
public struct StudyStableSettings: Sendable, Equatable {
    /// A study is stable once its last instance is this old.
    public var after: Duration = .seconds(60)
    /// The message type of destinations that name none (default: the workflow's `status-message`).
    public var messageType: StatusMessageType = .orm
    /// Where notifications go (queues `workflow/NAME`, shared with the status destinations of the same name).
    public var destinations: [Destination] = []
    /// Message types chosen per destination (by name), overriding `messageType`.
    public var messageTypes: [String: StatusMessageType] = [:]

    public init(after: Duration = .seconds(60), messageType: StatusMessageType = .orm, destinations: [Destination] = []) {
        self.after = after
        self.messageType = messageType
        self.destinations = destinations
    }

    /// The message type sent to `destination`.
    public func messageType(for destination: String) -> StatusMessageType { messageTypes[destination] ?? messageType }

    /// How often the store is asked for stable studies: a quarter of `after`, at most 5 s, at least 50 ms.
    public var pollInterval: Duration { max(.milliseconds(50), min(after / 4, .seconds(5))) }
}

extension WorkflowSettings {
    /// The message type of the MPPS status messages sent to `destination` (its own `message:`, else
    /// `status-message`).
    public func statusMessageType(for destination: String) -> StatusMessageType {
        statusMessageTypes[destination] ?? statusMessageType
    }

    /// The destinations the workflow's messages are queued for (`workflow/NAME`): the MPPS status
    /// destinations (when MPPS is on) and the study-stable ones, one per name.
    public var deliveryDestinations: [Destination] {
        var out: [Destination] = []
        for d in (mpps ? statusDestinations : []) + (studyStable?.destinations ?? []) where !out.contains(where: { $0.name == d.name }) {
            out.append(d)
        }
        return out
    }
}
