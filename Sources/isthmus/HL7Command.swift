// `isthmus hl7`: inspect HL7 v2 ER7 files (parse, paths, JSON) and measure the codec (bench).

import ArgumentParser
import Foundation
import HL7
import MLLP
import NIOCore

struct HL7Command: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hl7",
        abstract: "Read, inspect and benchmark HL7 v2 messages.",
        subcommands: [HL7ParseCommand.self, HL7SendCommand.self, HL7ListenCommand.self, HL7BenchCommand.self, HL7BenchMLLPCommand.self]
    )
}

/// `isthmus hl7 parse FILE…`
struct HL7ParseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Parse HL7 v2 files (one message, many messages, or FHS/BHS batches) and print their structure.",
        discussion: """
        Default output: one line per valued element, `PATH<TAB>VALUE`, with escapes and the character set decoded
        (control characters shown as \\r, \\n, \\t). Each message starts with a `# FILE message N` line.
        --json prints the Isthmus JSON form (docs/hl7.md), one message per line.
        --path prints only the value at that path (e.g. PID-5.1), one line per message.
        """
    )

    @Argument(help: "HL7 files to read.")
    var files: [String]

    @Flag(help: "Print the JSON form, one message per line.")
    var json = false

    @Option(help: "Print only the value at this path, e.g. PID-5.1 or OBR[2]-4.1.")
    var path: String?

    mutating func run() throws {
        var selected: HL7Path? = nil
        if let path {
            do { selected = try HL7Path(parsing: path) } catch {
                throw ValidationError("\(error)")
            }
        }
        var failures = 0
        var out = FileHandleOutput()
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                printError("isthmus: cannot read \(file)")
                failures += 1
                continue
            }
            let bytes = [UInt8](data)
            let results = MessageStream.messages(bytes)
            if results.isEmpty {
                var reason = HL7Error(.missingHeader, "no MSH segment found", offset: 0)
                do throws(HL7Error) { _ = try Message(bytes) } catch { reason = error }
                printError("isthmus: \(file): not an HL7 message: \(reason)")
                failures += 1
                continue
            }
            for (n, result) in results.enumerated() {
                let message: Message
                switch result {
                case .success(let m): message = m
                case .failure(let e):
                    printError("isthmus: \(file): message \(n + 1): \(e)")
                    failures += 1
                    continue
                }
                if let selected {
                    out.write(display(message.value(at: selected) ?? ""))
                    out.write("\n")
                } else if json {
                    out.write(bytes: HL7JSON.encode(message))
                    out.write("\n")
                } else {
                    out.write("# \(file) message \(n + 1)\n")
                    printStructure(message, to: &out)
                }
            }
        }
        out.flush()
        if failures > 0 { throw ExitCode(1) }
    }

    /// Prints every valued leaf as `PATH\tVALUE`, using the shortest path that names it.
    private func printStructure(_ m: Message, to out: inout FileHandleOutput) {
        var occurrences: [String: Int] = [:]
        for seg in m.segments {
            let id = seg.id
            let occ = (occurrences[id] ?? 0) + 1
            occurrences[id] = occ
            let segName = occ == 1 ? id : "\(id)[\(occ)]"
            guard seg.fieldCount > 0 else { out.write("\(segName)\n"); continue }
            for f in 1 ... seg.fieldCount {
                guard let field = seg.field(f), !field.isEmpty else { continue }
                if id == "MSH" || id == "FHS" || id == "BHS", f <= 2 {
                    out.write("\(segName)-\(f)\t\(field.value)\n"); continue
                }
                let reps = field.repetitions
                for (ri, rep) in reps.enumerated() where !rep.isEmpty {
                    let repName = reps.count > 1 ? "\(segName)-\(f)(\(ri + 1))" : "\(segName)-\(f)"
                    let comps = rep.components
                    for (ci, comp) in comps.enumerated() where !comp.isEmpty {
                        let subs = comp.children
                        let compName = comps.count > 1 || subs.count > 1 ? "\(repName).\(ci + 1)" : repName
                        if subs.count <= 1 {
                            out.write("\(compName)\t\(display(comp.value))\n")
                        } else {
                            for (si, sub) in subs.enumerated() where !sub.isEmpty {
                                out.write("\(compName).\(si + 1)\t\(display(sub.value))\n")
                            }
                        }
                    }
                }
            }
        }
    }

    private func display(_ s: String) -> String {
        var r = ""
        for ch in s.unicodeScalars {
            switch ch {
            case "\r": r += "\\r"
            case "\n": r += "\\n"
            case "\t": r += "\\t"
            default: r.unicodeScalars.append(ch)
            }
        }
        return r
    }
}

