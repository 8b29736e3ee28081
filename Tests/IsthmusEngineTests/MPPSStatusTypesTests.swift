import DICOM
import DICOMNetwork
import Foundation
@testable import IsthmusEngine
import IsthmusStore
import Logging
import Mapping
import Testing
import TestSupport

/// MPPS status messages with a message type per destination: one message per type, each queued for the
/// destinations that chose it, all journaled before the N-CREATE response.
@Suite struct MPPSStatusTypesTests {
    @Test func oneMessagePerTypeQueuedForItsDestinations() async throws {
        let dir = try Peers.temporaryDirectory("mpps-types")
        let store = try SQLiteStore(path: dir + "/store.sqlite", contentDirectory: dir + "/content")
        var settings = WorkflowSettings()
        settings.mpps = true
        settings.statusMessageType = .omg
        settings.statusDestinations = [Destination(name: "ris", kind: .mllp(peer: "ris")), Destination(name: "lab", kind: .mllp(peer: "lab")),
                                       Destination(name: "files", kind: .folder(path: dir + "/out"))]
        settings.statusMessageTypes = ["files": .oru]
        let handler = StoreMPPSHandler(store: store, settings: settings, logger: Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() }))
        var ds = DataSet()
        try ds.set(Tag(0x0040, 0x0252), string: "IN PROGRESS")
        try ds.set(.patientID, string: "MRN1")
        var step = DataSet()
        try step.set(Tag(0x0008, 0x0050), string: "ACC1")
        try step.set(Tag(0x0020, 0x000D), string: "1.2.826.0.1.3680043.10.1472.3.1")
        ds.set(Tag(0x0040, 0x0270), items: [Item(dataSet: step)])
        #expect(await handler.create(MPPSInstance(sopInstanceUID: "1.2.826.0.1.3680043.10.1472.3.2", attributes: ds, callingAETitle: "CT01")) == 0x0000)

        var byType: [String: [String]] = [:]
        for summary in try await store.listMessages(channel: "workflow", limit: 0) {
            let m = try #require(try await store.message(summary.id))
            byType[summary.messageType] = m.entries.map(\.destination).sorted()
        }
        #expect(byType == ["OMG^O19": ["workflow/lab", "workflow/ris"], "ORU^R01": ["workflow/files"]])
        try await store.close()
    }
}
