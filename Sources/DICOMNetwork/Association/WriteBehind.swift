// Write-behind for a received instance's file (PS3.4 §B.2.2: the SCP makes an instance durable before it
// answers; this only makes the final flush short): write-back of the pages written so far is started
// with `sync_file_range(SYNC_FILE_RANGE_WRITE)` (Linux), on a thread of its own rather than the event loop.

import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts write-back of a file's dirty pages off the event loop, while the loop keeps writing the file.
///
/// `sync_file_range(SYNC_FILE_RANGE_WRITE)` does not wait for the write-back it starts, but submitting the
/// I/O can wait for the device's request queue when it is busy (it does under a stream of large instances),
/// and the event loop must not. So the loop only records how far the file has been written (`request(upTo:)`);
/// one serial queue, shared by all files, issues the calls. The writes themselves stay on the loop, in order;
/// the hint is advisory (the final `fdatasync` writes whatever it has not started) and its failures are the
/// flush's to report.
///
/// At most one call per file is queued or running: a request made meanwhile extends the range the running
/// call picks up next, so a slow disk costs no memory. The calls use a duplicate of the file's descriptor,
/// closed when the last call has run, so the file may be finished, closed and renamed in the meantime.
final class WriteBehind: Sendable {
    private struct State {
        var requested = 0
        var started = 0
        var queued = false
    }

    private let fd: Int32
    private let state = Mutex(State())

    /// One thread for the write-back of every received file: the calls only queue I/O for one device.
    private static let queue = DispatchQueue(label: "isthmus.dicom.write-behind", qos: .utility)

    /// Nil where `sync_file_range` does not exist (not Linux), or when the descriptor cannot be duplicated.
    init?(fd: Int32) {
        #if os(Linux)
        guard Self.syncFileRange != nil else { return nil }
        let copy = fcntl(fd, F_DUPFD_CLOEXEC, 0)
        guard copy >= 0 else { return nil }
        self.fd = copy
        #else
        return nil
        #endif
    }

    deinit {
        _ = close(fd)
    }

    /// Asks for write-back of the file up to `offset` (bytes handed to the kernel). Does not wait.
    func request(upTo offset: Int) {
        let enqueue = state.withLock { s -> Bool in
            s.requested = max(s.requested, offset)
            guard !s.queued else { return false }
            s.queued = true
            return true
        }
        if enqueue { Self.queue.async { self.run() } }
    }

    /// Whether no call is queued or running (for tests).
    var isIdle: Bool { state.withLock { !$0.queued } }

    private func run() {
        while let range = state.withLock({ s -> Range<Int>? in
            guard s.requested > s.started else {
                s.queued = false
                return nil
            }
            defer { s.started = s.requested }
            return s.started..<s.requested
        }) {
            #if os(Linux)
            _ = Self.syncFileRange?(fd, Int64(range.lowerBound), Int64(range.count), Self.syncFileRangeWrite)
            #endif
        }
    }

    #if os(Linux)
    private typealias SyncFileRange = @convention(c) (Int32, Int64, Int64, UInt32) -> Int32
    /// glibc's `sync_file_range`, looked up once: the Glibc module does not import GNU extensions.
    private static let syncFileRange: SyncFileRange? = {
        guard let process = dlopen(nil, RTLD_NOW), let symbol = dlsym(process, "sync_file_range") else { return nil }
        return unsafeBitCast(symbol, to: SyncFileRange.self)
    }()
    /// SYNC_FILE_RANGE_WRITE (<bits/fcntl-linux.h>).
    private static let syncFileRangeWrite: UInt32 = 2
    #endif
}
