import ArgumentParser
import DICOM
import DICOMNetwork
import Foundation
import Logging
import NIOCore

/// `AE@HOST:PORT`, the address of a remote application entity.
struct RemoteAE: ExpressibleByArgument, Sendable {
    var aeTitle: String
    var host: String
    var port: Int

    init?(argument: String) {
        guard let at = argument.firstIndex(of: "@"), let colon = argument.lastIndex(of: ":"), at < colon,
              let port = Int(argument[argument.index(after: colon)...]), (1...65535).contains(port) else { return nil }
        aeTitle = String(argument[..<at])
        host = String(argument[argument.index(after: at)..<colon])
        guard !aeTitle.isEmpty, aeTitle.utf8.count <= 16, !host.isEmpty else { return nil }
        self.port = port
    }
}

/// Logging to standard error, at the level asked for.
func makeLogger(_ label: String, verbose: Bool) -> Logger {
    var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = verbose ? .debug : .notice
    return logger
}

extension DICOMCommand {
    struct Echo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a C-ECHO to a remote AE.",
            discussion: "Exits 0 on a success status, 1 if the association or the echo failed.")

        @Argument(help: "The remote AE: AE@HOST:PORT.") var remote: RemoteAE
        @Option(help: "Our own AE title (calling AE title).") var aet = "ISTHMUS"
        @Option(help: "Seconds to wait for the connection, association and response.") var timeout = 30
        @Flag(name: .shortAndLong, help: "Log the association.") var verbose = false
        @OptionGroup(title: "TLS") var tlsOptions: DICOMTLSOptions

        func run() async throws {
            var params = AssociationParameters(host: remote.host, port: remote.port, callingAETitle: aet, calledAETitle: remote.aeTitle,
                                               presentationContexts: [DICOMAssociation.verificationContext()])
            params.timeouts.connect = .seconds(Int64(timeout))
            params.timeouts.association = .seconds(Int64(timeout))
            params.timeouts.dimse = .seconds(Int64(timeout))
            params.tls = try tlsOptions.clientContext()
            do {
                let assoc = try await DICOMAssociation.open(params, logger: makeLogger("isthmus.dicom.echo", verbose: verbose))
                let status = try await assoc.echo()
                try await assoc.release()
                guard status == DIMSEStatus.success else {
                    printError("C-ECHO status 0x\(String(status, radix: 16, uppercase: true))")
                    throw ExitCode(1)
                }
                print("C-ECHO to \(remote.aeTitle)@\(remote.host):\(remote.port): success")
            } catch let e as ExitCode {
                throw e
            } catch {
                printError("echo failed: \(error)")
                throw ExitCode(1)
            }
        }
    }

    struct Store: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send DICOM files to a remote AE with C-STORE (one association).",
            discussion: "Folders are searched recursively. Exits 0 if every instance was stored (success or warning status), 1 if any failed, 2 if there was nothing to send.")

        @Argument(help: "The remote AE: AE@HOST:PORT.") var remote: RemoteAE
        @Argument(help: "Files or folders to send.") var paths: [String]
        @Option(help: "Our own AE title (calling AE title).") var aet = "ISTHMUS"
        @Option(help: "Seconds to wait for the connection, association and each response.") var timeout = 60
        @Flag(name: .shortAndLong, help: "Log the association and each instance.") var verbose = false
        @OptionGroup(title: "TLS") var tlsOptions: DICOMTLSOptions

        func run() async throws {
            var files: [(String, DICOMFile)] = []
            var failed = 0
            for path in expand(paths) {
                do { files.append((path, try DICOMFile.read(contentsOf: path))) } catch {
                    printError("\(path): \(error)")
                    failed += 1
                }
            }
            guard !files.isEmpty else {
                printError("no DICOM files to send")
                throw ExitCode(2)
            }
            var params = AssociationParameters(host: remote.host, port: remote.port, callingAETitle: aet, calledAETitle: remote.aeTitle,
                                               presentationContexts: DICOMAssociation.storageContexts(for: files.map(\.1)))
            params.timeouts.connect = .seconds(Int64(timeout))
            params.timeouts.association = .seconds(Int64(timeout))
            params.timeouts.dimse = .seconds(Int64(timeout))
            params.tls = try tlsOptions.clientContext()
            let logger = makeLogger("isthmus.dicom.store", verbose: verbose)
            let assoc: DICOMAssociation
            do { assoc = try await DICOMAssociation.open(params, logger: logger) } catch {
                printError("association failed: \(error)")
                throw ExitCode(1)
            }
            var stored = 0
            for (path, file) in files {
                do {
                    _ = file
                    let status = try await assoc.store(contentsOf: path)
                    switch DIMSEStatus.category(status) {
                    case .success, .warning:
                        stored += 1
                        if verbose { printError("\(path): stored (0x\(String(status, radix: 16, uppercase: true)))") }
                    default:
                        failed += 1
                        printError("\(path): C-STORE status 0x\(String(status, radix: 16, uppercase: true))")
                    }
                } catch let e as DICOMNetworkError where e.code == .noPresentationContext {
                    failed += 1
                    printError("\(path): \(e.reason)")
                } catch {
                    failed += 1
                    printError("\(path): \(error)")
                    if (error as? DICOMNetworkError).map({ [.aborted, .connectionClosed, .timeout].contains($0.code) }) == true { break }
                }
            }
            try? await assoc.release()
            print("\(stored) stored, \(failed) failed")
            if failed > 0 { throw ExitCode(1) }
        }

        func expand(_ paths: [String]) -> [String] {
            var out: [String] = []
            for p in paths {
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue {
                    let e = FileManager.default.enumerator(atPath: p)
                    var found: [String] = []
                    while let rel = e?.nextObject() as? String {
                        var d: ObjCBool = false
                        let full = p + "/" + rel
                        if FileManager.default.fileExists(atPath: full, isDirectory: &d), !d.boolValue { found.append(full) }
                    }
                    out += found.sorted()
                } else {
                    out.append(p)
                }
            }
            return out
        }
    }

    struct Find: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Query a remote AE with C-FIND (Q/R study or patient root, or Modality Worklist).",
            discussion: """
                Keys: -k KEYWORD=VALUE or -k GGGG,EEEE=VALUE (an empty value asks for the attribute to be \
                returned); one level of sequence with SequenceKeyword.Keyword=VALUE. Exits 0 on success, \
                1 if the association or the query failed.
                """)

        @Argument(help: "The remote AE: AE@HOST:PORT.") var remote: RemoteAE
        @Option(name: [.customShort("k"), .long], help: "A key: KEYWORD=VALUE or GGGG,EEEE=VALUE (repeatable).") var key: [String] = []
        @Option(help: "Query/Retrieve Level (PATIENT, STUDY, SERIES, IMAGE); not sent with --worklist.") var level = "STUDY"
        @Flag(help: "Modality Worklist information model.") var worklist = false
        @Flag(help: "Patient Root Q/R information model.") var patientRoot = false
        @Flag(help: "Study Root Q/R information model (the default).") var studyRoot = false
        @Flag(help: "Print the matches as a JSON array (DICOM JSON model).") var json = false
        @Option(help: "Our own AE title (calling AE title).") var aet = "ISTHMUS"
        @Option(help: "Seconds to wait for the connection, association and each response.") var timeout = 60
        @Flag(name: .shortAndLong, help: "Log the association.") var verbose = false
        @OptionGroup(title: "TLS") var tlsOptions: DICOMTLSOptions

        func run() async throws {
            let model: QueryModel = worklist ? .modalityWorklist : patientRoot ? .patientRoot : .studyRoot
            var identifier = DataSet()
            do {
                if model != .modalityWorklist { try identifier.set(Tag(0x0008, 0x0052), vr: .CS, string: level.uppercased()) }
                for k in key { try Self.add(k, to: &identifier) }
            } catch {
                printError("bad key: \(error)")
                throw ExitCode(1)
            }
            var params = AssociationParameters(host: remote.host, port: remote.port, callingAETitle: aet, calledAETitle: remote.aeTitle,
                                               presentationContexts: DICOMAssociation.findContexts([model]))
            params.timeouts.connect = .seconds(Int64(timeout))
            params.timeouts.association = .seconds(Int64(timeout))
            params.timeouts.dimse = .seconds(Int64(timeout))
            params.tls = try tlsOptions.clientContext()
            var matches: [String] = []
            do {
                let assoc = try await DICOMAssociation.open(params, logger: makeLogger("isthmus.dicom.find", verbose: verbose))
                do {
                    for try await match in assoc.find(identifier: identifier, model: model) {
                        if json {
                            matches.append(try match.jsonString(options: DICOMJSONOptions(prettyPrinted: false)))
                        } else {
                            print("# match \(matches.count + 1)")
                            print(match.dump(), terminator: "")
                            matches.append("")
                        }
                    }
                } catch {
                    try? await assoc.release()
                    throw error
                }
                try await assoc.release()
            } catch {
                printError("find failed: \(error)")
                throw ExitCode(1)
            }
            if json { print("[" + matches.joined(separator: ",") + "]") } else { printError("\(matches.count) matches") }
        }

        struct KeyError: Error, CustomStringConvertible { var description: String }

        /// `KEYWORD=VALUE`, `GGGG,EEEE=VALUE`, or `Sequence.KEYWORD=VALUE` into the identifier.
        static func add(_ key: String, to identifier: inout DataSet) throws {
            let parts = key.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let path = parts[0].split(separator: ".").map(String.init)
            let value = parts.count > 1 ? String(parts[1]) : ""
            guard (1...2).contains(path.count) else { throw KeyError(description: "\(key): one level of sequence at most") }
            let tags = try path.map { p -> Tag in
                if let t = Tag(string: p) { return t }
                if let e = DataDictionary.entry(forKeyword: p) { return e.tag }
                throw KeyError(description: "\(p): unknown keyword or tag")
            }
            if tags.count == 1 {
                set(tags[0], value, in: &identifier)
            } else {
                var item = identifier.items(tags[0])?.first?.dataSet ?? DataSet()
                set(tags[1], value, in: &item)
                identifier.set(tags[0], items: [DICOM.Item(dataSet: item)])
            }
        }

        static func set(_ tag: Tag, _ value: String, in ds: inout DataSet) {
            let vr = DataDictionary.vr(for: tag)
            if vr == .SQ {
                if ds[tag] == nil { ds.set(tag, items: [DICOM.Item(dataSet: DataSet())]) }
            } else if value.isEmpty {
                ds.set(DataElement(tag: tag, vr: vr, bytes: []))
            } else {
                // As typed: query values (ranges, wildcards) need not be valid values of the VR.
                var bytes = Array(value.utf8)
                if bytes.count % 2 == 1 { bytes.append(vr == .UI ? 0 : 0x20) }
                ds.set(DataElement(tag: tag, vr: vr, bytes: bytes))
            }
        }
    }

    struct SCP: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "scp",
            abstract: "Run a storage and verification SCP: received instances are written to a folder (optionally C-FIND, C-MOVE, C-GET from folders, MPPS, storage commitment).",
            discussion: "Stops on SIGINT or SIGTERM, letting open associations finish. Exits 1 if it cannot listen.")

        @Option(help: "Port to listen on (0: any free port, printed).") var port = 11112
        @Option(help: "Address to listen on.") var host = "0.0.0.0"
        @Option(help: "Our AE title; associations calling another title are rejected.") var aet = "ISTHMUS"
        @Option(help: "Folder for received instances (named SOPInstanceUID.dcm).") var out: String
        @Option(help: "Calling AE titles allowed (repeatable); any if none given.") var allow: [String] = []
        @Option(help: "Answer C-FIND (Q/R and Modality Worklist) from the DICOM files in this folder (headers read at start).") var findFrom: String?
        @Option(help: "Serve C-MOVE and C-GET (Patient and Study Root) from the DICOM files in this folder (headers read at start).") var retrieveFrom: String?
        @Option(help: "A C-MOVE destination: AE=HOST:PORT (repeatable).") var peer: [String] = []
        @Option(help: "Accept MPPS N-CREATE/N-SET; keep the steps as files (SOPInstanceUID.dcm) in this folder.") var mpps: String?
        @Flag(help: "Answer storage commitment requests for the instances stored in --out.") var commitment = false
        @Option(help: "A remote AE the SCP may call back (storage commitment results once the requesting association has ended): AE@HOST:PORT, repeatable.") var remote: [RemoteAE] = []
        @Flag(name: .shortAndLong, help: "Log each association and instance.") var verbose = false
        @Flag(help: "Do not fsync received files before acknowledging them (not durable; for throwaway receivers and benchmarks).") var noFsync = false
        @Option(help: "Our Maximum Length Received: the largest PDU peers may send us, in bytes (4096–131072, as DCMTK's --max-pdu).") var maxPdu = 65536
        @OptionGroup(title: "TLS") var tlsOptions: DICOMTLSOptions

        func validate() throws {
            guard (4096 ... 131_072).contains(maxPdu) else { throw ValidationError("--max-pdu must be between 4096 and 131072 bytes, found \(maxPdu)") }
        }

        func run() async throws {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            var config = DICOMServerConfiguration(aeTitle: aet, temporaryDirectory: out)
            config.policy.maximumLength = UInt32(maxPdu)
            config.host = host
            config.port = port
            config.storage = DirectoryStorageHandler(directory: out, syncDirectory: !noFsync)
            config.tls = try tlsOptions.serverContext()
            config.syncReceivedFiles = !noFsync
            if !allow.isEmpty { config.policy.allowedCallingAETitles = Set(allow) }
            if let findFrom {
                let handler = InMemoryQueryHandler(directory: findFrom)
                config.query = handler
                printError("C-FIND answered from \(handler.dataSets.count) data sets")
            }
            if let retrieveFrom {
                let handler = DirectoryRetrieveHandler(directory: retrieveFrom)
                config.retrieve = handler
                printError("C-MOVE/C-GET served from \(handler.entries.count) instances")
            }
            for p in peer {
                guard let (ae, destination) = Self.parsePeer(p) else {
                    printError("bad --peer \(p): expected AE=HOST:PORT")
                    throw ExitCode(1)
                }
                config.remoteEntities[ae] = destination
            }
            if let mpps {
                try FileManager.default.createDirectory(atPath: mpps, withIntermediateDirectories: true)
                config.mpps = MPPSStore(directory: mpps)
            }
            if commitment { config.storageCommitment = DirectoryCommitmentHandler(directory: out, retrieveAETitle: aet) }
            for r in remote { config.remoteEntities[r.aeTitle] = RemoteApplicationEntity(host: r.host, port: r.port) }
            let logger = makeLogger("isthmus.dicom.scp", verbose: verbose)
            let server = DICOMServer(configuration: config, logger: logger)
            let bound: Int
            do { bound = try await server.start() } catch {
                printError("cannot listen on \(host):\(port): \(error)")
                throw ExitCode(1)
            }
            // Written straight to the descriptor: scripts read the port before the process ends.
            FileHandle.standardOutput.write(Data("listening as \(aet) on port \(bound)\(tlsOptions.tls ? " (TLS)" : "")\n".utf8))
            await waitForTermination()
            await server.shutdown()
        }

        /// `AE=HOST:PORT`.
        static func parsePeer(_ s: String) -> (String, RemoteApplicationEntity)? {
            guard let eq = s.firstIndex(of: "="), let remote = RemoteAE(argument: s[..<eq] + "@" + s[s.index(after: eq)...]) else { return nil }
            return (remote.aeTitle, RemoteApplicationEntity(host: remote.host, port: remote.port))
        }

        /// Returns on SIGINT or SIGTERM.
        func waitForTermination() async {
            signal(SIGINT, SIG_IGN)
            signal(SIGTERM, SIG_IGN)
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let once = SignalOnce(c)
                for sig in [SIGINT, SIGTERM] {
                    let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                    source.setEventHandler { once.fire() }
                    source.resume()
                    once.keep(source)
                }
            }
        }
    }
}

