// PS3.4 §B.2.2 C-STORE SCP, how a received instance is finished: on the event loop when nothing is
// to be fsync'd and the storage handler decides at once (ImmediateStorageHandler), off the loop
// otherwise; an instance whose file cannot be created is refused (A700H) and the association goes on.
// The acceptor's handler is driven through a test channel; then DCMTK storescu against the
// `isthmus dicom scp` executable, with and without --no-fsync.

import DICOM
import Foundation
import NIOCore
import NIOEmbedded
import Testing
@testable import DICOMNetwork

@Suite(.serialized) struct StoreCompletionTests {
    static let ct = "1.2.840.10008.5.1.4.1.1.2"
    static let explicitLE = "1.2.840.10008.1.2.1"

    /// An established association on a test channel, one CT context (1) and Verification (3).
    /// An association whose storage writes into its temporary folder without any fsync (the on-loop path).
    func associateWithoutFsync() async throws -> (NIOAsyncTestingChannel, String) {
        var directory = ""
        let channel = try await associate {
            $0.syncReceivedFiles = false
            $0.storage = DirectoryStorageHandler(directory: $0.temporaryDirectory, syncDirectory: false)
            directory = $0.temporaryDirectory
        }
        return (channel, directory)
    }

    func associate(_ configure: (inout DICOMServerConfiguration) -> Void) async throws -> NIOAsyncTestingChannel {
        let dir = try Peers.temporaryDirectory("store-completion")
        var config = DICOMServerConfiguration(aeTitle: "ANY-SCP", temporaryDirectory: dir)
        config.storage = DirectoryStorageHandler(directory: dir)
        configure(&config)
        let channel = NIOAsyncTestingChannel()
        let configuration = config
        let logger = CapturedLog().logger
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(ServerAssociationHandler(configuration: configuration, logger: logger) { true })
        }.get()
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 104))
        let rq = AAssociateRQ(calledAETitle: "ANY-SCP", callingAETitle: "MODALITY",
                              presentationContexts: [PresentationContextRQ(id: 1, abstractSyntax: Self.ct, transferSyntaxes: [Self.explicitLE]),
                                                     PresentationContextRQ(id: 3, abstractSyntax: AssociationNegotiator.verificationSOPClass, transferSyntaxes: [Self.explicitLE])],
                              userInformation: UserInformation(maximumLength: 16384))
        try await channel.writeInbound(PDU.associateRQ(rq))
        guard case .associateAC = try await channel.waitForOutboundWrite(as: PDU.self) else { throw DICOMNetworkError(.associationRejected, "no A-ASSOCIATE-AC") }
        return channel
    }

    /// A CT data set of about `size` bytes, explicit VR little endian.
    static func dataSet(uid: String, size: Int) throws -> (DataSet, [UInt8]) {
        var ds = DataSet()
        try ds.set(.sopClassUID, vr: .UI, string: ct)
        try ds.set(.sopInstanceUID, vr: .UI, string: uid)
        ds.set(Tag(0x0009, 0x1010), vr: .OB, bytes: (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        return (ds, try DataSetWriter.encode(ds, transferSyntax: .explicitVRLittleEndian))
    }

    /// Sends a C-STORE-RQ and its data set in PDVs of up to `fragment` bytes.
    static func sendStore(_ channel: NIOAsyncTestingChannel, uid: String, messageID: UInt16, dataSet: [UInt8], fragment: Int = 16000) async throws {
        var cmd = DIMSECommand(field: .cStoreRQ)
        cmd.messageID = messageID
        cmd.affectedSOPClassUID = ct
        cmd.affectedSOPInstanceUID = uid
        cmd.priority = 0
        cmd.hasDataSet = true
        try await channel.writeInbound(PDU.dataTF(PDataTF(values: [PresentationDataValue(presentationContextID: 1, isCommand: true, isLast: true, data: ByteBuffer(bytes: try cmd.encoded()))])))
        var offset = 0
        while offset < dataSet.count {
            let end = min(offset + fragment, dataSet.count)
            try await channel.writeInbound(PDU.dataTF(PDataTF(values: [PresentationDataValue(presentationContextID: 1, isCommand: false, isLast: end == dataSet.count, data: ByteBuffer(bytes: dataSet[offset..<end]))])))
            offset = end
        }
    }

    /// Sends a C-ECHO-RQ on the Verification context and expects its success response.
    static func echo(_ channel: NIOAsyncTestingChannel, messageID: UInt16) async throws {
        var echo = DIMSECommand(field: .cEchoRQ)
        echo.messageID = messageID
        echo.affectedSOPClassUID = AssociationNegotiator.verificationSOPClass
        echo.hasDataSet = false
        try await channel.writeInbound(PDU.dataTF(PDataTF(values: [PresentationDataValue(presentationContextID: 3, isCommand: true, isLast: true, data: ByteBuffer(bytes: try echo.encoded()))])))
        let echoRSP = try #require(try Self.decodeResponse(try await channel.waitForOutboundWrite(as: PDU.self)))
        #expect(echoRSP.field == .cEchoRSP && echoRSP.status == DIMSEStatus.success && echoRSP.messageIDBeingRespondedTo == messageID)
    }

    static func decodeResponse(_ pdu: PDU?) throws -> DIMSECommand? {
        guard case .dataTF(let tf)? = pdu, let pdv = tf.values.first, pdv.isCommand else { return nil }
        return try DIMSECommand.decode(Array(pdv.data.readableBytesView))
    }

    /// The bytes of a stored Part 10 file after its meta information: the data set as received.
    static func dataSetBytes(of path: String) throws -> [UInt8] {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let groupLength = Int(bytes[140]) | Int(bytes[141]) << 8 | Int(bytes[142]) << 16 | Int(bytes[143]) << 24
        return Array(bytes[(144 + groupLength)...])
    }

    @Test func withoutFsyncAnImmediateHandlerIsAnsweredFromTheEventLoop() async throws {
        let (channel, directory) = try await associateWithoutFsync()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Small (one write), larger than the 32 KiB buffer, and over 1 MB in many fragments.
        for (i, size) in [2_000, 40_000, 1_100_000].enumerated() {
            let uid = "1.2.826.0.1.3680043.10.1472.77.\(i + 1)"
            let (ds, encoded) = try Self.dataSet(uid: uid, size: size)
            try await Self.sendStore(channel, uid: uid, messageID: UInt16(10 + i), dataSet: encoded)
            // Answered before the last fragment's write returned: no hop off the loop and back.
            let rsp = try #require(try Self.decodeResponse(try await channel.readOutbound(as: PDU.self)), "no C-STORE-RSP right after the data set")
            #expect(rsp.field == .cStoreRSP && rsp.messageIDBeingRespondedTo == UInt16(10 + i))
            #expect(rsp.status == DIMSEStatus.success)
            #expect(rsp.affectedSOPInstanceUID == uid)
            let path = directory + "/" + uid + ".dcm"
            #expect(try Self.dataSetBytes(of: path) == encoded, "\(size) bytes")
            var options = ReadOptions()
            options.bulkDataThreshold = nil
            let file = try DICOMFile.read(contentsOf: path, options: options)
            #expect(file.fileMetaInformation.string(.mediaStorageSOPInstanceUID) == uid)
            #expect(try file.dataSet.jsonString() == ds.jsonString())
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".part") }.isEmpty)
        try await channel.writeInbound(PDU.releaseRQ)
        #expect(try await channel.waitForOutboundWrite(as: PDU.self) == .releaseRP)
        _ = try? await channel.finish()
    }

    @Test func anImmediateFailureIsAnsweredAndNothingIsLeft() async throws {
        let (channel, directory) = try await associateWithoutFsync()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // DirectoryStorageHandler cannot name a file after a UID without digits: C000H.
        let (_, encoded) = try Self.dataSet(uid: "x", size: 100)
        try await Self.sendStore(channel, uid: "x", messageID: 3, dataSet: encoded)
        let rsp = try #require(try Self.decodeResponse(try await channel.readOutbound(as: PDU.self)))
        #expect(rsp.status == DIMSEStatus.cannotUnderstand)
        #expect(rsp.errorComment == "SOP Instance UID has no digits to name the file")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        _ = try? await channel.finish()
    }

    /// A handler that cannot decide at once: the SCP falls back to `store(_:)` off the loop.
    struct DeferringHandler: ImmediateStorageHandler {
        let inner: DirectoryStorageHandler
        func storeImmediately(_ instance: ReceivedInstance) -> UInt16? { nil }
        func store(_ instance: ReceivedInstance) async -> UInt16 { await inner.store(instance) }
    }

    @Test(arguments: [false, true]) func storedOffTheLoopWhenFsyncedOrDeferred(sync: Bool) async throws {
        var directory = ""
        let channel = try await associate {
            $0.syncReceivedFiles = sync
            $0.storage = DeferringHandler(inner: DirectoryStorageHandler(directory: $0.temporaryDirectory, syncDirectory: sync))
            directory = $0.temporaryDirectory
        }
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // 3 MB: write-back is started while it arrives when fsync'd.
        let uid = "1.2.826.0.1.3680043.10.1472.77.9"
        let (_, encoded) = try Self.dataSet(uid: uid, size: 3_000_000)
        try await Self.sendStore(channel, uid: uid, messageID: 4, dataSet: encoded, fragment: 65_000)
        let rsp = try #require(try Self.decodeResponse(try await channel.waitForOutboundWrite(as: PDU.self)))
        #expect(rsp.status == DIMSEStatus.success && rsp.messageIDBeingRespondedTo == 4)
        #expect(try Self.dataSetBytes(of: directory + "/" + uid + ".dcm") == encoded)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".part") }.isEmpty)
        _ = try? await channel.finish()
    }

    @Test(arguments: [false, true]) func anInstanceWhoseFileCannotBeCreatedIsRefusedAndTheAssociationGoesOn(sync: Bool) async throws {
        // The temporary folder does not exist (a read-only one would not stop the tests when run as root).
        let parent = try Peers.temporaryDirectory("store-missing")
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let missing = parent + "/gone"
        let channel = try await associate {
            $0.syncReceivedFiles = sync
            $0.temporaryDirectory = missing
            $0.storage = DirectoryStorageHandler(directory: missing, syncDirectory: sync)
        }
        let uid = "1.2.826.0.1.3680043.10.1472.77.20"
        let (_, encoded) = try Self.dataSet(uid: uid, size: 50_000)
        try await Self.sendStore(channel, uid: uid, messageID: 7, dataSet: encoded)
        let rsp = try #require(try Self.decodeResponse(try await channel.waitForOutboundWrite(as: PDU.self)))
        #expect(rsp.field == .cStoreRSP && rsp.messageIDBeingRespondedTo == 7)
        #expect(rsp.status == DIMSEStatus.outOfResources)
        #expect(rsp.errorComment == "cannot create the instance file: No such file or directory")
        // Still established: a C-ECHO is answered, then the release.
        try await Self.echo(channel, messageID: 8)
        try await channel.writeInbound(PDU.releaseRQ)
        #expect(try await channel.waitForOutboundWrite(as: PDU.self) == .releaseRP)
        _ = try? await channel.finish()
        #expect(!FileManager.default.fileExists(atPath: missing))
    }

    @Test func theTemporaryFileIsNeverTruncatedOrShared() throws {
        let dir = try Peers.temporaryDirectory("received-file")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/a.part"
        let first = try ReceivedInstanceFile(path: path)
        try first.write(contentsOf: [1, 2, 3])
        // O_EXCL: a second file of the same name is an error, the first one is untouched.
        #expect(throws: DICOMError.self) { try ReceivedInstanceFile(path: path) }
        try first.write(contentsOf: [UInt8](repeating: 9, count: 100_000))
        try first.finish(sync: true)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(bytes.count == 100_003 && bytes.prefix(3) == [1, 2, 3] && bytes.last == 9)
        #expect(throws: DICOMError.self) { try first.write(contentsOf: [4]) }
    }

    @Test func writeBackIsStartedOffTheLoopAndTheFileIsWhole() async throws {
        let dir = try Peers.temporaryDirectory("write-behind")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/a.part"
        let file = try ReceivedInstanceFile(path: path, writeBehind: true)
        // 6 MiB in 64 KiB fragments: write-back asked for every 2 MiB, issued on the write-behind queue
        // while the writes go on here.
        let fragment = (0..<65_536).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        for _ in 0..<96 { try file.write(contentsOf: fragment) }
        #expect(file.writeBackRequestedBytes >= 4 << 20)
        // Finished and closed while the write-back may still be running on its own copy of the descriptor.
        try file.finish(sync: true)
        for _ in 0..<500 where !file.writeBackIsIdle { try await Task.sleep(for: .milliseconds(10)) }
        #expect(file.writeBackIsIdle)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(bytes == Data((0..<96).flatMap { _ in fragment }))
    }

    // MARK: DCMTK storescu against the executable

    @Test(arguments: [false, true]) func storescuAgainstTheExecutable(noFsync: Bool) async throws {
        let paths = Corpus.files.filter { !$0.hasSuffix("_dfl.dcm") && !$0.contains("rle") && !$0.contains("jpeg") }
        guard Peers.need("DCMTK storescu", Peers.available(Peers.storescu)), Peers.need("pydicom corpus", !paths.isEmpty) else { return }
        guard FileManager.default.isExecutableFile(atPath: LargeInstanceTests.isthmus) else {
            Issue.record("isthmus executable not built at \(LargeInstanceTests.isthmus)")
            return
        }
        let root = try Peers.temporaryDirectory("cli-store")
        defer { try? FileManager.default.removeItem(atPath: root) }
        // Beside the corpus, an instance of several 64 KiB PDUs (2.5 MB: write-back started while it arrives).
        let big = root + "/big.dcm"
        let (bigDataSet, _) = try Self.dataSet(uid: "1.2.826.0.1.3680043.10.1472.77.30", size: 2_500_000)
        try DICOMFile(dataSet: bigDataSet, transferSyntax: .explicitVRLittleEndian).write(toPath: big)
        let out = root + "/out"
        let scp = try await SCPProcess(out: out, noFsync ? ["--no-fsync"] : [])
        defer { scp.kill() }
        let port = scp.port
        let sent = paths + [big]
        let run = try await Task.detached {
            try Peers.run(Peers.storescu, ["-aet", "STORESCU", "-aec", "ISTHMUS", "127.0.0.1", "\(port)"] + sent, environment: Peers.dcmtkEnvironment)
        }.value
        #expect(run.status == 0, "\(run.stderr)")
        #expect(scp.stop() == 0)
        let received = try FileManager.default.contentsOfDirectory(atPath: out)
        #expect(received.filter { $0.hasSuffix(".dcm") }.count == sent.count, "\(received)")
        #expect(received.filter { $0.hasSuffix(".part") }.isEmpty)
        for path in sent {
            let uid = try DICOMFile.read(contentsOf: path).dataSet.string(.sopInstanceUID)!
            let stored = out + "/" + uid + ".dcm"
            #expect(FileManager.default.fileExists(atPath: stored), "\(path)")
            if FileManager.default.fileExists(atPath: stored) { #expect(try Corpus.json(stored) == Corpus.json(path), "\(path)") }
        }
    }
}
