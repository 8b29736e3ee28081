// PS3.5 §A.5 Deflated Explicit VR Little Endian: the data set after the file meta
// information is a raw deflate stream (RFC 1951, no zlib header).

import CZlib

enum Deflate {
    /// Inflates a raw deflate stream; more than `limit` bytes of output is an error.
    static func inflate(_ input: UnsafeRawBufferPointer, limit: Int, offset: Int) throws(DICOMError) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DICOMError(.io, "zlib inflateInit failed")
        }
        defer { inflateEnd(&stream) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
        stream.avail_in = UInt32(input.count)
        while true {
            let status: Int32 = chunk.withUnsafeMutableBufferPointer { c in
                stream.next_out = c.baseAddress
                stream.avail_out = UInt32(c.count)
                return CZlib.inflate(&stream, Z_NO_FLUSH)
            }
            let produced = chunk.count - Int(stream.avail_out)
            out.append(contentsOf: chunk[0..<produced])
            if out.count > limit {
                throw DICOMError(.invalidLength, "deflated data set inflates beyond the limit of \(limit) bytes", offset: offset)
            }
            if status == Z_STREAM_END { break }
            if status == Z_BUF_ERROR && stream.avail_in == 0 {
                throw DICOMError(.truncated, "deflated data set ends before the end of its stream", offset: offset + input.count)
            }
            guard status == Z_OK else {
                let consumed = input.count - Int(stream.avail_in)
                throw DICOMError(.malformed, "invalid deflate stream (zlib status \(status))", offset: offset + consumed)
            }
        }
        return out
    }

    /// Compresses to a raw deflate stream.
    static func deflate(_ input: [UInt8], level: Int32 = Z_DEFAULT_COMPRESSION) throws(DICOMError) -> [UInt8] {
        var stream = z_stream()
        guard deflateInit2_(&stream, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DICOMError(.io, "zlib deflateInit failed")
        }
        defer { deflateEnd(&stream) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var status: Int32 = Z_OK
        input.withUnsafeBytes { inBuf in
            stream.next_in = UnsafeMutablePointer(mutating: inBuf.baseAddress?.assumingMemoryBound(to: UInt8.self))
            stream.avail_in = UInt32(inBuf.count)
            repeat {
                status = chunk.withUnsafeMutableBufferPointer { c in
                    stream.next_out = c.baseAddress
                    stream.avail_out = UInt32(c.count)
                    return CZlib.deflate(&stream, Z_FINISH)
                }
                out.append(contentsOf: chunk[0..<(chunk.count - Int(stream.avail_out))])
            } while status == Z_OK || status == Z_BUF_ERROR && stream.avail_out == 0
        }
        guard status == Z_STREAM_END else { throw DICOMError(.io, "zlib deflate failed (status \(status))") }
        return out
    }
}