/// Buffered standard output.
struct FileHandleOutput {
    private var buffer: [UInt8] = []
    mutating func write(_ s: String) { buffer.append(contentsOf: s.utf8); if buffer.count > 1 << 16 { flush() } }
    mutating func write(bytes: [UInt8]) { buffer.append(contentsOf: bytes); if buffer.count > 1 << 16 { flush() } }
    mutating func flush() {
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}


// MARK: - send / listen

/// TLS options shared by send and listen.
struct TLSOptions: ParsableArguments {
    @Flag(help: "Use TLS.")
    var tls = false

    @Option(help: "PEM file of the CA that signed the peer's certificate (send: the server's; listen: clients', which are then required).")
    var ca: String?

    @Option(help: "PEM certificate chain of this side (listen: required with --tls; send: for servers that require client certificates).")
    var cert: String?

    @Option(help: "PEM private key of --cert.")
    var key: String?

    func validate() throws {
        if !tls && (ca != nil || cert != nil || key != nil) { throw ValidationError("--ca, --cert and --key need --tls") }
        if (cert == nil) != (key == nil) { throw ValidationError("--cert and --key go together") }
    }
}

/// Splits `HOST:PORT` (`[v6]:PORT` for IPv6).
func parseAddress(_ s: String) throws -> (String, Int) {
    guard let colon = s.lastIndex(of: ":"), let port = Int(s[s.index(after: colon)...]), (0 ... 65535).contains(port) else {
        throw ValidationError("expected HOST:PORT, got \(s)")
    }
    var host = String(s[..<colon])
    if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    return (host.isEmpty ? "127.0.0.1" : host, port)
}

/// `isthmus hl7 send HOST:PORT FILE…`
struct HL7SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send every message of HL7 files over MLLP and print each acknowledgment's code and control ID.",
        discussion: """
        Prints one line per message: MSA-1 (AA, AE, AR…), a tab, MSA-2 (the control ID acknowledged). Messages go
        one at a time on one connection, which is reopened with backoff when it fails. Exits 1 if any message was
        not accepted (no AA/CA, no acknowledgment, or an acknowledgment for another control ID).
        """
    )

    @Argument(help: "The MLLP receiver, HOST:PORT.")
    var address: String

    @Argument(help: "HL7 files (one message, many messages, or batches).")
    var files: [String]

    @OptionGroup var tlsOptions: TLSOptions

    @Option(help: "Seconds to wait for each acknowledgment.")
    var timeout = 30

    @Option(help: "Seconds to wait for the connection.")
    var connectTimeout = 10

    @Option(help: "Attempts per message (reconnecting with backoff in between).")
    var attempts = 3

    mutating func run() async throws {
        let (host, port) = try parseAddress(address)
        var configuration = MLLPClient.Configuration()
        configuration.ackTimeout = .seconds(timeout)
        configuration.connection.connectTimeout = .seconds(connectTimeout)
        configuration.maximumAttempts = attempts
        if tlsOptions.tls {
            configuration.connection.tls = try MLLPTLS.clientContext(ca: tlsOptions.ca, certificateChain: tlsOptions.cert,
                                                                     privateKey: tlsOptions.key)
        }
        let client = MLLPClient(host: host, port: port, configuration: configuration)
        var failures = 0
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else {
                printError("isthmus: cannot read \(file)")
                failures += 1
                continue
            }
            for (n, result) in MessageStream.messages([UInt8](data)).enumerated() {
                let message: Message
                switch result {
                case .success(let m): message = m
                case .failure(let e):
                    printError("isthmus: \(file): message \(n + 1): \(e)")
                    failures += 1
                    continue
                }
                do {
                    let ack = try await client.send(message)
                    print("\(ack.code)\t\(ack.controlID)")
                    if !ack.isAccepted { failures += 1 }
                } catch {
                    printError("isthmus: \(file): message \(n + 1) (\(message.controlID ?? "-")): \(error)")
                    failures += 1
                }
            }
        }
        await client.close()
        if failures > 0 { throw ExitCode(1) }
    }
}

