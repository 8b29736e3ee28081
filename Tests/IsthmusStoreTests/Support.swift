import Foundation
import HL7
import IsthmusStore
import TestSupport

/// A store in a fresh temporary folder, removed by `cleanUp`.
struct TempStore {
    let dir: String
    var path: String { dir + "/store.sqlite" }
    var content: String { dir + "/content" }

    init(_ name: String) throws {
        dir = try Peers.temporaryDirectory("store-\(name)")
    }

    func open(_ configure: (inout SQLiteStore.Configuration) -> Void = { _ in }) throws -> SQLiteStore {
        var c = SQLiteStore.Configuration()
        configure(&c)
        return try SQLiteStore(path: path, contentDirectory: content, configuration: c)
    }

    func cleanUp() { try? FileManager.default.removeItem(atPath: dir) }
}

/// An ADT^A01 with the given control ID, from LAB|HOSP.
func adt(_ control: String, patient: String = "12345", sender: String = "LAB") -> [UInt8] {
    Array("MSH|^~\\&|\(sender)|HOSP|ISTHMUS|HOSP|20260101120000||ADT^A01^ADT_A01|\(control)|P|2.5.1\rEVN||20260101120000\rPID|1||\(patient)^^^HOSP^MR||DOE^JOHN\r".utf8)
}

func inbound(_ control: String, channel: String = "adt-in", sender: String = "LAB", at: Date = Date(), window: Duration? = nil) throws -> InboundMessage {
    try InboundMessage(Message(adt(control, sender: sender)), channel: channel, receivedAt: at, duplicateWindow: window)
}
