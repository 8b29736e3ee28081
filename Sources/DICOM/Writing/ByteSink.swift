#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the writer puts bytes: memory, a file, or anything that streams.
public protocol ByteSink {
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws(DICOMError)
}

extension Array: ByteSink where Element == UInt8 {
    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws(DICOMError) {
        append(contentsOf: bytes)
    }
}

extension ByteSink {
    @inline(__always)
    mutating func write(bytes: [UInt8]) throws(DICOMError) {
        var failure: DICOMError?
        bytes.withUnsafeBytes { buf in
            do throws(DICOMError) { try write(buf) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    @inline(__always)
    mutating func writeU16(_ v: UInt16, bigEndian: Bool) throws(DICOMError) {
        var x = bigEndian ? v.bigEndian : v.littleEndian
        try withUnsafeBytes(of: &x) { (b) throws(DICOMError) in try write(b) }
    }

    @inline(__always)
    mutating func writeU32(_ v: UInt32, bigEndian: Bool) throws(DICOMError) {
        var x = bigEndian ? v.bigEndian : v.littleEndian
        try withUnsafeBytes(of: &x) { (b) throws(DICOMError) in try write(b) }
    }
}

/// A buffered file writer. `close(sync: true)` flushes and fsyncs before closing, for callers
/// that acknowledge only what is durably stored.
public final class FileSink: ByteSink {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private let capacity: Int
    public let path: String
    private var closed = false

    /// Creates (or truncates) the file at `path`.
    public init(path: String, bufferSize: Int = 1 << 20) throws(DICOMError) {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw DICOMError(.io, "cannot create \(path): \(String(cString: strerror(errno)))") }
        capacity = bufferSize
        buffer.reserveCapacity(bufferSize)
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(DICOMError) {
        if buffer.count + bytes.count > capacity {
            try flush()
            if bytes.count >= capacity {
                try writeAll(bytes)
                return
            }
        }
        buffer.append(contentsOf: bytes)
    }

    public func flush() throws(DICOMError) {
        guard !buffer.isEmpty else { return }
        var failure: DICOMError?
        buffer.withUnsafeBytes { b in
            do throws(DICOMError) { try writeAll(b) } catch { failure = error }
        }
        buffer.removeAll(keepingCapacity: true)
        if let failure { throw failure }
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws(DICOMError) {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress!.advanced(by: done), bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw DICOMError(.io, "write to \(path) failed: \(String(cString: strerror(errno)))")
            }
            done += n
        }
    }

    /// Flushes, optionally fsyncs, and closes the file.
    public func close(sync: Bool = false) throws(DICOMError) {
        guard !closed else { return }
        closed = true
        defer { _ = Glibc.close(fd) }
        try flush()
        if sync, fsync(fd) != 0 {
            throw DICOMError(.io, "fsync of \(path) failed: \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        if !closed { _ = Glibc.close(fd) }
    }
}
