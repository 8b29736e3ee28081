// PS3.4 Annex B Storage Service Class, SCP (§B.2.2, §B.2.3 statuses): the engine's durable path for a C-STORE —
// the received Part 10 file (already fsync'd by the SCP) is moved into the content folder, its directory fsync'd,
// and the instance indexed in the store; only then is success returned.

import DICOM
import DICOMNetwork
import Foundation
import IsthmusStore
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The StorageHandler of the engine's DICOM listeners.
///
/// Statuses: 0000H once the file is in `content/<study>/<series>/<sop>.dcm`, its directory fsync'd and the index
/// committed; A700H (out of resources) when moving, syncing or indexing fails (nothing is kept); C000H (cannot
/// understand) when the data set cannot be read or lacks Study/Series/SOP Instance UIDs; for an instance already
/// stored, the configured policy: ignore (0000H, the stored file kept), replace, or reject (0111H).
/// Every refusal carries an Error Comment saying why (`decide(_:)`): the step, the attribute and its tag, the
/// read error's offset and tag, the errno name — never a value of the data set.
public struct DICOMIntake: StorageHandler {
    /// Duplicate SOP Instance (PS3.7 Annex C), answered under the `reject` policy.
    public static let duplicateSOPInstance: UInt16 = 0x0111

    public let listener: String
    public let store: any Store
    public let contentDirectory: String
    public let policy: SOPDuplicatePolicy
    public let router: ChannelRouter
    public let logger: Logger

    public init(listener: String, store: any Store, contentDirectory: String, policy: SOPDuplicatePolicy, router: ChannelRouter, logger: Logger) {
        self.listener = listener
        self.store = store
        self.contentDirectory = contentDirectory
        self.policy = policy
        self.router = router
        self.logger = logger
    }

    public func store(_ instance: ReceivedInstance) async -> UInt16 {
        await decide(instance).status
    }

    public func decide(_ instance: ReceivedInstance) async -> StorageDecision {
        let meta: Logger.Metadata = ["sop": "\(instance.sopInstanceUID)", "callingAE": "\(instance.callingAETitle)"]
        let file: DICOMFile
        do {
            file = try DICOMFile.read(contentsOf: instance.path)
        } catch {
            logger.warning("C-STORE refused: data set not readable", metadata: meta.merging(["error": "\(error)"]) { a, _ in a })
            return .cannotUnderstand(Self.unreadableComment(error, instance: instance))
        }
        let ds = file.dataSet
        let study: String, series: String, sop: String
        switch (Self.checkedUID(ds.string(Self.studyInstanceUID)), Self.checkedUID(ds.string(Self.seriesInstanceUID)),
                Self.checkedUID(instance.sopInstanceUID)) {
        case (.valid(let a), .valid(let b), .valid(let c)):
            (study, series, sop) = (a, b, c)
        case (let a, let b, let c):
            let comment = Self.uidComment("Study Instance UID", Self.studyInstanceUID, a)
                ?? Self.uidComment("Series Instance UID", Self.seriesInstanceUID, b)
                ?? Self.uidComment("Affected SOP Instance UID", Tag(0x0000, 0x1000), c) ?? "UID not usable"
            logger.warning("C-STORE refused: \(comment)", metadata: meta)
            return .cannotUnderstand(comment)
        }
        // Ignore and reject keep what is stored: decide before touching the content folder.
        if policy != .replace {
            do {
                if let existing = try await store.instance(sopInstanceUID: instance.sopInstanceUID) {
                    logger.info("duplicate SOP instance", metadata: meta.merging(["policy": "\(policy.rawValue)", "path": "\(existing.path)"]) { a, _ in a })
                    return policy == .ignore ? .success : Self.duplicateDecision
                }
            } catch {
                logger.error("C-STORE failed: store lookup", metadata: meta.merging(["error": "\(error)"]) { a, _ in a })
                return .outOfResources("store lookup failed" + Self.storeCause(error))
            }
        }
        let relative = "\(study)/\(series)/\(sop).dcm"
        let directory = contentDirectory + "/" + study + "/" + series
        let target = contentDirectory + "/" + relative
        let existed = FileManager.default.fileExists(atPath: target)
        do {
            try Self.makeDirectories(contentDirectory: contentDirectory, study: study, series: series)
            guard rename(instance.path, target) == 0 else { throw POSIXFailure(operation: "rename", code: errno) }
            try Self.syncDirectory(directory)
        } catch {
            logger.error("C-STORE failed: cannot move the file into the content folder", metadata: meta.merging(["error": "\(error)"]) { a, _ in a })
            return .outOfResources((error as? POSIXFailure)?.comment ?? "cannot move the instance into the content folder")
        }
        let channels = router.channels(from: listener, keeping: .dicom(dataSet: ds, sopClassUID: instance.sopClassUID, callingAETitle: instance.callingAETitle))
        do {
            let size = (try? FileManager.default.attributesOfItem(atPath: target)[.size] as? NSNumber)?.int64Value ?? Int64(instance.dataSetLength)
            let record = try InstanceRecord(file: file, path: relative, size: size, callingAE: instance.callingAETitle)
            let outcome = try await store.indexInstance(record, policy: DuplicateInstancePolicy(rawValue: policy.rawValue) ?? .ignore,
                                                         channel: channels.first?.name, deliveries: ChannelRouter.deliveries(for: channels))
            logger.debug("stored", metadata: meta.merging(["outcome": "\(outcome)"]) { a, _ in a })
            return outcome.isSuccess ? .success : Self.duplicateDecision
        } catch let error as InstanceIndexError {
            if !existed { unlink(target) }
            logger.warning("C-STORE refused: \(error)", metadata: meta)
            return .cannotUnderstand(Self.indexComment(error))
        } catch {
            if !existed { unlink(target) }
            logger.error("C-STORE failed: index not committed", metadata: meta.merging(["error": "\(error)"]) { a, _ in a })
            return .outOfResources("index not committed" + Self.storeCause(error))
        }
    }

