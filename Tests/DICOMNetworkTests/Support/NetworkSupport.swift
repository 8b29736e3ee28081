import DICOM
import Foundation
import Logging
import NIOCore
import NIOPosix
@testable import DICOMNetwork
import Testing

/// Log lines captured in a test (to check that bad peers are logged, and that logs hold no PHI).
final class CapturedLog: @unchecked Sendable {
    private let lock = NSLock()
    private var _lines: [String] = []
    func append(_ s: String) { lock.lock(); _lines.append(s); lock.unlock() }
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return _lines }
    var text: String { lines.joined(separator: "\n") }

    var logger: Logger {
        var l = Logger(label: "test") { _ in CapturingLogHandler(log: self) }
        l.logLevel = .debug
        return l
    }
}

struct CapturingLogHandler: LogHandler {
    let log: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        let all = self.metadata.merging(event.metadata ?? [:]) { $1 }
        let meta = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        log.append("\(event.level) \(event.message) \(meta)")
    }
}

/// An Isthmus SCP on a free loopback port, storing into a fresh folder.
struct TestSCP {
    let server: DICOMServer
    let port: Int
    let directory: String
    let log: CapturedLog

    /// Timeouts are generous (the machine is shared and may stall); the bad-peer tests that wait
    /// for a timer pass `quickTimers`.
    static func start(aeTitle: String = "ISTHMUS", allowedCallers: Set<String>? = nil, quickTimers: Bool = false,
                      configure: (inout DICOMServerConfiguration) -> Void = { _ in }) async throws -> TestSCP {
        let dir = try Peers.temporaryDirectory("scp")
        let log = CapturedLog()
        var config = DICOMServerConfiguration(aeTitle: aeTitle, temporaryDirectory: dir)
        config.host = "127.0.0.1"
        config.port = 0
        config.storage = DirectoryStorageHandler(directory: dir)
        config.policy.allowedCallingAETitles = allowedCallers
        config.timeouts.association = .seconds(quickTimers ? 3 : 60)
        config.timeouts.dimse = .seconds(quickTimers ? 3 : 120)
        configure(&config)
        let server = DICOMServer(configuration: config, logger: log.logger)
        let port = try await server.start()
        return TestSCP(server: server, port: port, directory: dir, log: log)
    }

    /// Received files (not the in-progress .part files).
    var receivedFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".dcm") }.sorted().map { directory + "/" + $0 }
    }
}

/// A raw TCP peer: sends bytes, collects what comes back until the server closes.
enum RawPeer {
    final class Collector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        var received: [UInt8] = []
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            received.append(contentsOf: unwrapInboundIn(data).readableBytesView)
        }
    }

    /// Connects, writes `chunks` in order, and waits for the server to close; returns the
    /// bytes received.
    static func exchange(port: Int, _ chunks: [[UInt8]]) async throws -> [UInt8] {
        let collector = Collector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { $0.pipeline.addHandler(collector) }
            .connect(host: "127.0.0.1", port: port).get()
        for c in chunks { try await channel.writeAndFlush(ByteBuffer(bytes: c)).get() }
        try await channel.closeFuture.get()
        return try await channel.eventLoop.submit { collector.received }.get()
    }

    /// Opens a raw connection and returns it (the caller writes and closes).
    static func connect(port: Int) async throws -> (any Channel, Collector) {
        let collector = Collector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { $0.pipeline.addHandler(collector) }
            .connect(host: "127.0.0.1", port: port).get()
        return (channel, collector)
    }
}

enum Corpus {
    /// A few pydicom corpus files covering the transfer syntaxes.
    static let names = [
        "CT_small.dcm",              // Explicit VR Little Endian
        "MR_small_implicit.dcm",     // Implicit VR Little Endian
        "rtdose_expb.dcm",           // Explicit VR Big Endian
        "image_dfl.dcm",             // Deflated Explicit VR Little Endian
        "rtplan.dcm",                // Implicit VR Little Endian, sequences, no pixel data
        "SC_rgb_rle.dcm",            // RLE Lossless (encapsulated)
        "SC_rgb_jpeg_dcmtk.dcm",     // JPEG Baseline (encapsulated)
    ]

    static var files: [String] {
        guard let dir = Peers.pydicomTestFiles else { return [] }
        return names.map { dir + "/" + $0 }.filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// The data set of a file as JSON, bulk data loaded: two files hold the same data set when
    /// these are equal. Data Set Trailing Padding (FFFC,FFFC) is left out: it has no meaning
    /// (PS3.10 §7.2) and DCMTK's storescu drops it when sending.
    static func json(_ path: String) throws -> String {
        var options = ReadOptions()
        options.bulkDataThreshold = nil
        var dataSet = try DICOMFile.read(contentsOf: path, options: options).dataSet
        dataSet.remove(Tag(0xFFFC, 0xFFFC))
        return try dataSet.jsonString()
    }
}

/// The port a started `isthmus dicom scp` prints as the last word of its first line on standard output
/// ("listening as AE on port N").
func listeningPort(_ stdout: Pipe) async throws -> Int {
    let reader = stdout.fileHandleForReading
    let line = await Task.detached { () -> String in
        var text = ""
        while !text.contains("\n") {
            let d = reader.availableData
            if d.isEmpty { break }
            text += String(decoding: d, as: UTF8.self)
        }
        return text
    }.value
    return try #require(line.split(separator: " ").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }, "\(line)")
}

/// `isthmus dicom scp` started on a free loopback port (`--port 0 --host 127.0.0.1 --aet ISTHMUS --out OUT`
/// plus `arguments`), its port read from its first line.
final class SCPProcess {
    let process = Process()
    let port: Int

    init(out: String, _ arguments: [String] = []) async throws {
        process.executableURL = URL(fileURLWithPath: LargeInstanceTests.isthmus)
        process.arguments = ["dicom", "scp", "--port", "0", "--host", "127.0.0.1", "--aet", "ISTHMUS", "--out", out] + arguments
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        do {
            port = try await listeningPort(stdout)
        } catch {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw error
        }
    }

    /// SIGTERM (associations finish, then it exits); its exit status.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGTERM) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// SIGKILL if it still runs (for `defer`).
    func kill() {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
