// The SCP application: many associations at once, a limit on them, graceful shutdown.

import DICOM
import Foundation
import Testing
@testable import DICOMNetwork

@Suite(.serialized) struct ServerLifecycleTests {
    func open(_ port: Int) async throws -> DICOMAssociation {
        try await DICOMAssociation.open(AssociationParameters(
            host: "127.0.0.1", port: port, callingAETitle: "SCU", calledAETitle: "ISTHMUS",
            presentationContexts: [DICOMAssociation.verificationContext()]))
    }

    @Test func manyConcurrentAssociations() async throws {
        let scp = try await TestSCP.start()
        let statuses = try await withThrowingTaskGroup(of: [UInt16].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let a = try await open(scp.port)
                    var s: [UInt16] = []
                    for _ in 0..<5 { s.append(try await a.echo()) }
                    try await a.release()
                    return s
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(statuses.count == 40 && statuses.allSatisfy { $0 == DIMSEStatus.success })
        await scp.server.shutdown()
    }

    @Test func associationsAboveTheLimitAreRejectedTransiently() async throws {
        let scp = try await TestSCP.start { $0.maximumAssociations = 1 }
        let first = try await open(scp.port)
        do {
            _ = try await open(scp.port)
            Issue.record("second association accepted")
        } catch let e as DICOMNetworkError {
            #expect(e.code == .associationRejected)
            #expect(e.reason.contains("result 2, source 3, reason 2"))
        }
        #expect(try await first.echo() == DIMSEStatus.success)
        try await first.release()
        await scp.server.shutdown()
    }

    @Test func gracefulShutdownLetsOpenAssociationsFinish() async throws {
        let scp = try await TestSCP.start()
        let a = try await open(scp.port)
        await scp.server.stopAccepting()
        // While shutting down: the open association still works, new connections are refused.
        #expect(try await a.echo() == DIMSEStatus.success)
        await #expect(throws: (any Error).self) { _ = try await open(scp.port) }
        async let stopped: Void = scp.server.shutdown(gracePeriod: .seconds(30))
        try await a.release()
        await stopped
        #expect(scp.server.openConnections == 0)
    }
}
