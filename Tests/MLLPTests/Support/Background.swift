import Foundation
import NIOCore
import NIOPosix

/// A program running in the background for the length of a test (a listener), killed by `stop()`.
final class Background: @unchecked Sendable {
    let process = Process()
    private let errPipe = Pipe()
    private let outPipe = Pipe()
    private let lock = NSLock()
    private var err = Data()
    private var out = Data()

    init(_ program: String, _ arguments: [String]) throws {
        if program.hasPrefix("/") {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [program] + arguments
        }
        process.standardOutput = outPipe
        process.standardError = errPipe
        errPipe.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            guard let self else { return }
            self.lock.lock(); self.err.append(d); self.lock.unlock()
        }
        outPipe.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            guard let self else { return }
            self.lock.lock(); self.out.append(d); self.lock.unlock()
        }
        try process.run()
    }

    var stderr: String { lock.lock(); defer { lock.unlock() }; return String(decoding: err, as: UTF8.self) }
    var stdout: String { lock.lock(); defer { lock.unlock() }; return String(decoding: out, as: UTF8.self) }

    /// Waits until `condition` holds on stderr (e.g. a "listening" line); false after `timeout` seconds or an early exit.
    func waitFor(_ condition: (String) -> Bool, timeout: Double = 20) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(stderr) || condition(stdout) { return true }
            if !process.isRunning { return condition(stderr) || condition(stdout) }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// Sends SIGTERM, then SIGKILL after 5 s, and waits for the exit; returns the status. (A child started from a
    /// test thread inherits its blocked signal mask; the programs run here unblock SIGTERM themselves.)
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning { process.terminate() }
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        errPipe.fileHandleForReading.readabilityHandler = nil
        outPipe.fileHandleForReading.readabilityHandler = nil
        return process.terminationStatus
    }
}

/// A free loopback TCP port (bound to port 0, then released).
func freePort() throws -> Int {
    let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .bind(host: "127.0.0.1", port: 0).wait()
    let port = channel.localAddress!.port!
    try channel.close().wait()
    return port
}

/// The `isthmus` executable built next to the test bundle.
let isthmusExecutable: String = Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("isthmus").path
