import Foundation

/// The engine's durable store: the HL7 message journal with every state change, the outbound
/// queue of each destination, and the index of the DICOM archive (Part 10 files in a content
/// folder).
///
/// Every write method that returns has committed durably (for `SQLiteStore`: WAL with
/// `synchronous=FULL`, so the commit is on disk); one that throws has written nothing. The two
/// exceptions are marked: claims (`claimNext`, `claim`) live in memory, and
/// `markSentWithoutWaiting` returns before its commit — both are safe because delivery is at
/// least once.
/// Implementations: `SQLiteStore` (embedded); the protocol names no SQLite type, so a PostgreSQL
/// implementation can follow without changing the engine.
public protocol Store: Sendable {
    // MARK: Journal

    /// Stores an inbound message and its outbound queue entries (one per delivery) in one
    /// transaction. Returns `.stored(id)`, or `.duplicate(of:)` when the same sender and control ID
    /// were received within the duplicate window: then nothing is enqueued again (the caller still
    /// acknowledges). Concurrent calls are committed together (group commit); each call returns
    /// only after its batch committed. Throws `StoreError` (disk full, read-only, …) when the
    /// commit fails: then nothing of the message is stored and the sender must get a negative ACK.
    func receive(_ message: InboundMessage, deliveries: [Delivery], events: [StateChange]) async throws -> ReceiveOutcome

    /// `receive(_:deliveries:events:)` for callers that must not wait (an event loop): the outcome goes to
    /// `completion`, once the commit is durable or failed, on a thread of the store's choosing. The default
    /// runs the async method in a task; `SQLiteStore` hands the write to its group commit directly and
    /// completes from the thread that made it durable.
    func receive(_ message: InboundMessage, deliveries: [Delivery], events: [StateChange],
                 completion: @escaping @Sendable (Result<ReceiveOutcome, any Error>) -> Void)

    /// A message with its state history and its queue entries, or nil if there is none (pruned).
    func message(_ id: MessageID) async throws -> StoredMessage?

    /// Messages newest first. `channel`, `status` and `since` (received at or after) filter when
    /// given; `limit` 0 means all.
    func listMessages(channel: String?, status: MessageStatus?, since: Date?, limit: Int) async throws -> [MessageSummary]

    /// Appends a state change to a message's history (and makes it the message's status).
    func record(_ change: StateChange, for id: MessageID) async throws

    // MARK: Outbound queues

    /// Adds queue entries for an existing message (a replay through its channel, or a resend), at
    /// the tail of each destination's queue, and records `event` (if any) in the same transaction.
    @discardableResult
    func enqueue(_ deliveries: [Delivery], for id: MessageID, event: StateChange?) async throws -> [QueueEntryID]

    /// Enqueues the message again for one destination, with the payload its last entry for that
    /// destination had (the raw message if none), and records `.resent`.
    @discardableResult
    func resend(_ id: MessageID, destination: String) async throws -> QueueEntryID

    /// The head of the destination's queue, claimed (`.inFlight`), if it is due at `now`; nil if
    /// the queue is empty, its head is not due yet, or the destination has a claim still open.
    /// Entries leave the queue in FIFO order, one at a time: the next is claimable only after the
    /// previous was marked sent or dead-lettered (in-order delivery). A claim is not written to
    /// disk (it costs no commit): after a restart every entry not marked sent is pending again
    /// (at-least-once delivery).
    func claimNext(destination: String, now: Date) async throws -> ClaimedEntry?

    /// Up to `limit` entries from the head of the destination's queue, in order, all due at `now`
    /// (stopping at the first that is not), claimed together: for sending several messages
    /// back to back on one connection. The claim ends when each is marked sent or dead-lettered,
    /// or at the first `markFailed` (the entries after it go back to pending, unsent), or with
    /// `unclaim`. Empty if the destination has a claim open.
    func claim(destination: String, limit: Int, now: Date) async throws -> [ClaimedEntry]

    /// Drops the destination's open claim (its entries not yet marked stay pending), e.g. when
    /// its delivery worker stops.
    func unclaim(destination: String) async

    /// When the destination's head entry is due (nil if its queue is empty or it has a claim
    /// open): a delivery worker sleeps until then.
    func nextAttempt(destination: String) async throws -> Date?

    /// Destinations that have entries waiting (pending or in flight).
    func activeDestinations() async throws -> [String]

