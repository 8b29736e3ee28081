// Bulk data kept in its file (PS3.18 §8.4 BulkDataURI is the web form of the same idea):
// large values are referenced by file, offset and length and read only when asked for.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value left in a file: read on demand, streamed by the writer, never loaded by the reader.
public struct BulkData: Sendable, Hashable {
    /// The file holding the value.
    public let path: String
    /// Byte offset of the value in the file.
    public let offset: Int
    /// Length of the value in bytes.
    public let length: Int
    /// If the file is big endian, the word size to swap when loading (2, 4 or 8); 0 for none.
    public let swapWidth: Int

    public init(path: String, offset: Int, length: Int, swapWidth: Int = 0) {
        self.path = path
        self.offset = offset
        self.length = length
        self.swapWidth = swapWidth
    }

    /// Reads the whole value (byte order normalized to little endian).
    public func read() throws(DICOMError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        var failure: DICOMError?
        out.withUnsafeMutableBytes { buf in
            do throws(DICOMError) { try readChunks(chunkSize: max(length, 1)) { (chunk, at) throws(DICOMError) in
                buf.baseAddress!.advanced(by: at).copyMemory(from: chunk.baseAddress!, byteCount: chunk.count)
            } } catch { failure = error }
        }
        if let failure { throw failure }
        return out
    }

    /// Streams the value in chunks of at most `chunkSize` bytes, with the offset of each chunk
    /// within the value. Memory use is bounded by `chunkSize`.
    public func readChunks(chunkSize: Int = 1 << 20, _ body: (UnsafeRawBufferPointer, Int) throws(DICOMError) -> Void) throws(DICOMError) {
        guard length > 0 else { return }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw DICOMError(.io, "cannot open \(path) for bulk data: errno \(errno)") }
        defer { close(fd) }
        var size = min(chunkSize, length)
        if swapWidth > 1 { size -= size % swapWidth; size = max(size, swapWidth) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 8)
        defer { buffer.deallocate() }
        var done = 0
        while done < length {
            let want = min(size, length - done)
            var got = 0
            while got < want {
                let n = pread(fd, buffer.baseAddress!.advanced(by: got), want - got, off_t(offset + done + got))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw DICOMError(.io, "read error in \(path): errno \(errno)", offset: offset + done + got)
                }
                if n == 0 { throw DICOMError(.truncated, "bulk data ends early in \(path)", offset: offset + done + got) }
                got += n
            }
            let chunk = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want])
            if swapWidth > 1 { ByteOrder.swap(chunk, width: swapWidth) }
            try body(UnsafeRawBufferPointer(chunk), done)
            done += want
        }
    }
}

enum ByteOrder {
    /// Reverses each `width`-byte word in place.
    static func swap(_ buf: UnsafeMutableRawBufferPointer, width: Int) {
        guard width > 1 else { return }
        var i = 0
        let n = buf.count - buf.count % width
        while i < n {
            var a = i, b = i + width - 1
            while a < b { let t = buf[a]; buf[a] = buf[b]; buf[b] = t; a += 1; b -= 1 }
            i += width
        }
    }

    static func swapped(_ bytes: [UInt8], width: Int) -> [UInt8] {
        guard width > 1 else { return bytes }
        var out = bytes
        out.withUnsafeMutableBytes { swap($0, width: width) }
        return out
    }
}

/// A read-only memory mapping of a whole file; pages are read by the kernel only when touched,
/// so reading the header of a 2 GB file costs a few pages, not 2 GB.
final class MappedFile: @unchecked Sendable {
    let path: String
    let base: UnsafeRawPointer?
    let count: Int

    init(path: String) throws(DICOMError) {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw DICOMError(.io, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw DICOMError(.io, "cannot stat \(path): errno \(errno)") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw DICOMError(.io, "\(path) is not a regular file") }
        count = Int(st.st_size)
        if count == 0 {
            base = nil
            return
        }
        let p = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else { throw DICOMError(.io, "cannot map \(path): errno \(errno)") }
        base = UnsafeRawPointer(p)
    }

    var buffer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }
}
