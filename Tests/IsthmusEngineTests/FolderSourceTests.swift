import Foundation
import HL7
import IsthmusStore
import Testing
import TestSupport

/// A watched folder as a source of `isthmus serve`: files in, messages journaled and routed, files moved to
/// processed/ or error/ (with the acknowledgments).
@Suite(.serialized) struct FolderSourceTests {
    @Test func filesAreJournaledRoutedAndMovedAside() async throws {
        guard haveIsthmus() else { return }
        let data = try Peers.temporaryDirectory("serve-folder")
        let config = data + "/isthmus.yaml"
        try """
        listeners:
          mllp: [ { name: in, port: 0 } ]
          dicom: [ { name: scp, ae-title: ISTHMUS, port: 0 } ]
          folder: [ { name: drop, path: \(data)/in, poll-interval: 100ms } ]
        channels:
          - name: files
            source: drop
            transform: [ { set: { path: MSH-5, value: FROMFILE } } ]
            destinations: [ { folder: \(data)/out } ]
        """.write(toFile: config, atomically: true, encoding: .utf8)
        #expect(try Peers.run(isthmusExecutable, ["config", "check", config]).status == 0)
        let server = try await ServeProcess.start(data: data, ["--config", config])
        defer { server.kill() }
        try FileManager.default.createDirectory(atPath: data + "/in", withIntermediateDirectories: true)
        // Written under a hidden name, then renamed: the source never reads a partial file.
        let two = ServeTests.hl7("F1") + "\n" + ServeTests.hl7("F2")
        try two.write(toFile: data + "/in/.batch.part", atomically: true, encoding: .utf8)
        try FileManager.default.moveItem(atPath: data + "/in/.batch.part", toPath: data + "/in/batch.hl7")
        try "this is not hl7".write(toFile: data + "/in/garbage.txt", atomically: true, encoding: .utf8)

        let end = ContinuousClock.now + .seconds(30)
        var out: [String] = []
        while ContinuousClock.now < end {
            out = ((try? FileManager.default.contentsOfDirectory(atPath: data + "/out")) ?? []).filter { $0.hasSuffix(".hl7") }
            if out.count >= 2, FileManager.default.fileExists(atPath: data + "/in/error/garbage.txt") { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(out.count == 2)
        #expect(FileManager.default.fileExists(atPath: data + "/in/processed/batch.hl7"))
        #expect(FileManager.default.fileExists(atPath: data + "/in/error/garbage.txt"))
        #expect(FileManager.default.fileExists(atPath: data + "/in/error/garbage.txt.ack"))
        #expect(!FileManager.default.fileExists(atPath: data + "/in/batch.hl7"))
        for f in out {
            let m = try Message([UInt8](try Data(contentsOf: URL(fileURLWithPath: data + "/out/" + f))))
            #expect(m["MSH-5"] == "FROMFILE")
        }
        #expect(server.terminate() == 0)
        let store = try SQLiteStore(path: data + "/isthmus.sqlite", contentDirectory: data + "/content")
        #expect(try await store.listMessages(limit: 0).map(\.controlID).sorted() == ["F1", "F2"])
        try await store.close()
    }
}
