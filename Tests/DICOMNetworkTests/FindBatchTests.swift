// PS3.7 §9.1.2 C-FIND pending responses and §9.3.2.3 C-CANCEL on the acceptor side: the matches of a
// query handed to the event loop in batches (FindResponseQueue), in order, with the query task held
// back while many wait, and dropped once a C-CANCEL-RQ arrives — unit tests, then over loopback.

import DICOM
import Foundation
import Testing
@testable import DICOMNetwork

@Suite struct FindResponseQueueTests {
    @Test func oneWriteScheduledPerBatchInOrder() {
        let q = FindResponseQueue(limit: 10)
        #expect(q.append([1]))
        #expect(!q.append([2]))
        #expect(!q.append([3]))
        #expect(q.take() == [[1], [2], [3]])
        #expect(q.take().isEmpty)
        #expect(q.append([4]), "the next append after a take schedules again")
        #expect(q.take() == [[4]])
        #expect(q.written == 4)
    }

    @Test func aFullQueueHoldsTheTaskUntilTaken() async {
        let q = FindResponseQueue(limit: 2)
        _ = q.append([1])
        #expect(!q.isFull)
        _ = q.append([2])
        #expect(q.isFull)
        let waiting = Task { await q.waitForRoom(); return q.written }
        // The waiter goes on only after the loop took the two.
        #expect(q.take() == [[1], [2]])
        #expect(await waiting.value == 2)
        #expect(!q.isFull)
        await q.waitForRoom()  // room: returns at once
    }

    @Test func discardDropsWhatWaitsAndReleasesTheTask() async {
        let q = FindResponseQueue(limit: 1)
        #expect(q.append([1]))
        let waiting = Task { await q.waitForRoom() }
        q.discard()
        await waiting.value
        #expect(!q.append([2]), "nothing more is scheduled")
        #expect(q.take().isEmpty)
        #expect(q.written == 0)
        #expect(!q.isFull)
    }
}

/// Yields all its matches at once, then waits (for ten minutes) without finishing: only a C-CANCEL or
/// the association ending ends the query.
struct StallingQueryHandler: QueryHandler {
    let matches: [DataSet]
    func find(_ request: QueryRequest) -> AsyncThrowingStream<DataSet, any Error> {
        AsyncThrowingStream { continuation in
            for m in matches { continuation.yield(m) }
            let task = Task {
                try? await Task.sleep(for: .seconds(600))
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

@Suite(.serialized) struct FindBatchLoopbackTests {
    static func records(_ n: Int) -> [DataSet] {
        (0..<n).map { i in
            FindFixtures.record([(Tag(0x0010, 0x0010), .PN, "DOE^JOHN^\(i)"), (Tag(0x0010, 0x0020), .LO, "P\(i)"),
                                 (Tag(0x0020, 0x000D), .UI, "1.2.826.0.1.3680043.10.1472.8.\(i)")])
        }
    }

    func open(_ port: Int) async throws -> DICOMAssociation {
        try await DICOMAssociation.open(AssociationParameters(
            host: "127.0.0.1", port: port, callingAETitle: "FINDSCU", calledAETitle: "ISTHMUS",
            presentationContexts: [DICOMAssociation.verificationContext()] + DICOMAssociation.findContexts(firstID: 3)))
    }

    @Test func manyPendingResponsesArriveInOrderThenSuccess() async throws {
        let records = Self.records(3000)
        let scp = try await TestSCP.start { $0.query = InMemoryQueryHandler(dataSets: records) }
        let assoc = try await open(scp.port)
        let q = FindFixtures.query([(Tag(0x0020, 0x000D), .UI, ""), (Tag(0x0010, 0x0020), .LO, "")])
        for _ in 0..<2 {
            let r = try await assoc.findAll(identifier: q, model: .studyRoot)
            #expect(r.compactMap { $0.string(Tag(0x0010, 0x0020)) } == (0..<3000).map { "P\($0)" })
        }
        #expect(try await assoc.echo() == DIMSEStatus.success)
        try await assoc.release()
        await scp.server.shutdown()
        #expect(scp.log.lines.filter { $0.contains("C-FIND") && $0.contains("matches=3000 ") && $0.contains("status=0") }.count == 2)
    }

    @Test func cancelWhileResponsesWaitForTheLoop() async throws {
        let scp = try await TestSCP.start { $0.query = StallingQueryHandler(matches: Self.records(5000)) }
        let assoc = try await open(scp.port)
        let q = FindFixtures.query([(Tag(0x0010, 0x0020), .LO, "")])
        var got: [String] = []
        for try await m in assoc.find(identifier: q, model: .studyRoot) {
            got.append(m.string(Tag(0x0010, 0x0020)) ?? "")
            if got.count == 1 { await assoc.cancelFind(model: .studyRoot) }
        }
        // The stream ended with the Cancel status; what came before it is a prefix of the matches, and the
        // SCP counts exactly those as sent.
        #expect(!got.isEmpty && got.count <= 5000)
        #expect(got == (0..<got.count).map { "P\($0)" })
        #expect(try await assoc.echo() == DIMSEStatus.success)
        try await assoc.release()
        await scp.server.shutdown()
        let finds = scp.log.lines.filter { $0.contains("C-FIND") && $0.contains("status=fe00") }
        #expect(finds.count >= 1)
        #expect(finds.first?.contains("matches=\(got.count) ") == true, "\(finds)")
    }
}
