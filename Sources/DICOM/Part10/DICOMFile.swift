// PS3.10 §7.1 DICOM File Meta Information; §7.3 (preamble, "DICM" prefix).

/// A DICOM Part 10 file: preamble, file meta information and data set.
public struct DICOMFile: Sendable {
    /// The 128-byte preamble as read (nil when the file had none; written as zeros).
    public var preamble: [UInt8]?
    /// File meta information, group 0002 (always explicit VR little endian).
    public var fileMetaInformation: DataSet
    /// The data set.
    public var dataSet: DataSet
    /// The transfer syntax the data set was read in (and will be written in).
    public var transferSyntax: TransferSyntax
    /// What the reader tolerated.
    public var warnings: [DICOMWarning] = []
    /// With `ReadOptions.returnPartialOnError`: the error that stopped reading; `dataSet` holds
    /// what came before it.
    public var readError: DICOMError?

    /// The Implementation Class UID written into files Isthmus creates.
    public static let implementationClassUID = "1.2.826.0.1.3680043.10.1472.1"
    public static let implementationVersionName = "ISTHMUS_010"

    /// A new file for `dataSet`, with file meta information built from its SOP Class and Instance UIDs.
    public init(dataSet: DataSet, transferSyntax: TransferSyntax = .explicitVRLittleEndian) {
        self.dataSet = dataSet
        self.transferSyntax = transferSyntax
        self.preamble = nil
        var meta = DataSet()
        meta.set(DataElement(tag: .fileMetaInformationVersion, vr: .OB, bytes: [0x00, 0x01]))
        if case .bytes(let b)? = dataSet[.sopClassUID]?.value {
            meta.set(DataElement(tag: .mediaStorageSOPClassUID, vr: .UI, bytes: b))
        }
        if case .bytes(let b)? = dataSet[.sopInstanceUID]?.value {
            meta.set(DataElement(tag: .mediaStorageSOPInstanceUID, vr: .UI, bytes: b))
        }
        meta.set(DataElement(tag: .implementationClassUID, vr: .UI, bytes: DICOMFile.uidBytes(DICOMFile.implementationClassUID)))
        meta.set(DataElement(tag: .implementationVersionName, vr: .SH, bytes: DICOMFile.textBytes(DICOMFile.implementationVersionName)))
        self.fileMetaInformation = meta
    }

    init(preamble: [UInt8]?, fileMetaInformation: DataSet, dataSet: DataSet, transferSyntax: TransferSyntax) {
        self.preamble = preamble
        self.fileMetaInformation = fileMetaInformation
        self.dataSet = dataSet
        self.transferSyntax = transferSyntax
    }

    static func uidBytes(_ s: String) -> [UInt8] {
        var b = Array(s.utf8)
        if b.count & 1 == 1 { b.append(0) }
        return b
    }

    static func textBytes(_ s: String) -> [UInt8] {
        var b = Array(s.utf8)
        if b.count & 1 == 1 { b.append(0x20) }
        return b
    }

    // MARK: Reading

    /// Reads a file. Large values stay in the file as `BulkData` (see `ReadOptions`); the file
    /// is memory-mapped, so a header read touches only the pages it needs.
    public static func read(contentsOf path: String, options: ReadOptions = .default) throws(DICOMError) -> DICOMFile {
        let mapped = try MappedFile(path: path)
        return try read(buffer: mapped.buffer, bulkPath: path, options: options)
    }

    /// Reads a file already in memory.
    public static func read(bytes: [UInt8], options: ReadOptions = .default) throws(DICOMError) -> DICOMFile {
        var result: Result<DICOMFile, DICOMError>!
        bytes.withUnsafeBytes { buf in
            do throws(DICOMError) { result = .success(try read(buffer: buf, bulkPath: nil, options: options)) } catch { result = .failure(error) }
        }
        return try result.get()
    }

    static let dicmPrefix: [UInt8] = [0x44, 0x49, 0x43, 0x4D]

