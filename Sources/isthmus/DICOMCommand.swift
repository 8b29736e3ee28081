import ArgumentParser
import DICOM
import Foundation

struct DICOMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dicom",
        abstract: "Read, convert and inspect DICOM files.",
        subcommands: [Dump.self, Convert.self]
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

        func run() throws {
            var failed = false
            var options = ReadOptions()
            options.stopBeforePixelData = headerOnly
            options.returnPartialOnError = true
            options.resolveUnknownVRs = resolveUN
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
