import Foundation
import Testing
@testable import DICOM


/// Every file of pydicom's test corpus is read by Isthmus and compared with what pydicom reads,
/// through the DICOM JSON model (PS3.18 Annex F).
///
/// Normalizations (differences of representation, not of content): numbers are compared as
/// numbers; `null` and `""` are the same empty value; trailing padding is ignored; for big
/// endian files pydicom puts OW/OF pixel data in the JSON in file byte order, whereas the JSON
/// model (and Isthmus) uses little endian, so pydicom's bytes are swapped before comparing.
/// Isthmus reads with `resolveUnknownVRs`, which gives UN elements of known tags their
/// dictionary VR as pydicom does by default.
@Suite(.serialized) struct PydicomCorpusTests {
    /// Files that are truly broken, and what Isthmus says about them.
    static let brokenFiles: [String: (code: DICOMError.Code, tag: Tag?)] = [
        // Pixel Data declares 8192 bytes; 8130 remain.
        "MR_truncated.dcm": (.truncated, Tag(0x7FE0, 0x0010)),
        // A value inside the Beam Sequence runs past the end of the file.
        "rtplan_truncated.dcm": (.truncated, Tag(0x300A, 0x00B0)),
        // One stray byte before the data set: no DICM prefix and no recognisable first element.
        "no_meta.dcm": (.notDICOM, nil),
    ]

    static func readOptions() -> ReadOptions {
        var o = ReadOptions()
        o.resolveUnknownVRs = true
        o.returnPartialOnError = true
        return o
    }

    @Test func everyCorpusFileReadsAsPydicomReadsIt() throws {
        let files = Peers.pydicomCorpus
        guard Peers.need("pydicom (pip install pydicom)", !files.isEmpty) else { return }
        #expect(files.count >= 70)
        let script = Peers.repositoryRoot.appendingPathComponent("Scripts/pydicom-json.py").path
        let out = try Peers.run("python3", [script] + files)
        #expect(out.status == 0, "pydicom-json.py failed: \(out.stderr)")
        let reference = try #require(try JSONSerialization.jsonObject(with: out.stdout) as? [String: Any])

        var compared = 0
        for path in files {
            let name = (path as NSString).lastPathComponent
            let pydicomModel = reference[path] as? [String: Any] ?? [:]
            if let broken = PydicomCorpusTests.brokenFiles[name] {
                do {
                    let file = try DICOMFile.read(contentsOf: path, options: PydicomCorpusTests.readOptions())
                    let error = try #require(file.readError, "\(name) should report an error")
                    #expect(error.code == broken.code, "\(name): \(error)")
                    #expect(error.tag == broken.tag, "\(name): \(error)")
                    #expect(error.offset != nil, "\(name): the error names no byte offset")
                    // What was read before the error agrees with pydicom.
                    let mine = try jsonObject(file.dataSet)
                    let partial = pydicomModel.filter { mine[$0.key] != nil }
                    #expect(partial.count == mine.count, "\(name): elements read that pydicom does not have")
                    let diffs = JSONModelComparison.differences(mine, partial, bigEndian: file.transferSyntax.isBigEndian)
                    #expect(diffs.isEmpty, "\(name): \(diffs.prefix(5))")
                } catch let error as DICOMError {
                    #expect(error.code == broken.code, "\(name): \(error)")
                    #expect(error.offset != nil)
                }
                continue
            }
            let file = try DICOMFile.read(contentsOf: path, options: PydicomCorpusTests.readOptions())
            #expect(file.readError == nil, "\(name): \(String(describing: file.readError))")
            if let pyError = pydicomModel["error"] as? String {
                // pydicom cannot read it; Isthmus reads it (e.g. badVR.dcm with IS "1A").
                #expect(!file.dataSet.isEmpty, "\(name): pydicom fails with \(pyError) and Isthmus read nothing")
                continue
            }
            let mine = try jsonObject(file.dataSet)
            let diffs = JSONModelComparison.differences(mine, pydicomModel, bigEndian: file.transferSyntax.isBigEndian)
            #expect(diffs.isEmpty, "\(name): \(diffs.count) differences: \(diffs.prefix(5))")
            compared += 1
        }
        #expect(compared >= 65)
    }

