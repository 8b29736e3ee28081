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
///   (`sync_file_range(SYNC_FILE_RANGE_WRITE)`, Linux only, off the event loop: `WriteBehind`), so that the
///   flush in `finish(sync: true)` has little left to write for a large instance.
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
    /// Starts write-back off the event loop; made when the first step is due.
    private var writeBack: WriteBehind?
    /// Bytes handed to the kernel so far.
    private(set) var written = 0
    /// Up to where write-back has been asked for.
    private var writeBackRequested = 0

    /// How often write-back is started while a large instance arrives.
    static let writeBehindStep = 2 << 20

    /// Why the last write or flush failed, short enough for a C-STORE-RSP's Error Comment (LO: 64
    /// characters): the step and the system's reason, no path, nothing from the data set. Nil while all is well.
    private(set) var failure: String?

    /// Creates `path`, which must not exist.
    convenience init(path: String, bufferSize: Int = 1 << 15, writeBehind: Bool = false) throws(DICOMError) {
        switch Self.openExclusive(path) {
        case .success(let fd): self.init(path: path, fd: fd, bufferSize: bufferSize, writeBehind: writeBehind)
        case .failure(let failure): throw failure.error
        }
    }

    /// Creates `path`, which must not exist; on failure, why (for the log and for the Error Comment).
    static func create(path: String, bufferSize: Int = 1 << 15, writeBehind: Bool = false) -> Result<ReceivedInstanceFile, CreationFailure> {
        openExclusive(path).map { ReceivedInstanceFile(path: path, fd: $0, bufferSize: bufferSize, writeBehind: writeBehind) }
    }

    /// Why a file could not be created: `comment` for the SCU (no path), `error` for the log.
    struct CreationFailure: Error {
        let comment: String
        let error: DICOMError
    }

    private static func openExclusive(_ path: String) -> Result<Int32, CreationFailure> {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd < 0 else { return .success(fd) }
        let reason = String(cString: strerror(errno))
        return .failure(CreationFailure(comment: "cannot create the instance file: " + reason,
                                        error: DICOMError(.io, "cannot create \(path): \(reason)")))
    }

    private init(path: String, fd: Int32, bufferSize: Int, writeBehind: Bool) {
        self.path = path
        self.fd = fd
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
            let reason = String(cString: strerror(errno))
            failure = "cannot flush the instance to disk: " + reason
            throw DICOMError(.io, "fdatasync of \(path) failed: \(reason)")
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
                let reason = String(cString: strerror(errno))
                failure = "cannot write the instance: " + reason
                throw DICOMError(.io, "write to \(path) failed: \(reason) (\(written) bytes written)")
            }
            written += n
            let fromFirst = min(n, a)
            a -= fromFirst
            b -= n - fromFirst
        }
    }

    /// Asks for write-back of what has been written, every `writeBehindStep` bytes; the call is made off
    /// the event loop (measured on the loop: 0.2 ms a call, up to 18 ms, ~50 ms per 256 MiB; see WriteBehind).
    private func startWriteBackIfDue() {
        guard writeBehind, written - writeBackRequested >= Self.writeBehindStep else { return }
        if writeBack == nil { writeBack = WriteBehind(fd: fd) }  // nil where there is no sync_file_range
        writeBack?.request(upTo: written)
        writeBackRequested = written
    }

    /// Whether the write-back asked for so far has been started (true when none was asked for; for tests).
    var writeBackIsIdle: Bool { writeBack?.isIdle ?? true }
    /// Whether write-back was asked for at all (for tests).
    var writeBackRequestedBytes: Int { writeBackRequested }
}

/// A received file handed from the event loop to the task that finishes it; the loop no longer touches it.
struct OwnedReceivedFile: @unchecked Sendable {
    let file: ReceivedInstanceFile
}
