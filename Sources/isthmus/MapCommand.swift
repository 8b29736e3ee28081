// `isthmus map`: try the HL7 ⇄ DICOM mapping on files without storing or sending anything
// (../shared/standards/hl7-dicom-mapping.md; docs/mapping.md).

import ArgumentParser
import DICOM
import Foundation
import HL7
import Mapping

struct MapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map",
        abstract: "Show what the HL7 ⇄ DICOM mapping makes of a message, without storing anything.",
        subcommands: [Order.self, MPPS.self, Patient.self]
    )

    /// Options that change the order mapping table (applied over the site mapping file, when there is one).
    struct TableOptions: ParsableArguments {
        @Option(help: "A site mapping file (YAML, docs/mapping.md) applied over the IHE tables.")
        var mapping: String?
        @Option(help: "Missing Study Instance UID: reject, derive (from the accession number; the default) or generate.")
        var studyUIDPolicy: String?
        @Option(help: "Missing SPS ID: reject, requested-procedure-id (the default) or generate.")
        var spsIDPolicy: String?
        @Option(help: "Scheduled Station AE Title when the order names none.")
        var stationAET: String?
        @Option(help: "Modality when the order names none.")
        var modality: String?
        @Option(help: "Specific Character Set of the items (e.g. 'ISO_IR 192'); default: from MSH-18.")
        var charset: String?
        @Flag(help: "Truncate overlong values instead of rejecting the order.")
        var truncate = false

        /// The mapper: the IHE tables, the site mapping file's changes, then these options.
        func mapper() throws -> OrderMapper {
            var mapper = OrderMapper()
            if let mapping {
                do {
                    mapper = try SiteMapping.load(file: mapping).apply(to: mapper)
                } catch {
                    for issue in error.issues { printError(issue.description) }
                    printError("\(mapping): \(error.issues.count) problem\(error.issues.count == 1 ? "" : "s")")
                    throw ExitCode(1)
                }
            }
            try apply(to: &mapper.orm)
            try apply(to: &mapper.omi)
            return mapper
        }

        func apply(to t: inout OrderMappingTable) throws {
            if let studyUIDPolicy {
                guard let s = StudyUIDPolicy(rawValue: studyUIDPolicy) else { throw ValidationError("unknown --study-uid-policy \(studyUIDPolicy)") }
                t.studyUIDPolicy = s
            }
            if let spsIDPolicy {
                guard let p = SPSIDPolicy(rawValue: spsIDPolicy) else { throw ValidationError("unknown --sps-id-policy \(spsIDPolicy)") }
                t.spsIDPolicy = p
            }
            if let stationAET { t.defaultStationAETitle = stationAET }
            if let modality { t.defaultModality = modality }
            if let charset { t.characterSet = charset }
            if truncate { t.truncateOverlongValues = true }
        }
    }

    /// Reads every message of the HL7 files; prints read errors and counts them.
    static func messages(_ files: [String], failures: inout Int) -> [(String, Int, Message)] {
        var out: [(String, Int, Message)] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                printError("isthmus: cannot read \(file)")
                failures += 1
                continue
            }
            let results = MessageStream.messages([UInt8](data))
            if results.isEmpty {
                printError("isthmus: \(file): no HL7 message found")
                failures += 1
            }
            for (n, r) in results.enumerated() {
                switch r {
                case .success(let m): out.append((file, n + 1, m))
                case .failure(let e):
                    printError("isthmus: \(file): message \(n + 1): \(e)")
                    failures += 1
                }
            }
        }
        return out
    }

    static func show(_ ds: DataSet, json: Bool) throws {
        if json {
            print(try ds.jsonString(bulkDataURIPrefix: nil))
        } else {
            let text = ds.dump(maxValueLength: 80)
            print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
        }
    }

    /// Writes a worklist item as a Part 10 file named after its accession number and SPS ID.
    static func write(_ item: DataSet, to directory: String) throws {
        let step = item.items(Tag(0x0040, 0x0100))?.first?.dataSet
        let name = [item.string(Tag(0x0008, 0x0050)) ?? item.string(Tag(0x0040, 0x1001)) ?? "item", step?.string(Tag(0x0040, 0x0009)) ?? ""]
            .filter { !$0.isEmpty }.joined(separator: "-")
        let safe = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" })
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try DICOMFile(dataSet: item, transferSyntax: .explicitVRLittleEndian).write(toPath: directory + "/" + safe + ".wl")
    }

    struct Order: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the worklist item(s) an ORM^O01 / OMI^O23 order would produce.",
            discussion: "Exit status 1 when a message cannot be mapped; the error names the HL7 field, as the AE acknowledgment would."
        )
        @Argument(help: "HL7 files (one or more messages each).") var files: [String]
        @Flag(help: "Print each item as DICOM JSON (PS3.18 F).") var json = false
        @Option(help: "Also write each item as a Part 10 file into this folder (`<accession>-<SPS ID>.wl`, usable by DCMTK wlmscpfs).")
        var out: String?
        @OptionGroup var table: TableOptions

        func run() throws {
            let mapper = try table.mapper()
            var failures = 0
            for (file, n, m) in MapCommand.messages(files, failures: &failures) {
                do {
                    let result = try mapper.map(m)
                    if !json { print("# \(file) message \(n) (\(m.controlID ?? "no control ID")): \(result.action.rawValue), \(result.items.count) item(s)") }
                    for (i, item) in result.items.enumerated() {
                        if !json { print("# item \(i + 1)") }
                        try MapCommand.show(item, json: json)
                        if let out { try MapCommand.write(item, to: out) }
                    }
                } catch let error as MappingError {
                    printError("isthmus: \(file): message \(n): \(error)")
                    failures += 1
                }
            }
            if failures > 0 { throw ExitCode(1) }
        }
    }

    struct MPPS: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mpps",
            abstract: "Print the HL7 procedure status message an MPPS instance would send."
        )
        @Argument(help: "DICOM files holding MPPS instances (N-CREATE data set, N-SET changes applied).") var files: [String]
        @Option(help: "ORM^O01 (v2.3.1), OMI^O23 or OMG^O19 (v2.5.1), ORU^R01 (v2.5.1).") var type: String = StatusMessageType.orm.rawValue
        @Option(help: "MSH-5 of the message.") var receivingApplication = ""
        @Option(help: "MSH-6 of the message.") var receivingFacility = ""
        @Option(help: "MSH-10 of the message.") var controlID = "1"

        func run() throws {
            guard let t = StatusMessageType(rawValue: type) else { throw ValidationError("--type must be one of \(StatusMessageType.allCases.map(\.rawValue).joined(separator: ", "))") }
            let mapper = ProcedureStatusMapper(messageType: t, receivingApplication: receivingApplication, receivingFacility: receivingFacility)
            var failures = 0
            for path in files {
                do {
                    let file = try DICOMFile.read(contentsOf: path)
                    let m = try mapper.message(for: file.dataSet, controlID: controlID)
                    print(m.er7.replacingOccurrences(of: "\r", with: "\n"), terminator: "")
                } catch {
                    printError("isthmus: \(path): \(error)")
                    failures += 1
                }
            }
            if failures > 0 { throw ExitCode(1) }
        }
    }

    struct Patient: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print what an ADT message does to the patient (update, merge, change of identifier)."
        )
        @Argument(help: "HL7 files.") var files: [String]
        @Flag(help: "Print the patient attributes as DICOM JSON.") var json = false

        func run() throws {
            var failures = 0
            for (file, n, m) in MapCommand.messages(files, failures: &failures) {
                do {
                    let event = try PatientMapper().map(m)
                    if !json {
                        switch event {
                        case .update(let r): print("# \(file) message \(n): update \(r.identity)")
                        case .merge(let prior, let r): print("# \(file) message \(n): merge \(prior) into \(r.identity)")
                        case .changeIdentifier(let from, let r): print("# \(file) message \(n): change identifier \(from) to \(r.identity)")
                        }
                    }
                    try MapCommand.show(event.record.attributes, json: json)
                } catch let error as MappingError {
                    printError("isthmus: \(file): message \(n): \(error)")
                    failures += 1
                }
            }
            if failures > 0 { throw ExitCode(1) }
        }
    }
}
