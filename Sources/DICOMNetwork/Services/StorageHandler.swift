// PS3.4 Annex B Storage Service Class, SCP behaviour: what a C-STORE SCP does with an instance
// once its data set has been received (PS3.4 §B.2.2). The decision is the handler's.

/// An instance received by C-STORE, already on disk as a Part 10 file, closed, and flushed to disk
/// (`fdatasync`: its data and size) unless `DICOMServerConfiguration.syncReceivedFiles` is off.
public struct ReceivedInstance: Sendable {
    /// A Part 10 file: the meta information written by Isthmus, then the data set bytes exactly
    /// as received, in `transferSyntaxUID`.
    public var path: String
    public var sopClassUID: String
    public var sopInstanceUID: String
    public var transferSyntaxUID: String
    public var callingAETitle: String
    public var calledAETitle: String
    /// The size of the data set as received, in bytes.
    public var dataSetLength: Int

    /// An instance as the SCP hands it over (public for handlers' own tests).
    public init(path: String, sopClassUID: String, sopInstanceUID: String, transferSyntaxUID: String,
                callingAETitle: String, calledAETitle: String, dataSetLength: Int) {
        self.path = path
        self.sopClassUID = sopClassUID
        self.sopInstanceUID = sopInstanceUID
        self.transferSyntaxUID = transferSyntaxUID
        self.callingAETitle = callingAETitle
        self.calledAETitle = calledAETitle
        self.dataSetLength = dataSetLength
    }
}

/// Decides what becomes of a received instance and which status the SCU gets back.
///
/// The handler takes the file over: it moves it where it belongs (then returns success) or
/// leaves it (the SCP deletes whatever is still at `path` once the handler has returned).
/// Return a success status only once the instance is durably stored.
///
/// The SCP calls `decide(_:)`; by default that is `store(_:)`'s status without a comment. A handler that
/// can say why it refuses an instance implements `decide(_:)` too (its Error Comment reaches the SCU with
/// a failure or warning status) and lets `store(_:)` return the decision's status.
public protocol StorageHandler: Sendable {
    func store(_ instance: ReceivedInstance) async -> UInt16

    /// The status and, for a failure or a warning, the Error Comment (`StorageDecision`).
    func decide(_ instance: ReceivedInstance) async -> StorageDecision
}

extension StorageHandler {
    public func decide(_ instance: ReceivedInstance) async -> StorageDecision {
        StorageDecision(status: await store(instance))
    }
}

/// A storage handler that can often decide at once, without waiting: the SCP then finishes the
/// instance on the association's event loop — file closed, handler called, response sent — with no
/// hand-off to another thread and back, which is most of the per-instance latency of small instances.
///
/// Used only when the SCP does not fsync received files (`DICOMServerConfiguration.syncReceivedFiles`
/// off): an fsync is never run on the event loop.
public protocol ImmediateStorageHandler: StorageHandler {
    /// The status, if the handler can store the instance now without blocking (no flush to disk, no
    /// database, no lock held for long), or nil: `decide(_:)` is then called off the event loop as usual.
    /// As with `store(_:)`, whatever is still at `instance.path` afterwards is deleted by the SCP.
    func storeImmediately(_ instance: ReceivedInstance) -> UInt16?

    /// `storeImmediately(_:)` with the Error Comment: the decision if the handler can make it now, or nil
    /// (`decide(_:)` is then called off the event loop). By default `storeImmediately(_:)`'s status, no comment.
    func decideImmediately(_ instance: ReceivedInstance) -> StorageDecision?

    /// True when a success from `storeImmediately(_:)` means nothing is left at `instance.path` (the file
    /// was moved away): the SCP then does not try to delete it (one system call less per instance).
    /// False by default.
    var movesFileWhenStoredImmediately: Bool { get }
}

extension ImmediateStorageHandler {
    public var movesFileWhenStoredImmediately: Bool { false }

    public func decideImmediately(_ instance: ReceivedInstance) -> StorageDecision? {
        storeImmediately(instance).map { StorageDecision(status: $0) }
    }
}

/// Moves each received file into a folder, named by its SOP Instance UID.
///
/// Refusals say why: C000H `SOP Instance UID has no digits to name the file` when the UID gives no file name;
/// A700H `cannot move the instance into the folder: ENOENT` when the rename fails, `cannot open the folder
/// to sync it: EACCES` or `cannot sync the folder: EIO` when the folder's fsync does (errno names).
public struct DirectoryStorageHandler: ImmediateStorageHandler {
    public let directory: String
    /// fsync the folder after the rename, so that the file's name is on disk too before success is answered
    /// (the file's content is fsync'd by the SCP, `DICOMServerConfiguration.syncReceivedFiles`).
    public var syncDirectory: Bool

    public init(directory: String, syncDirectory: Bool = true) {
        self.directory = directory
        self.syncDirectory = syncDirectory
    }

    public func store(_ instance: ReceivedInstance) async -> UInt16 {
        await decide(instance).status
    }

    public func decide(_ instance: ReceivedInstance) async -> StorageDecision {
        let decision = move(instance)
        guard decision.status == DIMSEStatus.success, syncDirectory else { return decision }
        let fd = open(directory, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .outOfResources("cannot open the folder to sync it: " + StorageDecision.errnoName(errno)) }
        defer { close(fd) }
        return fsync(fd) == 0 ? .success : .outOfResources("cannot sync the folder: " + StorageDecision.errnoName(errno))
    }

    /// Without `syncDirectory`, storing is one rename: done at once. With it, nil (the fsync waits for the disk).
    public func storeImmediately(_ instance: ReceivedInstance) -> UInt16? {
        decideImmediately(instance)?.status
    }

    public func decideImmediately(_ instance: ReceivedInstance) -> StorageDecision? {
        syncDirectory ? nil : move(instance)
    }

    /// Success is answered only once the rename has moved the file away.
    public var movesFileWhenStoredImmediately: Bool { true }

    private func move(_ instance: ReceivedInstance) -> StorageDecision {
        // A UID of digits and dots (nearly all) is its own name; otherwise only its digits and dots are kept.
        let uid = instance.sopInstanceUID
        let plain = uid.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E }
        let safe = plain ? uid : uid.filter { $0.isNumber || $0 == "." }
        guard !safe.isEmpty else { return .cannotUnderstand("SOP Instance UID has no digits to name the file") }
        let target = directory + "/" + safe + ".dcm"
        return rename(instance.path, target) == 0 ? .success
            : .outOfResources("cannot move the instance into the folder: " + StorageDecision.errnoName(errno))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
