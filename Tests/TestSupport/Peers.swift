import Foundation
import Testing

/// Real peers (DCMTK, dicom3tools, pydicom, python-hl7, openssl, …) used by interop tests in every
/// test target. When
/// `ISTHMUS_REQUIRE_PEERS=1` (as in CI), a missing peer is a test failure, not a skip.
public enum Peers {
    public static var required: Bool { ProcessInfo.processInfo.environment["ISTHMUS_REQUIRE_PEERS"] == "1" }

    /// The repository root (for Scripts/).
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public struct Output: Sendable {
        public var status: Int32
        public var stdout: Data
        public var stderr: String
        public var text: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// DCMTK tools by absolute path: pip's pynetdicom installs scripts of the same names on PATH.
    public static let echoscu = "/usr/bin/echoscu"
    public static let storescu = "/usr/bin/storescu"
    public static let storescp = "/usr/bin/storescp"
    public static let findscu = "/usr/bin/findscu"
    public static let wlmscpfs = "/usr/bin/wlmscpfs"
    public static let dump2dcm = "/usr/bin/dump2dcm"
    /// DCMTK's sample worklist (dump files, possibly gzipped).
    public static let worklistSamples = "/usr/share/doc/dcmtk/examples/wlistdb/OFFIS"
    /// DCMTK leaves Nagle on unless told otherwise.
    public static let dcmtkEnvironment = ["TCP_NODELAY": "1"]

    /// Runs a program (found on PATH unless absolute) and collects its output.
    public static func run(_ program: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Output {
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
    public static func available(_ program: String) -> Bool {
        if program.hasPrefix("/") { return FileManager.default.isExecutableFile(atPath: program) }
        return (try? run("sh", ["-c", "command -v \(program)"]))?.status == 0
    }

    /// Records a failure if a required peer is missing; returns whether the test can go on.
    public static func need(_ what: String, _ ok: Bool, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        if !ok && required {
            Issue.record("required peer missing: \(what) (ISTHMUS_REQUIRE_PEERS=1)", sourceLocation: sourceLocation)
        }
        return ok
    }

    /// pydicom's test corpus folder, if pydicom is installed.
    public static let pydicomTestFiles: String? = {
        guard let out = try? run("python3", ["-c", "import pydicom,os;print(os.path.dirname(pydicom.__file__))"]), out.status == 0 else { return nil }
        let dir = out.text.trimmingCharacters(in: .whitespacesAndNewlines) + "/data/test_files"
        return FileManager.default.fileExists(atPath: dir) ? dir : nil
    }()

    /// Every DICOM file in pydicom's corpus (by extension or DICOMDIR name), sorted.
    public static var pydicomCorpus: [String] {
        guard let dir = pydicomTestFiles, let e = FileManager.default.enumerator(atPath: dir) else { return [] }
        var files: [String] = []
        while let rel = e.nextObject() as? String {
            let name = (rel as NSString).lastPathComponent
            if rel.hasSuffix(".dcm") || name.hasPrefix("DICOMDIR") { files.append(dir + "/" + rel) }
        }
        return files.sorted()
    }

    /// Compares two files in 1 MB chunks.
    public static func filesEqual(_ a: String, _ b: String) -> Bool {
        guard let fa = FileHandle(forReadingAtPath: a), let fb = FileHandle(forReadingAtPath: b) else { return false }
        defer { try? fa.close(); try? fb.close() }
        while true {
            let x = fa.readData(ofLength: 1 << 20), y = fb.readData(ofLength: 1 << 20)
            if x != y { return false }
            if x.isEmpty { return true }
        }
    }

    /// A new folder under the system's temporary folder, removed when the test process exits (set
    /// ISTHMUS_KEEP_TEST_DIRS=1 to keep them for a look after a failure).
    public static func temporaryDirectory(_ name: String) throws -> String {
        let dir = NSTemporaryDirectory() + "isthmus-tests-\(name)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        TemporaryDirectories.shared.add(dir)
        return dir
    }
}

/// The folders `Peers.temporaryDirectory` made, removed at exit: many tests hand theirs to subprocesses and
/// helpers and cannot remove them where they are made.
final class TemporaryDirectories: @unchecked Sendable {
    static let shared: TemporaryDirectories = {
        let t = TemporaryDirectories()
        if ProcessInfo.processInfo.environment["ISTHMUS_KEEP_TEST_DIRS"] != "1" {
            atexit { TemporaryDirectories.shared.removeAll() }
        }
        return t
    }()

    private let lock = NSLock()
    private var paths: [String] = []

    func add(_ path: String) { lock.withLock { paths.append(path) } }

    func removeAll() {
        let all = lock.withLock { () -> [String] in
            defer { paths.removeAll() }
            return paths
        }
        for path in all { try? FileManager.default.removeItem(atPath: path) }
    }
}

public final class LockedBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var _value: T
    private var _set = false
    public init(_ v: T) { _value = v }
    public func set(_ v: T) { lock.lock(); _value = v; _set = true; lock.unlock() }
    public var value: T { lock.lock(); defer { lock.unlock() }; return _value }
    public var isSet: Bool { lock.lock(); defer { lock.unlock() }; return _set }
}

