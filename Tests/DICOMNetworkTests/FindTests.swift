// C-FIND: command sets, PS3.4 §C.2.2.2 matching, Isthmus SCU ↔ SCP over loopback (pending
// responses, C-CANCEL), findscu against the Isthmus SCP.

import DICOM
import Foundation
import Testing
@testable import DICOMNetwork

enum FindFixtures {
    static func record(_ values: [(Tag, VR, String)]) -> DataSet {
        var ds = DataSet()
        for (tag, vr, v) in values { ds.set(raw(tag, vr, v)) }
        return ds
    }

    /// A value as given (query values such as date ranges are not valid values of their VR).
    static func raw(_ tag: Tag, _ vr: VR, _ v: String) -> DataElement {
        var b = Array(v.utf8)
        if b.count % 2 == 1 { b.append(vr == .UI ? 0 : 0x20) }
        return DataElement(tag: tag, vr: vr, bytes: b)
    }

    static let studies: [DataSet] = [
        record([(.specificCharacterSet, .CS, "ISO_IR 100"), (Tag(0x0008, 0x0020), .DA, "20260105"), (Tag(0x0008, 0x0061), .CS, "CT"),
                (Tag(0x0010, 0x0010), .PN, "Doe^Jane"), (Tag(0x0010, 0x0020), .LO, "123"), (Tag(0x0020, 0x000D), .UI, "1.2.3.1")]),
        record([(Tag(0x0008, 0x0020), .DA, "20251231"), (Tag(0x0008, 0x0061), .CS, "MR"),
                (Tag(0x0010, 0x0010), .PN, "Roe^John"), (Tag(0x0010, 0x0020), .LO, "456"), (Tag(0x0020, 0x000D), .UI, "1.2.3.2")]),
        record([(Tag(0x0008, 0x0020), .DA, "20260301"), (Tag(0x0008, 0x0061), .CS, "CT"),
                (Tag(0x0010, 0x0010), .PN, "Doe^John"), (Tag(0x0010, 0x0020), .LO, "123"), (Tag(0x0020, 0x000D), .UI, "1.2.3.3")]),
    ]

    static func query(_ values: [(Tag, VR, String)]) -> DataSet {
        var ds = record(values)
        ds.set(raw(Tag(0x0008, 0x0052), .CS, "STUDY"))
        return ds
    }
}

@Suite struct FindMatchingTests {
    let uids = { (q: DataSet) in InMemoryQueryHandler.matches(of: q, in: FindFixtures.studies).compactMap { $0.string(Tag(0x0020, 0x000D)) } }

    @Test func commandSetsRoundTrip() throws {
        var rq = DIMSECommand(field: .cFindRQ)
        rq.messageID = 7
        rq.affectedSOPClassUID = QueryModel.studyRoot.rawValue
        rq.priority = 0
        rq.hasDataSet = true
        let back = try DIMSECommand.decode(try rq.encoded())
        #expect(back.field == .cFindRQ && back.messageID == 7 && back.affectedSOPClassUID == QueryModel.studyRoot.rawValue && back.hasDataSet)
        var rsp = DIMSECommand(field: .cFindRSP)
        rsp.messageIDBeingRespondedTo = 7
        rsp.status = DIMSEStatus.pending
        rsp.hasDataSet = true
        let r = try DIMSECommand.decode(try rsp.encoded())
        #expect(r.field == .cFindRSP && r.status == 0xFF00 && r.hasDataSet && r.isResponse)
        var cancel = DIMSECommand(field: .cCancelRQ)
        cancel.messageIDBeingRespondedTo = 7
        let c = try DIMSECommand.decode(try cancel.encoded())
        #expect(c.field == .cCancelRQ && c.messageIDBeingRespondedTo == 7 && !c.hasDataSet && c.messageID == nil)
        #expect(DIMSEStatus.category(0xFF01) == .pending && DIMSEStatus.category(0xFE00) == .cancel)
    }

