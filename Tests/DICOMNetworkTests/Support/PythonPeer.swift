import Foundation
import NIOCore
import NIOPosix
@testable import DICOMNetwork

/// pynetdicom peers: python3 scripts written to a temporary folder and run as child processes.
enum PythonPeer {
    /// Whether python3 can import pynetdicom (and pydicom).
    static let pynetdicomAvailable: Bool = (try? Peers.run("python3", ["-c", "import pynetdicom, pydicom"]))?.status == 0

    /// Writes `source` to a temporary file and returns its path.
    static func write(_ source: String, name: String) throws -> String {
        let dir = try Peers.temporaryDirectory("py")
        let path = dir + "/" + name + ".py"
        try source.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs a script to its end (off the cooperative pool) and returns its output.
    static func run(_ source: String, name: String, arguments: [String]) async throws -> Peers.Output {
        let path = try write(source, name: name)
        return try await Task.detached { try Peers.run("python3", [path] + arguments) }.value
    }

    /// A script running in the background (a server): its stdout goes to a file read at the end.
    final class Running: @unchecked Sendable {
        let process = Process()
        let outputPath: String
        let errorPath: String

        init(_ source: String, name: String, arguments: [String]) throws {
            let path = try PythonPeer.write(source, name: name)
            outputPath = path + ".out"
            errorPath = path + ".err"
            _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
            _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", path] + arguments
            process.standardOutput = FileHandle(forWritingAtPath: outputPath)
            process.standardError = FileHandle(forWritingAtPath: errorPath)
            try process.run()
        }

        /// Waits for the script to exit by itself (it stops once it has seen what it waits for),
        /// killing it after `seconds`; returns its stdout.
        func finish(seconds: Int = 60) async -> String {
            let p = process
            let wait = Task.detached {
                for _ in 0..<(seconds * 10) where p.isRunning { usleep(100_000) }
                if p.isRunning { kill(p.processIdentifier, SIGKILL) }
                p.waitUntilExit()
            }
            await wait.value
            return (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        }

        var stderr: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

        func stop() {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
    }

    /// A free loopback port: bind port 0, read it, close.
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress!.port!
        try await channel.close().get()
        return port
    }

    /// Opens an association to a peer that needs a moment to listen: retried (not a timing assertion).
    static func open(_ params: AssociationParameters) async throws -> DICOMAssociation? {
        var params = params
        params.timeouts.connect = .seconds(2)
        for _ in 0..<150 {
            if let a = try? await DICOMAssociation.open(params) { return a }
            try await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    /// Parses the last line of a script's output as a JSON object.
    static func json(_ text: String) -> [String: Any]? {
        guard let line = text.split(separator: "\n").last else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
    }
}
