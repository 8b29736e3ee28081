// Delivery to a folder (a "file drop"): each entry becomes one file, written to a temporary name, fsync'd,
// then renamed, so a reader of the folder never sees a partial file.

import DICOM
import Foundation
import HL7
import IsthmusStore

#if canImport(Glibc)
import Glibc
#endif

/// Writes HL7 entries as `<message id>-<control id>.hl7` and DICOM entries as `<SOP Instance UID>.dcm`.
public struct FolderSender: DestinationSender {
    public let directory: String
    /// Where DICOM entries' files are (their `path` metadata is relative to it).
    public let contentDirectory: String
    let transforms: [Transform]

    public init(directory: String, contentDirectory: String, transforms: [Transform] = []) {
        self.directory = directory
        self.contentDirectory = contentDirectory
        self.transforms = transforms
    }

    public func deliver(_ entry: ClaimedEntry) async -> DeliveryOutcome {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            return .failed(.transport, reason: "cannot create the folder: \(error.localizedDescription)")
        }
        let name: String
        let bytes: [UInt8]
        switch entry.kind {
        case .hl7:
            do {
                let m = try Transformer.apply(transforms, to: try Message(entry.payload))
                bytes = m.serialized()
                name = "\(entry.messageID)-\(Self.safe(m.controlID ?? "message")).hl7"
            } catch {
                return .failed(.unsendable, reason: "cannot prepare the message: \(error)")
            }
        case .dicom:
            guard let relative = entry.metadata["path"] else { return .failed(.unsendable, reason: "the entry names no stored file") }
            guard let data = FileManager.default.contents(atPath: contentDirectory + "/" + relative) else {
                return .failed(.unsendable, reason: "the stored file \(relative) is gone")
            }
            bytes = [UInt8](data)
            name = Self.safe(entry.metadata["sopInstanceUID"] ?? "\(entry.messageID)") + ".dcm"
        }
        let target = directory + "/" + name
        let temporary = directory + "/." + name + ".part"
        do {
            try Self.writeSynced(bytes, to: temporary)
            guard rename(temporary, target) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
            let fd = open(directory, O_RDONLY | O_DIRECTORY)
            if fd >= 0 { _ = fsync(fd); _ = Glibc.close(fd) }
        } catch {
            unlink(temporary)
            return .failed(.transport, reason: "cannot write \(name): \(error.localizedDescription)")
        }
        return .delivered(response: "written \(name)")
    }

    static func safe(_ s: String) -> String {
        String(s.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" ? $0 : "_" }.prefix(64))
    }

    static func writeSynced(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        defer { _ = Glibc.close(fd) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            guard n > 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
            offset += n
        }
        guard fsync(fd) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    }
}