/// `isthmus hl7 listen PORT [--out DIR]`
struct HL7ListenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "listen",
        abstract: "Receive HL7 messages over MLLP and acknowledge them.",
        discussion: """
        Prints one line per message: control ID, message type, size (never content). With --out, each message is
        written to DIR and fsync'd before the AA is sent; without it the message is only printed. A message that
        does not parse gets an AR with an ERR segment when its header can be read. SIGINT/SIGTERM: stop accepting,
        finish the messages being handled, exit.
        """
    )

    @Argument(help: "Port to listen on (2575 is the registered HL7 port; 0: any free port, printed on stderr).")
    var port: Int

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Directory to store received messages in (fsync'd before acknowledging).")
    var out: String?

    @OptionGroup var tlsOptions: TLSOptions

    @Option(help: "Seconds after which a connection with no traffic is closed.")
    var idleTimeout = 300

    @Flag(help: "Print nothing per message.")
    var quiet = false

    func validate() throws {
        if tlsOptions.tls && tlsOptions.cert == nil { throw ValidationError("--tls needs --cert and --key") }
    }

    mutating func run() async throws {
        var configuration = MLLPServer.Configuration()
        configuration.idleTimeout = .seconds(idleTimeout)
        if tlsOptions.tls, let cert = tlsOptions.cert, let key = tlsOptions.key {
            configuration.tls = try MLLPTLS.serverContext(certificateChain: cert, privateKey: key, clientCA: tlsOptions.ca)
        }
        let server = try await MLLPServer.bind(host: host, port: port, configuration: configuration)
        printError("isthmus: listening for MLLP\(tlsOptions.tls ? " over TLS" : "") on \(host):\(server.localPort ?? port)")
        let signals = ShutdownSignals { Task { await server.shutdown() } }
        defer { signals.cancel() }
        let directory = out
        let quiet = self.quiet
        let counter = Counter()
        if directory == nil {
            // Nothing written to disk: answer on the event loop, no task per message.
            try await server.serve(onEventLoop: { payload, loop in
                loop.makeCompletedFuture { try HL7Receiver.handle(payload, n: counter.next(), directory: nil, quiet: quiet) }
            })
        } else {
            // Each message is written and fsync'd before its ACK: off the event loop.
            try await server.serve { payload in
                try HL7Receiver.handle(payload, n: counter.next(), directory: directory, quiet: quiet)
            }
        }
        printError("isthmus: stopped; \(server.statistics.frames) messages, \(server.statistics.discardedBytes) bytes outside blocks discarded")
    }
}

/// What `listen` does with one received block: parse, store (fsync), acknowledge.
enum HL7Receiver {
    static func handle(_ payload: ByteBuffer, n: Int, directory: String?, quiet: Bool) throws -> ByteBuffer? {
        let bytes = Array(payload.readableBytesView)
        let message: Message
        do throws(HL7Error) {
            message = try Message(bytes)
        } catch {
            printError("isthmus: message \(n): \(error.code) at offset \(error.offset ?? 0)")
            // Reject it if at least the header can be read, so that the sender does not wait.
            let headerEnd = bytes.firstIndex(where: { $0 == 0x0D || $0 == 0x0A }) ?? bytes.count
            guard let header = try? Message(Array(bytes[..<headerEnd])) else { return nil }
            let condition: ErrorConditionCode = error.code == .invalidSegmentID ? .segmentSequenceError : .dataTypeError
            let ack = try header.acknowledgment(.AR, controlID: "ISTHMUS\(n)",
                                                errors: [AcknowledgmentError(condition, message: error.code.name)])
            return ByteBuffer(bytes: ack.serialized())
        }
        if let directory {
            let path = directory + "/" + String(format: "%06d", n) + ".hl7"
            guard FileManager.default.createFile(atPath: path, contents: Data(bytes)),
                  let handle = FileHandle(forWritingAtPath: path) else {
                let ack = try message.acknowledgment(.AE, controlID: "ISTHMUS\(n)",
                                                     errors: [AcknowledgmentError(.applicationInternalError)])
                return ByteBuffer(bytes: ack.serialized())
            }
            try handle.synchronize()
            try handle.close()
        }
        if !quiet {
            let line = "\(message.controlID ?? "-")\t\(message.messageType ?? "-")^\(message.triggerEvent ?? "-")\t\(bytes.count) B\n"
            FileHandle.standardOutput.write(Data(line.utf8)) // unbuffered: one line per message as it arrives
        }
        return ByteBuffer(bytes: try message.acknowledgmentER7(.AA, controlID: "ISTHMUS\(n)"))
    }
}

