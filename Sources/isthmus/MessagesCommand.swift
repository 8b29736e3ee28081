// `isthmus messages`: the journal and the queues of a (running or stopped) engine, from the command line
// (docs/engine.md, "Operations"). Reads and writes the same SQLite store as `isthmus serve`.

import ArgumentParser
import DICOM
import Foundation
import HL7
import IsthmusEngine
import IsthmusStore

struct MessagesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "messages",
        abstract: "List, show, replay and resend journaled messages; list and release dead letters.",
        subcommands: [List.self, Show.self, Replay.self, Resend.self, DeadLetters.self, Release.self]
    )

    /// Where the store is: from the configuration file, or a data directory (default ./isthmus-data).
    struct StoreOptions: ParsableArguments {
        @Option(help: "The configuration file `isthmus serve` runs with.") var config: String?
        @Option(help: "Data directory (overrides the configuration's).") var data: String?

        func configuration() throws -> Configuration {
            var c: Configuration
            if let config {
                do {
                    c = try ConfigurationLoader.load(file: config)
                } catch {
                    for issue in error.issues { printError(issue.description) }
                    throw ExitCode(1)
                }
            } else {
                c = .default
            }
            if let data { c.data.directory = data }
            return c
        }

        func open() throws -> (SQLiteStore, Configuration) {
            let c = try configuration()
            guard FileManager.default.fileExists(atPath: c.data.storePath) else {
                printError("isthmus: no store at \(c.data.storePath) (use --config or --data)")
                throw ExitCode(1)
            }
            return (try SQLiteStore(path: c.data.storePath, contentDirectory: c.data.contentDirectory), c)
        }
    }

    static func parseSince(_ text: String) throws -> Date {
        // A duration back from now (30m, 2h, 7d) or an ISO 8601 date or date-time.
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        if let u = text.last, let factor = units[u], let n = Double(text.dropLast()) {
            return Date().addingTimeInterval(-n * factor)
        }
        let full = ISO8601DateFormatter()
        if let d = full.date(from: text) { return d }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        if let d = day.date(from: text) { return d }
        throw ValidationError("--since: expected a duration (30m, 2h, 7d) or an ISO 8601 date, found \(text)")
    }

    static func time(_ d: Date) -> String { d.iso8601Milliseconds }

    static func json(_ object: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    static func summary(_ s: MessageSummary) -> [String: Any] {
        ["id": s.id.rawValue, "kind": s.kind.rawValue, "channel": s.channel, "sender": s.sender, "controlID": s.controlID,
         "type": s.messageType, "receivedAt": time(s.receivedAt), "status": s.status.rawValue, "size": s.size]
    }

    /// `summary(_:)` as one JSON line, written directly (`messages list --json`): the same text as `json(summary(s))`.
    static func summaryLine(_ s: MessageSummary) -> String {
        var j = JSONLine()
        j.add("channel", s.channel); j.add("controlID", s.controlID); j.add("id", s.id.rawValue); j.add("kind", s.kind.rawValue)
        j.add("receivedAt", time(s.receivedAt)); j.add("sender", s.sender); j.add("size", s.size)
        j.add("status", s.status.rawValue); j.add("type", s.messageType)
        return j.text
    }

    /// `entry(_:)` as one JSON line, written directly: the same text as `json(entry(e))`.
    static func entryLine(_ e: QueueEntry) -> String {
        var j = JSONLine()
        j.add("attempts", e.attempts); j.add("destination", e.destination); j.add("entry", e.id.rawValue)
        if let err = e.lastError { j.add("error", err) }
        j.add("message", e.messageID.rawValue); j.add("nextAttemptAt", time(e.nextAttemptAt))
        if let r = e.response { j.add("response", r) }
        if let sent = e.sentAt { j.add("sentAt", time(sent)) }
        j.add("status", e.status.rawValue)
        return j.text
    }

    static func entry(_ e: QueueEntry) -> [String: Any] {
        var d: [String: Any] = ["entry": e.id.rawValue, "message": e.messageID.rawValue, "destination": e.destination,
                                "status": e.status.rawValue, "attempts": e.attempts, "nextAttemptAt": time(e.nextAttemptAt)]
        if let r = e.response { d["response"] = r }
        if let err = e.lastError { d["error"] = err }
        if let s = e.sentAt { d["sentAt"] = time(s) }
        return d
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One line per message: id, time, control ID, type, status.")
        @OptionGroup var store: StoreOptions
        @Option(help: "Only this channel.") var channel: String?
        @Option(help: "Only this status (received, queued, sent, error, dead-lettered, …).") var status: String?
        @Option(help: "Only messages received since (30m, 2h, 7d, or an ISO 8601 date).") var since: String?
        @Option(help: "At most this many, newest first (0: all).") var limit = 50
        @Flag(help: "One JSON object per line.") var json = false

        func run() async throws {
            var st: MessageStatus?
            if let status {
                guard let s = MessageStatus(rawValue: status) else {
                    throw ValidationError("unknown status \(status); one of \(MessageStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                st = s
            }
            let sinceDate = try since.map(MessagesCommand.parseSince)
            let (store, _) = try self.store.open()
            let messages = try await store.listMessages(channel: channel, status: st, since: sinceDate, limit: limit)
            for m in messages {
                if json {
                    print(MessagesCommand.summaryLine(m))
                } else {
                    print("\(m.id)\t\(MessagesCommand.time(m.receivedAt))\t\(m.kind.rawValue)\t\(m.channel)\t\(m.controlID)\t\(m.messageType)\t\(m.status.rawValue)")
                }
            }
            try await store.close()
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A message: its raw form, the form each destination gets (transforms applied), its queue entries and history.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "Message id (from `messages list`).") var id: Int64
        @Flag(help: "One JSON object.") var json = false

        func run() async throws {
            let (store, config) = try self.store.open()
            defer { Task { try? await store.close() } }
            guard let m = try await store.message(MessageID(id)) else {
                printError("isthmus: no message \(id)")
                throw ExitCode(1)
            }
            // The transformed form per HL7 destination, by the channel's current transforms.
            var transformed: [String: String] = [:]
            if m.summary.kind == .hl7, let parsed = try? Message(m.raw) {
                for c in config.channels {
                    for d in c.destinations where m.entries.contains(where: { $0.destination == ChannelRouter.queueName(channel: c.name, destination: d.name) }) {
                        let queue = ChannelRouter.queueName(channel: c.name, destination: d.name)
                        do {
                            transformed[queue] = try Transformer.apply(c.transforms, to: parsed).er7
                        } catch {
                            transformed[queue] = "(transform fails: \(error))"
                        }
                    }
                }
            }
            let raw = m.summary.kind == .hl7 ? (try? Message(m.raw))?.er7 ?? String(decoding: m.raw, as: UTF8.self) : "(\(m.raw.count) bytes; file \(m.metadata["path"] ?? "?"))"
            if json {
                var d = MessagesCommand.summary(m.summary)
                d["raw"] = raw
                d["metadata"] = m.metadata
                d["entries"] = m.entries.map(MessagesCommand.entry)
                d["transformed"] = transformed
                d["history"] = m.history.map { h -> [String: Any] in
                    var x: [String: Any] = ["state": h.state.rawValue, "at": MessagesCommand.time(h.at)]
                    if let d = h.destination { x["destination"] = d }
                    if let r = h.reason { x["reason"] = r }
                    return x
                }
                print(MessagesCommand.json(d))
                return
            }
            let s = m.summary
            print("message \(s.id)  \(s.kind.rawValue)  channel \(s.channel)  sender \(s.sender)  control ID \(s.controlID)  type \(s.messageType)")
            print("received \(MessagesCommand.time(s.receivedAt))  status \(s.status.rawValue)  \(s.size) bytes")
            print("\n# raw")
            print(raw.replacingOccurrences(of: "\r", with: "\n"))
            for (queue, text) in transformed.sorted(by: { $0.key < $1.key }) where text != raw {
                print("# as sent to \(queue)")
                print(text.replacingOccurrences(of: "\r", with: "\n"))
            }
            print("# queue entries")
            for e in m.entries {
                var line = "\(e.id)\t\(e.destination)\t\(e.status.rawValue)\tattempts \(e.attempts)"
                if let r = e.response { line += "\tresponse \(r)" }
                if let err = e.lastError { line += "\terror \(err)" }
                print(line)
            }
            print("# history")
            for h in m.history {
                print("\(MessagesCommand.time(h.at))\t\(h.state.rawValue)\(h.destination.map { "\t\($0)" } ?? "")\(h.reason.map { "\t\($0)" } ?? "")")
            }
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run messages through their listener's channels again (current filters); new queue entries are added.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "Message ids.") var ids: [Int64]

        func run() async throws {
            let (store, config) = try self.store.open()
            let router = ChannelRouter(channels: config.channels)
            var failures = 0
            for id in ids {
                guard let m = try await store.message(MessageID(id)) else { printError("isthmus: no message \(id)"); failures += 1; continue }
                guard m.summary.kind == .hl7, let listener = m.metadata["listener"], let parsed = try? Message(m.raw) else {
                    printError("isthmus: message \(id): only HL7 messages with a known listener are replayed")
                    failures += 1
                    continue
                }
                let channels = router.channels(from: listener, keeping: .hl7(parsed))
                let deliveries = ChannelRouter.deliveries(for: channels)
                let entries = try await store.enqueue(deliveries, for: m.id, event: StateChange(.replayed, reason: "replayed from the command line"))
                print("\(id)\treplayed\t\(entries.count) queue entr\(entries.count == 1 ? "y" : "ies")\t\(deliveries.map(\.destination).joined(separator: ","))")
            }
            try await store.close()
            if failures > 0 { throw ExitCode(1) }
        }
    }

    struct Resend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Queue messages again for one destination (`CHANNEL/DESTINATION`).")
        @OptionGroup var store: StoreOptions
        @Argument(help: "Message ids.") var ids: [Int64]
        @Option(help: "The queue, as `messages show` names it (CHANNEL/DESTINATION).") var destination: String

        func run() async throws {
            let (store, _) = try self.store.open()
            var failures = 0
            for id in ids {
                do {
                    let e = try await store.resend(MessageID(id), destination: destination)
                    print("\(id)\tresent\tentry \(e)\t\(destination)")
                } catch {
                    printError("isthmus: message \(id): \(error)")
                    failures += 1
                }
            }
            try await store.close()
            if failures > 0 { throw ExitCode(1) }
        }
    }

    struct DeadLetters: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "dead-letters", abstract: "Entries given up on, oldest first.")
        @OptionGroup var store: StoreOptions
        @Option(help: "Only this queue (CHANNEL/DESTINATION).") var destination: String?
        @Option(help: "At most this many (0: all).") var limit = 0
        @Flag(help: "One JSON object per line.") var json = false

        func run() async throws {
            let (store, _) = try self.store.open()
            for e in try await store.listDeadLetters(destination: destination, limit: limit) {
                if json {
                    print(MessagesCommand.entryLine(e))
                } else {
                    print("\(e.id)\tmessage \(e.messageID)\t\(e.destination)\tattempts \(e.attempts)\t\(e.lastError ?? "")")
                }
            }
            try await store.close()
        }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put dead-lettered entries back at the end of their queue.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "Queue entry ids (from `messages dead-letters`).") var entries: [Int64]

        func run() async throws {
            let (store, _) = try self.store.open()
            var failures = 0
            for id in entries {
                do {
                    try await store.release(QueueEntryID(id))
                    print("\(id)\treleased")
                } catch {
                    printError("isthmus: entry \(id): \(error)")
                    failures += 1
                }
            }
            try await store.close()
            if failures > 0 { throw ExitCode(1) }
        }
    }
}