    static func read(buffer buf: UnsafeRawBufferPointer, bulkPath: String?, options: ReadOptions) throws(DICOMError) -> DICOMFile {
        var warnings: [DICOMWarning] = []
        var preamble: [UInt8]?
        var metaStart: Int?
        if buf.count >= 132 && Array(buf[128..<132]) == dicmPrefix {
            preamble = Array(buf[0..<128])
            metaStart = 132
        } else if buf.count >= 4 && Array(buf[0..<4]) == dicmPrefix {
            warnings.append(DICOMWarning("no 128-byte preamble before \"DICM\"", offset: 0))
            metaStart = 4
        }

        var meta = DataSet()
        var pos = 0
        var ts: TransferSyntax
        if let metaStart {
            var parser = DataSetParser(buffer: buf, baseOffset: 0, bulkPath: nil, options: options, encapsulated: false)
            let metaEncoding = sniffMetaEncoding(buf, at: metaStart)
            if !metaEncoding.explicit {
                warnings.append(DICOMWarning("file meta information is not explicit VR little endian", offset: metaStart))
            }
            // The group length, when it is there and fits, says where the meta information ends:
            // a big endian data set can start with bytes that read as group 0002 in little endian.
            var metaEnd = buf.count
            if metaEncoding.explicit, let declared = declaredGroupLength(buf, at: metaStart), metaStart + 12 + declared <= buf.count {
                metaEnd = metaStart + 12 + declared
            }
            pos = try parser.parse(into: &meta, from: metaStart, end: metaEnd, encoding: metaEncoding, depth: 0, stop: .afterGroup2)
            warnings += parser.finishedWarnings()
            if case .bytes(let b)? = meta[.fileMetaInformationGroupLength]?.value, b.count == 4 {
                let declared = Int(UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24)
                let groupStart = metaStart + 12
                if groupStart + declared != pos {
                    warnings.append(DICOMWarning("File Meta Information Group Length says \(declared) bytes; the group has \(pos - groupStart)", offset: metaStart, tag: .fileMetaInformationGroupLength))
                }
            } else {
                warnings.append(DICOMWarning("no File Meta Information Group Length (0002,0000)", offset: metaStart))
            }
            if case .bytes(let b)? = meta[.transferSyntaxUID]?.value {
                ts = TransferSyntax(uid: String(decoding: b, as: UTF8.self))
            } else {
                ts = sniffDataSetSyntax(buf, at: pos)
                warnings.append(DICOMWarning("no Transfer Syntax UID (0002,0010); data set read as \(ts)", offset: pos))
            }
        } else {
            guard buf.count >= 8 else {
                throw DICOMError(.notDICOM, "not a DICOM file: \(buf.count) bytes, no \"DICM\" prefix", offset: 0)
            }
            ts = sniffDataSetSyntax(buf, at: 0)
            guard looksLikeDataSet(buf, ts: ts) else {
                throw DICOMError(.notDICOM, "not a DICOM file: no \"DICM\" prefix and no recognisable data set", offset: 0)
            }
            warnings.append(DICOMWarning("no preamble or file meta information; data set read as \(ts)", offset: 0))
        }

        var dataSet = DataSet()
        var readError: DICOMError?
        let stop: DataSetParser.Stop = options.stopBeforePixelData ? .atPixelData : .never
        var encoding = DataSetParser.Encoding(explicit: ts.isExplicitVR, bigEndian: ts.isBigEndian)
        if ts.isExplicitVR && !ts.isDeflated && buf.count - pos >= 8 && !DICOMFile.looksLikeVR(buf[pos + 4], buf[pos + 5])
            && !sniffDataSetSyntax(buf, at: pos).isExplicitVR {
            // Declared explicit, written implicit: a common encoder bug. Read what is there.
            warnings.append(DICOMWarning("transfer syntax \(ts.uid) is explicit VR but the data set is implicit VR; read as implicit VR", offset: pos))
            encoding = .implicitLittle
        }
        do throws(DICOMError) {
            if ts.isDeflated {
                let inflated = try Deflate.inflate(UnsafeRawBufferPointer(rebasing: buf[pos...]), limit: options.maximumInflatedSize, offset: pos)
                var inflateError: DICOMError?
                inflated.withUnsafeBytes { ib in
                    var parser = DataSetParser(buffer: ib, baseOffset: 0, bulkPath: nil, options: options, encapsulated: false)
                    do throws(DICOMError) {
                        _ = try parser.parse(into: &dataSet, from: 0, end: ib.count, encoding: encoding, depth: 0, stop: stop)
                    } catch {
                        var e = error
                        e.reason += " (offset in the inflated data set)"
                        inflateError = e
                    }
                    warnings += parser.finishedWarnings()
                }
                if let inflateError { throw inflateError }
            } else {
                var parser = DataSetParser(buffer: buf, baseOffset: 0, bulkPath: bulkPath, options: options, encapsulated: ts.isEncapsulated)
                defer { warnings += parser.finishedWarnings() }
                _ = try parser.parse(into: &dataSet, from: pos, end: buf.count, encoding: encoding, depth: 0, stop: stop)
            }
        } catch {
            guard options.returnPartialOnError else { throw error }
            readError = error
        }
        // File meta elements (group 0002) belong before the data set, never in it (PS3.10 §7.1).
        let strayMeta = dataSet.group(0x0002)
        if !strayMeta.isEmpty {
            warnings.append(DICOMWarning("\(strayMeta.count) file meta information element(s) inside the data set moved to the meta information",
                                         tag: strayMeta.first?.tag))
            for e in strayMeta where meta[e.tag] == nil { meta.set(e) }
            dataSet.removeAll { $0.tag.group == 0x0002 }
        }
        var file = DICOMFile(preamble: preamble, fileMetaInformation: meta, dataSet: dataSet, transferSyntax: ts)
        file.warnings = warnings
        file.readError = readError
        return file
    }