/// Runs `action` once on SIGINT or SIGTERM (instead of the default immediate exit).
final class ShutdownSignals: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]

    init(_ action: @escaping @Sendable () -> Void) {
        // A parent may have started us with these signals blocked (threads of async runtimes block them).
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        sigprocmask(SIG_UNBLOCK, &set, nil)
        let once = Once()
        sources = [SIGINT, SIGTERM].map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { if once.first() { action() } }
            source.resume()
            return source
        }
    }

    func cancel() { for s in sources { s.cancel() } }
}

final class Once: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    func first() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if done { return false }
        done = true
        return true
    }
}

/// A thread-safe message counter for the listener.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}

// MARK: - bench

/// `isthmus hl7 bench`: generates a deterministic corpus and measures parsing on one core.
struct HL7BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure HL7 parse and JSON throughput on a generated corpus (one core).",
        discussion: "Build in release mode. Scripts/bench-hl7-parse.sh runs this next to python-hl7 and hl7conv2."
    )

    @Option(help: "Number of messages to generate.")
    var messages = 20_000

    @Option(help: "Seed of the corpus generator.")
    var seed: UInt64 = 20_260_101

    @Option(help: "Repetitions of each measurement (the best is reported).")
    var rounds = 5

    @Option(help: "Write the corpus here (messages separated by LF, segments by CR) and continue.")
    var writeCorpus: String?

    @Flag(help: "Print results as one JSON object.")
    var json = false

    mutating func run() throws {
        var generator = HL7CorpusGenerator(seed: seed)
        let corpus = generator.messages(count: messages)
        let totalBytes = corpus.reduce(0) { $0 + $1.count }
        if let writeCorpus {
            var file: [UInt8] = []
            for m in corpus { file.append(contentsOf: m); file.append(0x0A) }
            guard FileManager.default.createFile(atPath: writeCorpus, contents: Data(file)) else {
                throw ValidationError("cannot write \(writeCorpus)")
            }
        }
        // Validate the corpus once (and keep the work from being optimized away later).
        for m in corpus { _ = try Message(m) }

        // CPU time of this thread: on a shared machine, time spent descheduled is not counted.
        func cpuSeconds() -> Double {
            var t = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
            return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
        }
        func best(_ body: () throws -> Int) rethrows -> (Double, Int) {
            var bestSeconds = Double.infinity
            var check = 0
            for _ in 0 ..< max(1, rounds) {
                let start = cpuSeconds()
                check = try body()
                bestSeconds = min(bestSeconds, cpuSeconds() - start)
            }
            return (bestSeconds, check)
        }
        let (parseSeconds, segs) = try best {
            var n = 0
            for m in corpus { n &+= try Message(m).segmentCount }
            return n
        }
        let (readSeconds, _) = try best {
            var n = 0
            for m in corpus { n &+= try Message(m).value(at: "PID-5.1")?.utf8.count ?? 0 }
            return n
        }
        let (jsonSeconds, jsonBytes) = try best {
            var n = 0
            for m in corpus { n &+= HL7JSON.encode(try Message(m)).count }
            return n
        }
        let parsed = try corpus.map { try Message($0) }
        let (writeSeconds, _) = best {
            var n = 0
            for m in parsed { n &+= HL7JSON.encode(m).count }
            return n
        }
        let mb = Double(totalBytes) / 1e6
        let count = Double(corpus.count)
        let results: [(String, Double)] = [
            ("parse_mb_s", mb / parseSeconds), ("parse_msg_s", count / parseSeconds),
            ("parse_read_pid5_mb_s", mb / readSeconds), ("parse_read_pid5_msg_s", count / readSeconds),
            ("json_mb_s", mb / jsonSeconds), ("json_msg_s", count / jsonSeconds),
            ("json_write_only_mb_s", mb / writeSeconds),
        ]
        if json {
            var s = "{\"messages\":\(corpus.count),\"bytes\":\(totalBytes),\"segments\":\(segs),\"json_bytes\":\(jsonBytes)"
            for (k, v) in results { s += ",\"\(k)\":\(String(format: "%.1f", v))" }
            print(s + "}")
        } else {
            print("corpus: \(corpus.count) messages, \(totalBytes) bytes (avg \(totalBytes / max(1, corpus.count)) B), \(segs) segments")
            for (k, v) in results { print("\(k)\t\(String(format: "%.1f", v))") }
        }
    }
}

