import DICOM
import Foundation
import HL7
import IsthmusEngine
import MLLP
import Testing
import TestSupport

/// `workflow.mapping: FILE` (docs/configuration.md): the site mapping file is read with the configuration
/// (relative to it, its problems reported with its own file, line and column), and `isthmus serve` maps orders
/// with it — seen by DCMTK `findscu -W` on the worklist.
@Suite(.serialized) struct SiteMappingServeTests {
    static let site = """
    orm:
      rules:
        - tag: AccessionNumber          # the filler order number is the accession number at this site
          path: OBR-3.1
        - tag: RequestedProcedureComments
          path: OBR-13
      value-maps:
        modality: { CTX: CT }
    """

    static func order(_ id: String) -> String {
        [
            "MSH|^~\\&|RIS|HOSP|ISTHMUS|HOSP|20260301080000||ORM^O01|\(id)|P|2.3.1||||||UNICODE UTF-8",
            "PID|||MRN7^^^HOSP^MR||GARCÍA^ANA||19750101|F",
            "ORC|NW|PLC7^RIS|FIL7^PACS||SC||^^^202603051030^^R|||||||||||CT01",
            "OBR|1|PLC7^RIS|FIL7^PACS|CT1^CT HEAD^L^P1^Head plain^L|||||||||BRING PRIOR FILMS|||||ACC7|RP7|SPS7||||CTX",
        ].joined(separator: "\r") + "\r"
    }

    func configuration(_ dir: String, mapping: String = "site.yaml") throws -> String {
        let config = dir + "/isthmus.yaml"
        try """
        listeners:
          mllp:
            - { name: in, port: 0 }
          dicom:
            - { name: scp, ae-title: ISTHMUS, port: 0 }
        workflow:
          mapping: \(mapping)
        """.write(toFile: config, atomically: true, encoding: .utf8)
        return config
    }

    @Test func theConfigurationReadsTheMappingFileRelativeToItself() throws {
        let dir = try Peers.temporaryDirectory("site-config")
        try Self.site.write(toFile: dir + "/site.yaml", atomically: true, encoding: .utf8)
        let c = try ConfigurationLoader.load(file: try configuration(dir))
        #expect(c.workflow.mappingFile == dir + "/site.yaml")
        let orm = c.workflow.orderMapper.orm
        #expect(orm.rules.first { $0.tag == Tag(0x0008, 0x0050) }?.paths == ["OBR-3.1"])
        #expect(orm.rules.contains { $0.tag == Tag(0x0040, 0x1400) })
        #expect(orm.valueMaps["modality"]?["CTX"] == "CT")
        #expect(c.workflow.orderMapper.omi.rules.first { $0.tag == Tag(0x0008, 0x0050) }?.paths == ["IPC-1.1"])
    }

    @Test func mappingFileProblemsAndConflictsAreConfigurationIssues() throws {
        let dir = try Peers.temporaryDirectory("site-config-bad")
        try "orm:\n  rules:\n    - { tag: AccessionNumber, path: OBR-3.1, scope: stepp }\n  policies:\n    study-uid-policy: reject\n"
            .write(toFile: dir + "/site.yaml", atomically: true, encoding: .utf8)
        let config = try configuration(dir)
        do {
            _ = try ConfigurationLoader.load(file: config)
            Issue.record("a bad mapping file loads")
        } catch {
            #expect(error.issues.map(\.description) == ["\(dir)/site.yaml:3:53: orm.rules[0].scope: 'stepp' is not a scope: item (the worklist item) or step (its Scheduled Procedure Step item)"])
        }
        // A setting in both files.
        try "orm:\n  policies:\n    study-uid-policy: reject\n".write(toFile: dir + "/site.yaml", atomically: true, encoding: .utf8)
        try String(contentsOfFile: try configuration(dir), encoding: .utf8).appending("\n  study-uid-policy: generate\n")
            .write(toFile: dir + "/both.yaml", atomically: true, encoding: .utf8)
        do {
            _ = try ConfigurationLoader.load(file: dir + "/both.yaml")
            Issue.record("a setting made twice loads")
        } catch {
            #expect(error.issues.map(\.description) == ["\(dir)/both.yaml:8:21: workflow.study-uid-policy: 'study-uid-policy' is also set in the site mapping site.yaml; set it in one place"])
        }
        // A missing file: at the configuration's key.
        let missing = try configuration(dir, mapping: "missing.yaml")
        do {
            _ = try ConfigurationLoader.load(file: missing)
            Issue.record("a missing mapping file loads")
        } catch {
            #expect(error.issues.map(\.description) == ["\(dir)/isthmus.yaml:7:12: workflow.mapping: site mapping \(dir)/missing.yaml: cannot read the file"])
        }
        // `isthmus config check` says the same.
        guard haveIsthmus() else { return }
        try "orm:\n  rules:\n    - { tag: AccessionNumber, path: OBR-3.1, scope: stepp }\n".write(toFile: dir + "/site.yaml", atomically: true, encoding: .utf8)
        let r = try Peers.run(isthmusExecutable, ["config", "check", try configuration(dir)])
        #expect(r.status == 1)
        #expect(r.stderr.contains("\(dir)/site.yaml:3:53: orm.rules[0].scope: 'stepp' is not a scope"), "\(r.stderr)")
        try Self.site.write(toFile: dir + "/site.yaml", atomically: true, encoding: .utf8)
        let ok = try Peers.run(isthmusExecutable, ["config", "check", try configuration(dir)])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.text.contains("site mapping \(dir)/site.yaml"), "\(ok.text)")
    }

    @Test func serveMapsOrdersWithTheSiteMapping() async throws {
        guard haveIsthmus(), Peers.need("DCMTK findscu", Peers.available(Peers.findscu)) else { return }
        let dir = try Peers.temporaryDirectory("site-serve")
        try Self.site.write(toFile: dir + "/site.yaml", atomically: true, encoding: .utf8)
        let server = try await ServeProcess.start(data: dir + "/data", ["--config", try configuration(dir)])
        defer { server.kill() }
        let client = MLLPClient(host: "127.0.0.1", port: server.mllpPort)
        #expect(try await client.send(try Message(Self.order("S1"))).code == "AA")
        await client.close()

        let out = try Peers.temporaryDirectory("site-serve-rsp")
        let args = ["-W", "-aec", "ISTHMUS", "-aet", "CT01", "-X", "-od", out,
                    "-k", "AccessionNumber=FIL7", "-k", "RequestedProcedureComments", "-k", "PatientName",
                    "-k", "ScheduledProcedureStepSequence[0].Modality=CT", "127.0.0.1", "\(server.dicomPort)"]
        let r = try Peers.run(Peers.findscu, args, environment: Peers.dcmtkEnvironment)
        #expect(r.status == 0, "\(r.stderr)")
        let found = try FileManager.default.contentsOfDirectory(atPath: out).map { try DICOMFile.read(contentsOf: out + "/" + $0).dataSet }
        #expect(found.count == 1)
        if let item = found.first {
            #expect(item.string(Tag(0x0008, 0x0050)) == "FIL7")                          // OBR-3.1, the site's rule
            #expect(item.string(Tag(0x0040, 0x1400)) == "BRING PRIOR FILMS")             // OBR-13 to a new tag
            #expect(item.string(.patientName) == "GARCÍA^ANA")
            #expect(item.items(Tag(0x0040, 0x0100))?.first?.dataSet.string(Tag(0x0008, 0x0060)) == "CT")   // CTX through the site's map
        }
        #expect(server.terminate() == 0)
        #expect(!server.stdout.contains("GARCÍA"), "no PHI in the log")
    }
}
