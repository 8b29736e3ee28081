// PS3.4 §B.2.3 (C-STORE statuses; Table B.2-1 relates the Error Comment (0000,0902) to the failure and
// warning statuses) and PS3.7 Annex C: a storage handler's decision — the status of the C-STORE-RSP and,
// for a failure or a warning, the Error Comment (LO: at most 64 characters of the default repertoire)
// telling the SCU's operator why.

/// What a storage handler decided for a received instance: the status the SCU gets back, and why.
///
/// The comment is read by people (it lands in the modality's log): name the step that failed, the
/// attribute, the tag, the UID or the system's error (`ENOSPC`) — never a value from the data set
/// such as a patient's name or ID. It is sent only with a failure or warning status
/// (`responseComment`), cut to 64 characters, anything outside printable ASCII replaced.
public struct StorageDecision: Sendable, Hashable {
    /// The C-STORE-RSP status (`DIMSEStatus`).
    public var status: UInt16
    /// Why, for a failure or a warning status; ignored with success.
    public var errorComment: String?

    public init(status: UInt16, errorComment: String? = nil) {
        self.status = status
        self.errorComment = errorComment
    }

    /// Stored (0000H), no comment.
    public static let success = StorageDecision(status: DIMSEStatus.success)

    /// Refused: Out of Resources (A700H): the instance could not be kept (disk, folder, database).
    public static func outOfResources(_ comment: String) -> StorageDecision {
        StorageDecision(status: DIMSEStatus.outOfResources, errorComment: comment)
    }

    /// Error: Cannot Understand (C000H): the data set cannot be read or lacks what storing needs.
    public static func cannotUnderstand(_ comment: String) -> StorageDecision {
        StorageDecision(status: DIMSEStatus.cannotUnderstand, errorComment: comment)
    }

    /// Error: Data Set Does Not Match SOP Class (A900H).
    public static func dataSetDoesNotMatchSOPClass(_ comment: String) -> StorageDecision {
        StorageDecision(status: DIMSEStatus.dataSetDoesNotMatchSOPClass, errorComment: comment)
    }

    /// Warning: Coercion of Data Elements (B000H).
    public static func coercionOfDataElements(_ comment: String) -> StorageDecision {
        StorageDecision(status: DIMSEStatus.coercionOfDataElements, errorComment: comment)
    }

    /// The Error Comment as sent in the C-STORE-RSP: nil for a success (or any status that is neither a
    /// failure nor a warning) and for an empty comment; otherwise printable ASCII without a backslash
    /// (a value delimiter), spaces at either end removed, at most 64 characters.
    public var responseComment: String? {
        switch DIMSEStatus.category(status) {
        case .failure, .warning: return errorComment.flatMap(Self.errorCommentValue)
        case .success, .cancel, .pending: return nil
        }
    }

    /// `comment` as an LO value of the default repertoire: control characters, non-ASCII characters and
    /// backslashes become `?`, surrounding spaces go, then at most 64 characters; nil when nothing is left.
    public static func errorCommentValue(_ comment: String) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64)
        for scalar in comment.unicodeScalars {
            let v = scalar.value
            bytes.append(v >= 0x20 && v < 0x7F && v != 0x5C ? UInt8(v) : UInt8(ascii: "?"))
        }
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == 0x20 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 { end -= 1 }
        guard start < end else { return nil }
        var value = Array(bytes[start ..< min(end, start + 64)])
        while value.last == 0x20 { value.removeLast() }
        return String(decoding: value, as: UTF8.self)
    }

    /// The symbolic name of an `errno` value (`ENOENT`, `ENOSPC`), for comments: shorter than the system's
    /// message and the same in every locale. `errno N` for a value without a name.
    public static func errnoName(_ code: Int32) -> String {
        POSIXErrorCode(rawValue: code).map { String(describing: $0) } ?? "errno \(code)"
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
