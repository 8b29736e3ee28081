import ArgumentParser
import Foundation
import IsthmusEngine
import IsthmusStore
import Logging
import ServiceLifecycle

/// `isthmus serve [--config FILE]`: the main job (docs/engine.md).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the engine: the configured listeners, the store, the channels (docs/engine.md).",
        discussion: """
        Without --config: data under ./isthmus-data (SQLite store + content folder), an MLLP listener on 2575 and a \
        DICOM SCP (AE ISTHMUS, storage and echo) on 11112. Logs go to standard output. Once every listener is up, \
        one line `isthmus: listening mllp=PORT[,PORT…] dicom=PORT[,PORT…]` is printed on standard output. \
        SIGTERM/SIGINT: stop accepting, answer in-flight messages and finish associations, close the store, exit 0.
        """
    )

    @Option(help: "The YAML configuration file (see `isthmus config example`).")
    var config: String?

    @Option(help: "Data directory (overrides data.directory).")
    var data: String?

    @Option(name: .customLong("mllp-port"), help: "Port of the first MLLP listener (0: any free port).")
    var mllpPort: Int?

    @Option(name: .customLong("dicom-port"), help: "Port of the first DICOM listener (0: any free port).")
    var dicomPort: Int?

    @Option(help: "Address the listeners bind to (overrides every listener's host).")
    var host: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Option(help: "Seconds given to in-flight messages and associations at shutdown.")
    var gracePeriod: Int = 10

    @Option(name: .customLong("group-commit-wait-us"), help: ArgumentHelp("The store's commit delay in microseconds (benchmarks).", visibility: .hidden))
    var groupCommitWaitUs: Int?

    @Option(name: .customLong("inline-sync-below-us"), help: ArgumentHelp("With pipelined syncs: the writer flushes the WAL itself while flushes average less than this many microseconds (0: never; benchmarks).", visibility: .hidden))
    var inlineSyncBelowUs: Int?

    @Option(name: .customLong("sync"), help: ArgumentHelp("How commits reach the disk: pipelined or full (overrides data.sync; benchmarks).", visibility: .hidden))
    var sync: String?

    func validate() throws {
        for p in [mllpPort, dicomPort].compactMap({ $0 }) where !(0 ... 65535 ~= p) {
            throw ValidationError("port \(p) is out of range (0–65535)")
        }
        if Logger.Level(rawValue: logLevel) == nil { throw ValidationError("unknown log level \(logLevel)") }
        if let sync, SQLiteStore.Configuration.Durability(rawValue: sync) == nil { throw ValidationError("--sync is pipelined or full") }
    }

    func run() async throws {
        var configuration: Configuration
        if let config {
            do {
                configuration = try ConfigurationLoader.load(file: config)
            } catch {
                for issue in error.issues { printError(issue.description) }
                printError("isthmus: \(config): \(error.issues.count) problem\(error.issues.count == 1 ? "" : "s"); not starting")
                throw ExitCode(1)
            }
        } else {
            configuration = .default
        }
        if let data { configuration.data.directory = data }
        if let groupCommitWaitUs { configuration.data.groupCommitWait = .microseconds(max(0, groupCommitWaitUs)) }
        if let sync, let d = SQLiteStore.Configuration.Durability(rawValue: sync) { configuration.data.sync = d }
        if let inlineSyncBelowUs { configuration.data.inlineSyncBelow = .microseconds(max(0, inlineSyncBelowUs)) }
        if let mllpPort {
            guard !configuration.mllpListeners.isEmpty else { throw ValidationError("--mllp-port: the configuration has no MLLP listener") }
            configuration.mllpListeners[0].port = mllpPort
        }
        if let dicomPort {
            guard !configuration.dicomListeners.isEmpty else { throw ValidationError("--dicom-port: the configuration has no DICOM listener") }
            configuration.dicomListeners[0].port = dicomPort
        }
        if let host {
            for i in configuration.mllpListeners.indices { configuration.mllpListeners[i].host = host }
            for i in configuration.dicomListeners.indices { configuration.dicomListeners[i].host = host }
        }

        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardOutput(label: label)
            h.logLevel = level
            return h
        }
        let logger = Logger(label: "isthmus")

        // A parent may have started us with these signals blocked (threads of async runtimes block them).
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        sigprocmask(SIG_UNBLOCK, &set, nil)

        let engine = Engine(configuration: configuration, logger: logger, gracePeriod: .seconds(gracePeriod)) { bound in
            func ports(_ kind: BoundListener.Kind) -> String {
                let p = bound.filter { $0.kind == kind }.map { String($0.port) }
                return p.isEmpty ? "-" : p.joined(separator: ",")
            }
            FileHandle.standardOutput.write(Data("isthmus: listening mllp=\(ports(.mllp)) dicom=\(ports(.dicom))\n".utf8))
        }
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: engine, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            cancellationSignals: [],
            logger: logger))
        do {
            try await group.run()
        } catch {
            let text = (error as? ServiceGroupError).map { "\($0)" } ?? "\(error)"
            logger.critical("engine stopped: \(text)")
            printError("isthmus: \(Self.reason(error))")
            throw ExitCode(1)
        }
    }

    /// The engine's own error when the service group wraps it.
    private static func reason(_ error: any Error) -> String {
        if let e = error as? EngineError { return e.description }
        let mirror = Mirror(reflecting: error)
        for child in mirror.children {
            if let e = child.value as? EngineError { return e.description }
        }
        return "\(error)"
    }
}