    /// The value of a (0002,0000) UL element at `pos` in explicit VR little endian, if that is what is there.
    static func declaredGroupLength(_ buf: UnsafeRawBufferPointer, at pos: Int) -> Int? {
        guard buf.count - pos >= 12, buf[pos] == 0x02, buf[pos + 1] == 0, buf[pos + 2] == 0, buf[pos + 3] == 0,
              buf[pos + 4] == UInt8(ascii: "U"), buf[pos + 5] == UInt8(ascii: "L"), buf[pos + 6] == 4, buf[pos + 7] == 0 else { return nil }
        return Int(UInt32(buf[pos + 8]) | UInt32(buf[pos + 9]) << 8 | UInt32(buf[pos + 10]) << 16 | UInt32(buf[pos + 11]) << 24)
    }

    /// Two upper-case letters: a VR, known or not (an unknown one is read as UN).
    static func looksLikeVR(_ a: UInt8, _ b: UInt8) -> Bool {
        (0x41...0x5A).contains(a) && (0x41...0x5A).contains(b)
    }

    static func sniffMetaEncoding(_ buf: UnsafeRawBufferPointer, at pos: Int) -> DataSetParser.Encoding {
        guard buf.count - pos >= 6 else { return .explicitLittle }
        return VR(byte0: buf[pos + 4], byte1: buf[pos + 5]) != nil ? .explicitLittle : .implicitLittle
    }

    /// Guesses the transfer syntax of a data set from its first element header.
    static func sniffDataSetSyntax(_ buf: UnsafeRawBufferPointer, at pos: Int) -> TransferSyntax {
        guard buf.count - pos >= 8 else { return .explicitVRLittleEndian }
        let explicitVR = VR(byte0: buf[pos + 4], byte1: buf[pos + 5]) != nil
        let groupLE = UInt16(buf[pos]) | UInt16(buf[pos + 1]) << 8
        let groupBE = UInt16(buf[pos]) << 8 | UInt16(buf[pos + 1])
        if explicitVR && groupBE < groupLE && groupBE <= 0x0010 && groupBE != 0 {
            return .explicitVRBigEndian
        }
        return explicitVR ? .explicitVRLittleEndian : .implicitVRLittleEndian
    }

