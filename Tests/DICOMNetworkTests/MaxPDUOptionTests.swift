// `isthmus dicom scp --max-pdu N`: our Maximum Length Received (PS3.8 §D.1) is what the A-ASSOCIATE-AC advertises,
// and an SCU that respects it (the Isthmus SCU fragments to the peer's maximum) stores through it intact.

import DICOM
import Foundation
import Testing
@testable import DICOMNetwork
import TestSupport

@Suite(.serialized) struct MaxPDUOptionTests {
    @Test func advertisedAndRespected() async throws {
        guard Peers.need("isthmus", FileManager.default.isExecutableFile(atPath: LargeInstanceTests.isthmus)) else { return }
        let paths = Corpus.files
        guard Peers.need("pydicom corpus", !paths.isEmpty) else { return }
        let out = try Peers.temporaryDirectory("max-pdu") + "/out"
        let scp = try await SCPProcess(out: out, ["--max-pdu", "16384"])
        defer { scp.kill() }
        let port = scp.port

        let files = try paths.map { try DICOMFile.read(contentsOf: $0) }
        let assoc = try await DICOMAssociation.open(AssociationParameters(
            host: "127.0.0.1", port: port, callingAETitle: "MAXPDU", calledAETitle: "ISTHMUS",
            presentationContexts: DICOMAssociation.storageContexts(for: files)))
        #expect(assoc.acceptance.userInformation.maximumLength == 16384)
        for path in paths {
            #expect(try await assoc.store(contentsOf: path) == DIMSEStatus.success, "\(path)")
        }
        try await assoc.release()
        scp.stop()
        for (path, file) in zip(paths, files) {
            let stored = out + "/" + file.dataSet.string(.sopInstanceUID)! + ".dcm"
            #expect(try Corpus.json(stored) == Corpus.json(path), "\(path)")
        }
    }

    @Test func outOfRangeIsRefused() throws {
        guard Peers.need("isthmus", FileManager.default.isExecutableFile(atPath: LargeInstanceTests.isthmus)) else { return }
        let out = try Peers.temporaryDirectory("max-pdu-bad")
        for value in ["1000", "200000"] {
            let r = try Peers.run(LargeInstanceTests.isthmus, ["dicom", "scp", "--port", "0", "--out", out, "--max-pdu", value])
            #expect(r.status != 0)
            #expect(r.stderr.contains("--max-pdu must be between 4096 and 131072"), "\(r.stderr)")
        }
    }
}
