// PS3.4 §B.2.3 (C-STORE statuses; Table B.2-1: the Error Comment (0000,0902) with a failure): the
// engine's DICOM intake says why it refuses an instance, in the C-STORE-RSP the SCU reads.

import DICOM
import DICOMNetwork
import Foundation
import IsthmusEngine
import IsthmusStore
import Logging
import Testing
import TestSupport

@Suite(.serialized) struct DICOMIntakeCommentTests {
    /// pynetdicom's SCU: sends each file over one association, prints the status and Error Comment of each response.
    static let scu = """
    import sys, json
    from pydicom import dcmread
    from pynetdicom import AE
    from pydicom.uid import ExplicitVRLittleEndian

    port, paths = int(sys.argv[1]), sys.argv[2:]
    ae = AE(ae_title="CT01")
    ae.add_requested_context("1.2.840.10008.5.1.4.1.1.2", ExplicitVRLittleEndian)
    assoc = ae.associate("127.0.0.1", port, ae_title="ISTHMUS")
    assert assoc.is_established
    out = []
    for path in paths:
        status = assoc.send_c_store(dcmread(path))
        out.append({"status": status.Status if "Status" in status else -1,
                    "comment": str(status.ErrorComment) if "ErrorComment" in status else None})
    assoc.release()
    print(json.dumps(out))
    """