    /// A file with no meta information is accepted only if it starts like a data set: a small
    /// even group number (or group 0008) and a length that fits the file.
    static func looksLikeDataSet(_ buf: UnsafeRawBufferPointer, ts: TransferSyntax) -> Bool {
        let big = ts.isBigEndian
        let g = big ? (UInt16(buf[0]) << 8 | UInt16(buf[1])) : (UInt16(buf[0]) | UInt16(buf[1]) << 8)
        guard g <= 0x0010 && g & 1 == 0 else { return false }
        if ts.isExplicitVR { return true }
        let len = UInt32(buf[4]) | UInt32(buf[5]) << 8 | UInt32(buf[6]) << 16 | UInt32(buf[7]) << 24
        return len == 0xFFFF_FFFF || Int(len) <= buf.count - 8
    }

    // MARK: Writing

    /// The file meta information as it will be written: group length recomputed, Transfer
    /// Syntax UID set to `transferSyntax`, missing version and implementation UID added.
    public var normalizedFileMetaInformation: DataSet {
        var meta = fileMetaInformation
        meta.removeAll { $0.tag.group != 0x0002 }
        meta.set(DataElement(tag: .fileMetaInformationGroupLength, vr: .UL, bytes: [0, 0, 0, 0]))
        if meta[.fileMetaInformationVersion] == nil {
            meta.set(DataElement(tag: .fileMetaInformationVersion, vr: .OB, bytes: [0x00, 0x01]))
        }
        let currentTS = meta[.transferSyntaxUID].flatMap { e -> String? in
            if case .bytes(let b) = e.value { return TransferSyntax.trimUID(String(decoding: b, as: UTF8.self)) }
            return nil
        }
        if currentTS != transferSyntax.uid {
            meta.set(DataElement(tag: .transferSyntaxUID, vr: .UI, bytes: DICOMFile.uidBytes(transferSyntax.uid)))
        }
        if meta[.implementationClassUID] == nil {
            meta.set(DataElement(tag: .implementationClassUID, vr: .UI, bytes: DICOMFile.uidBytes(DICOMFile.implementationClassUID)))
        }
        return meta
    }

    /// Writes the whole file to `sink`: preamble, "DICM", meta information, data set. Group 0002
    /// elements are written only in the meta information, never in the data set.
    public func write<S: ByteSink>(to sink: inout S) throws(DICOMError) {
        var dataSet = dataSet
        if !dataSet.group(0x0002).isEmpty { dataSet.removeAll { $0.tag.group == 0x0002 } }
        try sink.write(bytes: preamble ?? [UInt8](repeating: 0, count: 128))
        try sink.write(bytes: DICOMFile.dicmPrefix)
        try DataSetWriter(transferSyntax: .explicitVRLittleEndian).write(normalizedFileMetaInformation, to: &sink)
        if transferSyntax.isDeflated {
            let plain = try DataSetWriter.encode(dataSet, transferSyntax: transferSyntax)
            var deflated = try Deflate.deflate(plain)
            // PS3.5 §A.5: an odd-length deflate stream is padded with one NUL byte.
            if deflated.count % 2 == 1 { deflated.append(0) }
            try sink.write(bytes: deflated)
        } else {
            try DataSetWriter(transferSyntax: transferSyntax).write(dataSet, to: &sink)
        }
    }

    /// The whole file as bytes.
    public func serialized() throws(DICOMError) -> [UInt8] {
        var out: [UInt8] = []
        try write(to: &out)
        return out
    }

    /// Writes the file to `path`; with `sync`, fsyncs it before returning.
    public func write(toPath path: String, sync: Bool = false) throws(DICOMError) {
        var sink = try FileSink(path: path)
        do {
            try write(to: &sink)
            try sink.close(sync: sync)
        } catch {
            try? sink.close()
            throw error
        }
    }

    /// A copy in another transfer syntax. Between uncompressed syntaxes this re-encodes
    /// everything; to or from an encapsulated syntax it is refused (no pixel codec here).
    public func converted(to target: TransferSyntax) throws(DICOMError) -> DICOMFile {
        guard target == transferSyntax || (!target.isEncapsulated && !transferSyntax.isEncapsulated) else {
            throw DICOMError(.unsupportedTransferSyntax,
                             "cannot convert \(transferSyntax) to \(target): only uncompressed transfer syntaxes are converted")
        }
        var copy = self
        copy.transferSyntax = target
        return copy
    }
}