    static let studyInstanceUID = Tag(0x0020, 0x000D)
    static let seriesInstanceUID = Tag(0x0020, 0x000E)

    /// 0111H under the `reject` policy.
    static let duplicateDecision = StorageDecision(status: duplicateSOPInstance,
                                                   errorComment: "SOP Instance UID already stored (duplicate policy reject)")

    /// Where the data set could not be read: the reader's error code, the byte offset in the data set as the SCU
    /// sent it (the file starts with Isthmus's meta information, `dataSetLength` bytes from its end) and the tag
    /// being read — the error's reason is for the log, the comment keeps to positions.
    static func unreadableComment(_ error: DICOMError, instance: ReceivedInstance) -> String {
        var s = "data set not readable: \(error.code)"
        if let offset = error.offset {
            if error.reason.hasSuffix("(offset in the inflated data set)") {
                s += " at inflated byte \(offset)"
            } else {
                let size = (try? FileManager.default.attributesOfItem(atPath: instance.path)[.size] as? NSNumber)?.intValue
                let start = size.map { $0 - instance.dataSetLength } ?? 0
                s += offset >= start ? " at byte \(offset - start)" : " at file byte \(offset)"
            }
        }
        if let tag = error.tag { s += " in \(tag)" }
        return s
    }

    enum CheckedUID: Equatable {
        case valid(String)
        case missing
        case invalid
    }

    /// A UID usable as a path component (`uid(_:)`), missing (absent or empty), or not a valid UID.
    static func checkedUID(_ s: String?) -> CheckedUID {
        let t = s?.trimmingCharacters(in: CharacterSet(charactersIn: " \0")) ?? ""
        if t.isEmpty { return .missing }
        return uid(t).map(CheckedUID.valid) ?? .invalid
    }

    /// `Study Instance UID (0020,000D) missing` or `… is not a valid UID`; nil for a valid one.
    static func uidComment(_ name: String, _ tag: Tag, _ checked: CheckedUID) -> String? {
        switch checked {
        case .valid: return nil
        case .missing: return "\(name) \(tag) missing"
        case .invalid: return "\(name) \(tag) is not a valid UID"
        }
    }

    /// `cannot index: (0008,0016) SOPClassUID missing or empty` (the index's required attributes).
    static func indexComment(_ error: InstanceIndexError) -> String {
        "cannot index: \(error.missing) \(error.missing.keyword ?? "attribute") missing or empty"
    }

    /// `: full`, `: busy`, … for a `StoreError` (its code, not its message); nothing for another error.
    static func storeCause(_ error: any Error) -> String {
        (error as? StoreError).map { ": \($0.code.rawValue)" } ?? ""
    }

    /// A UID usable as a path component: digits and dots, not starting with a dot, at most 64 characters.
    static func uid(_ s: String?) -> String? {
        guard let t = s?.trimmingCharacters(in: CharacterSet(charactersIn: " \0")), !t.isEmpty, t.count <= 64,
              t.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), !t.hasPrefix(".") else { return nil }
        return t
    }

    /// Creates `content/<study>/<series>`; every directory created has its parent fsync'd so the new entry is durable.
    static func makeDirectories(contentDirectory: String, study: String, series: String) throws {
        var parent = contentDirectory
        for component in [study, series] {
            let path = parent + "/" + component
            if mkdir(path, 0o755) == 0 {
                try syncDirectory(parent)
            } else if errno != EEXIST {
                throw POSIXFailure(operation: "mkdir", code: errno)
            }
            parent = path
        }
    }

    static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { throw POSIXFailure(operation: "open directory", code: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw POSIXFailure(operation: "fsync directory", code: errno) }
    }
}

/// A failed system call (no path in the description: paths carry UIDs only, but keep logs short).
struct POSIXFailure: Error, CustomStringConvertible {
    var operation: String
    var code: Int32
    var description: String { "\(operation): \(String(cString: strerror(code)))" }

    /// The Error Comment: which step of filing the instance failed, and the errno name.
    var comment: String {
        let step = switch operation {
        case "mkdir": "cannot create the study or series folder"
        case "rename": "cannot move the instance into the content folder"
        case "open directory": "cannot open the content folder to sync it"
        case "fsync directory": "cannot sync the content folder"
        default: "cannot file the instance (\(operation))"
        }
        return step + ": " + StorageDecision.errnoName(code)
    }
}