extension DICOMCommand {
    /// The identifier of a retrieve: the level and the keys given as for `find`.
    static func retrieveIdentifier(level: String, keys: [String]) throws -> DataSet {
        var identifier = DataSet()
        try identifier.set(Tag(0x0008, 0x0052), vr: .CS, string: level.uppercased())
        for k in keys { try Find.add(k, to: &identifier) }
        return identifier
    }

    /// Prints the outcome of a move or get and picks the exit status.
    static func report(_ what: String, _ r: RetrieveResult) throws {
        let status = "0x" + String(r.status, radix: 16, uppercase: true)
        print("\(what): \(r.completed) completed, \(r.failed) failed, \(r.warning) warning (status \(status))")
        for uid in r.failedSOPInstanceUIDs { printError("failed: \(uid)") }
        switch DIMSEStatus.category(r.status) {
        case .success: return
        case .warning: throw ExitCode(2)
        default:
            printError("\(what) failed with status \(status)")
            throw ExitCode(1)
        }
    }

    struct Move: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask a remote AE to send instances to a destination AE (C-MOVE).",
            discussion: """
                The identifier holds --level and the unique keys (-k StudyInstanceUID=…, several UIDs \
                separated by \\). Exits 0 when every sub-operation succeeded, 2 when some failed or had \
                warnings (status B000H), 1 if the association failed or the move was refused (e.g. A801H \
                unknown destination) or cancelled.
                """)

        @Argument(help: "The remote AE: AE@HOST:PORT.") var remote: RemoteAE
        @Option(help: "The move destination's AE title (known to the remote AE).") var dest: String
        @OptionGroup var options: RetrieveOptions

        func run() async throws {
            let model = options.model
            let identifier = try options.identifier()
            let params = AssociationParameters(host: remote.host, port: remote.port, callingAETitle: options.aet, calledAETitle: remote.aeTitle,
                                               presentationContexts: DICOMAssociation.moveContexts([model]))
            let dest = self.dest
            let result = try await DICOMCommand.retrieve(params, options: options, operation: "move") { assoc, progress in
                try await assoc.move(identifier: identifier, model: model, destination: dest, progress: progress)
            }
            try DICOMCommand.report("C-MOVE to \(dest)", result)
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Retrieve instances from a remote AE into a folder (C-GET).",
            discussion: """
                The instances come back on the same association (the common storage SOP classes are \
                proposed, with the SCP role) and are written as SOPInstanceUID.dcm. Exits 0 when every \
                sub-operation succeeded, 2 when some failed or had warnings, 1 if the association \
                failed or the get was refused.
                """)

        @Argument(help: "The remote AE: AE@HOST:PORT.") var remote: RemoteAE
        @Option(help: "Folder the instances are written to (created if needed).") var out: String
        @OptionGroup var options: RetrieveOptions

        func run() async throws {
            let model = options.model
            let identifier = try options.identifier()
            do { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) } catch {
                printError("cannot create \(out): \(error)")
                throw ExitCode(1)
            }
            let params = AssociationParameters.forGet(host: remote.host, port: remote.port, callingAETitle: options.aet, calledAETitle: remote.aeTitle,
                                                      models: [model])
            let out = self.out
            let result = try await DICOMCommand.retrieve(params, options: options, operation: "get") { assoc, progress in
                try await assoc.get(identifier: identifier, model: model, into: out, progress: progress)
            }
            try DICOMCommand.report("C-GET into \(out)", result)
        }
    }
}

