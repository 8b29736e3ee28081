// PS3.7 §9.1.2 C-FIND (one pending C-FIND-RSP per match, §9.3.2.2) and §9.3.2.3 C-CANCEL, acceptor
// side: the matches a query task produces, handed to the association's event loop in batches.

import Synchronization

/// Encoded C-FIND identifiers on their way from the query task to the event loop, in order.
///
/// The task `append`s each match; only the append that finds no write scheduled asks for one, so
/// the loop is woken once for all the responses that are waiting when it runs, and writes them with
/// one flush. While `limit` responses wait, the task waits (`waitForRoom`). After `discard` (a
/// C-CANCEL-RQ, the association ending) nothing more is written.
final class FindResponseQueue: Sendable {
    private struct State {
        var waiting: [[UInt8]] = []
        var writeScheduled = false
        var discarded = false
        var written = 0
        var room: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())
    /// Responses that may wait for the loop before the task waits.
    let limit: Int

    init(limit: Int = 64) {
        self.limit = max(1, limit)
    }

    /// Queues a response; true when the caller must schedule `take()` on the loop (none is scheduled).
    func append(_ identifier: [UInt8]) -> Bool {
        state.withLock { s in
            guard !s.discarded else { return false }
            s.waiting.append(identifier)
            guard !s.writeScheduled else { return false }
            s.writeScheduled = true
            return true
        }
    }

    /// On the event loop: every response waiting, oldest first; the next append schedules again.
    func take() -> [[UInt8]] {
        let (taken, room) = state.withLock { s in
            let taken = s.waiting
            s.waiting = []
            s.writeScheduled = false
            s.written += taken.count
            let room = s.room
            s.room = nil
            return (taken, room)
        }
        room?.resume()
        return taken
    }

    /// `limit` responses wait for the loop: the task should `waitForRoom`.
    var isFull: Bool { state.withLock { s in s.waiting.count >= limit && !s.discarded } }

    /// Returns once fewer than `limit` responses wait (at once if so, or if discarded).
    func waitForRoom() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s in
                guard s.waiting.count >= limit, !s.discarded else { return true }
                s.room = c
                return false
            }
            if now { c.resume() }
        }
    }

    /// Drops the responses not yet taken, and every later one; a waiting task goes on.
    func discard() {
        let room = state.withLock { s in
            s.discarded = true
            s.waiting = []
            let room = s.room
            s.room = nil
            return room
        }
        room?.resume()
    }

    /// Responses handed to the loop so far.
    var written: Int { state.withLock { $0.written } }
}
