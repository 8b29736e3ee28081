import Foundation

/// What `Store.prune` keeps. A nil limit does not apply. Entries with a queue entry pending or in
/// flight are always kept.
public struct RetentionPolicy: Sendable, Hashable {
    /// Journal entries received longer ago than this are deleted.
    public var messageMaxAge: Duration?
    /// Oldest journal entries are deleted until their raw and payload bytes total at most this.
    public var messageMaxBytes: Int64?
    /// Archived instances received longer ago than this are deleted (index row and file).
    public var instanceMaxAge: Duration?
    /// Oldest instances are deleted until their files total at most this.
    public var instanceMaxBytes: Int64?

    public init(messageMaxAge: Duration? = nil, messageMaxBytes: Int64? = nil, instanceMaxAge: Duration? = nil, instanceMaxBytes: Int64? = nil) {
        self.messageMaxAge = messageMaxAge
        self.messageMaxBytes = messageMaxBytes
        self.instanceMaxAge = instanceMaxAge
        self.instanceMaxBytes = instanceMaxBytes
    }
}

/// What `Store.prune` deleted.
public struct PruneResult: Sendable, Hashable {
    public var messagesDeleted: Int
    public var instancesDeleted: Int
    /// Part 10 files removed from the content folder.
    public var filesDeleted: Int
    /// Bytes of those files.
    public var fileBytesFreed: Int64
    /// How much smaller the database files became (after the vacuum).
    public var databaseBytesFreed: Int64

    public var bytesFreed: Int64 { fileBytesFreed + databaseBytesFreed }

    public init(messagesDeleted: Int = 0, instancesDeleted: Int = 0, filesDeleted: Int = 0, fileBytesFreed: Int64 = 0, databaseBytesFreed: Int64 = 0) {
        self.messagesDeleted = messagesDeleted
        self.instancesDeleted = instancesDeleted
        self.filesDeleted = filesDeleted
        self.fileBytesFreed = fileBytesFreed
        self.databaseBytesFreed = databaseBytesFreed
    }
}

/// Counts and sizes of a store.
public struct StoreStatistics: Sendable, Hashable {
    public var messages: Int
    /// Queue entries pending or in flight.
    public var queued: Int
    public var deadLetters: Int
    public var instances: Int
    /// Total size of the indexed files.
    public var instanceBytes: Int64
    /// Size of the database on disk (main file and WAL), in bytes.
    public var databaseBytes: Int64
    /// Write transactions committed since the store was opened (one per group commit).
    public var transactions: Int
    /// Write requests (receive, index, queue updates, …) committed since the store was opened.
    public var writes: Int
    /// `markSentWithoutWaiting` commits that failed (those entries will be delivered again).
    public var unwaitedWriteFailures: Int
    /// Flushes of the write-ahead log made for waiting writers (pipelined durability; 0 otherwise).
    public var walSyncs: Int

    public init(
        messages: Int, queued: Int, deadLetters: Int, instances: Int, instanceBytes: Int64, databaseBytes: Int64, transactions: Int, writes: Int,
        unwaitedWriteFailures: Int = 0, walSyncs: Int = 0
    ) {
        self.messages = messages
        self.queued = queued
        self.deadLetters = deadLetters
        self.instances = instances
        self.instanceBytes = instanceBytes
        self.databaseBytes = databaseBytes
        self.transactions = transactions
        self.writes = writes
        self.unwaitedWriteFailures = unwaitedWriteFailures
        self.walSyncs = walSyncs
    }
}
