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
        let meta: Logger.Metadata = ["sop": "\(instance.sopInstanceUID)", "callingAE": "\(instance.callingAETitle)"]
        let file: DICOMFile
        do {
            file = try DICOMFile.read(contentsOf: instance.path)
        } catch {
            logger.warning("C-STORE refused: data set not readable", metadata: meta.merging(["error": "\(error)"]) { a, _ in a })
            return DIMSEStatus.cannotUnderstand
        }
        let ds = file.dataSet
        guard let study = Self.uid(ds.string(Tag(0x0020, 0x000D))), let series = Self.uid(ds.string(Tag(0x0020, 0x000E))),
              let sop = Self.uid(instance.sopInstanceUID)
        else {
            logger.warning("C-STORE refused: Study, Series or SOP Instance UID missing", metadata: meta)
            return DIMSEStatus.cannotUnderstand
        }
        // Ignore and reject keep what is stored: decide before touching the content folder.
        if policy != .replace {
            do {
                if let existing = try await store.instance(sopInstanceUID: instance.sopInstanceUID) {
                    logger.info("duplicate SOP instance", metadata: meta.merging(["policy": "\(policy.rawValue)", "path": "\(existing.path)"]) { a, _ in a })
                    return policy == .ignore ? DIMSEStatus.success : Self.duplicateSOPInstance
                }
            } catch {
                logger.error("C-STORE failed: store lookup", metadata: meta.merging(["error": "\(error)"]) { a, _ in a })
                return DIMSEStatus.outOfResources
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
            return DIMSEStatus.outOfResources
        }
        let channels = router.channels(from: listener, keeping: .dicom(dataSet: ds, sopClassUID: instance.sopClassUID, callingAETitle: instance.callingAETitle))
        do {
            let size = (try? FileManager.default.attributesOfItem(atPath: target)[.size] as? NSNumber)?.int64Value ?? Int64(instance.dataSetLength)
            let record = try InstanceRecord(file: file, path: relative, size: size, callingAE: instance.callingAETitle)
            let outcome = try await store.indexInstance(record, policy: DuplicateInstancePolicy(rawValue: policy.rawValue) ?? .ignore,
                                                         channel: channels.first?.name, deliveries: ChannelRouter.deliveries(for: channels))
            logger.debug("stored", metadata: meta.merging(["outcome": "\(outcome)"]) { a, _ in a })
            return outcome.isSuccess ? DIMSEStatus.success : Self.duplicateSOPInstance
        } catch let error as InstanceIndexError {
            if !existed { unlink(target) }
            logger.warning("C-STORE refused: \(error)", metadata: meta)
            return DIMSEStatus.cannotUnderstand
        } catch {
            if !existed { unlink(target) }
            logger.error("C-STORE failed: index not committed", metadata: meta.merging(["error": "\(error)"]) { a, _ in a })
            return DIMSEStatus.outOfResources
        }
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
}
