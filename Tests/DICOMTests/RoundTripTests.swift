import Foundation
import Testing
@testable import DICOM

/// Lossless round trips and transfer-syntax conversion over pydicom's corpus, checked by
/// byte comparison, by pydicom re-reading what Isthmus wrote, and by dciodvfy.
@Suite(.serialized) struct RoundTripTests {
    /// Corpus files that read without any warning: well-formed as far as the reader can tell.
    static func wellFormedCorpus() throws -> [(path: String, file: DICOMFile)] {
        Peers.pydicomCorpus.compactMap { path in
            guard let file = try? DICOMFile.read(contentsOf: path), file.warnings.isEmpty else { return nil }
            return (path, file)
        }
    }

    @Test func wellFormedFilesRoundTripByteForByte() throws {
        let corpus = try RoundTripTests.wellFormedCorpus()
        guard Peers.need("pydicom corpus", !corpus.isEmpty) else { return }
        #expect(corpus.count >= 60)
        for (path, file) in corpus {
            let name = (path as NSString).lastPathComponent
            let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            let written = try file.serialized()
            if file.transferSyntax.isDeflated {
                // zlib's output is not unique; the inflated data set must be.
                let reread = try DICOMFile.read(bytes: written)
                #expect(try reread.dataSet.jsonString() == file.dataSet.jsonString(), "\(name)")
                #expect(reread.warnings.isEmpty, "\(name): \(reread.warnings)")
            } else {
                #expect(written == original, "\(name): \(firstDifference(written, original))")
            }
        }
    }

    func jsonObject(_ dataSet: DataSet) throws -> [String: Any] {
        let text = try dataSet.jsonString(options: DICOMJSONOptions(prettyPrinted: false))
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> String {
        let i = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
        return "first difference at byte \(i) (lengths \(a.count) and \(b.count))"
    }

    @Test func readingFromMemoryAndFromFileAgree() throws {
        let corpus = try RoundTripTests.wellFormedCorpus()
        guard Peers.need("pydicom corpus", !corpus.isEmpty) else { return }
        for (path, file) in corpus.prefix(40) {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            let inMemory = try DICOMFile.read(bytes: bytes)
            #expect(try inMemory.dataSet.jsonString() == file.dataSet.jsonString(), "\(path)")
            #expect(try inMemory.serialized() == file.serialized(), "\(path)")
        }
    }

    /// Every uncompressed corpus file, converted to each uncompressed transfer syntax, reads back
    /// (by Isthmus and by pydicom) as the same data set.
    @Test func conversionAmongUncompressedSyntaxesIsReadBackByPydicom() throws {
        // badVR.dcm holds IS "1A", which pydicom refuses to read in any transfer syntax.
        let corpus = try RoundTripTests.wellFormedCorpus().filter { !$0.file.transferSyntax.isEncapsulated && !$0.path.hasSuffix("/badVR.dcm") }
        guard Peers.need("pydicom corpus", !corpus.isEmpty) else { return }
        let dir = try Peers.temporaryDirectory("convert")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var written: [(path: String, original: DICOMFile, target: TransferSyntax)] = []
        for (path, file) in corpus {
            for target in TransferSyntax.uncompressed where target != file.transferSyntax {
                let out = dir + "/\(written.count).dcm"
                try file.converted(to: target).write(toPath: out)
                let reread = try DICOMFile.read(contentsOf: out)
                #expect(reread.transferSyntax == target)
                #expect(reread.warnings.isEmpty, "\(path) → \(target): \(reread.warnings)")
                let diffs = JSONModelComparison.differences(try jsonObject(reread.dataSet), try jsonObject(file.dataSet),
                                                            bigEndian: false, reencoded: true)
                #expect(diffs.isEmpty, "\(path) → \(target): \(diffs.prefix(4))")
                written.append((out, file, target))
            }
        }
        #expect(written.count >= 100)
        // pydicom reads each converted file as Isthmus reads the original.
        let script = Peers.repositoryRoot.appendingPathComponent("Scripts/pydicom-json.py").path
        let out = try Peers.run("python3", [script] + written.map(\.path))
        guard Peers.need("pydicom", out.status == 0) else { return }
        let reference = try #require(try JSONSerialization.jsonObject(with: out.stdout) as? [String: Any])
        for w in written where !w.path.isEmpty {
            let theirs = try #require(reference[w.path] as? [String: Any])
            #expect(theirs["error"] == nil, "pydicom cannot read \(w.target) output: \(theirs["error"] ?? "")")
            let diffs = JSONModelComparison.differences(try jsonObject(w.original.dataSet), theirs,
                                                        bigEndian: w.target.isBigEndian, reencoded: true)
            #expect(diffs.isEmpty, "\(w.target): \(diffs.prefix(4))")
        }
    }

    /// What Isthmus writes passes dicom3tools' IOD validator without new errors.
    @Test(arguments: ["CT_small.dcm", "MR_small.dcm", "rtplan.dcm", "test-SR.dcm", "waveform_ecg.dcm"])
    func convertedFilesPassDciodvfyWithoutNewErrors(name: String) throws {
        guard Peers.need("dciodvfy (apt-get install dicom3tools)", Peers.available("dciodvfy")),
              let dir = Peers.pydicomTestFiles else { return }
        let path = dir + "/" + name
        let baseline = try errors(path)
        let file = try DICOMFile.read(contentsOf: path)
        let tmp = try Peers.temporaryDirectory("dciodvfy")
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        for target in TransferSyntax.uncompressed where !target.isDeflated {
            let out = tmp + "/\(target.uid).dcm"
            try file.converted(to: target).write(toPath: out)
            let new = try errors(out).subtracting(baseline)
            #expect(new.isEmpty, "\(name) as \(target): new dciodvfy errors \(new)")
        }
    }

    func errors(_ path: String) throws -> Set<String> {
        let out = try Peers.run("dciodvfy", [path])
        let text = out.text + out.stderr
        return Set(text.split(separator: "\n").filter { $0.hasPrefix("Error") }.map(String.init))
    }
}
