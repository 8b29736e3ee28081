import ArgumentParser
import Foundation
import IsthmusEngine

/// `isthmus config check|example`
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check a configuration file, or print a commented example (docs/configuration.md).",
        subcommands: [ConfigCheckCommand.self, ConfigExampleCommand.self]
    )
}

/// `isthmus config check FILE`: the validation `serve` runs at start; every problem, with file, line, column and key.
struct ConfigCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a configuration file; prints every problem as FILE:LINE:COLUMN: KEY: MESSAGE, exit 1 if any."
    )

    @Argument(help: "The YAML configuration file.")
    var file: String

    func run() throws {
        do {
            let c = try ConfigurationLoader.load(file: file)
            print("\(file): ok (\(c.mllpListeners.count) MLLP and \(c.dicomListeners.count) DICOM listeners, \(c.mllpPeers.count + c.dicomPeers.count) peers, \(c.channels.count) channels\(c.workflow.mappingFile.map { ", site mapping \($0)" } ?? ""))")
        } catch {
            for issue in error.issues { printError(issue.description) }
            printError("\(file): \(error.issues.count) problem\(error.issues.count == 1 ? "" : "s")")
            throw ExitCode(1)
        }
    }
}

/// `isthmus config example`
struct ConfigExampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "example",
        abstract: "Print a commented example configuration (it passes `isthmus config check`)."
    )

    func run() {
        print(Configuration.exampleYAML, terminator: "")
    }
}
