import Foundation
import Testing
@testable import DICOM

/// `isthmus dicom dump` and `convert`, run as a user runs them.
@Suite(.serialized) struct CommandLineTests {
    /// The `isthmus` executable built next to the test resources.
    static var isthmus: String {
        Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("isthmus").path
    }

    func corpus(_ name: String) -> String? { Peers.pydicomTestFiles.map { $0 + "/" + name } }

    @Test func dumpPrintsElementsAndNestedItems() throws {
        guard let path = corpus("rtplan.dcm") else { _ = Peers.need("pydicom", false); return }
        let out = try Peers.run(CommandLineTests.isthmus, ["dicom", "dump", path])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.text.contains("(0002,0010) UI [18] TransferSyntaxUID  1.2.840.10008.1.2"))
        #expect(out.text.contains("(300A,00B0) SQ"))
        #expect(out.text.contains("  > item 1"))
        #expect(out.text.contains("(0010,0010) PN"))
    }

    @Test func dumpJSONAndXMLAreTheModels() throws {
        guard let path = corpus("CT_small.dcm") else { _ = Peers.need("pydicom", false); return }
        let json = try Peers.run(CommandLineTests.isthmus, ["dicom", "dump", "--json", path])
        #expect(json.status == 0)
        let object = try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any]
        #expect((object?["00100010"] as? [String: Any])?["vr"] as? String == "PN")
        let xml = try Peers.run(CommandLineTests.isthmus, ["dicom", "dump", "--xml", path])
        #expect(xml.status == 0)
        #expect(xml.text.contains("<NativeDicomModel"))
        #expect(try DataSet(xml: xml.text).string(.patientID) == DICOMFile.read(contentsOf: path).dataSet.string(.patientID))
    }

    @Test func unreadableInputExitsNonZeroWithWhere() throws {
        let dir = try Peers.temporaryDirectory("cli")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = dir + "/not-dicom.txt"
        try "MSH|^~\\&|not a DICOM file\r".write(toFile: text, atomically: true, encoding: .utf8)
        let out = try Peers.run(CommandLineTests.isthmus, ["dicom", "dump", text])
        #expect(out.status == 1)
        #expect(out.stderr.contains("not a DICOM file"))
        #expect(out.stderr.contains("[at byte 0]"))
        let missing = try Peers.run(CommandLineTests.isthmus, ["dicom", "dump", dir + "/missing.dcm"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("missing.dcm"))
        guard let truncated = corpus("MR_truncated.dcm") else { return }
        let partial = try Peers.run(CommandLineTests.isthmus, ["dicom", "dump", truncated])
        #expect(partial.status == 1)
        #expect(partial.text.contains("(0010,0010) PN"), "what was read is still printed")
        #expect(partial.stderr.contains("(7FE0,0010)") && partial.stderr.contains("byte 1488"))
    }

    @Test func convertReencodesAndRefusesWhatItCannot() throws {
        guard let path = corpus("MR_small.dcm") else { _ = Peers.need("pydicom", false); return }
        let dir = try Peers.temporaryDirectory("cli-convert")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (name, ts) in [("big", TransferSyntax.explicitVRBigEndian), ("implicit", .implicitVRLittleEndian), ("deflated", .deflatedExplicitVRLittleEndian)] {
            let out = dir + "/\(name).dcm"
            let r = try Peers.run(CommandLineTests.isthmus, ["dicom", "convert", path, out, "--transfer-syntax", name])
            #expect(r.status == 0, "\(r.stderr)")
            let converted = try DICOMFile.read(contentsOf: out)
            #expect(converted.transferSyntax == ts)
            #expect(try converted.dataSet.bytes(.pixelData) == DICOMFile.read(contentsOf: path).dataSet.bytes(.pixelData))
        }
        let bad = try Peers.run(CommandLineTests.isthmus, ["dicom", "convert", path, dir + "/x.dcm", "--transfer-syntax", "nonsense"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("unknown transfer syntax"))
        guard let jpeg = corpus("JPEG2000.dcm") else { return }
        let refused = try Peers.run(CommandLineTests.isthmus, ["dicom", "convert", jpeg, dir + "/y.dcm", "--transfer-syntax", "explicit"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("only uncompressed"))
    }
}
