// C-MOVE and C-GET interop with DCMTK over loopback (PEERS.md): movescu (to storescp and to an
// Isthmus storage SCP) and getscu against the Isthmus Q/R SCP; the Isthmus SCU's move and get
// against dcmqrscp (its index built with dcmqridx). Received data sets must equal the originals.

import DICOM
import Foundation
import NIOCore
import NIOPosix
import Testing
@testable import DICOMNetwork

@Suite(.serialized) struct RetrieveDCMTKTests {
    static let movescu = "/usr/bin/movescu"
    static let getscu = "/usr/bin/getscu"
    static let dcmqrscp = "/usr/bin/dcmqrscp"
    static let dcmqridx = "/usr/bin/dcmqridx"

    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress!.port!
        try await channel.close().get()
        return port
    }

    /// Starts a DCMTK server; the caller kills it (DCMTK servers ignore SIGTERM).
    static func launch(_ program: String, _ arguments: [String]) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: program)
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(Peers.dcmtkEnvironment) { $1 }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        if let log = ProcessInfo.processInfo.environment["DCMTK_DEBUG_LOG"], let h = FileHandle(forWritingAtPath: log) { p.standardOutput = h; p.standardError = h }
        try p.run()
        return p
    }

    /// Opens an association once the peer listens (it needs a moment to start: retried, not timed).
    static func associate(_ params: AssociationParameters) async throws -> DICOMAssociation? {
        var params = params
        params.timeouts.connect = .seconds(2)
        var last: (any Error)?
        for _ in 0..<100 {
            do { return try await DICOMAssociation.open(params) } catch { last = error }
            // Only a refused connection is worth retrying: the server is not listening yet.
            if let e = last as? DICOMNetworkError, e.code == .associationRejected || e.code == .aborted { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("cannot associate with \(params.calledAETitle): \(last.map { "\($0)" } ?? "-")")
        return nil
    }

    static func run(_ program: String, _ args: [String]) async throws -> Peers.Output {
        try await Task.detached { try Peers.run(program, args, environment: Peers.dcmtkEnvironment) }.value
    }

    @Test func movescuToStorescpAndToIsthmus() async throws {
        guard Peers.need("DCMTK movescu", Peers.available(Self.movescu)), Peers.need("DCMTK storescp", Peers.available(Peers.storescp)),
              Peers.need("pydicom corpus", !Corpus.files.isEmpty) else { return }
        let (dir, copies) = try RetrieveFixtures.corpusFolder()
        let storescpDir = try Peers.temporaryDirectory("move-storescp")
        let storescpPort = try await Self.freePort()
        let storescp = try Self.launch(Peers.storescp, ["-aet", "STORESCP", "+xa", "-od", storescpDir, "\(storescpPort)"])
        defer { kill(storescp.processIdentifier, SIGKILL); storescp.waitUntilExit() }
        guard let probe = try await Self.associate(AssociationParameters(host: "127.0.0.1", port: storescpPort, callingAETitle: "PROBE", calledAETitle: "STORESCP",
                                                                         presentationContexts: [DICOMAssociation.verificationContext()])) else {
            Issue.record("storescp did not start")
            return
        }
        try await probe.release()
        let dest = try await TestSCP.start(aeTitle: "DEST")
        let qr = try await RetrieveLoopbackTests.qrSCP(dir, peers: ["STORESCP": storescpPort, "DEST": dest.port])
        let studies = try RetrieveFixtures.studies(copies).strings(Tag(0x0020, 0x000D)) ?? []
        for (ae, target) in [("STORESCP", storescpDir), ("DEST", dest.directory)] {
            let out = try await Self.run(Self.movescu, ["-aet", "MOVESCU", "-aec", "QRSCP", "-aem", ae, "-S",
                                                        "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=" + studies.joined(separator: "\\"),
                                                        "127.0.0.1", "\(qr.port)"])
            #expect(out.status == 0, "movescu to \(ae): \(out.stderr)")
            try RetrieveFixtures.expectReceived(copies, in: target)
        }
        // An unknown destination: movescu reports the A801H failure.
        let unknown = try await Self.run(Self.movescu, ["-v", "-aet", "MOVESCU", "-aec", "QRSCP", "-aem", "NOBODY", "-S",
                                                        "-k", "QueryRetrieveLevel=STUDY", "-k", "StudyInstanceUID=" + studies[0], "127.0.0.1", "\(qr.port)"])
        #expect((unknown.text + unknown.stderr).contains("MoveDestinationUnknown"),
                "\(unknown.stderr)")
        await qr.server.shutdown()
        await dest.server.shutdown()
    }

    @Test func getscuAgainstIsthmus() async throws {
        guard Peers.need("DCMTK getscu", Peers.available(Self.getscu)), Peers.need("pydicom corpus", !Corpus.files.isEmpty) else { return }
        let (dir, copies) = try RetrieveFixtures.corpusFolder()
        let qr = try await RetrieveLoopbackTests.qrSCP(dir, peers: [:])
        // getscu proposes every storage SOP class with one list of syntaxes, its preferred first:
        // one run per kind of file, each retrieved by SOP Instance UID in its own syntax.
        let option: [String: String] = ["SC_rgb_rle.dcm": "+xr", "SC_rgb_jpeg_dcmtk.dcm": "+xy"]
        var groups: [String: [String]] = [:]
        for path in copies { groups[option[(path as NSString).lastPathComponent] ?? "", default: []].append(path) }
        for (flag, files) in groups.sorted(by: { $0.key < $1.key }) {
            let out = try Peers.temporaryDirectory("getscu")
            let uids = try files.map { try RetrieveFixtures.uid($0, .sopInstanceUID) }
            let args = ["-aet", "GETSCU", "-aec", "QRSCP", "-S"] + (flag.isEmpty ? [] : [flag])
                + ["-k", "QueryRetrieveLevel=IMAGE", "-k", "SOPInstanceUID=" + uids.joined(separator: "\\"), "-od", out, "127.0.0.1", "\(qr.port)"]
            let result = try await Self.run(Self.getscu, args)
            #expect(result.status == 0, "getscu \(flag): \(result.stderr)")
            try RetrieveFixtures.expectReceived(files, in: out)
        }
        await qr.server.shutdown()
        #expect(qr.log.text.contains("C-GET"))
    }

    @Test func isthmusMoveAndGetAgainstDcmqrscp() async throws {
        guard Peers.need("DCMTK dcmqrscp", Peers.available(Self.dcmqrscp)), Peers.need("DCMTK dcmqridx", Peers.available(Self.dcmqridx)),
              Peers.need("pydicom corpus", !Corpus.files.isEmpty) else { return }
        // dcmqrscp proposes one kind of transfer syntax for its sub-operations (uncompressed by
        // default) and does not decompress: the uncompressed corpus files only.
        let (db, all) = try RetrieveFixtures.corpusFolder()
        let copies = try all.filter { !(try DICOMFile.read(contentsOf: $0, options: .headerOnly).transferSyntax.isEncapsulated) }
        let index = try await Self.run(Self.dcmqridx, [db] + copies)
        #expect(index.status == 0, "\(index.stderr)")
        let dest = try await TestSCP.start(aeTitle: "DEST")
        let port = try await Self.freePort()
        let config = db + "/dcmqrscp.cfg"
        try """
            NetworkTCPPort  = \(port)
            MaxPDUSize      = 16384
            MaxAssociations = 16
            HostTable BEGIN
            dest = (DEST, 127.0.0.1, \(dest.port))
            HostTable END
            VendorTable BEGIN
            VendorTable END
            AETable BEGIN
            QRSCP \(db) RW (200, 1024mb) ANY
            AETable END

            """.write(toFile: config, atomically: true, encoding: .utf8)
        let server = try Self.launch(Self.dcmqrscp, ["-c", config])
        defer { kill(server.processIdentifier, SIGKILL); server.waitUntilExit() }

        guard let mover = try await Self.associate(AssociationParameters(host: "127.0.0.1", port: port, callingAETitle: "ISTHMUS", calledAETitle: "QRSCP",
                                                                         presentationContexts: DICOMAssociation.moveContexts())) else {
            Issue.record("dcmqrscp did not start")
            return
        }
        let moved = try await mover.move(identifier: try RetrieveFixtures.studies(copies), model: .studyRoot, destination: "DEST")
        try await mover.release()
        #expect(moved.status == DIMSEStatus.success, "\(moved)")
        #expect(moved.completed == copies.count)
        try RetrieveFixtures.expectReceived(copies, in: dest.directory)

        let out = try Peers.temporaryDirectory("get-dcmqrscp")
        let params = AssociationParameters.forGet(host: "127.0.0.1", port: port, callingAETitle: "ISTHMUS", calledAETitle: "QRSCP")
        guard let getter = try await Self.associate(params) else {
            Issue.record("cannot associate with dcmqrscp for C-GET")
            return
        }
        let got = try await getter.get(identifier: try RetrieveFixtures.studies(copies), model: .studyRoot, into: out)
        try await getter.release()
        #expect(got.status == DIMSEStatus.success, "\(got)")
        #expect(got.completed == copies.count)
        try RetrieveFixtures.expectReceived(copies, in: out)
        await dest.server.shutdown()
    }
}
