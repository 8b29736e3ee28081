// `isthmus dicom bench-worklist-find` (hidden): Modality Worklist C-FIND latency (PS3.4 K.6) over one association —
// the client of Scripts/bench-worklist-cfind.sh, the same for every server it measures.

import ArgumentParser
import DICOM
import DICOMNetwork
import Foundation

struct DICOMBenchWorklistFindCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-worklist-find",
        abstract: "Measure Modality Worklist C-FIND latency over one association.",
        discussion: """
        Query i asks for Scheduled Station AE Title ST<i mod STATIONS>, SPS Start Date 202603DD-202603DD (DD = 1 + i mod 28)
        and SPS Status SCHEDULED (the items of `isthmus-store-writer worklist-load`), returning patient, accession,
        study and step keys. Latency is from sending the request to receiving the final response. Prints p50/p99/max
        in milliseconds and a line `RESULT NAME P50 P99`.
        """,
        shouldDisplay: false
    )

    @Argument(help: "The remote AE: AE@HOST:PORT.") var remote: RemoteAE
    @Option(help: "Queries to send.") var queries = 1000
    @Option(help: "Stations the items are spread over.") var stations = 50
    @Option(help: "Name printed with the results.") var name = "server"
    @Option(help: "Our own AE title (calling AE title).") var aet = "BENCH"

    static func query(_ i: Int, stations: Int) throws -> DataSet {
        var ds = DataSet()
        for (tag, vr) in [(Tag.patientName, VR.PN), (.patientID, .LO), (Tag(0x0008, 0x0050), .SH), (Tag(0x0020, 0x000D), .UI), (Tag(0x0040, 0x1001), .SH)] {
            try ds.set(tag, vr: vr, string: "")
        }
        var step = DataSet()
        let day = String(format: "202603%02d", 1 + i % 28)
        try step.set(Tag(0x0040, 0x0001), vr: .AE, string: "ST\(i % stations)")
        // A range (17 characters, padded to 18) is longer than a DA value: set as bytes.
        step.set(Tag(0x0040, 0x0002), vr: .DA, bytes: Array((day + "-" + day + " ").utf8))
        try step.set(Tag(0x0040, 0x0003), vr: .TM, string: "")
        try step.set(Tag(0x0008, 0x0060), vr: .CS, string: "")
        try step.set(Tag(0x0040, 0x0009), vr: .SH, string: "")
        try step.set(Tag(0x0040, 0x0020), vr: .CS, string: "SCHEDULED")
        ds.set(Tag(0x0040, 0x0100), items: [Item(dataSet: step)])
        return ds
    }

    func run() async throws {
        var params = AssociationParameters(host: remote.host, port: remote.port, callingAETitle: aet, calledAETitle: remote.aeTitle,
                                           presentationContexts: DICOMAssociation.findContexts([.modalityWorklist]))
        params.timeouts.dimse = .seconds(600)
        let assoc = try await DICOMAssociation.open(params, logger: makeLogger("isthmus.dicom.bench", verbose: false))
        let clock = ContinuousClock()
        var times: [Double] = []
        var matches = 0
        for i in 0 ..< queries {
            let q = try Self.query(i, stations: stations)
            let start = clock.now
            matches += try await assoc.findAll(identifier: q, model: .modalityWorklist).count
            let d = clock.now - start
            times.append(Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15)
        }
        try await assoc.release()
        times.sort()
        func p(_ q: Double) -> Double { times[min(times.count - 1, Int(Double(times.count) * q))] }
        print(String(format: "%@: %d queries (station AE + 1-day SPS start date, SCHEDULED), one association: p50 %.2f ms, p99 %.2f ms, max %.2f ms, %.1f matches per query",
                     name, queries, p(0.5), p(0.99), times.last ?? 0, Double(matches) / Double(max(1, queries))))
        print(String(format: "RESULT %@ %.3f %.3f", name, p(0.5), p(0.99)))
    }
}
