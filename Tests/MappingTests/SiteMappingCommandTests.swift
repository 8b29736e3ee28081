import DICOM
import Foundation
import Mapping
import Testing
import TestSupport

/// `isthmus map order --mapping FILE` through the built executable: the items (printed and written with `--out`)
/// carry the site's rules; a bad mapping file exits 1 naming FILE:LINE:COLUMN and the key.
@Suite(.serialized) struct SiteMappingCommandTests {
    static let isthmus = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("isthmus").path

    @Test func mapOrderWithASiteMapping() throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.isthmus), "isthmus not built at \(Self.isthmus)")
        let root = try Peers.temporaryDirectory("map-site")
        try (ormLines.joined(separator: "\r") + "\r").write(toFile: root + "/o.hl7", atomically: true, encoding: .utf8)
        try """
        orm:
          rules:
            - tag: AccessionNumber
              path: OBR-3.1
            - tag: RequestedProcedureComments
              path: OBR-13
          remove: [MedicalAlerts]
          value-maps:
            priority: { S: LOW }
          defaults:
            station-ae-title: SITE_AE
        """.write(toFile: root + "/site.yaml", atomically: true, encoding: .utf8)

        let plain = try Peers.run(Self.isthmus, ["map", "order", root + "/o.hl7"])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.text.contains("ACC0001") && plain.text.contains("STAT"))

        let out = root + "/wl"
        let r = try Peers.run(Self.isthmus, ["map", "order", root + "/o.hl7", "--mapping", root + "/site.yaml", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.text.contains("FIL200") && !r.text.contains("ACC0001"), "\(r.text)")
        let files = try FileManager.default.contentsOfDirectory(atPath: out)
        #expect(files == ["FIL200-SPS0001.wl"])
        let item = try DICOMFile.read(contentsOf: out + "/" + (files.first ?? "")).dataSet
        #expect(item.string(Tag(0x0008, 0x0050)) == "FIL200")
        #expect(item.string(Tag(0x0040, 0x1400)) == "CONTRAST ALLERGY")   // OBR-13 to a new tag
        #expect(item.string(Tag(0x0010, 0x2000)) == nil)                  // its built-in rule removed
        #expect(item.string(Tag(0x0040, 0x1003)) == "LOW")

        // Command-line options win over the file.
        let json = try Peers.run(Self.isthmus, ["map", "order", root + "/o.hl7", "--mapping", root + "/site.yaml", "--json", "--station-aet", "CLI_AE"])
        #expect(json.status == 0, "\(json.stderr)")
        #expect(json.text.contains("\"FIL200\""))
    }

    @Test func aBadMappingFileIsReportedWithItsPlace() throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.isthmus), "isthmus not built at \(Self.isthmus)")
        let root = try Peers.temporaryDirectory("map-site-bad")
        try (ormLines.joined(separator: "\r") + "\r").write(toFile: root + "/o.hl7", atomically: true, encoding: .utf8)
        try """
        orm:
          rules:
            - tag: AccessionNumbr
              path: OBR-3.1
              conversoin: text
        """.write(toFile: root + "/bad.yaml", atomically: true, encoding: .utf8)
        let r = try Peers.run(Self.isthmus, ["map", "order", root + "/o.hl7", "--mapping", root + "/bad.yaml"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("\(root)/bad.yaml:3:12: orm.rules[0].tag: 'AccessionNumbr' is neither a tag"), "\(r.stderr)")
        #expect(r.stderr.contains("did you mean 'AccessionNumber'?"), "\(r.stderr)")
        #expect(r.stderr.contains("\(root)/bad.yaml:5:7: orm.rules[0].conversoin: unknown key 'conversoin' (did you mean 'conversion'?)"), "\(r.stderr)")
        #expect(r.text.isEmpty)
    }
}
