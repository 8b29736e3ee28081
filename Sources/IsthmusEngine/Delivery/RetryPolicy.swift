// Delivery retry as a value (docs/engine.md, "Delivery"): what to do after a failed attempt — retry with
// exponential backoff, or dead-letter — decided without I/O so it is tested on its own.

import Foundation

/// How a destination's failed deliveries are retried.
public struct RetryPolicy: Sendable, Equatable {
    /// Delay before the second attempt.
    public var initialDelay: Duration = .seconds(1)
    /// Each further delay is the previous one times this factor…
    public var multiplier: Double = 2
    /// … up to this delay.
    public var maximumDelay: Duration = .seconds(300)
    /// Attempts before a retryable failure is dead-lettered (nil: retry for ever).
    public var maximumAttempts: Int? = 20
    /// Whether a negative acknowledgment that rejects the message (AR/CR, or a DICOM failure status) is
    /// dead-lettered at once (the default) or retried like a transport error.
    public var deadLetterRejections = true
    /// Whether an AE/CE (application error) is retried (the default) or dead-lettered at once.
    public var retryApplicationErrors = true

    public init() {}

    /// The outcome of one attempt, as the policy sees it.
    public enum Failure: Sendable, Equatable {
        /// The destination could not be reached or did not answer in time.
        case transport
        /// The destination answered with an application error (AE/CE).
        case applicationError
        /// The destination rejected the message (AR/CR, a DICOM failure status).
        case rejected
        /// Isthmus cannot send this entry at all (no such peer, a transform fails, the file is gone).
        case unsendable
    }

    /// What to do next.
    public enum Decision: Sendable, Equatable {
        case retry(after: Duration)
        case deadLetter
    }

    /// The decision after `attempts` failed attempts (counting the one that just failed), the last one failing with `failure`.
    public func decision(afterAttempts attempts: Int, failure: Failure) -> Decision {
        switch failure {
        case .unsendable: return .deadLetter
        case .rejected where deadLetterRejections: return .deadLetter
        case .applicationError where !retryApplicationErrors: return .deadLetter
        default: break
        }
        if let maximumAttempts, attempts >= maximumAttempts { return .deadLetter }
        return .retry(after: delay(afterAttempts: attempts))
    }

    /// The backoff before the next attempt, after `attempts` failed ones (1 → `initialDelay`).
    public func delay(afterAttempts attempts: Int) -> Duration {
        let initial = Double(initialDelay.components.seconds) + Double(initialDelay.components.attoseconds) / 1e18
        let cap = Double(maximumDelay.components.seconds) + Double(maximumDelay.components.attoseconds) / 1e18
        let exponent = Double(max(0, attempts - 1))
        let seconds = min(cap, initial * pow(max(1, multiplier), min(exponent, 64)))
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}
