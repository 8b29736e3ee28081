// Which channels take a received message, and the outbound queues it goes to: one queue per channel
// destination, named `CHANNEL/DESTINATION`.

import IsthmusStore

/// Routes messages from a listener to the queues of the channels whose source it is and whose filter matches.
public struct ChannelRouter: Sendable {
    public let channels: [MessageChannel]

    public init(channels: [MessageChannel]) { self.channels = channels }

    /// The queue name of a channel's destination.
    public static func queueName(channel: String, destination: String) -> String { channel + "/" + destination }

    /// The channels fed by `listener` that keep `subject`, in configuration order.
    public func channels(from listener: String, keeping subject: FilterSubject) -> [MessageChannel] {
        channels.filter { $0.source == listener && ($0.filter?.matches(subject) ?? true) }
    }

    /// The queue entries for `channels` (the raw message; transforms are applied by the delivery workers).
    public static func deliveries(for channels: [MessageChannel]) -> [Delivery] {
        channels.flatMap { c in c.destinations.map { Delivery(destination: queueName(channel: c.name, destination: $0.name)) } }
    }
}
