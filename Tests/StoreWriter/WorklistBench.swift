// `isthmus-store-writer worklist DIR COUNT`: loads COUNT Modality Worklist items (50 stations,
// 28 days, 3 of 5 SCHEDULED) and times the store's worklist query (PS3.4 K.6 prefilter, data sets
// decoded) by scheduled station AE and SPS start date range, as a C-FIND SCP would call it.
import DICOM
import Foundation
import IsthmusStore

func worklistItem(_ i: Int, stations: Int) throws -> DataSet {
    let statuses = ["SCHEDULED", "SCHEDULED", "SCHEDULED", "STARTED", "COMPLETED"]
    var ds = DataSet()
    try ds.set(.patientID, vr: .LO, string: "P\(i % 20_000)")
    try ds.set(Tag(0x0010, 0x0021), vr: .LO, string: "HOSP")
    try ds.set(.patientName, vr: .PN, string: "DOE^JANE^\(i % 20_000 % 97)")
    try ds.set(Tag(0x0010, 0x0030), vr: .DA, string: "19700101")
    try ds.set(Tag(0x0010, 0x0040), vr: .CS, string: "F")
    try ds.set(Tag(0x0008, 0x0050), vr: .SH, string: "A\(i)")
    try ds.set(Tag(0x0040, 0x1001), vr: .SH, string: "RP\(i)")
    try ds.set(Tag(0x0032, 0x1060), vr: .LO, string: "CT HEAD WITHOUT CONTRAST")
    try ds.set(Tag(0x0020, 0x000D), vr: .UI, string: "1.2.826.0.1.3680043.10.1472.99.\(i)")
    var step = DataSet()
    try step.set(Tag(0x0040, 0x0001), vr: .AE, string: "ST\(i % stations)")
    try step.set(Tag(0x0040, 0x0002), vr: .DA, string: String(format: "202603%02d", 1 + (i / stations) % 28))
    try step.set(Tag(0x0040, 0x0003), vr: .TM, string: String(format: "%02d%02d00", 7 + i % 12, i % 60))
    try step.set(Tag(0x0008, 0x0060), vr: .CS, string: i % 3 == 0 ? "MR" : "CT")
    try step.set(Tag(0x0040, 0x0009), vr: .SH, string: "SPS\(i)")
    try step.set(Tag(0x0040, 0x0007), vr: .LO, string: "CT HEAD")
    try step.set(Tag(0x0040, 0x0020), vr: .CS, string: statuses[(i / 7) % statuses.count])
    ds.set(Tag(0x0040, 0x0100), items: [Item(dataSet: step)])
    return ds
}

func worklistBench(_ store: SQLiteStore, count: Int) async throws {
    let stations = 50
    let clock = ContinuousClock()
    let loadStart = clock.now
    var loaded = 0
    while loaded < count {
        let batch = try (loaded..<min(count, loaded + 5000)).map { try worklistItem($0, stations: stations) }
        _ = try await store.upsertWorklistItems(batch, at: Date())
        loaded += batch.count
    }
    emit("worklist: \(count) items loaded in \(clock.now - loadStart)")
    func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
    for days in [1, 2] {
        var durations: [Double] = []
        var returned = 0
        for i in 0..<1000 {
            let day = 1 + i % (28 - days + 1)
            let q = WorklistQuery(
                stationAETitle: "ST\(i % stations)", startDateFrom: String(format: "202603%02d", day),
                startDateThrough: String(format: "202603%02d", day + days - 1))
            let start = clock.now
            returned += try await store.worklistItems(matching: q).count
            durations.append(ms(clock.now - start))
        }
        durations.sort()
        emit(String(format: "worklist query, station AE + %d-day SPS start date range, SCHEDULED, 1000 queries: p50 %.2f ms, p99 %.2f ms, max %.2f ms, %.1f items returned on average",
                    days, durations[500], durations[990], durations[999], Double(returned) / 1000))
    }
}

/// `isthmus-store-writer worklist-load DIR COUNT WLDIR`: a patient record (as an ADT A08 leaves it) for each of the
/// items' patients, then the items of `worklistItem` into the store of an `isthmus serve` data directory and, the
/// same data sets, as Part 10 files `WLDIR/N.wl` for DCMTK `wlmscpfs` (Scripts/bench-worklist-cfind.sh). The
/// records carry the items' own demographics, so both servers answer the same.
func worklistLoad(_ store: SQLiteStore, count: Int, files: String) async throws {
    let clock = ContinuousClock()
    let start = clock.now
    try FileManager.default.createDirectory(atPath: files, withIntermediateDirectories: true)
    let patients = min(count, 20_000)
    for first in stride(from: 0, to: patients, by: 500) {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for k in first..<min(patients, first + 500) {
                let item = try worklistItem(k, stations: 50)
                var attributes = DataSet()
                for tag in [Tag.patientName, Tag(0x0010, 0x0030), Tag(0x0010, 0x0040)] {
                    if let e = item[tag] { attributes.set(e) }
                }
                let key = PatientKey(id: "P\(k)", issuer: "HOSP")
                group.addTask { _ = try await store.updatePatient(key, attributes: attributes, at: Date()) }
            }
            try await group.waitForAll()
        }
    }
    var loaded = 0
    while loaded < count {
        let batch = try (loaded..<min(count, loaded + 5000)).map { try worklistItem($0, stations: 50) }
        _ = try await store.upsertWorklistItems(batch, at: Date())
        for (n, ds) in batch.enumerated() {
            try DICOMFile(dataSet: ds).write(toPath: "\(files)/\(loaded + n).wl")
        }
        loaded += batch.count
    }
    emit("worklist-load: \(patients) patients and \(count) items into the store, the items into \(files), in \(clock.now - start)")
}