/// Resumes a continuation once, whichever signal comes first.
final class SignalOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Void, Never>?
    private var sources: [any DispatchSourceSignal] = []
    init(_ c: CheckedContinuation<Void, Never>) { continuation = c }
    func keep(_ s: any DispatchSourceSignal) { lock.lock(); sources.append(s); lock.unlock() }
    func fire() {
        lock.lock()
        let c = continuation
        continuation = nil
        lock.unlock()
        c?.resume()
    }
}

/// What `dicom move` and `dicom get` share: the identifier, the model, our AE title, timeouts, TLS.
struct RetrieveOptions: ParsableArguments {
    @Option(help: "Query/Retrieve Level (PATIENT, STUDY, SERIES, IMAGE).") var level = "STUDY"
    @Option(name: [.customShort("k"), .long], help: "A key: KEYWORD=VALUE or GGGG,EEEE=VALUE (repeatable).") var key: [String] = []
    @Flag(help: "Patient Root Q/R information model (default: Study Root).") var patientRoot = false
    @Option(help: "Our own AE title (calling AE title).") var aet = "ISTHMUS"
    @Option(help: "Seconds to wait for the connection, association and each response.") var timeout = 60
    @Flag(name: .shortAndLong, help: "Log the association and print each pending response.") var verbose = false
    @OptionGroup(title: "TLS") var tlsOptions: DICOMTLSOptions

