// Isthmus SCU against the Isthmus SCP over real loopback sockets: C-ECHO, C-STORE of corpus
// files in several transfer syntaxes over one association, negotiation outcomes.

import DICOM
import Foundation
import Testing
@testable import DICOMNetwork

@Suite(.serialized) struct LoopbackTests {
    @Test func echo() async throws {
        let scp = try await TestSCP.start()
        let assoc = try await DICOMAssociation.open(AssociationParameters(
            host: "127.0.0.1", port: scp.port, callingAETitle: "ECHOSCU", calledAETitle: "ISTHMUS",
            presentationContexts: [DICOMAssociation.verificationContext()]))
        #expect(try await assoc.echo() == DIMSEStatus.success)
        #expect(try await assoc.echo() == DIMSEStatus.success)
        try await assoc.release()
        await scp.server.shutdown()
        #expect(scp.log.text.contains("association accepted"))
    }

    @Test func storesCorpusFilesOverOneAssociation() async throws {
        let paths = Corpus.files
        guard Peers.need("pydicom corpus", !paths.isEmpty) else { return }
        let scp = try await TestSCP.start()
        let files = try paths.map { try DICOMFile.read(contentsOf: $0) }
        let assoc = try await DICOMAssociation.open(AssociationParameters(
            host: "127.0.0.1", port: scp.port, callingAETitle: "STORESCU", calledAETitle: "ISTHMUS",
            presentationContexts: DICOMAssociation.storageContexts(for: files)))
        for file in files {
            #expect(try await assoc.store(file) == DIMSEStatus.success)
        }
        try await assoc.release()
        await scp.server.shutdown()
        #expect(scp.receivedFiles.count == files.count)
        for (path, file) in zip(paths, files) {
            let uid = file.dataSet.string(.sopInstanceUID)!
            let received = scp.directory + "/" + uid + ".dcm"
            #expect(try Corpus.json(received) == Corpus.json(path), "\(path)")
        }
        // The log names UIDs and AE titles, never the patient.
        for file in files {
            if let name = file.dataSet.string(.patientName), !name.isEmpty { #expect(!scp.log.text.contains(name)) }
        }
    }

    @Test func storesCorpusFilesStreamedFromDisk() async throws {
        let paths = Corpus.files
        guard Peers.need("pydicom corpus", !paths.isEmpty) else { return }
        let scp = try await TestSCP.start()
        let files = try paths.map { try DICOMFile.read(contentsOf: $0) }
        let assoc = try await DICOMAssociation.open(AssociationParameters(
            host: "127.0.0.1", port: scp.port, callingAETitle: "STORESCU", calledAETitle: "ISTHMUS",
            presentationContexts: DICOMAssociation.storageContexts(for: files)))
        for path in paths {
            #expect(try await assoc.store(contentsOf: path) == DIMSEStatus.success)
        }
        try await assoc.release()
        await scp.server.shutdown()
        for (path, file) in zip(paths, files) {
            let received = scp.directory + "/" + file.dataSet.string(.sopInstanceUID)! + ".dcm"
            #expect(try Corpus.json(received) == Corpus.json(path), "\(path)")
        }
    }

    @Test func convertsWhenTheFilesSyntaxIsNotAccepted() async throws {
        guard let dir = Peers.pydicomTestFiles, Peers.need("pydicom corpus", true) else { return }
        let path = dir + "/MR_small_bigendian.dcm"
        // An SCP accepting only Implicit VR Little Endian for storage.
        let scp = try await TestSCP.start { config in
            config.policy.otherAbstractSyntaxes = ["1.2.840.10008.1.2"]
            config.policy.acceptAnyTransferSyntax = false
        }
        let file = try DICOMFile.read(contentsOf: path)
        let assoc = try await DICOMAssociation.open(AssociationParameters(
            host: "127.0.0.1", port: scp.port, callingAETitle: "STORESCU", calledAETitle: "ISTHMUS",
            presentationContexts: DICOMAssociation.storageContexts(for: [file])))
        #expect(assoc.acceptance.presentationContexts.first?.transferSyntax == "1.2.840.10008.1.2")
        #expect(try await assoc.store(file) == DIMSEStatus.success)
        try await assoc.release()
        await scp.server.shutdown()
        let received = try DICOMFile.read(contentsOf: scp.receivedFiles[0])
        #expect(received.transferSyntax == .implicitVRLittleEndian)
        #expect(try Corpus.json(scp.receivedFiles[0]) == Corpus.json(path))
    }

    @Test func rejectsUnknownCalledAndCallingAETitles() async throws {
        let scp = try await TestSCP.start(allowedCallers: ["GOODSCU"])
        for (calling, called, reason) in [("GOODSCU", "NOTME", 7), ("BADSCU", "ISTHMUS", 3)] {
            await #expect(throws: DICOMNetworkError.self) {
                _ = try await DICOMAssociation.open(AssociationParameters(
                    host: "127.0.0.1", port: scp.port, callingAETitle: calling, calledAETitle: called,
                    presentationContexts: [DICOMAssociation.verificationContext()]))
            }
            #expect(scp.log.text.contains("association rejected"))
            #expect(scp.log.text.contains("reason=\(reason)"))
        }
        await scp.server.shutdown()
    }

    @Test func storingWithoutAnAcceptedContextThrows() async throws {
        guard let dir = Peers.pydicomTestFiles, Peers.need("pydicom corpus", true) else { return }
        let scp = try await TestSCP.start()
        let assoc = try await DICOMAssociation.open(AssociationParameters(
            host: "127.0.0.1", port: scp.port, callingAETitle: "STORESCU", calledAETitle: "ISTHMUS",
            presentationContexts: [DICOMAssociation.verificationContext()]))
        let file = try DICOMFile.read(contentsOf: dir + "/CT_small.dcm")
        await #expect(throws: DICOMNetworkError.self) { _ = try await assoc.store(file) }
        // The association is still usable.
        #expect(try await assoc.echo() == DIMSEStatus.success)
        try await assoc.release()
        await scp.server.shutdown()
    }
}
