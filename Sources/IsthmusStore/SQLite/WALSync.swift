// Pipelined durability for the SQLite writer (docs/store.md, "Durability"): commits are written to the WAL
// without an fsync of their own (`synchronous=NORMAL`), and their callers are resumed only once an fdatasync
// of the WAL file that STARTED AFTER their commit has returned. Several syncs may be in flight at once, so the
// writer never waits for the disk between commits and one slow device flush no longer caps the commit rate:
// on the disks measured here a lone flush takes ~5 ms while overlapping ones complete in well under 1 ms each
// (docs/benchmarks.md). The guarantee is the one `synchronous=FULL` gives (a commit acknowledged is on disk);
// a failed sync is sticky: every write after it fails until the store is reopened (after a failed fsync the
// kernel may have dropped the dirty pages, so a later success would prove nothing).

import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class WALSync: @unchecked Sendable {
    typealias Completion = @Sendable (Result<Void, any Error>) -> Void
    /// Flushes the file to stable storage: 0 on success, an errno otherwise. Replaceable in tests.
    typealias Flush = @Sendable (String) -> Int32

    /// The `-wal` file of the database.
    let path: String
    let maximumInFlight: Int
    private let flush: Flush
    private let queue = DispatchQueue(label: "IsthmusStore.WALSync", attributes: .concurrent)
    private let lock = NSLock()
    private var committed: UInt64 = 0
    /// The last commit number a started sync covers.
    private var covered: UInt64 = 0
    private var inFlight = 0
    private var waiting: [(commit: UInt64, completions: [Completion])] = []
    private var failure: StoreError?
    private(set) var syncs = 0
    /// Flushes that took less than this, on average, are made on the committing thread when no other is in flight
    /// (nil: never). A fast disk then costs no hand-off to a sync thread, and the requests that arrive while the
    /// writer flushes make the next transaction bigger — what `synchronous=FULL` does, without its cost on a slow
    /// disk: once flushes take longer, they overlap on the sync threads again.
    let inlineBelow: Duration?
    /// Moving average of the flushes' durations (nanoseconds).
    private var averageFlush: Double = 0
    private(set) var inlineSyncs = 0

    /// The WAL file kept open for the default flush (nil when a flush was given).
    private let file: WALFile?

    /// `flush`: nil for the real one, `fdatasync` of the WAL through a descriptor kept open until ``close()``.
    init(path: String, maximumInFlight: Int = 4, flush: Flush? = nil, inlineBelow: Duration? = nil) {
        self.path = path
        self.maximumInFlight = max(1, maximumInFlight)
        self.inlineBelow = inlineBelow
        if let flush {
            self.flush = flush
            file = nil
        } else {
            let file = WALFile()
            self.flush = { file.sync($0) }
            self.file = file
        }
    }

    /// Closes the WAL file's descriptor (the store is closing; call after ``drain()``).
    func close() { file?.close() }

    /// The error every write fails with after a failed sync.
    var sticky: StoreError? { lock.withLock { failure } }

    /// A transaction has committed (its pages are written to the WAL): run `completions` once it is durable.
    func committed(_ completions: [Completion]) {
        var fail: StoreError?
        var inline: UInt64?
        lock.withLock {
            if let failure {
                fail = failure
                return
            }
            committed += 1
            waiting.append((committed, completions))
            if let inlineBelow, inFlight == 0, averageFlush < inlineBelow.seconds * 1e9 {
                // Fast disk, nothing in flight: flush here, on the committing thread.
                covered = committed
                inFlight += 1
                inlineSyncs += 1
                inline = committed
            } else {
                startSyncs()
            }
        }
        if let fail { for c in completions { c(.failure(fail)) } }
        if let covers = inline { run(covers: covers) }
    }

    /// A transaction has committed that nobody waits to see durable (an entry marked sent: lost in a crash, it is
    /// only sent again): no flush of its own; the next flush covers it, and ``drain()`` flushes it at the latest.
    func committedLazily() {
        lock.withLock { if failure == nil { committed += 1 } }
    }

    /// One flush covering commits up to `covers`, on the calling thread.
    private func run(covers: UInt64) {
        let start = ContinuousClock.now
        let error = flush(path)
        finished(covers: covers, error: error, took: ContinuousClock.now - start)
    }

    /// Under the lock: starts a sync covering every commit so far, if one is needed and a slot is free.
    private func startSyncs() {
        // Only for commits someone waits for (lazy ones ride along with them).
        guard inFlight < maximumInFlight, let last = waiting.last?.commit, covered < last, failure == nil else { return }
        let covers = committed
        covered = covers
        inFlight += 1
        queue.async { [self] in run(covers: covers) }
    }

    private func finished(covers: UInt64, error: Int32, took: Duration) {
        var ready: [Completion] = []
        var failed: [Completion] = []
        var failure: StoreError?
        lock.withLock {
            inFlight -= 1
            syncs += 1
            let nanos = took.seconds * 1e9
            averageFlush = averageFlush == 0 ? nanos : averageFlush * 0.875 + nanos * 0.125
            if error != 0 {
                let e = StoreError(.io, "fdatasync of the write-ahead log failed: \(String(cString: strerror(error))) (errno \(error)); the store refuses writes until it is reopened")
                self.failure = e
                failure = e
                failed = waiting.flatMap(\.completions)
                waiting.removeAll()
                return
            }
            while let first = waiting.first, first.commit <= covers {
                ready += first.completions
                waiting.removeFirst()
            }
            startSyncs()
        }
        for c in ready { c(.success(())) }
        if let failure { for c in failed { c(.failure(failure)) } }
    }

    /// Whether commits are still waiting for their sync.
    var hasWaiting: Bool { lock.withLock { !waiting.isEmpty } }

    /// Returns once every commit made so far is durable (or failed), lazy ones included.
    func drain() async {
        while lock.withLock({ !waiting.isEmpty || inFlight > 0 }) { try? await Task.sleep(for: .milliseconds(1)) }
        let uncovered: UInt64? = lock.withLock {
            guard failure == nil, inFlight == 0, covered < committed else { return nil }
            covered = committed
            inFlight += 1
            return committed
        }
        if let covers = uncovered { run(covers: covers) }
    }

    /// fsyncs a directory (after the WAL file was created in it, so its entry is durable too).
    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        closeDescriptor(fd)
    }
}

