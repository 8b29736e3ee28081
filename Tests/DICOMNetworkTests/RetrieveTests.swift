// C-MOVE and C-GET (PS3.4 §C.4.2, §C.4.3): the folder retrieve handler's key matching, and the
// Isthmus SCU ↔ Isthmus SCP over loopback — move to a second Isthmus SCP, get on the same
// association, unknown destination (A801H), a bad identifier (A900H), C-CANCEL (FE00H).

import DICOM
import Foundation
import Testing
@testable import DICOMNetwork

enum RetrieveFixtures {
    /// A folder holding copies of the corpus files (what a retrieve SCP serves).
    static func corpusFolder() throws -> (String, [String]) {
        let dir = try Peers.temporaryDirectory("retrieve-src")
        var copies: [String] = []
        for path in Corpus.files {
            let copy = dir + "/" + (path as NSString).lastPathComponent
            try FileManager.default.copyItem(atPath: path, toPath: copy)
            copies.append(copy)
        }
        return (dir, copies)
    }

    static func uid(_ path: String, _ tag: Tag) throws -> String {
        try DICOMFile.read(contentsOf: path, options: .headerOnly).dataSet.string(tag) ?? ""
    }

    /// Study-level identifier naming every study of `paths` (a list of UIDs).
    static func studies(_ paths: [String]) throws -> DataSet {
        var uids: [String] = []
        for p in paths {
            let u = try uid(p, Tag(0x0020, 0x000D))
            if !uids.contains(u) { uids.append(u) }
        }
        var ds = DataSet()
        try ds.set(Tag(0x0008, 0x0052), vr: .CS, string: "STUDY")
        try ds.set(Tag(0x0020, 0x000D), vr: .UI, strings: uids)
        return ds
    }

    /// Files of `directory` by SOP Instance UID.
    static func bySOPInstance(_ directory: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where !name.hasPrefix(".") {
            let path = directory + "/" + name
            if let f = try? DICOMFile.read(contentsOf: path, options: .headerOnly), let u = f.dataSet.string(.sopInstanceUID) { out[u] = path }
        }
        return out
    }

    /// Every original arrived in `directory` with the same data set.
    static func expectReceived(_ originals: [String], in directory: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let received = try bySOPInstance(directory)
        #expect(received.count == originals.count, sourceLocation: sourceLocation)
        for path in originals {
            guard let r = received[try uid(path, .sopInstanceUID)] else {
                Issue.record("\(path) not received", sourceLocation: sourceLocation)
                continue
            }
            #expect(try Corpus.json(r) == Corpus.json(path), "\(path)", sourceLocation: sourceLocation)
        }
    }

    /// Stores like DirectoryStorageHandler, but runs `gate` before answering the first instance.
    final class GatedStorage: StorageHandler, @unchecked Sendable {
        let inner: DirectoryStorageHandler
        let gate: @Sendable () async -> Void
        private let lock = NSLock()
        private var count = 0
        init(directory: String, gate: @escaping @Sendable () async -> Void) {
            inner = DirectoryStorageHandler(directory: directory)
            self.gate = gate
        }
        func store(_ instance: ReceivedInstance) async -> UInt16 {
            let first = lock.withLock {
                count += 1
                return count == 1
            }
            if first { await gate() }
            return await inner.store(instance)
        }
    }

