// PS3.8 §9.3 DICOM Upper Layer Protocol for TCP/IP: the seven PDU types (§9.3.1 general
// structure: PDU-type 1 byte, reserved 1 byte, PDU-length 4 bytes big endian, then the
// variable field).

import NIOCore

/// One upper-layer protocol data unit.
public enum PDU: Sendable, Equatable {
    /// §9.3.2 A-ASSOCIATE-RQ (type 01H).
    case associateRQ(AAssociateRQ)
    /// §9.3.3 A-ASSOCIATE-AC (type 02H).
    case associateAC(AAssociateAC)
    /// §9.3.4 A-ASSOCIATE-RJ (type 03H).
    case associateRJ(AAssociateRJ)
    /// §9.3.5 P-DATA-TF (type 04H).
    case dataTF(PDataTF)
    /// §9.3.6 A-RELEASE-RQ (type 05H).
    case releaseRQ
    /// §9.3.7 A-RELEASE-RP (type 06H).
    case releaseRP
    /// §9.3.8 A-ABORT (type 07H).
    case abort(AAbort)

    /// PDU-type values of §9.3.
    public enum PDUType: UInt8, Sendable {
        case associateRQ = 0x01, associateAC = 0x02, associateRJ = 0x03, dataTF = 0x04
        case releaseRQ = 0x05, releaseRP = 0x06, abort = 0x07
    }

    public var type: PDUType {
        switch self {
        case .associateRQ: .associateRQ
        case .associateAC: .associateAC
        case .associateRJ: .associateRJ
        case .dataTF: .dataTF
        case .releaseRQ: .releaseRQ
        case .releaseRP: .releaseRP
        case .abort: .abort
        }
    }

    /// The size of the PDU header (type, reserved, length).
    public static let headerLength = 6

    /// Appends the whole PDU (header included) to `buffer`.
    public func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(type.rawValue)
        buffer.writeInteger(UInt8(0))
        let lengthIndex = buffer.writerIndex
        buffer.writeInteger(UInt32(0))
        let start = buffer.writerIndex
        switch self {
        case .associateRQ(let rq): rq.writeBody(to: &buffer)
        case .associateAC(let ac): ac.writeBody(to: &buffer)
        case .associateRJ(let rj): rj.writeBody(to: &buffer)
        case .dataTF(let tf): tf.writeBody(to: &buffer)
        case .releaseRQ, .releaseRP: buffer.writeInteger(UInt32(0))
        case .abort(let a): a.writeBody(to: &buffer)
        }
        buffer.setInteger(UInt32(buffer.writerIndex - start), at: lengthIndex)
    }

    /// The encoded bytes of the PDU.
    public var bytes: [UInt8] {
        var b = ByteBufferAllocator().buffer(capacity: 64)
        write(to: &b)
        return Array(b.readableBytesView)
    }

    /// Reads one PDU whose type is `typeByte` from `body`, its whole variable field.
    public static func read(type typeByte: UInt8, body: ByteBuffer) throws(DICOMNetworkError) -> PDU {
        guard let type = PDUType(rawValue: typeByte) else {
            throw DICOMNetworkError(.unknownPDUType, "unknown PDU type 0x\(String(typeByte, radix: 16, uppercase: true))")
        }
        var body = body
        switch type {
        case .associateRQ: return .associateRQ(AAssociateRQ(try AAssociateFields.read(&body, isRequest: true)))
        case .associateAC: return .associateAC(AAssociateAC(try AAssociateFields.read(&body, isRequest: false)))
        case .associateRJ: return .associateRJ(try AAssociateRJ.read(&body))
        case .dataTF: return .dataTF(try PDataTF.read(&body))
        case .releaseRQ, .releaseRP:
            // Four reserved bytes, not tested on receipt (§9.3.6, §9.3.7).
            guard body.readableBytes == 4 else {
                throw DICOMNetworkError(.malformedPDU, "A-RELEASE PDU length \(body.readableBytes), expected 4")
            }
            return type == .releaseRQ ? .releaseRQ : .releaseRP
        case .abort: return .abort(try AAbort.read(&body))
        }
    }

    /// Reads one whole PDU (header included) from `bytes`; trailing bytes are an error.
    public static func read(bytes: [UInt8]) throws(DICOMNetworkError) -> PDU {
        var b = ByteBufferAllocator().buffer(bytes: bytes)
        guard let t: UInt8 = b.readInteger(), let _: UInt8 = b.readInteger(), let len: UInt32 = b.readInteger() else {
            throw DICOMNetworkError(.malformedPDU, "PDU header cut short")
        }
        guard b.readableBytes == Int(len) else {
            throw DICOMNetworkError(.malformedPDU, "PDU length \(len) but \(b.readableBytes) bytes follow")
        }
        return try read(type: t, body: b)
    }
}

extension ByteBuffer {
    /// Reads `count` bytes as an ASCII string with trailing spaces and NULs trimmed (UIDs, AE titles).
    mutating func readPaddedASCII(_ count: Int) -> String? {
        guard let bytes = readBytes(length: count) else { return nil }
        return bytes.asciiTrimmed
    }

    /// Reads a 16-byte AE title: padding trimmed, bytes outside printable ASCII read as "?" (as
    /// `writeAETitle` writes them, so what is read writes back the same).
    mutating func readAETitle() -> String? {
        guard let bytes = readBytes(length: 16) else { return nil }
        var s = bytes[...]
        while let l = s.last, l == 0x20 || l == 0 { s.removeLast() }
        while let f = s.first, f == 0x20 { s.removeFirst() }
        return String(decoding: s.map { (0x20...0x7E).contains($0) ? $0 : 0x3F }, as: UTF8.self)
    }

    /// Writes an AE title as 16 bytes padded with spaces (PS3.8 §9.3.2: leading and trailing
    /// spaces are not significant). Characters outside printable ASCII (the default repertoire)
    /// are written as "?", one byte each, so a title read with such bytes is never cut inside a
    /// character and writes back the same (found by Fuzz/PDUFuzz).
    mutating func writeAETitle(_ title: String) {
        var bytes = Array(title.unicodeScalars.prefix(16).map { (0x20...0x7E).contains($0.value) ? UInt8($0.value) : 0x3F })
        while bytes.count < 16 { bytes.append(0x20) }
        writeBytes(bytes)
    }
}

extension Array where Element == UInt8 {
    var asciiTrimmed: String {
        var s = self[...]
        while let l = s.last, l == 0x20 || l == 0 { s.removeLast() }
        while let f = s.first, f == 0x20 { s.removeFirst() }
        return String(decoding: s, as: UTF8.self)
    }
}
