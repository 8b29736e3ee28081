// PS3.4 Annex F Modality Performed Procedure Step SOP Class (1.2.840.10008.3.1.2.3.3), SCP side:
// what becomes of the MPPS instances the SCU creates (N-CREATE, §F.7.2.1) and updates (N-SET,
// §F.7.2.2). The state rules are the SCP's (MPPSService); the handler keeps the instances.

import DICOM
import Foundation

public extension Tag {
    /// Performed Procedure Step Status (0040,0252): IN PROGRESS, DISCONTINUED or COMPLETED.
    static let performedProcedureStepStatus = Tag(0x0040, 0x0252)
}

/// The MPPS SOP class and its step states (PS3.3 C.4.14, PS3.4 F.7.2).
public enum MPPS {
    public static let sopClassUID = "1.2.840.10008.3.1.2.3.3"
    public static let inProgress = "IN PROGRESS"
    public static let completed = "COMPLETED"
    public static let discontinued = "DISCONTINUED"
    /// States a step may be in; the last two are final (no N-SET accepted afterwards).
    public static let states: Set<String> = [inProgress, completed, discontinued]
}

/// An MPPS instance as the SCP hands it to the handler: its attributes after the operation
/// (the N-CREATE attribute list, or the stored attributes with the N-SET modifications applied),
/// with SOP Class UID and SOP Instance UID (0008,0016/0018) set.
public struct MPPSInstance: Sendable {
    public var sopInstanceUID: String
    public var attributes: DataSet
    public var callingAETitle: String

    public init(sopInstanceUID: String, attributes: DataSet, callingAETitle: String) {
        self.sopInstanceUID = sopInstanceUID
        self.attributes = attributes
        self.callingAETitle = callingAETitle
    }

    /// Performed Procedure Step Status (0040,0252), trimmed.
    public var status: String? { attributes.string(.performedProcedureStepStatus)?.trimmingCharacters(in: .whitespaces) }
}

/// Keeps MPPS instances for the SCP. `instance(_:)` is asked before every N-CREATE (a duplicate
/// is refused) and N-SET (an unknown instance, or one already COMPLETED or DISCONTINUED, is
/// refused); `create` and `update` keep what was accepted and return the status sent back
/// (success once it is kept; a failure such as 0110H processing failure otherwise).
public protocol MPPSHandler: Sendable {
    func instance(_ sopInstanceUID: String) async -> DataSet?
    func create(_ instance: MPPSInstance) async -> UInt16
    func update(_ instance: MPPSInstance) async -> UInt16
}

/// Keeps MPPS instances in memory and, with a folder, as Part 10 files named by SOP Instance UID
/// (Explicit VR Little Endian, written to a temporary name, fsync'd and renamed); files already
/// in the folder are loaded when it is created, so steps survive a restart.
public actor MPPSStore: MPPSHandler {
    public let directory: String?
    private var instances: [String: DataSet] = [:]

    public init(directory: String? = nil) {
        self.directory = directory
        guard let directory, let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        var options = ReadOptions()
        options.bulkDataThreshold = nil   // small objects: held in memory, not mapped
        for name in names where name.hasSuffix(".dcm") {
            if let file = try? DICOMFile.read(contentsOf: directory + "/" + name, options: options),
               let uid = file.dataSet.string(.sopInstanceUID) {
                instances[uid] = file.dataSet
            }
        }
    }

    /// Every instance kept, by SOP Instance UID.
    public var all: [String: DataSet] { instances }

    public func instance(_ sopInstanceUID: String) -> DataSet? { instances[sopInstanceUID] }

    public func create(_ instance: MPPSInstance) -> UInt16 { keep(instance) }

    public func update(_ instance: MPPSInstance) -> UInt16 { keep(instance) }

    private func keep(_ instance: MPPSInstance) -> UInt16 {
        if let directory {
            let name = instance.sopInstanceUID.filter { $0.isNumber || $0 == "." }
            guard !name.isEmpty else { return DIMSEStatus.processingFailure }
            let target = directory + "/" + name + ".dcm"
            let temporary = directory + "/.isthmus-\(UUID().uuidString).part"
            do {
                try DICOMFile(dataSet: instance.attributes, transferSyntax: .explicitVRLittleEndian).write(toPath: temporary, sync: true)
            } catch {
                unlink(temporary)
                return DIMSEStatus.processingFailure
            }
            guard rename(temporary, target) == 0 else {
                unlink(temporary)
                return DIMSEStatus.processingFailure
            }
        }
        instances[instance.sopInstanceUID] = instance.attributes
        return DIMSEStatus.success
    }
}
