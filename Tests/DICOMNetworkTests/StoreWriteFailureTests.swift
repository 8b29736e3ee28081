// PS3.4 §B.2.3 (C-STORE statuses: A7xx Refused: Out of Resources) and PS3.7 §9.1.1.1 (C-STORE-RSP,
// Error Comment): an instance that cannot be written — the disk fills up in the middle of its data set,
// the file grows past what the process may write, the flush or the rename fails — is refused with A700H
// and an Error Comment naming the cause, its partial file removed, and the association goes on.
//
// The failures are real: `isthmus dicom scp` runs under a file size limit (RLIMIT_FSIZE, `ulimit -f`,
// with SIGXFSZ ignored), so write(2) returns EFBIG once an instance file reaches it — the same path as
// ENOSPC or EIO. pynetdicom sends instances either side of the limit over one association; the
// C-GET requestor (`isthmus dicom get`) receives its sub-operations under the same limit.

import DICOM
import Foundation
import NIOCore
import NIOEmbedded
import Testing
@testable import DICOMNetwork

@Suite(.serialized) struct StoreWriteFailureTests {
    /// The file size limit the SCP runs under (bash's `ulimit -f` counts 1024-byte blocks).
    static let limitKiB = 24

    static let scu = """
    import sys, json
    from pydicom import dcmread
    from pynetdicom import AE
    from pydicom.uid import ExplicitVRLittleEndian

    port, paths = int(sys.argv[1]), sys.argv[2:]
    ae = AE(ae_title="PYSTORE")
    ae.add_requested_context("1.2.840.10008.5.1.4.1.1.2", ExplicitVRLittleEndian)
    assoc = ae.associate("127.0.0.1", port, ae_title="ISTHMUS")
    assert assoc.is_established
    out = {"responses": []}
    for path in paths:
        rsp = assoc.send_c_store(dcmread(path))
        out["responses"].append({"status": rsp.Status if "Status" in rsp else -1,
                                 "comment": str(rsp.ErrorComment) if "ErrorComment" in rsp else None})
    assoc.release()
    out["released"] = assoc.is_released
    print(json.dumps(out))
    """

    /// Instances either side of the limit, in the order sent, and whether each fits under it.
    /// 200 KB: the write that crosses the limit is one in the middle of the data set (the 32 KiB buffer
    /// is flushed as fragments arrive). 30 KB: under the buffer, over the limit — the write that fails
    /// is the last one, when the instance is finished (on the event loop without fsync, off it with).
    static let instances: [(uid: String, size: Int, fits: Bool)] = [
        ("1.2.826.0.1.3680043.10.1472.88.1", 200_000, false),
        ("1.2.826.0.1.3680043.10.1472.88.2", 2_000, true),
        ("1.2.826.0.1.3680043.10.1472.88.3", 30_000, false),
        ("1.2.826.0.1.3680043.10.1472.88.4", 20_000, true),
    ]