    @Test func singleValueWildcardListRangeUniversal() {
        #expect(uids(FindFixtures.query([(Tag(0x0010, 0x0020), .LO, "123"), (Tag(0x0020, 0x000D), .UI, "")])) == ["1.2.3.1", "1.2.3.3"])
        #expect(uids(FindFixtures.query([(Tag(0x0010, 0x0010), .PN, "doe*"), (Tag(0x0020, 0x000D), .UI, "")])) == ["1.2.3.1", "1.2.3.3"])
        #expect(uids(FindFixtures.query([(Tag(0x0010, 0x0010), .PN, "?oe^J*n"), (Tag(0x0020, 0x000D), .UI, "")])) == ["1.2.3.2", "1.2.3.3"])
        #expect(uids(FindFixtures.query([(Tag(0x0020, 0x000D), .UI, "1.2.3.2\\1.2.3.3")])) == ["1.2.3.2", "1.2.3.3"])
        #expect(uids(FindFixtures.query([(Tag(0x0008, 0x0020), .DA, "2026-"), (Tag(0x0020, 0x000D), .UI, "")])) == ["1.2.3.1", "1.2.3.3"])
        #expect(uids(FindFixtures.query([(Tag(0x0008, 0x0020), .DA, "20260101-20260201"), (Tag(0x0020, 0x000D), .UI, "")])) == ["1.2.3.1"])
        #expect(uids(FindFixtures.query([(Tag(0x0008, 0x0020), .DA, "-20251231"), (Tag(0x0020, 0x000D), .UI, "")])) == ["1.2.3.2"])
        #expect(uids(FindFixtures.query([(Tag(0x0010, 0x0020), .LO, ""), (Tag(0x0020, 0x000D), .UI, "")])).count == 3)
        #expect(uids(FindFixtures.query([(Tag(0x0010, 0x0020), .LO, "999"), (Tag(0x0020, 0x000D), .UI, "")])).isEmpty)
        #expect(QueryMatcher.wildcard("a*b*c", "aXbYbc") && !QueryMatcher.wildcard("a?c", "abbc") && QueryMatcher.wildcard("*", ""))
    }

    @Test func returnsOnlyRequestedKeysAndCharacterSet() {
        let q = FindFixtures.query([(Tag(0x0010, 0x0020), .LO, "123"), (Tag(0x0010, 0x0030), .DA, "")])
        let r = InMemoryQueryHandler.matches(of: q, in: FindFixtures.studies)
        #expect(r.count == 2)
        // Two instances returning the same values (e.g. of one study): sent once.
        #expect(InMemoryQueryHandler.matches(of: q, in: [FindFixtures.studies[0], FindFixtures.studies[0]]).count == 1)
        let tags = r[0].elements.map(\.tag)
        #expect(tags == [.specificCharacterSet, Tag(0x0008, 0x0052), Tag(0x0010, 0x0020), Tag(0x0010, 0x0030)])
        #expect(r[0].string(.specificCharacterSet) == "ISO_IR 100" && r[0][Tag(0x0010, 0x0030)]?.valueLength == 0)
    }

    @Test func sequenceMatching() {
        var sps = DataSet()
        try! sps.set(Tag(0x0008, 0x0060), vr: .CS, string: "CT")
        try! sps.set(Tag(0x0040, 0x0002), vr: .DA, string: "20260110")
        var rec = FindFixtures.record([(Tag(0x0010, 0x0020), .LO, "123")])
        rec.set(Tag(0x0040, 0x0100), items: [DICOM.Item(dataSet: sps)])
        var q = DataSet()
        var qi = DataSet()
        try! qi.set(Tag(0x0008, 0x0060), vr: .CS, string: "CT")
        try! qi.set(Tag(0x0040, 0x0002), vr: .DA, string: "")
        q.set(Tag(0x0040, 0x0100), items: [DICOM.Item(dataSet: qi)])
        try! q.set(Tag(0x0010, 0x0020), vr: .LO, string: "")
        let r = InMemoryQueryHandler.matches(of: q, in: [rec])
        #expect(r.count == 1)
        #expect(r.first?.items(Tag(0x0040, 0x0100))?.first?.dataSet.string(Tag(0x0040, 0x0002)) == "20260110")
        try! qi.set(Tag(0x0008, 0x0060), vr: .CS, string: "MR")
        q.set(Tag(0x0040, 0x0100), items: [DICOM.Item(dataSet: qi)])
        #expect(InMemoryQueryHandler.matches(of: q, in: [rec]).isEmpty)
    }
}

