import DICOM
import Foundation
@testable import IsthmusStore
import Testing

@Suite("Store worklist at scale")
struct WorklistScaleTests {
    @Test("100,000 items: a station + date range query (timing printed, not asserted)")
    func scale() async throws {
        let t = try TempStore("wl-scale")
        defer { t.cleanUp() }
        let store = try t.open()
        // ISTHMUS_WORKLIST_ITEMS=N loads N items instead (the load takes ~30 s in a debug build here).
        let total = ProcessInfo.processInfo.environment["ISTHMUS_WORKLIST_ITEMS"].flatMap(Int.init) ?? 100_000
        let stations = 50
        let statuses = ["SCHEDULED", "SCHEDULED", "SCHEDULED", "STARTED", "COMPLETED"]
        var loaded = 0
        let loadStart = ContinuousClock.now
        while loaded < total {
            var batch: [DataSet] = []
            for i in loaded..<min(total, loaded + 5000) {
                let day = 1 + (i / stations) % 28
                let hour = 7 + i % 12
                batch.append(try Workflow.item(
                    accession: "A\(i)", patient: "P\(i % 20_000)", station: "ST\(i % stations)", modality: i % 3 == 0 ? "MR" : "CT",
                    date: String(format: "202603%02d", day), time: String(format: "%02d0000", hour), status: statuses[(i / 7) % statuses.count],
                    study: "1.2.3.\(i)"))
            }
            try await store.upsertWorklistItems(batch, at: Date())
            loaded += batch.count
        }
        let loadTime = ContinuousClock.now - loadStart
        var durations: [Duration] = []
        var found = 0
        for i in 0..<200 {
            let day = String(format: "202603%02d", 1 + i % 27)
            let next = String(format: "202603%02d", 2 + i % 27)
            let q = WorklistQuery(stationAETitle: "ST\(i % stations)", startDateFrom: day, startDateThrough: next)
            let start = ContinuousClock.now
            found = try await store.worklistItems(matching: q).count
            durations.append(ContinuousClock.now - start)
            #expect(found > 0)
        }
        durations.sort()
        // The same queries without decoding the data sets, and SQLite's plan for one.
        var sqlDurations: [Duration] = []
        for i in 0..<200 {
            let q = WorklistQuery(stationAETitle: "ST\(i % stations)", startDateFrom: String(format: "202603%02d", 1 + i % 27), startDateThrough: String(format: "202603%02d", 2 + i % 27))
            let start = ContinuousClock.now
            _ = try await store.worklistRowIDs(matching: q)
            sqlDurations.append(ContinuousClock.now - start)
        }
        sqlDurations.sort()
        let plan = try await store.worklistQueryPlan(WorklistQuery(stationAETitle: "ST1", startDateFrom: "20260301", startDateThrough: "20260302"))
        print("worklist scale: SQL only p50 \(sqlDurations[100]), p99 \(sqlDurations[197]); plan: \(plan.joined(separator: "; "))")
        print("worklist scale: \(total) items loaded in \(loadTime); station + 2-day range query over 200 runs: p50 \(durations[100]), p99 \(durations[197]), max \(durations[199]) (\(found) items returned by the last)")
        try await store.close()
    }
}