    func jsonObject(_ dataSet: DataSet) throws -> [String: Any] {
        let text = try dataSet.jsonString(options: DICOMJSONOptions(prettyPrinted: false))
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func badVRFileKeepsItsNonNumericValue() throws {
        guard let dir = Peers.pydicomTestFiles else { _ = Peers.need("pydicom", false); return }
        let file = try DICOMFile.read(contentsOf: dir + "/badVR.dcm")
        #expect(file.dataSet.string(Tag(0x0028, 0x0008)) == "1A")
        #expect(file.dataSet.int(Tag(0x0028, 0x0008)) == nil)
    }
}

/// Compares two DICOM JSON models (as Foundation objects) with the normalizations above.
enum JSONModelComparison {
    /// With `reencoded`, the two sides are the same data set in different transfer syntaxes:
    /// group lengths (recomputed) are not compared, and an implicit VR reading may choose the
    /// other VR the dictionary allows (OB/OW, US/SS).
    static func differences(_ a: [String: Any], _ b: [String: Any], bigEndian: Bool, reencoded: Bool = false, path: String = "") -> [String] {
        var out: [String] = []
        for key in Set(a.keys).union(b.keys).sorted() {
            if reencoded && key.hasSuffix("0000") { continue }
            guard let x = a[key] as? [String: Any] else { out.append("\(path)\(key): missing in Isthmus"); continue }
            guard let y = b[key] as? [String: Any] else { out.append("\(path)\(key): missing in pydicom"); continue }
            let vr = x["vr"] as? String ?? ""
            let otherVR = y["vr"] as? String ?? ""
            // Implicit VR does not carry the VR of private elements: a reader without the
            // vendor's private dictionary sees UN. Same bytes, other label; not compared.
            if reencoded && (vr == "UN" || otherVR == "UN") && vr != otherVR,
               let group = UInt16(key.prefix(4), radix: 16), group & 1 == 1 { continue }
            if vr != otherVR {
                let allowed = UInt32(key, radix: 16).flatMap { DataDictionary.entry(for: Tag($0))?.vrs.map(\.rawValue) } ?? []
                if !(reencoded && allowed.contains(vr) && allowed.contains(otherVR)) {
                    out.append("\(path)\(key): vr \(vr) vs \(otherVR)")
                }
            }
            let xv = x["Value"] as? [Any] ?? [], yv = y["Value"] as? [Any] ?? []
            if vr == "SQ" {
                if xv.count != yv.count { out.append("\(path)\(key): \(xv.count) items vs \(yv.count)"); continue }
                for (i, (p, q)) in zip(xv, yv).enumerated() {
                    out += differences(p as? [String: Any] ?? [:], q as? [String: Any] ?? [:], bigEndian: bigEndian, reencoded: reencoded, path: "\(path)\(key)[\(i)].")
                }
            } else if normalize(xv, vr) != normalize(yv, vr) {
                out.append("\(path)\(key): \(xv.prefix(3)) vs \(yv.prefix(3))")
            }
            let xb = x["InlineBinary"] as? String ?? "", yb = y["InlineBinary"] as? String ?? ""
            if xb != yb {
                var theirs = Data(base64Encoded: yb) ?? Data()
                let width = ["OW": 2, "OF": 4, "OD": 8, "OL": 4][otherVR] ?? 0
                if bigEndian && width > 1 {
                    theirs = Data(DICOM.ByteOrder.swapped([UInt8](theirs), width: width))
                }
                if Data(base64Encoded: xb) != theirs {
                    out.append("\(path)\(key): binary values differ (\(xb.count) vs \(yb.count) base64 characters)")
                }
            }
        }
        return out
    }

    static func normalize(_ values: [Any], _ vr: String) -> [String] {
        let numeric = ["DS", "IS", "FL", "FD", "US", "SS", "UL", "SL", "SV", "UV"].contains(vr)
        return values.map { v -> String in
            if v is NSNull { return "" }
            if let n = v as? NSNumber { return numeric ? String(n.doubleValue) : n.stringValue }
            if let s = v as? String {
                let t = s.trimmingCharacters(in: CharacterSet(charactersIn: " \0"))
                if numeric, let d = Double(t) { return String(d) }
                return t
            }
            if let d = v as? [String: Any] {
                return ["Alphabetic", "Ideographic", "Phonetic"].map { (d[$0] as? String) ?? "" }.joined(separator: "=")
            }
            return "\(v)"
        }
    }
}
