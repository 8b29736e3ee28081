/// A store operation that failed; nothing of it was stored.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The disk (or the database's size limit) is full.
        case full
        /// The database is read-only (file permissions, read-only mount, opened read-only).
        case readOnly
        /// The database is locked by another process for longer than the busy timeout.
        case busy
        /// The database file is damaged or not a database.
        case corrupt
        /// An I/O error from the operating system.
        case io
        /// The id names nothing (or the entry is not in a state the operation applies to).
        case notFound
        /// The operation does not apply to the entry in its current state.
        case invalidState
        /// The store was closed.
        case closed
        /// The schema is newer than this program knows.
        case schema
        /// Anything else from the database.
        case other
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "store error (\(code.rawValue)): \(message)" }
}