    /// `isthmus serve` under `duplicates: { sop-instance: reject }`: the first store succeeds with no comment; the
    /// same SOP Instance UID again is refused 0111H and pynetdicom reads the reason; an instance without a
    /// Study Instance UID is refused C000H naming the attribute. No patient name or ID in any comment.
    @Test func pynetdicomReadsWhyTheEngineRefused() async throws {
        guard haveIsthmus(), Peers.need("pynetdicom (pip install pynetdicom)", (try? Peers.run("python3", ["-c", "import pynetdicom"]))?.status == 0)
        else { return }
        let data = try Peers.temporaryDirectory("intake-comment")
        let config = data + "/isthmus.yaml"
        try """
        listeners:
          dicom: [ { name: scp, ae-title: ISTHMUS, port: 0 } ]
          mllp: [ { name: in, port: 0 } ]
        duplicates: { sop-instance: reject }
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let sop = "1.2.826.0.1.3680043.10.1472.91.1.1"
        let first = data + "/first.dcm"
        try ServeTests.writeInstance(first, sop: sop)
        let noStudy = data + "/no-study.dcm"
        try Self.writeInstance(noStudy, sop: "1.2.826.0.1.3680043.10.1472.91.1.2", removing: Tag(0x0020, 0x000D))
        let badSeries = data + "/bad-series.dcm"
        try Self.writeInstance(badSeries, sop: "1.2.826.0.1.3680043.10.1472.91.1.3", setting: (Tag(0x0020, 0x000E), ".1.2.826.0.1.3680043.10.1472.91.1"))
        try Self.scu.write(toFile: data + "/scu.py", atomically: true, encoding: .utf8)

        let server = try await ServeProcess.start(data: data, ["--config", config])
        defer { server.kill() }
        let run = try await Task.detached {
            try Peers.run("python3", [data + "/scu.py", "\(server.dicomPort)", first, first, noStudy, badSeries])
        }.value
        #expect(server.terminate() == 0, "\(server.stdout)\(server.stderr)")
        #expect(run.status == 0, "\(run.stderr)")
        let parsed = try JSONSerialization.jsonObject(with: Data(run.text.utf8)) as? [[String: Any]]
        let responses = try #require(parsed, "\(run.text) \(run.stderr)")
        try #require(responses.count == 4)
        #expect(responses[0]["status"] as? Int == 0x0000)
        #expect(responses[0]["comment"] is NSNull, "no comment with success: \(responses[0])")
        #expect(responses[1]["status"] as? Int == 0x0111)
        #expect(responses[1]["comment"] as? String == "SOP Instance UID already stored (duplicate policy reject)")
        #expect(responses[2]["status"] as? Int == 0xC000)
        #expect(responses[2]["comment"] as? String == "Study Instance UID (0020,000D) missing")
        #expect(responses[3]["status"] as? Int == 0xC000)
        #expect(responses[3]["comment"] as? String == "Series Instance UID (0020,000E) is not a valid UID")
        #expect(!run.text.contains("DOE") && !run.text.contains("P100"), "no PHI in comments: \(run.text)")
        // The refused instances left nothing in incoming/ and were not indexed.
        #expect(try FileManager.default.contentsOfDirectory(atPath: data + "/incoming").isEmpty)
        let store = try SQLiteStore(path: data + "/isthmus.sqlite", contentDirectory: data + "/content")
        #expect(try await store.instance(sopInstanceUID: sop) != nil)
        #expect(try await store.instance(sopInstanceUID: "1.2.826.0.1.3680043.10.1472.91.1.2") == nil)
        try await store.close()
    }

    /// `ServeTests.writeInstance`'s CT instance with one attribute removed or replaced.
    static func writeInstance(_ path: String, sop: String, removing: DICOM.Tag? = nil, setting: (DICOM.Tag, String)? = nil) throws {
        try ServeTests.writeInstance(path, sop: sop)
        var file = try DICOMFile.read(contentsOf: path)
        if let removing { file.dataSet.remove(removing) }
        if let setting { try file.dataSet.set(setting.0, vr: .UI, string: setting.1) }
        try DICOMFile(dataSet: file.dataSet, transferSyntax: .explicitVRLittleEndian).write(toPath: path, sync: false)
    }

    // MARK: The intake in process, over a real SQLite store

    private func intake(_ store: any Store, content: String, policy: SOPDuplicatePolicy = .ignore) -> DICOMIntake {
        DICOMIntake(listener: "scp", store: store, contentDirectory: content, policy: policy, router: ChannelRouter(channels: []),
                    logger: Logger(label: "test"))
    }

    /// A received instance as the SCP leaves it: Isthmus's meta information, then the data set bytes.
    private func received(_ dir: String, sop: String, dataSet: [UInt8]) throws -> ReceivedInstance {
        let header = try DICOMFile(dataSet: DataSet(), transferSyntax: .explicitVRLittleEndian).serialized()
        let path = dir + "/" + sop + ".part"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(header + dataSet)))
        return ReceivedInstance(path: path, sopClassUID: "1.2.840.10008.5.1.4.1.1.2", sopInstanceUID: sop,
                                transferSyntaxUID: "1.2.840.10008.1.2.1", callingAETitle: "CT01", calledAETitle: "ISTHMUS",
                                dataSetLength: dataSet.count)
    }

    private func dataSet(sop: String) throws -> [UInt8] {
        try DataSetWriter.encode(try attributes(sop: sop), transferSyntax: .explicitVRLittleEndian)
    }

    private func attributes(sop: String) throws -> DataSet {
        var ds = DataSet()
        try ds.set(.sopClassUID, string: "1.2.840.10008.5.1.4.1.1.2")
        try ds.set(.sopInstanceUID, string: sop)
        try ds.set(Tag(0x0020, 0x000D), string: "1.2.826.0.1.3680043.10.1472.91.2")
        try ds.set(Tag(0x0020, 0x000E), string: "1.2.826.0.1.3680043.10.1472.91.2.1")
        try ds.set(.patientID, string: "P100")
        return ds
    }

    /// A data set cut in the middle of a value: C000H naming the reader's error, its byte offset in the data set
    /// as sent (not in the file) and the tag — not the value.
    @Test func anUnreadableDataSetNamesTheOffsetAndTag() async throws {
        let dir = try Peers.temporaryDirectory("intake-unreadable")
        let store = try SQLiteStore(path: dir + "/s.sqlite", contentDirectory: dir + "/content")
        let sop = "1.2.826.0.1.3680043.10.1472.91.2.1.1"
        let good = try dataSet(sop: sop)
        // Patient's Name (0010,0010) PN announcing 100 bytes, 8 of them there.
        let cut = good + [0x10, 0x00, 0x10, 0x00, 0x50, 0x4E, 100, 0] + Array("DOE^JANE".utf8)
        let instance = try received(dir, sop: sop, dataSet: cut)
        let decision = await intake(store, content: dir + "/content").decide(instance)
        #expect(decision.status == DIMSEStatus.cannotUnderstand)
        #expect(decision.responseComment == "data set not readable: truncated at byte \(good.count) in (0010,0010)")
        try await store.close()
    }

    /// A store that fails (closed): the lookup under `ignore`, the commit under `replace` — A700H with the step and
    /// the store error's code; nothing is left in the content folder.
    @Test func aStoreFailureNamesTheStep() async throws {
        let dir = try Peers.temporaryDirectory("intake-store-fails")
        let store = try SQLiteStore(path: dir + "/s.sqlite", contentDirectory: dir + "/content")
        try await store.close()
        let sop = "1.2.826.0.1.3680043.10.1472.91.2.1.2"
        let content = dir + "/content"
        try FileManager.default.createDirectory(atPath: content, withIntermediateDirectories: true)
        let bytes = try dataSet(sop: sop)
        let first = try received(dir, sop: sop, dataSet: bytes)
        let lookup = await intake(store, content: content).decide(first)
        #expect(lookup == .outOfResources("store lookup failed: closed"))
        let second = try received(dir, sop: sop, dataSet: bytes)
        let commit = await intake(store, content: content, policy: .replace).decide(second)
        #expect(commit == .outOfResources("index not committed: closed"))
        // store(_:) answers the decision's status.
        let third = try received(dir, sop: sop, dataSet: bytes)
        let status = await intake(store, content: content, policy: .replace).store(third)
        #expect(status == DIMSEStatus.outOfResources)
        let left = FileManager.default.enumerator(atPath: content)?.allObjects.compactMap { $0 as? String }.filter { $0.hasSuffix(".dcm") }
        #expect(left == [])
    }

    /// The content folder cannot be written into (here: it is a file): A700H naming the step and the errno.
    @Test func aContentFolderThatCannotBeUsedNamesTheStepAndErrno() async throws {
        let dir = try Peers.temporaryDirectory("intake-no-content")
        let store = try SQLiteStore(path: dir + "/s.sqlite", contentDirectory: dir + "/content")
        let content = dir + "/not-a-folder"
        #expect(FileManager.default.createFile(atPath: content, contents: Data("x".utf8)))
        let sop = "1.2.826.0.1.3680043.10.1472.91.2.1.3"
        let instance = try received(dir, sop: sop, dataSet: try dataSet(sop: sop))
        let decision = await intake(store, content: content).decide(instance)
        #expect(decision == .outOfResources("cannot create the study or series folder: ENOTDIR"))
        try await store.close()
    }

    /// The data set has its UIDs but no SOP Class UID: the index refuses it (C000H naming the attribute).
    @Test func anInstanceTheIndexRefusesNamesTheAttribute() async throws {
        let dir = try Peers.temporaryDirectory("intake-index-refuses")
        let store = try SQLiteStore(path: dir + "/s.sqlite", contentDirectory: dir + "/content")
        let sop = "1.2.826.0.1.3680043.10.1472.91.2.1.4"
        var ds = try attributes(sop: sop)
        ds.remove(.sopClassUID)
        let instance = try received(dir, sop: sop, dataSet: try DataSetWriter.encode(ds, transferSyntax: .explicitVRLittleEndian))
        let decision = await intake(store, content: dir + "/content").decide(instance)
        #expect(decision == .cannotUnderstand("cannot index: (0008,0016) SOPClassUID missing or empty"))
        #expect(try await store.instance(sopInstanceUID: sop) == nil)
        try await store.close()
    }
}
