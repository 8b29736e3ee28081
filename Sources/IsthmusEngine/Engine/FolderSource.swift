// A watched folder as an HL7 source ("file drop"): files are read in name order, each message goes through the
// same durable intake as an MLLP message (journal + queue entries committed, workflow applied, then the ACK), and
// the file leaves the folder only once that is done — to `processed/` when every message was accepted, to
// `error/` with its acknowledgments (`NAME.ack`) otherwise. A crash before the move means the file is read again:
// the duplicate window makes the repeat harmless.

import Foundation
import HL7
import Logging
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Polls one folder and feeds its files to an `HL7Intake`.
public struct FolderSource: Sendable {
    public let listener: FolderListener
    public let intake: HL7Intake
    public let logger: Logger

    public init(listener: FolderListener, intake: HL7Intake, logger: Logger) {
        self.listener = listener
        self.intake = intake
        self.logger = logger
    }

    /// Polls until cancelled.
    public func run() async {
        let fm = FileManager.default
        for sub in ["processed", "error"] {
            try? fm.createDirectory(atPath: listener.path + "/" + sub, withIntermediateDirectories: true)
        }
        while !Task.isCancelled {
            _ = await poll()
            try? await Task.sleep(for: listener.pollInterval)
        }
    }

    /// Handles every file now in the folder; returns how many were handled.
    @discardableResult
    public func poll() async -> Int {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: listener.path) else { return 0 }
        var handled = 0
        for name in names.sorted() where !name.hasPrefix(".") && !name.hasSuffix(".part") && !name.hasSuffix(".tmp") {
            if Task.isCancelled { break }
            let path = listener.path + "/" + name
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                  let data = fm.contents(atPath: path) else { continue }
            await handle(name: name, bytes: [UInt8](data))
            handled += 1
        }
        return handled
    }

    func handle(name: String, bytes: [UInt8]) async {
        var acks: [String] = []
        var accepted = true
        let results = MessageStream.messages(bytes)
        if results.isEmpty {
            accepted = false
            acks.append("(no HL7 message in the file)")
        }
        for (n, result) in results.enumerated() {
            switch result {
            case .failure(let e):
                accepted = false
                acks.append("message \(n + 1): not HL7: \(e)")
            case .success(let m):
                guard let reply = await intake.handle(ByteBuffer(bytes: m.serialized())) else {
                    acks.append("message \(n + 1): no acknowledgment asked (MSH-15/16)")
                    continue
                }
                let ack = try? Message(Array(reply.readableBytesView))
                let code = ack?["MSA-1"] ?? "?"
                if code != "AA" && code != "CA" { accepted = false }
                acks.append(String(decoding: reply.readableBytesView, as: UTF8.self).replacingOccurrences(of: "\r", with: "\n"))
            }
        }
        let target = listener.path + "/" + (accepted ? "processed" : "error") + "/" + name
        if !accepted {
            try? acks.joined(separator: "\n").write(toFile: target + ".ack", atomically: true, encoding: .utf8)
        }
        if rename(listener.path + "/" + name, target) != 0 {
            // File names can carry patient data: counts only in the log.
            logger.error("cannot move a handled file out of the folder", metadata: ["errno": "\(errno)"])
        } else {
            logger.info("file handled", metadata: ["messages": "\(results.count)", "accepted": "\(accepted)"])
        }
    }
}