/// Yields its matches slowly, so that a C-CANCEL arrives while they stream.
struct SlowQueryHandler: QueryHandler {
    let inner: InMemoryQueryHandler
    func find(_ request: QueryRequest) -> AsyncThrowingStream<DataSet, any Error> {
        let matches = InMemoryQueryHandler.matches(of: request.identifier, in: inner.dataSets)
        return AsyncThrowingStream { continuation in
            let task = Task {
                for m in matches {
                    continuation.yield(m)
                    try? await Task.sleep(for: .milliseconds(300))
                    if Task.isCancelled { break }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

struct FailingQueryHandler: QueryHandler {
    func find(_ request: QueryRequest) -> AsyncThrowingStream<DataSet, any Error> {
        AsyncThrowingStream { $0.finish(throwing: QueryFailure(status: DIMSEStatus.outOfResources)) }
    }
}

@Suite(.serialized) struct FindLoopbackTests {
    func open(_ port: Int) async throws -> DICOMAssociation {
        try await DICOMAssociation.open(AssociationParameters(
            host: "127.0.0.1", port: port, callingAETitle: "FINDSCU", calledAETitle: "ISTHMUS",
            presentationContexts: [DICOMAssociation.verificationContext()] + DICOMAssociation.findContexts(firstID: 3)))
    }

    @Test func findReturnsPendingMatchesThenSuccess() async throws {
        let scp = try await TestSCP.start { $0.query = InMemoryQueryHandler(dataSets: FindFixtures.studies) }
        let assoc = try await open(scp.port)
        let q = FindFixtures.query([(Tag(0x0010, 0x0020), .LO, "123"), (Tag(0x0020, 0x000D), .UI, ""), (Tag(0x0010, 0x0010), .PN, "")])
        let r = try await assoc.findAll(identifier: q, model: .studyRoot)
        #expect(r.compactMap { $0.string(Tag(0x0020, 0x000D)) } == ["1.2.3.1", "1.2.3.3"])
        #expect(r.first?.string(.specificCharacterSet) == "ISO_IR 100")
        #expect(try await assoc.findAll(identifier: FindFixtures.query([(Tag(0x0010, 0x0020), .LO, "nobody")]), model: .patientRoot).isEmpty)
        #expect(try await assoc.echo() == DIMSEStatus.success)
        try await assoc.release()
        await scp.server.shutdown()
        #expect(scp.log.text.contains("C-FIND"))
        #expect(!scp.log.text.contains("Doe"))
    }

    @Test func cancelAfterTheFirstMatch() async throws {
        let scp = try await TestSCP.start { $0.query = SlowQueryHandler(inner: InMemoryQueryHandler(dataSets: FindFixtures.studies)) }
        let assoc = try await open(scp.port)
        var got = 0
        for try await _ in assoc.find(identifier: FindFixtures.query([(Tag(0x0020, 0x000D), .UI, "")]), model: .studyRoot) {
            got += 1
            if got == 1 { await assoc.cancelFind(model: .studyRoot) }
        }
        #expect(got < 3)
        // The association is still usable after the Cancel status.
        #expect(try await assoc.echo() == DIMSEStatus.success)
        try await assoc.release()
        await scp.server.shutdown()
        #expect(scp.log.text.contains("status=fe00"))
    }

    @Test func handlerFailureIsTheFinalStatus() async throws {
        let scp = try await TestSCP.start { $0.query = FailingQueryHandler() }
        let assoc = try await open(scp.port)
        await #expect(throws: DICOMNetworkError.self) {
            _ = try await assoc.findAll(identifier: FindFixtures.query([]), model: .modalityWorklist)
        }
        #expect(try await assoc.echo() == DIMSEStatus.success)
        try await assoc.release()
        await scp.server.shutdown()
        #expect(scp.log.text.contains("status=a700"))
    }
}

@Suite(.serialized) struct FindDCMTKTests {
    static func worklistItem() -> DataSet {
        var sps = DataSet()
        try! sps.set(Tag(0x0008, 0x0060), vr: .CS, string: "CT")
        try! sps.set(Tag(0x0040, 0x0001), vr: .AE, string: "CT01")
        try! sps.set(Tag(0x0040, 0x0002), vr: .DA, string: "20260110")
        var rec = FindFixtures.record([(Tag(0x0010, 0x0010), .PN, "Doe^Jane"), (Tag(0x0010, 0x0020), .LO, "123"),
                                       (Tag(0x0020, 0x000D), .UI, "1.2.3.9")])
        rec.set(Tag(0x0040, 0x0100), items: [DICOM.Item(dataSet: sps)])
        return rec
    }

    /// Runs findscu in a fresh folder with -X; returns the data sets of the rsp*.dcm it wrote.
    func findscu(_ port: Int, _ args: [String]) async throws -> (Peers.Output, [DataSet]) {
        let dir = try Peers.temporaryDirectory("findscu")
        let all = ["-aet", "FINDSCU", "-aec", "ISTHMUS", "-X", "-od", dir] + args + ["127.0.0.1", "\(port)"]
        let out = try await Task.detached { try Peers.run(Peers.findscu, all, environment: Peers.dcmtkEnvironment) }.value
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasPrefix("rsp") }.sorted()
        return (out, try files.map { try DICOMFile.read(contentsOf: dir + "/" + $0).dataSet })
    }

    @Test func findscuStudyRootAndWorklistAgainstIsthmus() async throws {
        guard Peers.need("DCMTK findscu", Peers.available(Peers.findscu)) else { return }
        let scp = try await TestSCP.start { $0.query = InMemoryQueryHandler(dataSets: FindFixtures.studies + [Self.worklistItem()]) }
        let (out, rsp) = try await findscu(scp.port, ["-S", "-k", "QueryRetrieveLevel=STUDY", "-k", "PatientID=123", "-k", "StudyDate=2026-",
                                                     "-k", "StudyInstanceUID", "-k", "PatientName"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(rsp.compactMap { $0.string(Tag(0x0020, 0x000D)) } == ["1.2.3.1", "1.2.3.3"])
        #expect(rsp.first?.string(Tag(0x0010, 0x0010)) == "Doe^Jane")

        let (wout, wrsp) = try await findscu(scp.port, ["-W", "-k", "PatientID", "-k", "ScheduledProcedureStepSequence[0].Modality=CT",
                                                       "-k", "ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartDate"])
        #expect(wout.status == 0, "\(wout.stderr)")
        #expect(wrsp.count == 1)
        #expect(wrsp.first?.items(Tag(0x0040, 0x0100))?.first?.dataSet.string(Tag(0x0040, 0x0002)) == "20260110")
        await scp.server.shutdown()
        #expect(scp.log.text.contains("matches=2"))
    }

    /// The Isthmus SCU against DCMTK's worklist SCP, serving its sample worklist.
    @Test func isthmusSCUAgainstWlmscpfs() async throws {
        let samples = ((try? FileManager.default.contentsOfDirectory(atPath: Peers.worklistSamples)) ?? [])
            .filter { $0.hasSuffix(".dump") || $0.hasSuffix(".dump.gz") }.sorted()
        guard Peers.need("DCMTK wlmscpfs", Peers.available(Peers.wlmscpfs)),
              Peers.need("DCMTK dump2dcm", Peers.available(Peers.dump2dcm)),
              Peers.need("DCMTK sample worklist", !samples.isEmpty) else { return }
        let root = try Peers.temporaryDirectory("wlmscpfs")
        let db = root + "/WLAE"
        try FileManager.default.createDirectory(atPath: db, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: db + "/lockfile", contents: Data())
        for name in samples {
            var dump = Peers.worklistSamples + "/" + name
            if name.hasSuffix(".gz") {
                dump = root + "/" + String(name.dropLast(3))
                let z = try Peers.run("sh", ["-c", "gzip -dc \"$0\" > \"$1\"", Peers.worklistSamples + "/" + name, dump])
                #expect(z.status == 0)
            }
            let base = (name as NSString).lastPathComponent.replacingOccurrences(of: ".gz", with: "").replacingOccurrences(of: ".dump", with: "")
            let out = try Peers.run(Peers.dump2dcm, ["+te", dump, db + "/" + base + ".wl"])
            #expect(out.status == 0, "\(out.stderr)")
        }
        let port = try await DCMTKInteropTests().freePort()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Peers.wlmscpfs)
        p.arguments = ["-dfp", root, "\(port)"]
        p.environment = ProcessInfo.processInfo.environment.merging(Peers.dcmtkEnvironment) { $1 }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }

        var params = AssociationParameters(host: "127.0.0.1", port: port, callingAETitle: "ISTHMUS", calledAETitle: "WLAE",
                                           presentationContexts: DICOMAssociation.findContexts([.modalityWorklist]))
        params.timeouts.connect = .seconds(2)
        // wlmscpfs needs a moment to listen: retry the connection (not a timing assertion).
        var assoc: DICOMAssociation?
        for _ in 0..<100 {
            if let a = try? await DICOMAssociation.open(params) { assoc = a; break }
            try await Task.sleep(for: .milliseconds(100))
        }
        guard let assoc else { Issue.record("could not associate with wlmscpfs"); return }
        var q = DataSet()
        q.set(FindFixtures.raw(Tag(0x0010, 0x0020), .LO, ""))
        var sps = DataSet()
        sps.set(FindFixtures.raw(Tag(0x0008, 0x0060), .CS, "MR"))
        sps.set(FindFixtures.raw(Tag(0x0040, 0x0001), .AE, ""))
        q.set(Tag(0x0040, 0x0100), items: [DICOM.Item(dataSet: sps)])
        let mr = try await assoc.findAll(identifier: q, model: .modalityWorklist)
        #expect(!mr.isEmpty)
        for m in mr { #expect(m.items(Tag(0x0040, 0x0100))?.first?.dataSet.string(Tag(0x0008, 0x0060)) == "MR") }
        // Universal: every sample (at least as many as the MR ones).
        let all = try await assoc.findAll(identifier: { var u = q; var i = sps; i.set(FindFixtures.raw(Tag(0x0008, 0x0060), .CS, "")); u.set(Tag(0x0040, 0x0100), items: [DICOM.Item(dataSet: i)]); return u }(), model: .modalityWorklist)
        #expect(all.count > mr.count)
        try await assoc.release()
    }
}

@Suite(.serialized) struct FindCLITests {
    /// `isthmus dicom find --json` against an SCP answering from a folder of files (headers read).
    @Test func cliFindPrintsJSONFromAFolder() async throws {
        guard FileManager.default.isExecutableFile(atPath: LargeInstanceTests.isthmus) else {
            Issue.record("isthmus executable not built at \(LargeInstanceTests.isthmus)")
            return
        }
        let dir = try Peers.temporaryDirectory("findfrom")
        for (i, var ds) in FindFixtures.studies.enumerated() {
            try ds.set(.sopClassUID, vr: .UI, string: "1.2.840.10008.5.1.4.1.1.7")
            try ds.set(.sopInstanceUID, vr: .UI, string: "1.2.3.100.\(i)")
            try DICOMFile(dataSet: ds, transferSyntax: .explicitVRLittleEndian).write(toPath: dir + "/\(i).dcm")
        }
        let handler = InMemoryQueryHandler(directory: dir)
        #expect(handler.dataSets.count == 3)
        let scp = try await TestSCP.start { $0.query = handler }
        let args = ["dicom", "find", "ISTHMUS@127.0.0.1:\(scp.port)", "--aet", "FINDSCU", "--level", "STUDY",
                    "-k", "PatientID=123", "-k", "StudyDate=2026-", "-k", "0020,000D", "--json"]
        let out = try await Task.detached { try Peers.run(LargeInstanceTests.isthmus, args) }.value
        await scp.server.shutdown()
        #expect(out.status == 0, "\(out.stderr)")
        let array = try JSONSerialization.jsonObject(with: out.stdout) as? [[String: Any]]
        #expect(array?.count == 2)
        let uids = (array ?? []).compactMap { (($0["0020000D"] as? [String: Any])?["Value"] as? [String])?.first }
        #expect(uids == ["1.2.3.1", "1.2.3.3"])
    }
}
