import Foundation
import Testing
import TestSupport

/// The `isthmus` executable built next to the test bundle.
let isthmusExecutable: String = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("isthmus").path

/// `isthmus serve` running as a child process, with the ports it printed.
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    let dataDirectory: String
    private let outPipe = Pipe(), errPipe = Pipe()
    private let lock = NSLock()
    private var out = Data(), err = Data()
    private(set) var mllpPort = 0
    private(set) var dicomPort = 0

    /// Starts `isthmus serve --data DIR --mllp-port 0 --dicom-port 0 EXTRA…` and waits for its `listening` line.
    static func start(data: String, _ extra: [String] = []) async throws -> ServeProcess {
        let p = try ServeProcess(data: data, arguments: ["serve", "--data", data, "--mllp-port", "0", "--dicom-port", "0", "--host", "127.0.0.1"] + extra)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let line = p.stdout.split(separator: "\n").first(where: { $0.hasPrefix("isthmus: listening ") }) {
                for field in line.split(separator: " ") {
                    let kv = field.split(separator: "=")
                    guard kv.count == 2 else { continue }
                    if kv[0] == "mllp" { p.mllpPort = Int(kv[1].split(separator: ",")[0]) ?? 0 }
                    if kv[0] == "dicom" { p.dicomPort = Int(kv[1].split(separator: ",")[0]) ?? 0 }
                }
                return p
            }
            if !p.process.isRunning { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        let output = p.stdout + p.stderr
        p.kill()
        throw ServeFailure(description: "isthmus serve did not start: \(output)")
    }

    private init(data: String, arguments: [String]) throws {
        dataDirectory = data
        process.executableURL = URL(fileURLWithPath: isthmusExecutable)
        process.arguments = arguments
        process.standardOutput = outPipe
        process.standardError = errPipe
        outPipe.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            guard let self else { return }
            self.lock.lock(); self.out.append(d); self.lock.unlock()
        }
        errPipe.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            guard let self else { return }
            self.lock.lock(); self.err.append(d); self.lock.unlock()
        }
        try process.run()
    }

    var stdout: String { lock.lock(); defer { lock.unlock() }; return String(decoding: out, as: UTF8.self) }
    var stderr: String { lock.lock(); defer { lock.unlock() }; return String(decoding: err, as: UTF8.self) }

    /// SIGTERM, then waits (SIGKILL after `timeout` seconds); returns the exit status.
    @discardableResult
    func terminate(timeout: Double = 20) -> Int32 {
        if process.isRunning { process.terminate() }
        return wait(timeout: timeout)
    }

    /// SIGKILL: a crash.
    func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        _ = wait(timeout: 10)
    }

    private func wait(timeout: Double) -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        usleep(50_000) // the last output
        outPipe.fileHandleForReading.readabilityHandler = nil
        errPipe.fileHandleForReading.readabilityHandler = nil
        return process.terminationStatus
    }
}

struct ServeFailure: Error, CustomStringConvertible {
    var description: String
}

/// Whether the isthmus executable exists (a failure when peers are required).
func haveIsthmus(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
    Peers.need("isthmus executable at \(isthmusExecutable)", FileManager.default.isExecutableFile(atPath: isthmusExecutable), sourceLocation: sourceLocation)
}
