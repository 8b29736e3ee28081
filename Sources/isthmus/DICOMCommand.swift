import ArgumentParser
import DICOM
import Foundation

struct DICOMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dicom",
        abstract: "Read, convert and inspect DICOM files; C-ECHO, C-STORE, C-FIND and an SCP.",
        subcommands: [Dump.self, Convert.self, BenchRead.self, Echo.self, Store.self, Find.self, Move.self, Get.self, SCP.self, DICOMBenchWorklistFindCommand.self]
    )
}


extension DICOMCommand {
    struct Dump: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the elements of DICOM files.",
            discussion: "Exits with status 1 if any file could not be read completely."
        )

        @Argument(help: "Files to dump.") var files: [String]
        @Flag(help: "Print the DICOM JSON model (PS3.18 Annex F).") var json = false
        @Flag(help: "Print the Native DICOM Model XML (PS3.19 Annex A).") var xml = false
        @Flag(name: .customLong("no-pixel-data"), help: "Stop reading before Pixel Data.") var headerOnly = false
        @Flag(help: "Do not print the file meta information.") var noMeta = false
        @Flag(help: "Print warnings about non-conformant data.") var warnings = false
        @Flag(name: .customLong("resolve-un"), help: "Give UN elements of known tags their dictionary VR (as pydicom does).") var resolveUN = false
        @Option(help: "Cut values longer than this many characters.") var maxValueLength = 64
        /// For Scripts/bench-dicom-read.sh: read every file, print only how many were read.
        @Flag(name: .customLong("parse-only"), help: .hidden) var parseOnly = false

        func run() throws {
            var failed = false
            var options = ReadOptions()
            options.stopBeforePixelData = headerOnly
            options.returnPartialOnError = true
            options.resolveUnknownVRs = resolveUN
            if parseOnly {
                var read = 0
                for path in files {
                    do {
                        let file = try DICOMFile.read(contentsOf: path, options: options)
                        if file.readError == nil { read += 1 } else { failed = true }
                    } catch {
                        printError("\(path): \(error)")
                        failed = true
                    }
                }
                print("\(read) files read")
                if failed { throw ExitCode(1) }
                return
            }
            for path in files {
                let file: DICOMFile
                do {
                    file = try DICOMFile.read(contentsOf: path, options: options)
                } catch {
                    printError("\(path): \(error)")
                    failed = true
                    continue
                }
                if files.count > 1 && !json && !xml { print("# \(path)") }
                var out = ""
                if json {
                    out = try file.dataSet.jsonString(bulkDataURIPrefix: nil)
                } else if xml {
                    out = try file.dataSet.xmlString()
                } else {
                    if !noMeta {
                        out += "# File meta information (\(file.transferSyntax))\n"
                        out += file.fileMetaInformation.dump(maxValueLength: maxValueLength)
                        out += "# Data set\n"
                    }
                    out += file.dataSet.dump(maxValueLength: maxValueLength)
                }
                print(out, terminator: out.hasSuffix("\n") ? "" : "\n")
                if warnings { for w in file.warnings { printError("\(path): warning: \(w)") } }
                if let e = file.readError {
                    printError("\(path): error: \(e)")
                    failed = true
                }
            }
            if failed { throw ExitCode(1) }
        }
    }

    /// For Scripts/bench-dicom-read.sh: reads a whole file into memory (no bulk data left in
    /// the file) `iterations` times and prints the rate.
    struct BenchRead: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench-read",
            abstract: "Read a whole file into memory repeatedly and print MB/s.",
            shouldDisplay: false
        )

        @Argument(help: "File to read.") var file: String
        @Option(help: "Number of reads.") var iterations = 10

        func run() throws {
            var options = ReadOptions()
            options.bulkDataThreshold = nil
            let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
            var bytes = 0
            var loaded = 0
            let clock = ContinuousClock()
            let start = clock.now
            for _ in 0..<max(iterations, 1) {
                do {
                    let f = try DICOMFile.read(contentsOf: file, options: options)
                    loaded += f.dataSet.elements.reduce(0) { $0 + max($1.valueLength, 0) }
                } catch {
                    printError("\(file): \(error)")
                    throw ExitCode(1)
                }
                bytes += size
            }
            let elapsed = start.duration(to: clock.now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let mb = Double(bytes) / 1e6
            print(String(format: "%d reads, %.1f MB in %.3f s: %.1f MB/s (%d value bytes loaded per read)",
                         max(iterations, 1), mb, seconds, mb / seconds, loaded / max(iterations, 1)))
        }
    }

    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-encode a DICOM file in another uncompressed transfer syntax."
        )

        @Argument(help: "Input file.") var input: String
        @Argument(help: "Output file.") var output: String
        @Option(name: .customLong("transfer-syntax"),
                help: "Target: implicit, explicit, big, deflated, or a transfer syntax UID.")
        var transferSyntax: String

        func run() throws {
            guard let ts = TransferSyntax.named(transferSyntax) else {
                printError("unknown transfer syntax '\(transferSyntax)' (use implicit, explicit, big, deflated or a UID)")
                throw ExitCode(2)
            }
            do {
                let file = try DICOMFile.read(contentsOf: input)
                try file.converted(to: ts).write(toPath: output)
            } catch {
                printError("\(input): \(error)")
                throw ExitCode(1)
            }
        }
    }
}