/// A deterministic generator of mixed ADT, ORM and ORU messages (invented data, no PHI).
struct HL7CorpusGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// SplitMix64.
    private mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    private mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    private mutating func pick(_ a: [String]) -> String { a[int(a.count)] }
    private mutating func digits(_ n: Int) -> String { String((0 ..< n).map { _ in Character(String(int(10))) }) }

    static let family = ["SMITH", "JOHNSON", "MÜLLER", "GARCIA", "NGUYEN", "ROSSI", "O'BRIEN", "KOWALSKI", "SATO", "DUBOIS", "VAN DER BERG", "ANDERSSON"]
    static let given = ["JOHN", "MARY", "PETER", "ANNA", "LI", "CARLOS", "FATIMA", "OLGA", "HIRO", "CLAIRE", "SVEN", "AMARA"]
    static let streets = ["MAIN ST", "ELM STREET", "OAK AVE", "HIGH ST", "PARK ROAD", "RIVERSIDE DR"]
    static let cities = ["SPRINGFIELD", "RIVERTON", "LAKEVIEW", "FAIRVIEW", "GREENVILLE"]
    static let procedures = [("71020", "CHEST XRAY 2 VIEWS"), ("70450", "CT HEAD WO CONTRAST"), ("74177", "CT ABD PELVIS W CONTRAST"),
                             ("72148", "MRI LUMBAR SPINE WO"), ("76700", "US ABDOMEN COMPLETE")]
    static let labs = [("2345-7", "Glucose", "mg/dL", "70-99"), ("2951-2", "Sodium", "mmol/L", "136-145"), ("2823-3", "Potassium", "mmol/L", "3.5-5.1"),
                       ("718-7", "Hemoglobin", "g/dL", "12.0-16.0"), ("6690-2", "Leukocytes", "10*3/uL", "4.0-11.0"), ("2160-0", "Creatinine", "mg/dL", "0.6-1.2")]

    mutating func messages(count: Int) -> [[UInt8]] {
        (0 ..< count).map { i in
            switch int(10) {
            case 0 ..< 4: return adt(i)
            case 4 ..< 7: return orm(i)
            default: return oru(i)
            }
        }
    }

    private mutating func ts() -> String { "2026\(String(format: "%02d%02d%02d%02d%02d", 1 + int(12), 1 + int(28), int(24), int(60), int(60)))" }

    private mutating func header(_ type: String, _ i: Int) -> String {
        "MSH|^~\\&|\(pick(["EPIC", "CERNER", "MEDITECH", "RIS"]))|\(pick(["MAIN", "NORTH", "SOUTH"]))^1.2.840.114350.\(digits(4))^ISO|ISTHMUS|HOSP|\(ts())||\(type)|MSG\(String(format: "%08d", i))|P|2.5.1|||AL|NE||UNICODE UTF-8"
    }

    private mutating func pid() -> String {
        let fam = pick(Self.family), giv = pick(Self.given)
        return "PID|1||\(digits(8))^^^HOSP^MR~\(digits(9))^^^SSA^SS||\(fam)^\(giv)^\(pick(["A", "B", "", "M"]))^^^^L||19\(digits(2))0\(1 + int(9))1\(int(9))|\(pick(["M", "F"]))|||\(1 + int(999)) \(pick(Self.streets))^^\(pick(Self.cities))^ST^\(digits(5))^USA||(555)\(digits(3))-\(digits(4))|||\(pick(["S", "M", "D"]))||ACC\(digits(7))"
    }

    private mutating func pv1() -> String {
        "PV1|1|\(pick(["I", "O", "E"]))|\(pick(["4W", "ICU", "ER"]))^\(digits(3))^\(int(4) + 1)^HOSP||||\(digits(6))^\(pick(Self.family))^\(pick(Self.given))^^^DR^MD|||\(pick(["MED", "SUR", "RAD"]))||||ADM|A0||||||||||||||||||||||||||\(ts())"
    }

    private mutating func adt(_ i: Int) -> [UInt8] {
        let ev = pick(["A01", "A04", "A08"])
        var segs = [header("ADT^\(ev)^ADT_A01", i), "EVN|\(ev)|\(ts())", pid(), "NK1|1|\(pick(Self.family))^\(pick(Self.given))|SPO^Spouse^HL70063", pv1()]
        segs.append("PD1|||\(pick(["FAMILY PRACTICE CLINIC", "NORTH HEALTH CENTER", "RIVERSIDE MEDICAL GROUP"]))^^\(digits(4))|\(digits(6))^\(pick(Self.family))^\(pick(Self.given))^^^DR^MD")
        segs.append("PV2|||\(pick(["CHEST PAIN", "FALL", "FEVER", "ELECTIVE SURGERY"]))^^L|||||\(ts())|||||||||||||N")
        if int(2) == 0 { segs.append("AL1|1|DA|\(digits(5))^PENICILLIN^RXNORM|SV|RASH") }
        segs.append("DG1|1||\(pick(["R07.9", "W19", "R50.9", "Z01.818"]))^\(pick(["Chest pain", "Fall", "Fever", "Pre-op exam"]))^I10||\(ts())|A")
        if int(3) == 0 { segs.append("ZPI|\(pick(["VIP", "STAFF"]))|\(digits(4))") }
        return Array((segs.joined(separator: "\r") + "\r").utf8)
    }

    private mutating func orm(_ i: Int) -> [UInt8] {
        let (code, text) = Self.procedures[int(Self.procedures.count)]
        let order = digits(8)
        let segs = [header("ORM^O01^ORM_O01", i), pid(), pv1(),
                    "ORC|NW|\(order)^RIS|\(digits(8))^PACS||SC||^^^\(ts())^^R||\(ts())|\(digits(5))^\(pick(Self.family))^\(pick(Self.given))",
                    "DG1|1||\(pick(["R07.9", "S06.0", "R10.9"]))^\(pick(["Chest pain", "Concussion", "Abdominal pain"]))^I10||\(ts())|W",
                    "OBR|1|\(order)^RIS|\(digits(8))^PACS|\(code)^\(text)^CPT4|||\(ts())||||||Clinical indication: \(pick(["pain", "follow-up", "trauma", "fever"]))|||\(digits(6))^\(pick(Self.family))^\(pick(Self.given))||ACC\(digits(7))|||||CT|||1^^^\(ts())^^R"]
        var all = segs
        all.append("NTE|1||Patient \\T\\ escort informed; prep: \\.br\\NPO 6h before exam, remove metal objects")
        return Array((all.joined(separator: "\r") + "\r").utf8)
    }

    private mutating func oru(_ i: Int) -> [UInt8] {
        var segs = [header("ORU^R01^ORU_R01", i), pid(),
                    "OBR|1|\(digits(8))^LAB|\(digits(8))^LAB|PANEL^Basic panel^L|||\(ts())|||||||\(ts())||\(digits(6))^\(pick(Self.family))^\(pick(Self.given))||||||\(ts())|||F"]
        for k in 0 ..< 3 + int(4) {
            let (code, name, unit, range) = Self.labs[int(Self.labs.count)]
            segs.append("OBX|\(k + 1)|NM|\(code)^\(name)^LN||\(int(200)).\(int(10))|\(unit)|\(range)|\(pick(["N", "H", "L"]))|||F|||\(ts())")
        }
        segs.append("NTE|1||Specimen slightly hemolyzed\\.br\\Result verified \\T\\ released by \\H\\lab\\N\\")
        return Array((segs.joined(separator: "\r") + "\r").utf8)
    }
}
