import Foundation
import Testing

/// Real peers (python-hl7, hl7apy, openssl) used by interop tests. When
/// `ISTHMUS_REQUIRE_PEERS=1` (as in CI), a missing peer is a test failure, not a skip.
enum Peers {
    static var required: Bool { ProcessInfo.processInfo.environment["ISTHMUS_REQUIRE_PEERS"] == "1" }

    /// The repository root (for Scripts/).
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Output: Sendable {
        var status: Int32
        var stdout: Data
        var stderr: String
        var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// Runs a program (found on PATH unless absolute) and collects its output.
    static func run(_ program: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Output {
        let p = Process()
        if program.hasPrefix("/") {
            p.executableURL = URL(fileURLWithPath: program)
            p.arguments = arguments
        } else {
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = [program] + arguments
        }
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read both pipes concurrently so a chatty child cannot block on a full pipe.
        let errData = LockedBox(Data())
        let errThread = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        errThread.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        while !errData.isSet { usleep(1000) }
        return Output(status: p.terminationStatus, stdout: outData, stderr: String(decoding: errData.value, as: UTF8.self))
    }

    /// Whether `program` can be found and run.
    static func available(_ program: String) -> Bool {
        if program.hasPrefix("/") { return FileManager.default.isExecutableFile(atPath: program) }
        return (try? run("sh", ["-c", "command -v \(program)"]))?.status == 0
    }

    /// Records a failure if a required peer is missing; returns whether the test can go on.
    static func need(_ what: String, _ ok: Bool, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        if !ok && required {
            Issue.record("required peer missing: \(what) (ISTHMUS_REQUIRE_PEERS=1)", sourceLocation: sourceLocation)
        }
        return ok
    }

    static func temporaryDirectory(_ name: String) throws -> String {
        let dir = NSTemporaryDirectory() + "isthmus-tests-\(name)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}

final class LockedBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var _value: T
    private var _set = false
    init(_ v: T) { _value = v }
    func set(_ v: T) { lock.lock(); _value = v; _set = true; lock.unlock() }
    var value: T { lock.lock(); defer { lock.unlock() }; return _value }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return _set }
}