    @Test(arguments: [false, true]) func aWriteThatFailsIsRefusedAndTheAssociationGoesOn(noFsync: Bool) async throws {
        guard Peers.need("pynetdicom (pip install pynetdicom)", PythonPeer.pynetdicomAvailable) else { return }
        guard FileManager.default.isExecutableFile(atPath: LargeInstanceTests.isthmus) else {
            Issue.record("isthmus executable not built at \(LargeInstanceTests.isthmus)")
            return
        }
        let root = try Peers.temporaryDirectory("store-write-failure")
        defer { try? FileManager.default.removeItem(atPath: root) }
        var sent: [String: DataSet] = [:]
        var paths: [String] = []
        for instance in Self.instances {
            let (ds, _) = try StoreCompletionTests.dataSet(uid: instance.uid, size: instance.size)
            let path = root + "/" + instance.uid + ".src.dcm"
            try DICOMFile(dataSet: ds, transferSyntax: .explicitVRLittleEndian).write(toPath: path)
            sent[instance.uid] = ds
            paths.append(path)
        }
        let out = root + "/out"
        let errorLog = root + "/scp.err"
        _ = FileManager.default.createFile(atPath: errorLog, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        // SIGXFSZ ignored (as the SCP inherits it), so a write past the limit fails with EFBIG instead of killing.
        p.arguments = ["-c", "trap '' XFSZ; ulimit -f \(Self.limitKiB) && exec \"$@\"", "bash",
                       LargeInstanceTests.isthmus, "dicom", "scp", "--port", "0", "--host", "127.0.0.1", "--aet", "ISTHMUS", "--out", out]
            + (noFsync ? ["--no-fsync"] : [])
        let stdout = Pipe()
        p.standardOutput = stdout
        p.standardError = FileHandle(forWritingAtPath: errorLog)
        try p.run()
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL) }; p.waitUntilExit() }
        let port = try await listeningPort(stdout)
        // The limit is the one asked for (bytes in /proc), so the sizes above fall either side of it.
        let limits = try String(contentsOfFile: "/proc/\(p.processIdentifier)/limits", encoding: .utf8)
        let fileSize = limits.split(separator: "\n").first { $0.hasPrefix("Max file size") }.map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        #expect(fileSize?.dropFirst(3).first == "\(Self.limitKiB * 1024)", "\(limits)")

        let run = try await PythonPeer.run(Self.scu, name: "store_failure_scu", arguments: ["\(port)"] + paths)
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(run.status == 0, "\(run.stderr)")
        let result = try #require(PythonPeer.json(run.text), "\(run.text) \(run.stderr)")
        let responses = try #require(result["responses"] as? [[String: Any]])
        #expect(responses.count == Self.instances.count)
        for (instance, response) in zip(Self.instances, responses) {
            if instance.fits {
                #expect(response["status"] as? Int == Int(DIMSEStatus.success), "\(instance.uid)")
            } else {
                #expect(response["status"] as? Int == Int(DIMSEStatus.outOfResources), "\(instance.uid)")
                // EFBIG: strerror says "File too large".
                #expect(response["comment"] as? String == "cannot write the instance: File too large", "\(instance.uid): \(response)")
            }
        }
        // Released normally, not aborted.
        #expect(result["released"] as? Bool == true)

        // The instances that fit are stored whole; nothing else is left, no partial file.
        let received = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        #expect(received == Self.instances.filter(\.fits).map { $0.uid + ".dcm" }.sorted(), "\(received)")
        var options = ReadOptions()
        options.bulkDataThreshold = nil
        for instance in Self.instances where instance.fits {
            let stored = try DICOMFile.read(contentsOf: out + "/" + instance.uid + ".dcm", options: options)
            #expect(try stored.dataSet.jsonString() == sent[instance.uid]?.jsonString(), "\(instance.uid)")
        }
        // One line in the log per refused instance, naming it and the cause.
        let log = try String(contentsOfFile: errorLog, encoding: .utf8).split(separator: "\n")
        for instance in Self.instances where !instance.fits {
            let lines = log.filter { $0.contains("C-STORE failed") && $0.contains(instance.uid) }
            #expect(lines.count == 1, "\(log)")
            #expect(lines.first?.contains("File too large") == true, "\(log)")
        }
        #expect(!log.contains { $0.contains("abort") }, "\(log)")
    }

    /// The C-GET requestor receives its C-STORE sub-operations the same way: `isthmus dicom get` under the
    /// same limit takes two instances from an Isthmus Q/R SCP; the one over the limit is answered A700H and
    /// counted failed, the other is stored, the C-GET completes (exit 2: some failed) instead of aborting.
    @Test func aCGetSubOperationThatCannotBeWrittenFailsAlone() async throws {
        guard FileManager.default.isExecutableFile(atPath: LargeInstanceTests.isthmus) else {
            Issue.record("isthmus executable not built at \(LargeInstanceTests.isthmus)")
            return
        }
        let source = try Peers.temporaryDirectory("get-failure-source")
        let out = try Peers.temporaryDirectory("get-failure-out")
        defer {
            try? FileManager.default.removeItem(atPath: source)
            try? FileManager.default.removeItem(atPath: out)
        }
        let study = "1.2.826.0.1.3680043.10.1472.88.20"
        let big = (uid: "1.2.826.0.1.3680043.10.1472.88.21", size: 200_000)
        let small = (uid: "1.2.826.0.1.3680043.10.1472.88.22", size: 2_000)
        for instance in [big, small] {
            var (ds, _) = try StoreCompletionTests.dataSet(uid: instance.uid, size: instance.size)
            try ds.set(.patientID, vr: .LO, string: "GET-FAIL")
            try ds.set(Tag(0x0020, 0x000D), vr: .UI, string: study)
            try ds.set(Tag(0x0020, 0x000E), vr: .UI, string: study + ".1")
            try DICOMFile(dataSet: ds, transferSyntax: .explicitVRLittleEndian).write(toPath: source + "/" + instance.uid + ".dcm")
        }
        let qr = try await RetrieveLoopbackTests.qrSCP(source, peers: [:])
        let run = try await Task.detached {
            try Peers.run("/bin/bash", ["-c", "trap '' XFSZ; ulimit -f \(Self.limitKiB) && exec \"$@\"", "bash", LargeInstanceTests.isthmus,
                                        "dicom", "get", "QRSCP@127.0.0.1:\(qr.port)", "--aet", "GETSCU", "--out", out, "--level", "STUDY",
                                        "-k", "StudyInstanceUID=" + study])
        }.value
        await qr.server.shutdown()
        #expect(run.status == 2, "\(run.text) \(run.stderr)")
        #expect(run.text.contains("1 completed, 1 failed"), "\(run.text)")
        #expect(run.stderr.contains("failed: " + big.uid), "\(run.stderr)")
        #expect(!run.stderr.contains("abort"), "\(run.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out) == [small.uid + ".dcm"])
        #expect(try Corpus.json(out + "/" + small.uid + ".dcm") == Corpus.json(source + "/" + small.uid + ".dcm"))
    }

    /// The same, against pynetdicom as the C-GET SCP: it reads why the sub-operation over the limit was refused —
    /// A700H with `cannot write the instance: File too large` — and no comment with the other's success.
    @Test func aCGetSubOperationThatCannotBeWrittenSaysWhy() async throws {
        guard Peers.need("pynetdicom (pip install pynetdicom)", PythonPeer.pynetdicomAvailable) else { return }
        guard FileManager.default.isExecutableFile(atPath: LargeInstanceTests.isthmus) else {
            Issue.record("isthmus executable not built at \(LargeInstanceTests.isthmus)")
            return
        }
        let out = try Peers.temporaryDirectory("get-failure-py")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let port = try await PythonPeer.freePort()
        let peer = try PythonPeer.Running(StorageDecisionTests.getSCP, name: "get_scp_limit", arguments: ["\(port)", "200000", "2000"])
        defer { peer.stop() }
        // Listening once an association can be opened (this one does no C-GET: the script keeps serving).
        let probe = AssociationParameters.forGet(host: "127.0.0.1", port: port, callingAETitle: "PROBE", calledAETitle: "PYGETSCP", models: [.studyRoot])
        guard let assoc = try await PythonPeer.open(probe) else { Issue.record("could not associate with pynetdicom: \(peer.stderr)"); return }
        try await assoc.release()
        let run = try await Task.detached {
            try Peers.run("/bin/bash", ["-c", "trap '' XFSZ; ulimit -f \(Self.limitKiB) && exec \"$@\"", "bash", LargeInstanceTests.isthmus,
                                        "dicom", "get", "PYGETSCP@127.0.0.1:\(port)", "--aet", "GETSCU", "--out", out, "--level", "STUDY",
                                        "-k", "StudyInstanceUID=1.2.826.0.1.3680043.10.1472.93.100"])
        }.value
        #expect(run.status == 2, "\(run.text) \(run.stderr)")
        let printed = await peer.finish()
        let responses = (try? JSONSerialization.jsonObject(with: Data((printed.split(separator: "\n").last ?? "").utf8))) as? [[String: Any]]
        let got = try #require(responses, "\(printed) \(peer.stderr)")
        try #require(got.count == 2, "\(got)")
        #expect(got[0]["status"] as? Int == Int(DIMSEStatus.outOfResources))
        #expect(got[0]["comment"] as? String == "cannot write the instance: File too large", "\(got[0])")
        #expect(got[1]["status"] as? Int == 0 && got[1]["comment"] is NSNull, "\(got[1])")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out) == ["1.2.826.0.1.3680043.10.1472.93.102.dcm"])
    }

    /// The storage handler cannot move the file (its folder is gone): A700H from the handler with the
    /// Error Comment `cannot move the instance into the folder: ENOENT`, the temporary file removed, the association still answers and releases. With fsync the rename runs
    /// off the event loop, without on it.
    @Test(arguments: [false, true]) func aFailedRenameIsRefusedAndTheAssociationGoesOn(sync: Bool) async throws {
        var directory = ""
        let channel = try await StoreCompletionTests().associate {
            $0.syncReceivedFiles = sync
            $0.storage = DirectoryStorageHandler(directory: $0.temporaryDirectory + "/gone", syncDirectory: sync)
            directory = $0.temporaryDirectory
        }
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let uid = "1.2.826.0.1.3680043.10.1472.88.10"
        let (_, encoded) = try StoreCompletionTests.dataSet(uid: uid, size: 50_000)
        try await StoreCompletionTests.sendStore(channel, uid: uid, messageID: 5, dataSet: encoded)
        let rsp = try #require(try StoreCompletionTests.decodeResponse(try await channel.waitForOutboundWrite(as: PDU.self)))
        #expect(rsp.field == .cStoreRSP && rsp.messageIDBeingRespondedTo == 5 && rsp.affectedSOPInstanceUID == uid)
        #expect(rsp.status == DIMSEStatus.outOfResources)
        // The handler's Error Comment says which step failed and the errno name.
        #expect(rsp.errorComment == "cannot move the instance into the folder: ENOENT")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        try await StoreCompletionTests.echo(channel, messageID: 6)
        try await channel.writeInbound(PDU.releaseRQ)
        #expect(try await channel.waitForOutboundWrite(as: PDU.self) == .releaseRP)
        _ = try? await channel.finish()
    }
}
