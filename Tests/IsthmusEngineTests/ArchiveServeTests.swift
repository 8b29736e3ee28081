// The archive end to end (PS3.4 Annex C over real sockets): `isthmus serve` as a child process receives pydicom
// corpus files from DCMTK storescu, answers DCMTK findscu at PATIENT, STUDY, SERIES and IMAGE level, moves a study
// to DCMTK storescp (a configured DICOM peer) with movescu and hands instances to getscu. Expected values are read
// from the files sent; received data sets must equal the originals.

import DICOM
import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct ArchiveServeTests {
    static let movescu = "/usr/bin/movescu"
    static let getscu = "/usr/bin/getscu"
    static let echoscu = Peers.echoscu

    /// Uncompressed corpus files (getscu and storescp need no extra syntaxes): five studies of five patients, one of
    /// them with two instances.
    static let names = ["CT_small.dcm", "MR_small.dcm", "SC_rgb_small_odd.dcm", "SC_ybr_full_422_uncompressed.dcm",
                        "examples_overlay.dcm", "examples_rgb_color.dcm"]

    struct Original {
        var path: String
        var dataSet: DataSet
        func text(_ tag: DICOM.Tag) -> String { dataSet.string(tag)?.trimmingCharacters(in: .whitespaces) ?? "" }
        var patientID: String { text(.patientID) }
        var study: String { text(DICOM.Tag(0x0020, 0x000D)) }
        var series: String { text(DICOM.Tag(0x0020, 0x000E)) }
        var sop: String { text(.sopInstanceUID) }
        var modality: String { text(DICOM.Tag(0x0008, 0x0060)) }
        var studyDate: String { text(DICOM.Tag(0x0008, 0x0020)) }
    }

    static func originals() throws -> [Original] {
        guard let dir = Peers.pydicomTestFiles else { return [] }
        return try names.map { Original(path: dir + "/" + $0, dataSet: try DICOMFile.read(contentsOf: dir + "/" + $0, options: .headerOnly).dataSet) }
    }

    /// A free TCP port on loopback (bound, read, closed).
    /// DCMTK storescp with these arguments, output discarded (stop it with SIGKILL: it ignores SIGTERM).
    static func startStorescp(_ arguments: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Peers.storescp)
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(Peers.dcmtkEnvironment) { $1 }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard ok else { throw ServeFailure(description: "cannot bind a free port") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    static func run(_ program: String, _ args: [String]) async throws -> Peers.Output {
        try await Task.detached { try Peers.run(program, args, environment: Peers.dcmtkEnvironment) }.value
    }

    /// The data set of a Part 10 file, as DICOM JSON with bulk data inline (meta information and padding left out).
    static func json(_ path: String) throws -> String {
        var options = ReadOptions()
        options.bulkDataThreshold = nil
        var ds = try DICOMFile.read(contentsOf: path, options: options).dataSet
        ds.remove(DICOM.Tag(0xFFFC, 0xFFFC))
        return try ds.jsonString()
    }

    /// Every Part 10 file in `directory`, by SOP Instance UID.
    static func received(_ directory: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            let path = directory + "/" + name
            if let f = try? DICOMFile.read(contentsOf: path, options: .headerOnly), let sop = f.dataSet.string(.sopInstanceUID) {
                out[sop.trimmingCharacters(in: CharacterSet(charactersIn: " \0"))] = path
            }
        }
        return out
    }

    static func expectReceived(_ originals: [Original], in directory: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let got = try received(directory)
        #expect(Set(got.keys) == Set(originals.map(\.sop)), sourceLocation: sourceLocation)
        for o in originals {
            guard let path = got[o.sop] else { continue }
            #expect(try json(path) == json(o.path), "\(o.path)", sourceLocation: sourceLocation)
        }
    }

    /// findscu with `args`, its responses extracted to files and read back.
    static func find(_ port: Int, _ args: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> [DataSet] {
        let out = try Peers.temporaryDirectory("findscu")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try await run(Peers.findscu, ["-aet", "VIEWER", "-aec", "ISTHMUS", "-X", "-od", out] + args + ["127.0.0.1", "\(port)"])
        #expect(r.status == 0, "findscu \(args): \(r.stderr)", sourceLocation: sourceLocation)
        return try FileManager.default.contentsOfDirectory(atPath: out).sorted().map { try DICOMFile.read(contentsOf: out + "/" + $0).dataSet }
    }

    @Test func storeFindMoveGet() async throws {
        guard haveIsthmus(),
              Peers.need("DCMTK storescu", Peers.available(Peers.storescu)), Peers.need("DCMTK findscu", Peers.available(Peers.findscu)),
              Peers.need("DCMTK movescu", Peers.available(Self.movescu)), Peers.need("DCMTK getscu", Peers.available(Self.getscu)),
              Peers.need("DCMTK storescp", Peers.available(Peers.storescp)), Peers.need("DCMTK echoscu", Peers.available(Self.echoscu)),
              Peers.need("pydicom corpus", Peers.pydicomTestFiles != nil) else { return }
        let files = try Self.originals()
        let data = try Peers.temporaryDirectory("archive")
        defer { try? FileManager.default.removeItem(atPath: data) }

        // The C-MOVE destination: DCMTK storescp, named in the configuration's DICOM peers.
        let viewerDir = data + "/viewer"
        try FileManager.default.createDirectory(atPath: viewerDir, withIntermediateDirectories: true)
        let viewerPort = try Self.freePort()
        let storescp = try Self.startStorescp(["-aet", "VIEWER", "+xa", "-od", viewerDir, "\(viewerPort)"])
        // storescp ignores SIGTERM.
        defer { kill(storescp.processIdentifier, SIGKILL); storescp.waitUntilExit() }

        let config = data + "/isthmus.yaml"
        try """
        listeners:
          mllp: [ { name: in, port: 0 } ]
          dicom: [ { name: scp, ae-title: ISTHMUS, port: 0 } ]
        peers:
          dicom: [ { name: viewer, ae-title: VIEWER, host: 127.0.0.1, port: \(viewerPort) } ]
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let server = try await ServeProcess.start(data: data + "/serve", ["--config", config])
        defer { server.kill() }
        let port = server.dicomPort

        let stored = try await Self.run(Peers.storescu, ["-aet", "MODALITY", "-aec", "ISTHMUS", "127.0.0.1", "\(port)"] + files.map(\.path))
        #expect(stored.status == 0, "storescu: \(stored.stderr)")

        // STUDY level (Study Root): one response per study, with its patient, count and modalities.
        let studies = try await Self.find(port, ["-S", "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID", "-k", "PatientID",
                                                 "-k", "StudyDate", "-k", "ModalitiesInStudy", "-k", "NumberOfStudyRelatedInstances",
                                                 "-k", "NumberOfStudyRelatedSeries"])
        let byStudy = Dictionary(grouping: files, by: \.study)
        #expect(studies.count == byStudy.count)
        #expect(Set(studies.compactMap { $0.string(DICOM.Tag(0x0020, 0x000D)) }) == Set(byStudy.keys))
        for s in studies {
            guard let uid = s.string(DICOM.Tag(0x0020, 0x000D)), let members = byStudy[uid] else { continue }
            #expect(s.int(DICOM.Tag(0x0020, 0x1208)) == members.count, "\(uid)")
            #expect(s.int(DICOM.Tag(0x0020, 0x1206)) == Set(members.map(\.series)).count, "\(uid)")
            #expect(s.strings(DICOM.Tag(0x0008, 0x0061)) == Set(members.map(\.modality)).sorted(), "\(uid)")
            #expect(s.string(.patientID) ?? "" == members[0].patientID, "\(uid)")
            #expect(s.string(DICOM.Tag(0x0008, 0x0020)) ?? "" == members[0].studyDate, "\(uid)")
        }
        // A date range and a wildcard on the name.
        let in2004 = try await Self.find(port, ["-S", "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID", "-k", "StudyDate=20040101-20041231"])
        #expect(Set(in2004.compactMap { $0.string(DICOM.Tag(0x0020, 0x000D)) }) == Set(files.filter { $0.studyDate.hasPrefix("2004") }.map(\.study)))
        #expect(!in2004.isEmpty)
        let samples = try await Self.find(port, ["-S", "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID", "-k", "PatientName=CompressedSamples*"])
        #expect(Set(samples.compactMap { $0.string(DICOM.Tag(0x0020, 0x000D)) })
                == Set(files.filter { $0.text(.patientName).hasPrefix("CompressedSamples") }.map(\.study)))

        // PATIENT level (Patient Root).
        let patients = try await Self.find(port, ["-P", "-k", "QueryRetrieveLevel=PATIENT", "-k", "PatientID", "-k", "PatientName",
                                                  "-k", "NumberOfPatientRelatedStudies", "-k", "NumberOfPatientRelatedInstances"])
        let byPatient = Dictionary(grouping: files, by: \.patientID)
        #expect(patients.count == byPatient.count)
        for p in patients {
            let id = p.string(.patientID) ?? ""
            guard let members = byPatient[id] else { Issue.record("unexpected patient \(id)"); continue }
            #expect(p.string(.patientName) ?? "" == members[0].text(.patientName))
            #expect(p.int(DICOM.Tag(0x0020, 0x1200)) == Set(members.map(\.study)).count)
            #expect(p.int(DICOM.Tag(0x0020, 0x1204)) == members.count)
        }

        // SERIES and IMAGE levels inside the study with two instances.
        let big = try #require(byStudy.values.first { $0.count > 1 })
        let series = try await Self.find(port, ["-S", "-k", "QueryRetrieveLevel=SERIES", "-k", "StudyInstanceUID=" + big[0].study,
                                                "-k", "SeriesInstanceUID", "-k", "Modality", "-k", "NumberOfSeriesRelatedInstances"])
        #expect(Set(series.compactMap { $0.string(DICOM.Tag(0x0020, 0x000E)) }) == Set(big.map(\.series)))
        #expect(series.map { $0.int(DICOM.Tag(0x0020, 0x1209)) ?? 0 }.reduce(0, +) == big.count)
        let images = try await Self.find(port, ["-P", "-k", "QueryRetrieveLevel=IMAGE", "-k", "PatientID=" + big[0].patientID,
                                                "-k", "StudyInstanceUID=" + big[0].study, "-k", "SeriesInstanceUID=" + big[0].series,
                                                "-k", "SOPInstanceUID", "-k", "SOPClassUID"])
        #expect(Set(images.compactMap { $0.string(.sopInstanceUID) }) == Set(big.filter { $0.series == big[0].series }.map(\.sop)))

        // storescp needs a moment to listen: retried until it answers an echo (not a timing assertion).
        for _ in 0..<100 {
            if try await Self.run(Self.echoscu, ["-aec", "VIEWER", "127.0.0.1", "\(viewerPort)"]).status == 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        // C-MOVE of two studies to storescp (the configured peer): the data sets arrive unchanged.
        let moved = Array(byStudy.keys.sorted().prefix(2))
        let move = try await Self.run(Self.movescu, ["-aet", "VIEWER", "-aec", "ISTHMUS", "-aem", "VIEWER", "-S", "-k", "QueryRetrieveLevel=STUDY",
                                                     "-k", "StudyInstanceUID=" + moved.joined(separator: "\\"), "127.0.0.1", "\(port)"])
        #expect(move.status == 0, "movescu: \(move.stderr)")
        try Self.expectReceived(files.filter { moved.contains($0.study) }, in: viewerDir)
        // An AE title that is not a configured peer: A801H.
        let unknown = try await Self.run(Self.movescu, ["-v", "-aet", "VIEWER", "-aec", "ISTHMUS", "-aem", "NOBODY", "-S", "-k", "QueryRetrieveLevel=STUDY",
                                                        "-k", "StudyInstanceUID=" + moved[0], "127.0.0.1", "\(port)"])
        #expect((unknown.text + unknown.stderr).contains("MoveDestinationUnknown"), "\(unknown.stderr)")

        // C-GET of the whole patient with two instances (Patient Root) into a folder.
        let getDir = data + "/get"
        try FileManager.default.createDirectory(atPath: getDir, withIntermediateDirectories: true)
        let get = try await Self.run(Self.getscu, ["-aet", "VIEWER", "-aec", "ISTHMUS", "-P", "-k", "QueryRetrieveLevel=PATIENT",
                                                   "-k", "PatientID=" + big[0].patientID, "-od", getDir, "127.0.0.1", "\(port)"])
        #expect(get.status == 0, "getscu: \(get.stderr)")
        try Self.expectReceived(byPatient[big[0].patientID] ?? [], in: getDir)

        #expect(server.terminate() == 0, "\(server.stdout)\(server.stderr)")
        for o in files where !o.text(.patientName).isEmpty {
            #expect(!server.stdout.contains(o.text(.patientName)), "no PHI in the log")
        }
    }

    /// C-MOVE to a DICOM peer configured with `tls`: the sub-association is TLS with our client certificate, to
    /// DCMTK `storescp +tls … +cf CA` (which requires one); the instances arrive unchanged.
    @Test func moveToAPeerOverTLS() async throws {
        guard haveIsthmus(), Peers.need("openssl", Peers.available("openssl")),
              Peers.need("DCMTK storescu", Peers.available(Peers.storescu)), Peers.need("DCMTK movescu", Peers.available(Self.movescu)),
              Peers.need("DCMTK storescp", Peers.available(Peers.storescp)), Peers.need("DCMTK echoscu", Peers.available(Self.echoscu)),
              Peers.need("pydicom corpus", Peers.pydicomTestFiles != nil) else { return }
        let certs = try TestCertificates.make()
        let files = Array(try Self.originals().prefix(2))
        let data = try Peers.temporaryDirectory("archive-tls")
        defer { try? FileManager.default.removeItem(atPath: data) }
        let viewerDir = data + "/viewer"
        try FileManager.default.createDirectory(atPath: viewerDir, withIntermediateDirectories: true)
        let viewerPort = try Self.freePort()
        let storescp = try Self.startStorescp(["-aet", "SECURE", "+xa", "+tls", certs.serverKey, certs.serverCertificate, "+cf", certs.caCertificate,
                                               "-od", viewerDir, "\(viewerPort)"])
        defer { kill(storescp.processIdentifier, SIGKILL); storescp.waitUntilExit() }

        let config = data + "/isthmus.yaml"
        try """
        listeners:
          mllp: [ { name: in, port: 0 } ]
          dicom: [ { name: scp, ae-title: ISTHMUS, port: 0 } ]
        peers:
          dicom:
            - name: secure
              ae-title: SECURE
              host: 127.0.0.1
              port: \(viewerPort)
              tls: { ca: \(certs.caCertificate), certificate: \(certs.clientCertificate), key: \(certs.clientKey) }
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let server = try await ServeProcess.start(data: data + "/serve", ["--config", config])
        defer { server.kill() }
        let stored = try await Self.run(Peers.storescu, ["-aet", "MODALITY", "-aec", "ISTHMUS", "127.0.0.1", "\(server.dicomPort)"] + files.map(\.path))
        #expect(stored.status == 0, "storescu: \(stored.stderr)")
        for _ in 0..<100 {
            if try await Self.run(Self.echoscu, ["-aec", "SECURE", "+tls", certs.clientKey, certs.clientCertificate, "+cf", certs.caCertificate,
                                                 "127.0.0.1", "\(viewerPort)"]).status == 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let studies = Array(Set(files.map(\.study))).sorted()
        let move = try await Self.run(Self.movescu, ["-aet", "VIEWER", "-aec", "ISTHMUS", "-aem", "SECURE", "-S", "-k", "QueryRetrieveLevel=STUDY",
                                                     "-k", "StudyInstanceUID=" + studies.joined(separator: "\\"), "127.0.0.1", "\(server.dicomPort)"])
        #expect(move.status == 0, "movescu: \(move.stderr)")
        try Self.expectReceived(files, in: viewerDir)
        #expect(server.terminate() == 0, "\(server.stdout)\(server.stderr)")
    }
}
