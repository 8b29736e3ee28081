// PS3.4 Annex C Query/Retrieve (C.4.1 C-FIND SCP behaviour) and Annex K Basic Worklist
// Management: what an SCP answers to a C-FIND-RQ. Matching follows PS3.4 §C.2.2.2 for the
// common cases (single value, wildcard, list of UIDs, range, universal, sequence matching).

import DICOM
import Foundation

/// The information models served by C-FIND (the abstract syntax of the request).
public enum QueryModel: String, Sendable, CaseIterable {
    /// Patient Root Query/Retrieve Information Model – FIND.
    case patientRoot = "1.2.840.10008.5.1.4.1.2.1.1"
    /// Study Root Query/Retrieve Information Model – FIND.
    case studyRoot = "1.2.840.10008.5.1.4.1.2.2.1"
    /// Modality Worklist Information Model – FIND.
    case modalityWorklist = "1.2.840.10008.5.1.4.31"
}

/// One C-FIND request as the handler sees it.
public struct QueryRequest: Sendable {
    /// The identifier: the keys to match and to return.
    public var identifier: DataSet
    public var model: QueryModel
    public var callingAETitle: String

    public init(identifier: DataSet, model: QueryModel, callingAETitle: String) {
        self.identifier = identifier
        self.model = model
        self.callingAETitle = callingAETitle
    }
}

/// A C-FIND failure status chosen by the handler (PS3.4 Table C.4-1: A700 out of resources,
/// A900 identifier does not match SOP class, C000–CFFF unable to process).
public struct QueryFailure: Error, Sendable {
    public var status: UInt16
    public init(status: UInt16) { self.status = status }
}

/// Answers C-FIND requests: returns the matches, each sent as a pending response.
///
/// The SCP stops iterating (and cancels its task) on a C-CANCEL-RQ or when the association
/// goes away. Throw `QueryFailure` for a specific failure status; any other error is C000.
public protocol QueryHandler: Sendable {
    func find(_ request: QueryRequest) -> AsyncThrowingStream<DataSet, any Error>
}

/// A query handler that can hand its matches over already encoded, when it encodes them anyway
/// (to send each distinct response once): the SCP then sends those bytes as they are, and the
/// handler runs in the SCP's task (no stream, no second task between them).
public protocol EncodingQueryHandler: QueryHandler {
    /// Calls `send` with each match `find(_:)` would return, in order, encoded in `transferSyntax`
    /// as `DataSetWriter.encode(_:transferSyntax:)` does; throws as `find`'s stream would (the
    /// task is cancelled on a C-CANCEL-RQ). Returns false, having sent nothing, to have the SCP use
    /// `find(_:)` instead.
    func findEncoded(_ request: QueryRequest, transferSyntax: TransferSyntax, send: ([UInt8]) async -> Void) async throws -> Bool
}

/// Holds data sets in memory and answers queries against them.
public struct InMemoryQueryHandler: QueryHandler {
    public var dataSets: [DataSet]

    public init(dataSets: [DataSet]) { self.dataSets = dataSets }

    /// Reads the headers of the DICOM files in a folder (not recursive; unreadable files skipped).
    public init(directory: String) {
        var sets: [DataSet] = []
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        for name in names {
            if let file = try? DICOMFile.read(contentsOf: directory + "/" + name, options: .headerOnly) {
                sets.append(file.dataSet)
            }
        }
        dataSets = sets
    }

    public func find(_ request: QueryRequest) -> AsyncThrowingStream<DataSet, any Error> {
        let matches = Self.matches(of: request.identifier, in: dataSets)
        return AsyncThrowingStream { continuation in
            for m in matches { continuation.yield(m) }
            continuation.finish()
        }
    }

    /// The responses for `identifier`: each matching data set reduced to the requested keys
    /// (plus its Specific Character Set); duplicates (same returned values) sent once.
    public static func matches(of identifier: DataSet, in dataSets: [DataSet]) -> [DataSet] {
        var out: [DataSet] = []
        var seen = Set<EncodedResponse>()
        let query = QueryMatcher.PreparedQuery(identifier)
        for ds in dataSets where query.matches(ds) {
            let response = query.response(ds)
            if seen.insert(EncodedResponse(response)).inserted { out.append(response) }
        }
        return out
    }
}

/// A response's bytes (explicit VR little endian), to send each distinct response once.
public struct EncodedResponse: Hashable, Sendable {
    public let bytes: [UInt8]

    public init(_ response: DataSet) {
        bytes = (try? DataSetWriter.encode(response, transferSyntax: .explicitVRLittleEndian)) ?? []
    }

    public func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}

/// PS3.4 §C.2.2.2 attribute matching.
public enum QueryMatcher {
    /// Keys that are not matched: Specific Character Set, Query/Retrieve Level, and groups 0000/0002.
    static func isMatchKey(_ tag: Tag) -> Bool {
        tag != .specificCharacterSet && tag != Tag(0x0008, 0x0052) && tag.group > 0x0002
    }

    /// Whether `record` matches every key of `query` (for many records, prepare the query once:
    /// `PreparedQuery`).
    public static func matches(_ record: DataSet, _ query: DataSet) -> Bool {
        PreparedQuery(query).matches(record)
    }

    /// One key: the query's values (a UID list when there are several) against the record's.
    public static func matchValue(_ values: [String], vr: VR, recordValues: [String]) -> Bool {
        if vr == .UI || values.count > 1 {
            return recordValues.contains { values.contains($0) }
        }
        let v = values[0]
        let isDateTime = vr == .DA || vr == .TM || vr == .DT
        if isDateTime, v.utf8.contains(UInt8(ascii: "-")) {
            let parts = v.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let lo = parts[0], hi = parts.count > 1 ? parts[1] : ""
            return recordValues.contains { r in
                (lo.isEmpty || r >= lo) && (hi.isEmpty || String(r.prefix(hi.count)) <= hi)
            }
        }
        let insensitive = vr == .PN
        if v.utf8.contains(where: { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") }), !isDateTime, vr != .UI {
            return recordValues.contains { wildcard(insensitive ? v.uppercased() : v, insensitive ? $0.uppercased() : $0) }
        }
        return recordValues.contains { insensitive ? $0.uppercased() == v.uppercased() : $0 == v }
    }

    /// `*` any run of characters, `?` one character.
    public static func wildcard(_ pattern: String, _ value: String) -> Bool {
        let p = Array(pattern), s = Array(value)
        var pi = 0, si = 0, star = -1, mark = 0
        while si < s.count {
            if pi < p.count && (p[pi] == "?" || p[pi] == s[si]) { pi += 1; si += 1 }
            else if pi < p.count && p[pi] == "*" { star = pi; mark = si; pi += 1 }
            else if star >= 0 { pi = star + 1; mark += 1; si = mark }
            else { return false }
        }
        while pi < p.count && p[pi] == "*" { pi += 1 }
        return pi == p.count
    }

    /// The requested keys with the record's values (zero length when it has none), sequences
    /// reduced item by item, plus the record's Specific Character Set and the query's level.
    public static func response(_ record: DataSet, _ query: DataSet) -> DataSet {
        PreparedQuery(query).response(record)
    }

    static func trim(_ s: String) -> String {
        var t = Substring(s)
        while t.last == " " || t.last == "\0" { t = t.dropLast() }
        while t.first == " " { t = t.dropFirst() }
        return String(t)
    }
}

