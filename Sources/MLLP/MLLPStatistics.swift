// Counters shared by the decoders of one server or client: what arrived outside blocks, what was framed.

import NIOConcurrencyHelpers

/// Counters of an MLLP endpoint, safe to read from any thread. Counts only — never content.
public final class MLLPStatistics: Sendable {
    private struct Values {
        var discardedBytes = 0
        var frames = 0
        var oversizedFrames = 0
    }
    private let values = NIOLockedValueBox(Values())

    /// Creates zeroed counters.
    public init() {}

    /// Bytes other than white space that arrived outside a block and were dropped.
    public var discardedBytes: Int { values.withLockedValue { $0.discardedBytes } }
    /// Blocks decoded.
    public var frames: Int { values.withLockedValue { $0.frames } }
    /// Blocks rejected for exceeding the maximum frame size.
    public var oversizedFrames: Int { values.withLockedValue { $0.oversizedFrames } }

    func addDiscarded(_ n: Int) { values.withLockedValue { $0.discardedBytes += n } }
    func addFrame() { values.withLockedValue { $0.frames += 1 } }
    func addOversized() { values.withLockedValue { $0.oversizedFrames += 1 } }
}
