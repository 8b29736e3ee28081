// A measurement, not an assertion of speed: C-FIND through StoreQueryHandler over an SQLiteStore holding
// 100 patients × 5 studies × 2 series × 10 instances (10,000 instances). Opt-in (it prints timings):
//   ISTHMUS_ARCHIVE_BENCH=1 swift test --no-parallel --filter ArchiveQueryBench

import DICOM
import DICOMNetwork
import Foundation
import IsthmusEngine
import IsthmusStore
import Testing
import TestSupport

@Suite(.serialized) struct ArchiveQueryBench {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["ISTHMUS_ARCHIVE_BENCH"] == "1"))
    func queryTimings() async throws {
        let dir = try Peers.temporaryDirectory("archive-bench")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try SQLiteStore(path: dir + "/store.sqlite", contentDirectory: dir + "/content")
        var records: [InstanceRecord] = []
        for p in 0..<100 {
            for s in 0..<5 {
                let study = "1.2.\(p).\(s)"
                for se in 0..<2 {
                    for i in 0..<10 {
                        records.append(InstanceRecord(
                            path: "x", patientID: "P\(p)", patientName: "NAME\(p)^TEST", studyInstanceUID: study, studyDate: "2024\(String(format: "%02d", s + 1))15",
                            modalitiesInStudy: [se == 0 ? "CT" : "MR"], seriesInstanceUID: "\(study).\(se)", seriesNumber: se, modality: se == 0 ? "CT" : "MR",
                            sopClassUID: "1.2.840.10008.5.1.4.1.1.2", sopInstanceUID: "\(study).\(se).\(i)", instanceNumber: i,
                            transferSyntaxUID: "1.2.840.10008.1.2.1", size: 1))
                    }
                }
            }
        }
        let clock = ContinuousClock()
        let indexing = try await clock.measure {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for chunk in stride(from: 0, to: records.count, by: 500) {
                    let slice = records[chunk..<min(chunk + 500, records.count)]
                    group.addTask { for r in slice { _ = try await store.indexInstance(r, policy: .ignore) } }
                }
                try await group.waitForAll()
            }
        }
        print("archive bench: indexed \(records.count) instances in \(indexing)")
        let handler = StoreQueryHandler(store: store)
        func identifier(_ level: String, _ keys: [(DICOM.Tag, VR, String)]) -> DataSet {
            var ds = DataSet()
            ds.set(DataElement(tag: DICOM.Tag(0x0008, 0x0052), vr: .CS, bytes: Array((level.count % 2 == 1 ? level + " " : level).utf8)))
            for (t, vr, v) in keys {
                var b = Array(v.utf8)
                if b.count % 2 == 1 { b.append(vr == .UI ? 0 : 0x20) }
                ds.set(DataElement(tag: t, vr: vr, bytes: b))
            }
            return ds
        }
        let study = DICOM.Tag(0x0020, 0x000D), count = DICOM.Tag(0x0020, 0x1208)
        let cases: [(String, QueryModel, DataSet)] = [
            ("STUDY by Study Instance UID", .studyRoot, identifier("STUDY", [(study, .UI, "1.2.57.3"), (count, .IS, "")])),
            ("STUDY by Patient ID", .studyRoot, identifier("STUDY", [(.patientID, .LO, "P57"), (study, .UI, ""), (count, .IS, "")])),
            ("STUDY by date range", .studyRoot, identifier("STUDY", [(DICOM.Tag(0x0008, 0x0020), .DA, "20240301-20240331"), (study, .UI, ""), (count, .IS, "")])),
            ("STUDY by name wildcard (no prefilter)", .studyRoot, identifier("STUDY", [(.patientName, .PN, "NAME57*"), (study, .UI, "")])),
            ("PATIENT universal (whole index)", .patientRoot, identifier("PATIENT", [(.patientID, .LO, ""), (DICOM.Tag(0x0020, 0x1204), .IS, "")])),
            ("IMAGE in a series", .studyRoot, identifier("IMAGE", [(study, .UI, "1.2.57.3"), (DICOM.Tag(0x0020, 0x000E), .UI, "1.2.57.3.1"), (.sopInstanceUID, .UI, "")])),
        ]
        for (name, model, id) in cases {
            var n = 0
            var samples: [Duration] = []
            for _ in 0..<20 {
                samples.append(try await clock.measure { n = try await handler.responses(QueryRequest(identifier: id, model: model, callingAETitle: "B")).count })
            }
            samples.sort()
            print("archive bench: \(name): \(n) responses, median \(samples[10]), max \(samples[19])")
        }
        try await store.close()
    }
}
