// PS3.10 §7 (the Part 10 file) of an instance received by C-STORE (PS3.4 §B.2.2), written while its
// PDVs (PS3.8 §9.3.5) arrive: the cheapest path from the receive buffer to the disk that stays
// streaming (memory bounded by one buffer, whatever the instance's size) and, when asked, durable.

import DICOM
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The temporary file a received data set is streamed into, behind its Part 10 header.
///
/// - Created once, `O_CREAT | O_EXCL` (never truncating anyone's file; a name taken already is an error).
/// - Fragments smaller than the buffer are gathered; when one does not fit, the buffer and the fragment go
///   to the kernel in one `writev`, the fragment straight from the receive buffer (no copy). A small
///   instance (header and data set under the buffer's size, or one fragment beyond it) costs one write.
/// - With `writeBehind`, write-back of what has been written is started every `writeBehindStep` bytes
///   (`sync_file_range(SYNC_FILE_RANGE_WRITE)`, Linux only; does not wait), so that the flush in
///   `finish(sync: true)` has little left to write for a large instance.
/// - `finish(sync:)` writes what is buffered, optionally `fdatasync`s (the data and the size, which is
///   what a new file needs to be read back; its timestamps are not), and closes.
///
/// Not thread-safe: used from the association's event loop, or handed whole to one task.
final class ReceivedInstanceFile: ByteSink {
    let path: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private let capacity: Int
    private let writeBehind: Bool
    /// Bytes handed to the kernel so far.
    private(set) var written = 0
    /// Up to where write-back has been started.
    private var writeBackStarted = 0

    /// How often write-back is started while a large instance arrives.
    static let writeBehindStep = 2 << 20

    /// Creates `path`, which must not exist.
    init(path: String, bufferSize: Int = 1 << 15, writeBehind: Bool = false) throws(DICOMError) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DICOMError(.io, "cannot create \(path): \(String(cString: strerror(errno)))") }
        capacity = bufferSize
        buffer.reserveCapacity(bufferSize)
        self.writeBehind = writeBehind
    }

    deinit {
        if fd >= 0 { _ = close(fd) }
    }

    var isOpen: Bool { fd >= 0 }

    func write(_ bytes: UnsafeRawBufferPointer) throws(DICOMError) {
        guard fd >= 0 else { throw DICOMError(.io, "write to \(path) after it was closed") }
        if buffer.count + bytes.count <= capacity {
            buffer.append(contentsOf: bytes)
            return
        }
        try writeBuffer(followedBy: bytes)
        startWriteBackIfDue()
    }

    /// Writes what is buffered, `fdatasync`s when `sync`, and closes. The file is closed even when this throws.
    func finish(sync: Bool) throws(DICOMError) {
        guard fd >= 0 else { return }
        defer {
            _ = close(fd)
            fd = -1
        }
        if !buffer.isEmpty { try writeBuffer(followedBy: UnsafeRawBufferPointer(start: nil, count: 0)) }
        if sync, fdatasync(fd) != 0 {
            throw DICOMError(.io, "fdatasync of \(path) failed: \(String(cString: strerror(errno)))")
        }
    }

    /// Closes without writing what is buffered (the instance is abandoned; the caller removes the file).
    func abandon() {
        guard fd >= 0 else { return }
        _ = close(fd)
        fd = -1
    }

    /// What is buffered, then `bytes`; the buffer is emptied.
    private func writeBuffer(followedBy bytes: UnsafeRawBufferPointer) throws(DICOMError) {
        var failure: DICOMError?
        buffer.withUnsafeBytes { held in
            do throws(DICOMError) { try writeAll(held, bytes) } catch { failure = error }
        }
        buffer.removeAll(keepingCapacity: true)
        if let failure { throw failure }
    }

    /// `first` then `second`, in as few `writev` calls as the kernel allows.
    private func writeAll(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer) throws(DICOMError) {
        var a = first.count
        var b = second.count
        while a + b > 0 {
            var parts = (iovec(iov_base: UnsafeMutableRawPointer(mutating: first.baseAddress?.advanced(by: first.count - a)), iov_len: a),
                         iovec(iov_base: UnsafeMutableRawPointer(mutating: second.baseAddress?.advanced(by: second.count - b)), iov_len: b))
            let n = withUnsafeMutableBytes(of: &parts) { raw -> Int in
                let iov = raw.bindMemory(to: iovec.self)
                return a == 0 ? writev(fd, iov.baseAddress! + 1, 1) : writev(fd, iov.baseAddress!, b == 0 ? 1 : 2)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw DICOMError(.io, "write to \(path) failed: \(String(cString: strerror(errno)))")
            }
            written += n
            let fromFirst = min(n, a)
            a -= fromFirst
            b -= n - fromFirst
        }
    }

    private func startWriteBackIfDue() {
        #if os(Linux)
        guard writeBehind, written - writeBackStarted >= Self.writeBehindStep, let syncFileRange = Self.syncFileRange else { return }
        // Starts write-out of the dirty pages of the range and returns; failures are the final fdatasync's to report.
        _ = syncFileRange(fd, Int64(writeBackStarted), Int64(written - writeBackStarted), Self.syncFileRangeWrite)
        writeBackStarted = written
        #endif
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

/// A received file handed from the event loop to the task that finishes it; the loop no longer touches it.
struct OwnedReceivedFile: @unchecked Sendable {
    let file: ReceivedInstanceFile
}
