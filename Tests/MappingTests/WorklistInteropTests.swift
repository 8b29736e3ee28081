import DICOM
import Foundation
import HL7
import Mapping
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `isthmus map order --out` writes worklist items that DCMTK's worklist SCP serves and `findscu -W`
/// finds, with the mapped attributes and character sets intact (the order → worklist half of IHE SWF,
/// before the engine stores anything).
@Suite(.serialized) struct WorklistInteropTests {
    static let isthmus = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("isthmus").path

    /// A port nobody listens on (bound to 0 then released).
    func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    func order(_ id: String, accession: String, msh18: String, name: [UInt8], modality: String) -> [UInt8] {
        var b: [UInt8] = []
        func line(_ s: String) { b += Array(s.utf8); b.append(0x0D) }
        line(seg("MSH", [3: "RIS", 4: "HOSP", 5: "ISTHMUS", 6: "HOSP", 7: "20260301080000", 9: "ORM^O01", 10: id, 11: "P", 12: "2.3.1", 18: msh18]))
        b += Array("PID|||\(id)MRN^^^HOSP^MR||".utf8) + name + Array("||19800214|F".utf8)
        b.append(0x0D)
        line(seg("ORC", [1: "NW", 2: "P\(id)", 3: "F\(id)", 5: "SC", 7: "^^^202603051030^^R", 18: "MODALITY1"]))
        line(seg("OBR", [1: "1", 2: "P\(id)", 3: "F\(id)", 4: "CODE\(id)^Exam \(id)^L^PC\(id)^Protocol \(id)^L", 18: accession,
                         19: "RP\(id)", 20: "SPS\(id)", 24: modality]))
        return b
    }

    @Test func mappedOrdersAreFoundByDCMTKFindscu() throws {
        guard Peers.need("DCMTK wlmscpfs", Peers.available(Peers.wlmscpfs)),
              Peers.need("DCMTK findscu", Peers.available(Peers.findscu)) else { return }
        #expect(FileManager.default.isExecutableFile(atPath: Self.isthmus), "isthmus not built at \(Self.isthmus)")
        let root = try Peers.temporaryDirectory("map-wl")
        let db = root + "/db/WLAE"
        try FileManager.default.createDirectory(atPath: db, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: db + "/lockfile", contents: Data())
        // Two orders: UTF-8 and ISO 8859-1 names (Latin-1 bytes in the HL7 file).
        try Data(order("A1", accession: "ACC-A1", msh18: "UNICODE UTF-8", name: Array("MÜLLER^RENÉE".utf8), modality: "CT"))
            .write(to: URL(fileURLWithPath: root + "/a.hl7"))
        try Data(order("B2", accession: "ACC-B2", msh18: "8859/1", name: Array("CAF".utf8) + [0xC9] + Array("^JOS".utf8) + [0xC9], modality: "MR"))
            .write(to: URL(fileURLWithPath: root + "/b.hl7"))
        let mapped = try Peers.run(Self.isthmus, ["map", "order", root + "/a.hl7", root + "/b.hl7", "--out", db])
        #expect(mapped.status == 0, "\(mapped.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: db).filter { $0.hasSuffix(".wl") }.count == 2)

        let port = try freePort()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Peers.wlmscpfs)
        p.arguments = ["-csk", "-dfp", root + "/db", "\(port)"]   // -csk: return the character set of the file
        p.environment = ProcessInfo.processInfo.environment.merging(Peers.dcmtkEnvironment) { $1 }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }

        func find(_ keys: [String]) throws -> [DataSet] {
            let out = root + "/rsp-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            var args = ["-W", "-aec", "WLAE", "-aet", "FINDSCU", "-X", "-od", out]
            for k in keys { args += ["-k", k] }
            args += ["127.0.0.1", "\(port)"]
            // wlmscpfs needs a moment to listen: retry until it answers (not a timing assertion).
            for _ in 0 ..< 100 {
                let r = try Peers.run(Peers.findscu, args, environment: Peers.dcmtkEnvironment)
                if r.status == 0 { break }
                usleep(100_000)
            }
            return try FileManager.default.contentsOfDirectory(atPath: out).sorted().map { try DICOMFile.read(contentsOf: out + "/" + $0).dataSet }
        }
        let keys = ["PatientName", "PatientID", "AccessionNumber", "StudyInstanceUID", "RequestedProcedureID",
                    "ScheduledProcedureStepSequence[0].ScheduledStationAETitle", "ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartDate",
                    "ScheduledProcedureStepSequence[0].ScheduledProcedureStepID", "ScheduledProcedureStepSequence[0].ScheduledProcedureStepDescription"]
        let ct = try find(keys + ["ScheduledProcedureStepSequence[0].Modality=CT"])
        #expect(ct.count == 1)
        if let a = ct.first {
            #expect(a.string(.specificCharacterSet) == "ISO_IR 192")
            #expect(a.string(.patientName) == "MÜLLER^RENÉE")
            #expect(a.string(.patientID) == "A1MRN")
            #expect(a.string(Tag(0x0008, 0x0050)) == "ACC-A1")
            #expect(a.string(Tag(0x0040, 0x1001)) == "RPA1")
            #expect(UIDs.isValid(a.string(Tag(0x0020, 0x000D)) ?? ""))
            let step = a.items(Tag(0x0040, 0x0100))?.first?.dataSet
            #expect(step?.string(Tag(0x0040, 0x0001)) == "MODALITY1")
            #expect(step?.string(Tag(0x0040, 0x0002)) == "20260305")
            #expect(step?.string(Tag(0x0040, 0x0009)) == "SPSA1")
            #expect(step?.string(Tag(0x0040, 0x0007)) == "Protocol A1")
        }
        let mr = try find(keys + ["ScheduledProcedureStepSequence[0].Modality=MR"])
        #expect(mr.count == 1)
        if let b = mr.first {
            #expect(b.string(.specificCharacterSet) == "ISO_IR 100")
            #expect(b.string(.patientName) == "CAFÉ^JOSÉ")
            #expect(try b[.patientName]?.loadBytes() == Array("CAF".utf8) + [0xC9] + Array("^JOS".utf8) + [0xC9, 0x20])   // Latin-1 bytes, padded to even length
        }
        // Matching on the mapped accession number.
        #expect(try find(keys.filter { $0 != "AccessionNumber" } + ["AccessionNumber=ACC-B2"]).count == 1)
    }

    @Test func unmappableOrderExitsNonZeroNamingTheField() throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.isthmus), "isthmus not built at \(Self.isthmus)")
        let root = try Peers.temporaryDirectory("map-bad")
        var bytes = order("C3", accession: "ACCESSION-NUMBER-TOO-LONG", msh18: "", name: Array("DOE^JO".utf8), modality: "CT")
        try Data(bytes).write(to: URL(fileURLWithPath: root + "/c.hl7"))
        var r = try Peers.run(Self.isthmus, ["map", "order", root + "/c.hl7"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("OBR-18"))
        r = try Peers.run(Self.isthmus, ["map", "order", "--truncate", "--json", root + "/c.hl7"])
        #expect(r.status == 0)
        #expect(String(decoding: r.stdout, as: UTF8.self).contains("ACCESSION-NUMBE"))
        bytes = Array("not hl7".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: root + "/d.hl7"))
        r = try Peers.run(Self.isthmus, ["map", "order", root + "/d.hl7"])
        #expect(r.status == 1)
    }
}
