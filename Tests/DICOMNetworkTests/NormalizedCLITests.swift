// `isthmus dicom scp --mpps DIR --commitment`: the executable serving MPPS (steps kept as files)
// and storage commitment over what it stored, driven by the Isthmus SCU.

import DICOM
import Foundation
import Testing
@testable import DICOMNetwork

@Suite(.serialized) struct NormalizedCLITests {
    @Test func scpKeepsMPPSStepsAndCommitsWhatItStored() async throws {
        guard FileManager.default.isExecutableFile(atPath: LargeInstanceTests.isthmus) else {
            Issue.record("isthmus executable not built at \(LargeInstanceTests.isthmus)")
            return
        }
        let root = try Peers.temporaryDirectory("cli-nsvc")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let out = root + "/out", mppsDir = root + "/mpps"
        let scp = try await SCPProcess(out: out, ["--mpps", mppsDir, "--commitment"])
        defer { scp.kill() }
        let port = scp.port

        let file = try DICOMFile(dataSet: {
            var ds = DataSet()
            try ds.set(.sopClassUID, vr: .UI, string: CommitmentFixtures.ctClass)
            try ds.set(.sopInstanceUID, vr: .UI, string: "1.2.826.0.1.3680043.10.1472.9.1")
            return ds
        }(), transferSyntax: .explicitVRLittleEndian)
        let params = AssociationParameters(host: "127.0.0.1", port: port, callingAETitle: "MODALITY", calledAETitle: "ISTHMUS",
                                           presentationContexts: [DICOMAssociation.mppsContext(), DICOMAssociation.storageCommitmentContext(id: 3)]
                                               + DICOMAssociation.storageContexts(for: [file]).map { var c = $0; c.id += 4; return c })
        let assoc = try await DICOMAssociation.open(params)
        let created = try await assoc.mppsCreate(MPPSFixtures.attributes(), sopInstanceUID: "1.2.826.0.1.3680043.10.1472.9.2")
        #expect(created.status == DIMSEStatus.success)
        #expect(try await assoc.store(file) == DIMSEStatus.success)
        #expect(try await assoc.mppsSet("1.2.826.0.1.3680043.10.1472.9.2", modifications: MPPSFixtures.completion()).status == DIMSEStatus.success)
        let stored = SOPReference(sopClassUID: CommitmentFixtures.ctClass, sopInstanceUID: "1.2.826.0.1.3680043.10.1472.9.1")
        let result = try await assoc.requestCommitment([stored])
        #expect(result.eventTypeID == 1 && result.committed == [stored] && result.retrieveAETitle == "ISTHMUS")
        try await assoc.release()
        #expect(scp.stop() == 0)
        let step = try DICOMFile.read(contentsOf: mppsDir + "/1.2.826.0.1.3680043.10.1472.9.2.dcm")
        #expect(step.dataSet.string(.performedProcedureStepStatus) == MPPS.completed)
    }
}
