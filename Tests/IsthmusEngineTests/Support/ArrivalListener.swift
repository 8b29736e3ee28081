import HL7
import MLLP
import NIOConcurrencyHelpers
import NIOCore

/// An MLLP destination that stays up while `serve` is killed and restarted: answers AA to every message and
/// counts each control ID it received (a redelivery after a crash counts again).
final class ArrivalListener: Sendable {
    let server: MLLPServer
    let arrivals = NIOLockedValueBox<[String: Int]>([:])
    let task: Task<Void, Never>

    var port: Int { server.localPort ?? 0 }

    init() async throws {
        var configuration = MLLPServer.Configuration()
        configuration.idleTimeout = nil
        server = try await MLLPServer.bind(host: "127.0.0.1", port: 0, configuration: configuration)
        let server = self.server, arrivals = self.arrivals
        task = Task {
            try? await server.serve { payload in
                let m = try Message(Array(payload.readableBytesView))
                arrivals.withLockedValue { $0[m.controlID ?? "", default: 0] += 1 }
                return ByteBuffer(bytes: try m.acknowledgment(.AA, controlID: "ACK-\(m.controlID ?? "")").serialized())
            }
        }
    }

    /// Whether every one of `ids` has arrived at least once.
    func hasAll(_ ids: Set<String>) -> Bool {
        arrivals.withLockedValue { a in ids.allSatisfy { a[$0] != nil } }
    }

    func stop() async {
        await server.shutdown(gracePeriod: .seconds(1))
        task.cancel()
    }
}