    /// The claimed entry was delivered (the destination acknowledged it). The destination's next
    /// entry is claimable as soon as this is called; it returns after the commit.
    func markSent(_ entry: QueueEntryID, at: Date, response: String?) async throws

    /// Marks the claimed entry sent without waiting for the commit: the destination's next entry
    /// is claimable when this returns, and the commit joins the next group commit. If the process
    /// dies first (or the commit fails), the entry is delivered again later — at least once, as
    /// always — so a delivery worker need not wait for an fsync between two messages. `close`
    /// waits for these commits.
    func markSentWithoutWaiting(_ entry: QueueEntryID, at: Date, response: String?)

    /// The attempt failed: counts it, keeps the entry at the head, due again at `retryAt`.
    /// Returns the number of attempts made so far (for the caller's backoff and dead-letter policy).
    @discardableResult
    func markFailed(_ entry: QueueEntryID, error: String, retryAt: Date) async throws -> Int

    /// Takes the entry out of its queue into the dead letters; the next entry becomes the head.
    func deadLetter(_ entry: QueueEntryID, reason: String) async throws

    /// Dead-lettered entries, oldest first (`destination` filters when given; `limit` 0 means all).
    func listDeadLetters(destination: String?, limit: Int) async throws -> [QueueEntry]

    /// Puts a dead-lettered entry back at the tail of its destination's queue, due now, attempts
    /// reset to 0.
    func release(_ entry: QueueEntryID) async throws

    /// One queue entry.
    func queueEntry(_ entry: QueueEntryID) async throws -> QueueEntry?

    // MARK: DICOM archive index

    /// Indexes a Part 10 file already written (and fsync'd) under the content folder, following
    /// `policy` when the SOP Instance UID is already indexed. With `deliveries`, a journal entry
    /// of kind `.dicom` and its queue entries are stored in the same transaction (its id is in the
    /// outcome). The file the index does not keep (the new one when ignored or rejected, the old
    /// one when replaced, if their paths differ) is removed from the content folder after commit.
    func indexInstance(_ instance: InstanceRecord, policy: DuplicateInstancePolicy, channel: String?, deliveries: [Delivery]) async throws -> IndexOutcome

    /// The instance with this SOP Instance UID, if indexed.
    func instance(sopInstanceUID: String) async throws -> InstanceRecord?

    /// Indexed instances matching every given attribute of `query`, ordered by study, series,
    /// instance number of receipt.
    func instances(matching query: InstanceQuery) async throws -> [InstanceRecord]

    // MARK: Retention

    /// Deletes journal entries (and indexed instances with their files) that the policy no longer
    /// keeps, oldest first, never one with a queue entry pending or in flight; then reclaims the
    /// freed database pages.
    func prune(_ policy: RetentionPolicy, now: Date) async throws -> PruneResult

    /// Counts and sizes, for status output and tests.
    func statistics() async throws -> StoreStatistics

    /// Waits for pending writes and closes the store; later calls throw `StoreError.closed`.
    func close() async throws
}

extension Store {
    public func receive(_ message: InboundMessage, deliveries: [Delivery] = []) async throws -> ReceiveOutcome {
        try await receive(message, deliveries: deliveries, events: [])
    }

    public func receive(_ message: InboundMessage, deliveries: [Delivery], events: [StateChange],
                        completion: @escaping @Sendable (Result<ReceiveOutcome, any Error>) -> Void) {
        Task {
            do { completion(.success(try await receive(message, deliveries: deliveries, events: events))) } catch { completion(.failure(error)) }
        }
    }

    public func listMessages(channel: String? = nil, status: MessageStatus? = nil, since: Date? = nil, limit: Int = 100) async throws -> [MessageSummary] {
        try await listMessages(channel: channel, status: status, since: since, limit: limit)
    }

    public func claimNext(destination: String) async throws -> ClaimedEntry? {
        try await claimNext(destination: destination, now: Date())
    }

    public func markSent(_ entry: QueueEntryID) async throws {
        try await markSent(entry, at: Date(), response: nil)
    }

    public func listDeadLetters(destination: String? = nil) async throws -> [QueueEntry] {
        try await listDeadLetters(destination: destination, limit: 0)
    }

    public func indexInstance(_ instance: InstanceRecord, policy: DuplicateInstancePolicy) async throws -> IndexOutcome {
        try await indexInstance(instance, policy: policy, channel: nil, deliveries: [])
    }

    public func prune(_ policy: RetentionPolicy) async throws -> PruneResult {
        try await prune(policy, now: Date())
    }
}
