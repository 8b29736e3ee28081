import ArgumentParser

@main
struct Isthmus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "isthmus",
        abstract: "Isthmus: an HL7 v2 and DICOM integration engine.",
        subcommands: [ServeCommand.self, ConfigCommand.self, MessagesCommand.self, DICOMCommand.self, HL7Command.self, MapCommand.self]
    )
}
