// The declarative transform steps of a channel (docs/configuration.md, `transforms`), applied to an HL7
// message before it goes to a destination. Each step is a pure function of the message.

import HL7

/// Applies transform steps to HL7 messages.
public enum Transformer {
    /// Why a step could not be applied (the path or value at fault; no message content).
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var step: Int
        public var reason: String
        public var description: String { "transform step \(step + 1): \(reason)" }
    }

    /// The message after every step, in order.
    public static func apply(_ steps: [Transform], to message: Message) throws -> Message {
        var m = message
        for (i, step) in steps.enumerated() {
            do throws(HL7Error) {
                try apply(step, to: &m)
            } catch {
                throw Failure(step: i, reason: "\(error)")
            }
        }
        return m
    }

    /// Applies one step.
    public static func apply(_ step: Transform, to m: inout Message) throws(HL7Error) {
        switch step {
        case .set(let path, let value):
            try m.set(path, to: value)
        case .copy(let from, let to):
            // As ER7, so that components and repetitions are copied as they are.
            try m.setER7(to, to: m.er7(at: from) ?? "")
        case .delete(let path):
            if m.element(at: path) != nil { try m.set(path, to: "") }
        case .map(let path, let table, let fallback):
            guard let value = m.value(at: path) else { return }
            if let mapped = table[value] {
                try m.set(path, to: mapped)
            } else if let fallback {
                try m.set(path, to: fallback)
            }
        case .dropSegments(let pattern):
            // An ID, or a prefix ending in `*` (`Z*` drops every Z-segment). MSH is never dropped.
            let matches: (String) -> Bool = pattern.hasSuffix("*")
                ? { $0.hasPrefix(pattern.dropLast()) && $0 != "MSH" }
                : { $0 == pattern && $0 != "MSH" }
            while let id = m.segments.lazy.map(\.id).first(where: matches) {
                try m.removeSegment(id)
            }
        }
    }
}
