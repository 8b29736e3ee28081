// PS3.7 §9.1.3 C-MOVE and §9.1.4 C-GET response parameters: Number of Remaining / Completed /
// Failed / Warning Sub-operations (0000,1020)–(0000,1023); PS3.4 §C.4.2.1.5 and §C.4.3.1.5 the
// status codes (Tables C.4-2 and C.4-3) and the Failed SOP Instance UID List (0008,0058).

import DICOM

public extension Tag {
    static let numberOfRemainingSuboperations = Tag(0x0000, 0x1020)
    static let numberOfCompletedSuboperations = Tag(0x0000, 0x1021)
    static let numberOfFailedSuboperations = Tag(0x0000, 0x1022)
    static let numberOfWarningSuboperations = Tag(0x0000, 0x1023)
    static let failedSOPInstanceUIDList = Tag(0x0008, 0x0058)
}

extension DIMSEStatus {
    /// C-MOVE/C-GET: Refused, out of resources – unable to calculate number of matches (A701H).
    public static let unableToCalculateMatches: UInt16 = 0xA701
    /// C-MOVE/C-GET: Refused, out of resources – unable to perform sub-operations (A702H).
    public static let unableToPerformSubOperations: UInt16 = 0xA702
    /// C-MOVE: Refused, move destination unknown (A801H).
    public static let moveDestinationUnknown: UInt16 = 0xA801
    /// C-MOVE/C-GET: sub-operations complete, one or more failures or warnings (B000H).
    public static let subOperationsCompleteWithFailures: UInt16 = 0xB000
}

/// Where a C-MOVE or C-GET stands: a pending response's counts, or the final status with the
/// counts and the SOP instances that failed.
public struct RetrieveResult: Sendable, Equatable {
    public var status: UInt16
    /// Present in pending and Cancel responses.
    public var remaining: Int?
    public var completed: Int
    public var failed: Int
    public var warning: Int
    /// From the final response's identifier (0008,0058).
    public var failedSOPInstanceUIDs: [String]

    public init(status: UInt16, remaining: Int? = nil, completed: Int = 0, failed: Int = 0, warning: Int = 0, failedSOPInstanceUIDs: [String] = []) {
        self.status = status
        self.remaining = remaining
        self.completed = completed
        self.failed = failed
        self.warning = warning
        self.failedSOPInstanceUIDs = failedSOPInstanceUIDs
    }

    /// Read from a C-MOVE-RSP or C-GET-RSP (and its identifier, if any).
    init(_ rsp: DIMSECommand, identifier: DataSet?) {
        status = rsp.status ?? DIMSEStatus.unableToProcess
        remaining = rsp.us(.numberOfRemainingSuboperations).map(Int.init)
        completed = rsp.us(.numberOfCompletedSuboperations).map(Int.init) ?? 0
        failed = rsp.us(.numberOfFailedSuboperations).map(Int.init) ?? 0
        warning = rsp.us(.numberOfWarningSuboperations).map(Int.init) ?? 0
        failedSOPInstanceUIDs = (identifier?.strings(.failedSOPInstanceUIDList) ?? []).map(QueryMatcher.trim).filter { !$0.isEmpty }
    }

    /// Writes the counts into a response command: Remaining only when known (pending, cancel).
    func write(to rsp: inout DIMSECommand) {
        rsp.status = status
        rsp.setUS(.numberOfRemainingSuboperations, remaining.map { UInt16(clamping: $0) })
        rsp.setUS(.numberOfCompletedSuboperations, UInt16(clamping: completed))
        rsp.setUS(.numberOfFailedSuboperations, UInt16(clamping: failed))
        rsp.setUS(.numberOfWarningSuboperations, UInt16(clamping: warning))
    }
}

/// Counts sub-operations as their C-STORE statuses come back.
struct SubOperationTally: Sendable {
    var total: Int
    var completed = 0
    var failed = 0
    var warning = 0
    var failedUIDs: [String] = []

    var done: Int { completed + failed + warning }
    var remaining: Int { max(0, total - done) }

    mutating func record(_ status: UInt16?, sopInstanceUID: String) {
        switch status.map(DIMSEStatus.category) {
        case .success?: completed += 1
        case .warning?: warning += 1
        default:
            failed += 1
            failedUIDs.append(sopInstanceUID)
        }
    }

    var pending: RetrieveResult {
        RetrieveResult(status: DIMSEStatus.pending, remaining: remaining, completed: completed, failed: failed, warning: warning)
    }

    /// The final status (PS3.4 §C.4.2.3.1): Success when every sub-operation succeeded,
    /// B000H when any failed or had a warning, Cancel (FE00H) with the remaining count.
    func final(cancelled: Bool) -> RetrieveResult {
        if cancelled {
            return RetrieveResult(status: DIMSEStatus.cancel, remaining: remaining, completed: completed, failed: failed, warning: warning, failedSOPInstanceUIDs: failedUIDs)
        }
        let status = failed + warning == 0 ? DIMSEStatus.success : DIMSEStatus.subOperationsCompleteWithFailures
        return RetrieveResult(status: status, completed: completed, failed: failed, warning: warning, failedSOPInstanceUIDs: failedUIDs)
    }
}