    var model: RetrieveModel { patientRoot ? .patientRoot : .studyRoot }

    /// The identifier from --level and the keys; exit status 1 for a bad key.
    func identifier() throws -> DataSet {
        do { return try DICOMCommand.retrieveIdentifier(level: level, keys: key) } catch {
            printError("bad key: \(error)")
            throw ExitCode(1)
        }
    }
}

extension DICOMCommand {
    /// Opens the association (TLS and timeouts from the options), runs one C-MOVE or C-GET on it (printing pending
    /// counts when verbose) and releases it; exit status 1 when any of that fails.
    static func retrieve(_ parameters: AssociationParameters, options: RetrieveOptions, operation: String,
                         _ body: (DICOMAssociation, @escaping @Sendable (RetrieveResult) -> Void) async throws -> RetrieveResult) async throws -> RetrieveResult {
        let tls = options.tlsOptions, timeout = options.timeout, verbose = options.verbose
        var params = parameters
        do { params.tls = try tls.clientContext() } catch {
            printError("TLS: \(error)")
            throw ExitCode(1)
        }
        params.timeouts.connect = .seconds(Int64(timeout))
        params.timeouts.association = .seconds(Int64(timeout))
        params.timeouts.dimse = .seconds(Int64(timeout))
        do {
            let assoc = try await DICOMAssociation.open(params, logger: makeLogger("isthmus.dicom.\(operation)", verbose: verbose))
            let result: RetrieveResult
            do {
                result = try await body(assoc) { p in
                    if verbose { printError("pending: \(p.remaining.map { "\($0)" } ?? "?") remaining, \(p.completed) completed, \(p.failed) failed") }
                }
            } catch {
                await assoc.abort()
                throw error
            }
            try await assoc.release()
            return result
        } catch {
            printError("\(operation) failed: \(error)")
            throw ExitCode(1)
        }
    }
}
