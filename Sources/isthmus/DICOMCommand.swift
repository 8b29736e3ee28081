import ArgumentParser

struct DICOMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dicom",
        abstract: "Read, convert and inspect DICOM files.",
        subcommands: []
    )
}
