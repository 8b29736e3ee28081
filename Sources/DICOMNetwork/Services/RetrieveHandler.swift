// PS3.4 Annex C Query/Retrieve: C.4.2 C-MOVE and C.4.3 C-GET SCP behaviour — which instances a
// retrieve request names. PS3.4 §C.4.2.2.1 / §C.4.3.2.1: the identifier holds the Query/Retrieve
// Level and the unique keys of that level and the levels above it (§C.2.2.1 Table C.6-1 / C.6-5);
// a list of UIDs is allowed for the unique key of the requested level.

import DICOM
import Foundation

/// The Query/Retrieve information models served by C-MOVE and C-GET.
public enum RetrieveModel: String, Sendable, CaseIterable {
    case patientRoot
    case studyRoot

    /// Patient Root / Study Root Query/Retrieve Information Model – MOVE.
    public var moveSOPClassUID: String {
        self == .patientRoot ? "1.2.840.10008.5.1.4.1.2.1.2" : "1.2.840.10008.5.1.4.1.2.2.2"
    }

    /// Patient Root / Study Root Query/Retrieve Information Model – GET.
    public var getSOPClassUID: String {
        self == .patientRoot ? "1.2.840.10008.5.1.4.1.2.1.3" : "1.2.840.10008.5.1.4.1.2.2.3"
    }

    /// The model and operation of a MOVE or GET SOP class UID.
    public static func of(sopClassUID uid: String) -> (model: RetrieveModel, isMove: Bool)? {
        for m in allCases {
            if m.moveSOPClassUID == uid { return (m, true) }
            if m.getSOPClassUID == uid { return (m, false) }
        }
        return nil
    }
}

/// One C-MOVE or C-GET request as the handler sees it.
public struct RetrieveRequest: Sendable {
    public enum Operation: Sendable, Equatable {
        /// C-MOVE to this AE title.
        case move(destination: String)
        /// C-GET: the instances go back on the requesting association.
        case get
    }

    /// The identifier: Query/Retrieve Level and the unique keys.
    public var identifier: DataSet
    public var model: RetrieveModel
    public var operation: Operation
    public var callingAETitle: String

    public init(identifier: DataSet, model: RetrieveModel, operation: Operation, callingAETitle: String) {
        self.identifier = identifier
        self.model = model
        self.operation = operation
        self.callingAETitle = callingAETitle
    }
}

/// An instance to send: a Part 10 file and what the sub-operation needs to know about it.
public struct RetrieveInstance: Sendable, Equatable {
    public var path: String
    public var sopClassUID: String
    public var sopInstanceUID: String
    public var transferSyntaxUID: String
    /// Top-level elements to set in the data set sent (values encoded in the file's character set and
    /// transfer syntax); the stored file is not changed. Nil or empty: the file is sent as stored.
    public var replacements: DataSet?

    public init(path: String, sopClassUID: String, sopInstanceUID: String, transferSyntaxUID: String, replacements: DataSet? = nil) {
        self.path = path
        self.sopClassUID = sopClassUID
        self.sopInstanceUID = sopInstanceUID
        self.transferSyntaxUID = transferSyntaxUID
        self.replacements = replacements
    }

    public static func == (lhs: RetrieveInstance, rhs: RetrieveInstance) -> Bool {
        lhs.path == rhs.path && lhs.sopClassUID == rhs.sopClassUID && lhs.sopInstanceUID == rhs.sopInstanceUID
            && lhs.transferSyntaxUID == rhs.transferSyntaxUID
            && lhs.replacements?.elements.map(\.tag) == rhs.replacements?.elements.map(\.tag)
            && zip(lhs.replacements?.elements ?? [], rhs.replacements?.elements ?? []).allSatisfy { (try? $0.loadBytes()) == (try? $1.loadBytes()) }
    }
}

/// Chooses the instances a C-MOVE or C-GET sends; the SCP then runs one C-STORE sub-operation
/// per instance. Throw `QueryFailure(status:)` for a specific failure status (A701 out of
/// resources, A900 identifier does not match SOP class, Cxxx unable to process); any other
/// error is C000.
public protocol RetrieveHandler: Sendable {
    func instances(for request: RetrieveRequest) async throws -> [RetrieveInstance]
}

/// Serves retrieves from the Part 10 files of a folder: their headers are read once (not
/// recursive; unreadable files skipped) and matched by the unique keys of the requested level.
public struct DirectoryRetrieveHandler: RetrieveHandler {
    public struct Entry: Sendable {
        public var instance: RetrieveInstance
        /// The file's data set without its pixel data.
        public var header: DataSet
    }

    public let entries: [Entry]

    public init(directory: String) {
        var out: [Entry] = []
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        for name in names {
            let path = directory + "/" + name
            guard let file = try? DICOMFile.read(contentsOf: path, options: .headerOnly),
                  let sopClass = file.sopClassUID, let sopInstance = file.sopInstanceUID else { continue }
            out.append(Entry(instance: RetrieveInstance(path: path, sopClassUID: sopClass, sopInstanceUID: sopInstance,
                                                        transferSyntaxUID: file.transferSyntax.uid),
                             header: file.dataSet))
        }
        entries = out
    }

    public func instances(for request: RetrieveRequest) async throws -> [RetrieveInstance] {
        let keys = try Self.uniqueKeys(request.identifier, model: request.model)
        return entries.filter { QueryMatcher.matches($0.header, keys) }.map(\.instance)
    }

    static let patientID = Tag(0x0010, 0x0020)
    static let studyInstanceUID = Tag(0x0020, 0x000D)
    static let seriesInstanceUID = Tag(0x0020, 0x000E)
    static let queryRetrieveLevel = Tag(0x0008, 0x0052)

    /// The identifier reduced to the unique keys of its level and the levels above; A900 when
    /// the level is missing or unknown for the model, or its own unique key is absent or empty.
    public static func uniqueKeys(_ identifier: DataSet, model: RetrieveModel) throws -> DataSet {
        let level = QueryMatcher.trim(identifier.string(queryRetrieveLevel) ?? "").uppercased()
        var hierarchy: [(String, Tag)] = [("STUDY", studyInstanceUID), ("SERIES", seriesInstanceUID), ("IMAGE", .sopInstanceUID)]
        if model == .patientRoot { hierarchy.insert(("PATIENT", patientID), at: 0) }
        guard let depth = hierarchy.firstIndex(where: { $0.0 == level }) else {
            throw QueryFailure(status: DIMSEStatus.identifierDoesNotMatchSOPClass)
        }
        var keys = DataSet()
        for (i, (_, tag)) in hierarchy.enumerated() where i <= depth {
            let values = (identifier.strings(tag) ?? []).map(QueryMatcher.trim).filter { !$0.isEmpty }
            if values.isEmpty {
                if i == depth { throw QueryFailure(status: DIMSEStatus.identifierDoesNotMatchSOPClass) }
                continue
            }
            if let e = identifier[tag] { keys.set(e) }
        }
        return keys
    }
}
