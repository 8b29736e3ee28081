import DICOM
import Foundation
import HL7
import Mapping
import Testing
import TestSupport

/// `isthmus map mpps --type …`: the four message types from an MPPS file; an unknown type is refused with the list.
@Suite struct MapMPPSCommandTests {
    static let isthmus = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("isthmus").path

    @Test func mapMPPSPrintsEachType() throws {
        guard Peers.need("isthmus executable", FileManager.default.isExecutableFile(atPath: Self.isthmus)) else { return }
        let dir = try Peers.temporaryDirectory("map-mpps")
        var ds = try ProcedureStatusMapperTests().mpps("COMPLETED")
        try ds.set(.sopClassUID, string: "1.2.840.10008.3.1.2.3.3")
        try ds.set(.sopInstanceUID, string: "1.2.826.0.1.3680043.10.1472.77.1")
        let file = dir + "/mpps.dcm"
        try DICOMFile(dataSet: ds, transferSyntax: .explicitVRLittleEndian).write(toPath: file, sync: false)

        for (type, segments) in [("OMG^O19", ["MSH", "PID", "ORC", "TQ1", "OBR", "OBX"]), ("ORU^R01", ["MSH", "PID", "ORC", "OBR", "TQ1", "OBX"]),
                                 ("OMI^O23", ["MSH", "PID", "ORC", "TQ1", "OBR", "IPC"]), ("ORM^O01", ["MSH", "PID", "ORC", "OBR", "ZDS"])] {
            let r = try Peers.run(Self.isthmus, ["map", "mpps", file, "--type", type, "--control-id", "C1", "--receiving-application", "RIS"])
            #expect(r.status == 0, "\(type): \(r.stderr)")
            let m = try Message(r.text.replacingOccurrences(of: "\n", with: "\r"))
            #expect("\(m["MSH-9.1"] ?? "")^\(m["MSH-9.2"] ?? "")" == type)
            #expect(m.segments.map(\.id) == segments, "\(type)")
            #expect(m["MSH-10"] == "C1" && m["MSH-5"] == "RIS" && m["ORC-5"] == "CM" && m["OBR-18"] == "ACC0001")
            if type == "OMG^O19" || type == "ORU^R01" {
                #expect(m["OBX-3.1"] == "113014" && m["OBX-5"] == "1.2.3.4.5" && m["OBR-25"] == "R")
            }
        }
        let bad = try Peers.run(Self.isthmus, ["map", "mpps", file, "--type", "ADT^A08"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("ORM^O01, OMI^O23, OMG^O19, ORU^R01"), "\(bad.stderr)")
    }
}
