// HL7 v2.8 §2.10.3 Batch protocol (boundaries FHS/BHS/BTS/FTS) and the de-facto file formats that hold many
// messages: one message after another, segments terminated by CR, LF or CRLF, optionally blank lines between.

/// Splits a byte stream holding many messages (and batch control segments) into pieces, without
/// parsing the messages. The pieces cover every byte, in order, so joining them gives back the input.
public enum MessageStream {
    /// What a piece of the stream is.
    public enum Kind: Hashable, Sendable {
        /// A message: from its MSH up to the next boundary.
        case message
        /// FHS, BHS, BTS or FTS segment (with its terminator).
        case fileHeader, batchHeader, batchTrailer, fileTrailer
        /// Segments that belong to no message (before the first MSH, or after a control segment).
        case other
    }

    /// A contiguous range of the stream.
    public struct Piece: Hashable, Sendable {
        /// What the range holds.
        public var kind: Kind
        /// Byte range in the input.
        public var range: Range<Int>
    }

    /// Splits `bytes` at every segment that starts with MSH, FHS, BHS, BTS or FTS.
    public static func pieces(_ bytes: [UInt8]) -> [Piece] {
        var out: [Piece] = []
        var current: (Kind, Int)? = nil
        var afterControl = false
        let n = bytes.count
        var i = 0
        func close(at end: Int) {
            if let (k, s) = current, end > s { out.append(Piece(kind: k, range: s ..< end)) }
        }
        while i < n {
            // i is the start of a line (possibly after blank lines).
            let lineStart = i
            var idStart = i
            while idStart < n && (bytes[idStart] == 0x0B || bytes[idStart] == 0x1C) { idStart += 1 }
            var kind: Kind? = nil
            if idStart + 3 <= n {
                switch ER7Index.pack(bytes[idStart], bytes[idStart + 1], bytes[idStart + 2]) {
                case ER7Index.msh: kind = .message
                case ER7Index.fhs: kind = .fileHeader
                case ER7Index.bhs: kind = .batchHeader
                case ER7Index.pack(0x42, 0x54, 0x53): kind = .batchTrailer
                case ER7Index.pack(0x46, 0x54, 0x53): kind = .fileTrailer
                default: break
                }
            }
            if let kind {
                close(at: current == nil ? 0 : lineStart)
                current = (kind, current == nil ? 0 : lineStart)
                afterControl = kind != .message
            } else if current == nil {
                current = (.other, 0)
            } else if afterControl {
                close(at: lineStart)
                current = (.other, lineStart)
                afterControl = false
            }
            // Skip to the end of the line and past its terminators.
            while i < n && bytes[i] != 0x0D && bytes[i] != 0x0A { i += 1 }
            while i < n && (bytes[i] == 0x0D || bytes[i] == 0x0A || bytes[i] == 0x1C) { i += 1 }
        }
        close(at: n)
        return out
    }

    /// The byte ranges of the messages in `bytes` (batch control segments left out).
    public static func messageRanges(_ bytes: [UInt8]) -> [Range<Int>] {
        pieces(bytes).filter { $0.kind == .message }.map(\.range)
    }

    /// Parses every message in `bytes`; each result is the message or the error for that piece.
    public static func messages(_ bytes: [UInt8]) -> [Result<Message, HL7Error>] {
        messageRanges(bytes).map { r in
            do throws(HL7Error) {
                return .success(try Message(bytes[r]))
            } catch {
                var e = error
                if let o = e.offset { e.offset = o + r.lowerBound }
                return .failure(e)
            }
        }
    }
}