/// The WAL file's descriptor for `WALSync`, opened at the first sync and kept (an open and a close per sync were
/// ~2.5 % of `serve`'s CPU). The WAL file is not replaced while the store's connections are open: SQLite deletes it
/// only when the last connection closes, and truncates it in place otherwise; a descriptor that no longer works
/// (EBADF) is reopened once.
final class WALFile: Sendable {
    private let fd = Mutex<Int32>(-1)

    func sync(_ path: String) -> Int32 {
        for attempt in 0 ..< 2 {
            let descriptor: Int32 = fd.withLock { fd in
                if fd < 0 { fd = open(path, O_RDWR | O_CLOEXEC) }
                return fd
            }
            guard descriptor >= 0 else {
                // No WAL file: nothing was written since it was last checkpointed and removed.
                return errno == ENOENT ? 0 : errno
            }
            #if canImport(Glibc)
            let failed = Glibc.fdatasync(descriptor) != 0
            #else
            let failed = fsync(descriptor) != 0
            #endif
            if !failed { return 0 }
            let error = errno
            guard error == EBADF, attempt == 0 else { return error }
            fd.withLock { if $0 == descriptor { $0 = -1 } }
        }
        return EBADF
    }

    func close() {
        fd.withLock { fd in
            if fd >= 0 { closeDescriptor(fd) }
            fd = -1
        }
    }
}

private func closeDescriptor(_ fd: Int32) {
    #if canImport(Glibc)
    _ = Glibc.close(fd)
    #else
    _ = Darwin.close(fd)
    #endif
}
