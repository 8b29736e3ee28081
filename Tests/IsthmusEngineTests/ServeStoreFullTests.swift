import Foundation
import HL7
import IsthmusStore
import MLLP
import NIOCore
import Testing
import TestSupport

/// `isthmus serve` when its store is full (`data.max-store-size`, which SQLite reports as SQLITE_FULL exactly
/// as for a full disk): the sender gets AE with ERR 207, never AA; everything answered AA before is kept;
/// the listener keeps serving.
@Suite(.serialized) struct ServeStoreFullTests {
    @Test func aFullStoreAnswersAEAndKeepsWhatItAcknowledged() async throws {
        guard haveIsthmus() else { return }
        let data = try Peers.temporaryDirectory("serve-full")
        let config = data + "/isthmus.yaml"
        try """
        data: { max-store-size: 600KB }
        listeners:
          mllp: [ { name: in, port: 0 } ]
          dicom: [ { name: scp, ae-title: ISTHMUS, port: 0 } ]
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let server = try await ServeProcess.start(data: data, ["--config", config])
        defer { server.kill() }
        var cc = MLLPClient.Configuration()
        cc.ackTimeout = .seconds(20)
        let client = MLLPClient(host: "127.0.0.1", port: server.mllpPort, configuration: cc)
        let padding = String(repeating: "X", count: 4000)
        var accepted: [String] = [], refused: [String] = []
        var errors: [String] = []
        for i in 1 ... 400 {
            let id = "F\(i)"
            let reply = try await client.sendRaw(ByteBuffer(bytes: try Message(ServeTests.hl7(id) + "NTE|1||\(padding)\r").serialized()))
            let ack = try Message(Array(reply.readableBytesView))
            #expect(ack["MSA-2"] == id)
            if ack["MSA-1"] == "AA" {
                #expect(refused.isEmpty, "no AA after the store was full (\(id))")
                accepted.append(id)
            } else {
                refused.append(id)
                errors.append("\(ack["MSA-1"] ?? "") \(ack["ERR-3.1"] ?? "") \(ack["ERR-8"] ?? ack["MSA-3"] ?? "")")
                if refused.count == 5 { break }
            }
        }
        await client.close()
        try #require(!accepted.isEmpty && refused.count == 5, "accepted \(accepted.count), refused \(refused.count)")
        #expect(errors.allSatisfy { $0.hasPrefix("AE 207") && $0.contains("full") }, "\(errors)")
        print("store full after \(accepted.count) messages: \(errors[0])")
        // A new connection is served (and answered AE too): the listener is up, nothing crashed.
        let second = MLLPClient(host: "127.0.0.1", port: server.mllpPort, configuration: cc)
        #expect(try await second.send(try Message(ServeTests.hl7("LATE") + "NTE|1||\(padding)\r")).code == "AE")
        await second.close()
        #expect(server.terminate() == 0, "\(server.stderr)")
        let store = try SQLiteStore(path: data + "/isthmus.sqlite", contentDirectory: data + "/content")
        let journaled = try await store.listMessages(limit: 0).map(\.controlID)
        #expect(Set(journaled) == Set(accepted), "every AA'd message kept, no AE'd one half-stored")
        try await store.close()
    }
}