    /// Waits (up to a generous bound, not a timing assertion) until `log` holds `text`.
    static func waitFor(_ text: String, in log: CapturedLog) async {
        for _ in 0..<600 where !log.text.contains(text) {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}

@Suite struct RetrieveMatchingTests {
    @Test func uniqueKeysOfTheLevelAndAbove() throws {
        var q = DataSet()
        try q.set(Tag(0x0008, 0x0052), vr: .CS, string: "SERIES")
        try q.set(Tag(0x0020, 0x000D), vr: .UI, string: "1.2.3")
        try q.set(Tag(0x0020, 0x000E), vr: .UI, strings: ["1.2.3.4", "1.2.3.5"])
        try q.set(Tag(0x0010, 0x0010), vr: .PN, string: "Doe^Jane")  // not a unique key: ignored
        let keys = try DirectoryRetrieveHandler.uniqueKeys(q, model: .studyRoot)
        #expect(keys.elements.map(\.tag) == [Tag(0x0020, 0x000D), Tag(0x0020, 0x000E)])
        // The unique key of the requested level must be there.
        try q.set(Tag(0x0020, 0x000E), vr: .UI, string: "")
        #expect(throws: QueryFailure.self) { try DirectoryRetrieveHandler.uniqueKeys(q, model: .studyRoot) }
        // PATIENT is a level of the Patient Root model only.
        var p = DataSet()
        try p.set(Tag(0x0008, 0x0052), vr: .CS, string: "PATIENT")
        try p.set(Tag(0x0010, 0x0020), vr: .LO, string: "123")
        #expect(try DirectoryRetrieveHandler.uniqueKeys(p, model: .patientRoot).string(Tag(0x0010, 0x0020)) == "123")
        #expect(throws: QueryFailure.self) { try DirectoryRetrieveHandler.uniqueKeys(p, model: .studyRoot) }
    }

    @Test func folderHandlerSelectsByStudyAndInstance() async throws {
        guard Peers.need("pydicom corpus", !Corpus.files.isEmpty) else { return }
        let (dir, copies) = try RetrieveFixtures.corpusFolder()
        let handler = DirectoryRetrieveHandler(directory: dir)
        #expect(handler.entries.count == copies.count)
        let all = try await handler.instances(for: RetrieveRequest(identifier: try RetrieveFixtures.studies(copies), model: .studyRoot, operation: .get, callingAETitle: "X"))
        #expect(Set(all.map(\.path)) == Set(copies))
        var one = DataSet()
        try one.set(Tag(0x0008, 0x0052), vr: .CS, string: "IMAGE")
        try one.set(.sopInstanceUID, vr: .UI, string: try RetrieveFixtures.uid(copies[0], .sopInstanceUID))
        let single = try await handler.instances(for: RetrieveRequest(identifier: one, model: .patientRoot, operation: .get, callingAETitle: "X"))
        #expect(single.map(\.path) == [copies[0]])
    }

    @Test func responseCountsRoundTrip() throws {
        var rsp = DIMSECommand(field: .cMoveRSP)
        RetrieveResult(status: DIMSEStatus.pending, remaining: 3, completed: 2, failed: 1, warning: 0).write(to: &rsp)
        let back = RetrieveResult(try DIMSECommand.decode(try rsp.encoded()), identifier: nil)
        #expect(back == RetrieveResult(status: 0xFF00, remaining: 3, completed: 2, failed: 1, warning: 0))
        var tally = SubOperationTally(total: 3)
        tally.record(0x0000, sopInstanceUID: "1")
        tally.record(0xA700, sopInstanceUID: "2")
        tally.record(0xB007, sopInstanceUID: "3")
        #expect(tally.final(cancelled: false) == RetrieveResult(status: 0xB000, completed: 1, failed: 1, warning: 1, failedSOPInstanceUIDs: ["2"]))
    }
}

@Suite(.serialized) struct RetrieveLoopbackTests {
    /// A Q/R SCP serving the corpus copies, with `peers` as its AE table.
    static func qrSCP(_ dir: String, peers: [String: Int]) async throws -> TestSCP {
        try await TestSCP.start(aeTitle: "QRSCP") { config in
            config.retrieve = DirectoryRetrieveHandler(directory: dir)
            for (ae, port) in peers { config.remoteEntities[ae] = RemoteApplicationEntity(host: "127.0.0.1", port: port) }
        }
    }

    static func openMove(_ port: Int) async throws -> DICOMAssociation {
        try await DICOMAssociation.open(AssociationParameters(host: "127.0.0.1", port: port, callingAETitle: "MOVESCU", calledAETitle: "QRSCP",
                                                              presentationContexts: DICOMAssociation.moveContexts()))
    }

    static func openGet(_ port: Int) async throws -> DICOMAssociation {
        let params = AssociationParameters.forGet(host: "127.0.0.1", port: port, callingAETitle: "GETSCU", calledAETitle: "QRSCP")
        #expect(params.presentationContexts.count <= 128 && Set(params.presentationContexts.map(\.id)).count == params.presentationContexts.count)
        #expect(params.implementation.roleSelections.allSatisfy { $0.scpRole && !$0.scuRole })
        return try await DICOMAssociation.open(params)
    }

    @Test func moveToAnotherIsthmusSCP() async throws {
        guard Peers.need("pydicom corpus", !Corpus.files.isEmpty) else { return }
        let (dir, copies) = try RetrieveFixtures.corpusFolder()
        let dest = try await TestSCP.start(aeTitle: "DEST")
        let qr = try await Self.qrSCP(dir, peers: ["DEST": dest.port])
        let assoc = try await Self.openMove(qr.port)
        let pending = LockedBox<[RetrieveResult]>([])
        let result = try await assoc.move(identifier: try RetrieveFixtures.studies(copies), model: .studyRoot, destination: "DEST") { p in
            pending.set(pending.value + [p])
        }
        #expect(result.status == DIMSEStatus.success)
        #expect(result.completed == copies.count && result.failed == 0 && result.warning == 0)
        // A pending response after each sub-operation but the last, remaining counting down.
        #expect(pending.value.map { $0.remaining ?? -1 } == Array((1..<copies.count).reversed()))
        #expect(pending.value.allSatisfy { $0.status == DIMSEStatus.pending })
        // Unknown destination: A801H, and the association carries on.
        let unknown = try await assoc.move(identifier: try RetrieveFixtures.studies(copies), model: .patientRoot, destination: "NOBODY")
        #expect(unknown.status == DIMSEStatus.moveDestinationUnknown)
        // An identifier without its level's unique key: A900H.
        var bad = DataSet()
        try bad.set(Tag(0x0008, 0x0052), vr: .CS, string: "SERIES")
        let refused = try await assoc.move(identifier: bad, model: .studyRoot, destination: "DEST")
        #expect(refused.status == DIMSEStatus.identifierDoesNotMatchSOPClass)
        try await assoc.release()
        await qr.server.shutdown()
        await dest.server.shutdown()
        try RetrieveFixtures.expectReceived(copies, in: dest.directory)
        #expect(qr.log.text.contains("C-MOVE") && qr.log.text.contains("C-MOVE destination unknown") && qr.log.text.contains("destination=NOBODY"))
        // The destination saw the C-MOVE's SCP as the calling AE.
        #expect(dest.log.text.contains("calling=QRSCP"))
    }

    @Test func getOnTheSameAssociation() async throws {
        guard Peers.need("pydicom corpus", !Corpus.files.isEmpty) else { return }
        let (dir, copies) = try RetrieveFixtures.corpusFolder()
        let qr = try await Self.qrSCP(dir, peers: [:])
        let out = try Peers.temporaryDirectory("get-out")
        let assoc = try await Self.openGet(qr.port)
        let pending = LockedBox<[RetrieveResult]>([])
        let result = try await assoc.get(identifier: try RetrieveFixtures.studies(copies), model: .studyRoot, into: out) { p in
            pending.set(pending.value + [p])
        }
        #expect(result.status == DIMSEStatus.success, "\(result)")
        #expect(result.completed == copies.count)
        #expect(pending.value.count == copies.count - 1)
        try await assoc.release()
        await qr.server.shutdown()
        try RetrieveFixtures.expectReceived(copies, in: out)
        #expect(qr.log.text.contains("C-GET"))
    }

    @Test func getWithoutStorageContextsFailsEachSubOperation() async throws {
        guard Peers.need("pydicom corpus", !Corpus.files.isEmpty) else { return }
        let (dir, copies) = try RetrieveFixtures.corpusFolder()
        let qr = try await Self.qrSCP(dir, peers: [:])
        let out = try Peers.temporaryDirectory("get-out")
        // The GET model only: nothing to receive the instances on.
        let assoc = try await DICOMAssociation.open(AssociationParameters(host: "127.0.0.1", port: qr.port, callingAETitle: "GETSCU", calledAETitle: "QRSCP",
                                                                          presentationContexts: DICOMAssociation.getContexts()))
        let result = try await assoc.get(identifier: try RetrieveFixtures.studies(copies), model: .studyRoot, into: out)
        #expect(result.status == DIMSEStatus.subOperationsCompleteWithFailures)
        #expect(result.failed == copies.count && result.completed == 0)
        #expect(result.failedSOPInstanceUIDs.count == copies.count)
        try await assoc.release()
        await qr.server.shutdown()
    }

    @Test func unreachableDestinationIsA702() async throws {
        guard Peers.need("pydicom corpus", !Corpus.files.isEmpty) else { return }
        let (dir, copies) = try RetrieveFixtures.corpusFolder()
        let closed = try await RetrieveDCMTKTests.freePort()  // nobody listens there
        let qr = try await Self.qrSCP(dir, peers: ["GONE": closed])
        let assoc = try await Self.openMove(qr.port)
        let result = try await assoc.move(identifier: try RetrieveFixtures.studies(copies), model: .studyRoot, destination: "GONE")
        #expect(result.status == DIMSEStatus.unableToPerformSubOperations)
        #expect(result.failed == copies.count && result.failedSOPInstanceUIDs.count == copies.count)
        try await assoc.release()
        await qr.server.shutdown()
        #expect(qr.log.text.contains("C-MOVE sub-association failed"))
    }

    /// A C-GET requestor that never answers a C-STORE sub-operation: the SCP aborts the
    /// association after its DIMSE timeout, and logs why.
    @Test func requestorThatNeverAnswersASubOperationIsAborted() async throws {
        guard Peers.need("pydicom corpus", !Corpus.files.isEmpty) else { return }
        let (dir, copies) = try RetrieveFixtures.corpusFolder()
        let qr = try await TestSCP.start(aeTitle: "QRSCP", quickTimers: true) { $0.retrieve = DirectoryRetrieveHandler(directory: dir) }
        let out = try Peers.temporaryDirectory("get-out")
        let assoc = try await Self.openGet(qr.port)
        let release = AsyncStream<Void>.makeStream()
        let storage = RetrieveFixtures.GatedStorage(directory: out) {
            for await _ in release.stream {}  // holds the first instance until the test ends
        }
        await #expect(throws: DICOMNetworkError.self) {
            _ = try await assoc.get(identifier: try RetrieveFixtures.studies(copies), model: .studyRoot, storage: storage, temporaryDirectory: out)
        }
        release.continuation.finish()
        await qr.server.shutdown()
        #expect(qr.log.text.contains("no C-STORE-RSP to a C-GET sub-operation"))
    }

    @Test func cancelMove() async throws {
        guard Peers.need("pydicom corpus", !Corpus.files.isEmpty) else { return }
        let (dir, copies) = try RetrieveFixtures.corpusFolder()
        let box = LockedBox<DICOMAssociation?>(nil)
        let qrLog = LockedBox<CapturedLog?>(nil)
        // The destination holds the first instance until the Q/R SCP has seen the C-CANCEL.
        let dest = try await TestSCP.start(aeTitle: "DEST") { config in
            config.storage = RetrieveFixtures.GatedStorage(directory: config.temporaryDirectory) {
                await box.value?.cancelMove(model: .studyRoot)
                if let log = qrLog.value { await RetrieveFixtures.waitFor("C-CANCEL", in: log) }
            }
        }
        let qr = try await Self.qrSCP(dir, peers: ["DEST": dest.port])
        qrLog.set(qr.log)
        let assoc = try await Self.openMove(qr.port)
        box.set(assoc)
        let result = try await assoc.move(identifier: try RetrieveFixtures.studies(copies), model: .studyRoot, destination: "DEST")
        #expect(result.status == DIMSEStatus.cancel)
        #expect(result.completed == 1 && result.remaining == copies.count - 1)
        // The association is still usable.
        let again = try await assoc.move(identifier: try RetrieveFixtures.studies(copies), model: .studyRoot, destination: "DEST")
        #expect(again.status == DIMSEStatus.success)
        try await assoc.release()
        await qr.server.shutdown()
        await dest.server.shutdown()
        #expect(qr.log.text.contains("status=fe00"))
    }

    @Test func cancelGet() async throws {
        guard Peers.need("pydicom corpus", !Corpus.files.isEmpty) else { return }
        let (dir, copies) = try RetrieveFixtures.corpusFolder()
        let qr = try await Self.qrSCP(dir, peers: [:])
        let out = try Peers.temporaryDirectory("get-out")
        let assoc = try await Self.openGet(qr.port)
        let storage = RetrieveFixtures.GatedStorage(directory: out) {
            await assoc.cancelGet(model: .studyRoot)
            await RetrieveFixtures.waitFor("C-CANCEL", in: qr.log)
        }
        let result = try await assoc.get(identifier: try RetrieveFixtures.studies(copies), model: .studyRoot, storage: storage, temporaryDirectory: out)
        #expect(result.status == DIMSEStatus.cancel)
        #expect(result.completed == 1 && result.remaining == copies.count - 1)
        #expect(try RetrieveFixtures.bySOPInstance(out).count == 1)
        try await assoc.release()
        await qr.server.shutdown()
    }
}

@Suite(.serialized) struct RetrieveCLITests {
    static func isthmus(_ args: [String]) async throws -> Peers.Output {
        try await Task.detached { try Peers.run(LargeInstanceTests.isthmus, args) }.value
    }

    /// `isthmus dicom move` and `get` against an Isthmus Q/R SCP: exit statuses and received files.
    @Test func cliMoveAndGet() async throws {
        guard FileManager.default.isExecutableFile(atPath: LargeInstanceTests.isthmus) else {
            Issue.record("isthmus executable not built at \(LargeInstanceTests.isthmus)")
            return
        }
        guard Peers.need("pydicom corpus", !Corpus.files.isEmpty) else { return }
        let (dir, copies) = try RetrieveFixtures.corpusFolder()
        let dest = try await TestSCP.start(aeTitle: "DEST")
        let qr = try await RetrieveLoopbackTests.qrSCP(dir, peers: ["DEST": dest.port])
        let studies = (try RetrieveFixtures.studies(copies).strings(Tag(0x0020, 0x000D)) ?? []).joined(separator: "\\")
        let remote = "QRSCP@127.0.0.1:\(qr.port)"

        let moved = try await Self.isthmus(["dicom", "move", remote, "--aet", "CLI", "--dest", "DEST", "--level", "STUDY", "-k", "StudyInstanceUID=" + studies])
        #expect(moved.status == 0, "\(moved.stderr)")
        #expect(moved.text.contains("\(copies.count) completed, 0 failed"))
        try RetrieveFixtures.expectReceived(copies, in: dest.directory)

        let unknown = try await Self.isthmus(["dicom", "move", remote, "--dest", "NOBODY", "-k", "StudyInstanceUID=" + studies])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("0xA801"))

        let out = try Peers.temporaryDirectory("cli-get")
        let got = try await Self.isthmus(["dicom", "get", remote, "--aet", "CLI", "--out", out, "--level", "STUDY", "-k", "StudyInstanceUID=" + studies])
        #expect(got.status == 0, "\(got.stderr)")
        try RetrieveFixtures.expectReceived(copies, in: out)

        // No unique key at the level: refused (A900H), exit 1.
        let refused = try await Self.isthmus(["dicom", "get", remote, "--out", out, "--level", "SERIES", "-k", "StudyInstanceUID=" + studies])
        #expect(refused.status == 1 && refused.stderr.contains("0xA900"))
        await qr.server.shutdown()
        await dest.server.shutdown()
    }
}
