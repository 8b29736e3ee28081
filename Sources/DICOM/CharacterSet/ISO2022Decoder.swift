// PS3.5 §6.1.2.5 Use of code extension techniques, reading side.
//
// The value is an ISO 2022 8-bit code: bytes 02/01–07/14 are characters of the set designated
// to G0 (GL), bytes 10/00–15/15 characters of the set designated to G1 (GR), ESC starts a
// designation. Multi-byte sets use two bytes per character in their area. At the delimiters of
// §6.1.2.5.3 (see `VR.resetsDesignations(at:)`) the designations of value 1 are restored.
//
// A delimiter byte inside a two-byte G0 set (e.g. 05/14 "^" as second byte of a JIS X 0208
// character, as in "やまだ" = 24 64 24 5E 24 40) is part of the character, not a delimiter:
// an encoder must return to a single-byte G0 set before a delimiter.
//
// Lenient reading: any designation of Tables C.12-3/C.12-4 is honoured even if its term is not
// among the values of (0008,0005); GR bytes with nothing designated to G1 are read with the
// first G1 set of the terms (or ISO 8859-1 if value 1 is unknown); everything else invalid
// becomes U+FFFD.

struct ISO2022Decoder {
    let configuration: CharacterSetConfiguration
    let vr: VR
    let session: IconvSession

    private var g0: CharacterSetCodeElement
    private var g1: CharacterSetCodeElement?
    private var output = String.UnicodeScalarView()
    /// Bytes of consecutive characters of one iconv-converted set, converted together.
    private var pending: [UInt8] = []
    private var pendingSet: CharacterSetCodeElement?

    init(configuration: CharacterSetConfiguration, vr: VR, session: IconvSession) {
        self.configuration = configuration
        self.vr = vr
        self.session = session
        self.g0 = configuration.initialG0
        self.g1 = configuration.initialG1
    }

    private static let replacement: Unicode.Scalar = "\u{FFFD}"

    mutating func decode(_ bytes: [UInt8]) -> String {
        var i = 0
        let n = bytes.count
        while i < n {
            let byte = bytes[i]

            if byte == 0x1B && configuration.usesEscapes {
                i = designate(bytes, at: i)
                continue
            }

            if byte < 0x80 {
                // Controls and SPACE are the same in every G0 set.
                if byte < 0x21 || byte == 0x7F {
                    emit(Unicode.Scalar(byte))
                    if vr.resetsDesignations(at: UInt32(byte)) { reset() }
                    i += 1
                    continue
                }
                if g0.width == 1 {
                    if vr.resetsDesignations(at: UInt32(byte)) {
                        // 05/12 is the delimiter "\" even where ISO-IR 14 shows it as YEN SIGN.
                        emit(Unicode.Scalar(byte))
                        reset()
                    } else {
                        emit(g0.decodeNative(byte, backslashIsDelimiter: vr.allowsMultipleValues) ?? Self.replacement)
                    }
                    i += 1
                    continue
                }
                // Two-byte G0 set (JIS X 0208 / JIS X 0212): both bytes in 02/01–07/14.
                guard i + 1 < n, (0x21...0x7E).contains(bytes[i + 1]) else {
                    emit(Self.replacement)
                    i += 1
                    continue
                }
                if g0 == .isoIR159 {
                    append(g0, [0x8F, byte | 0x80, bytes[i + 1] | 0x80])
                } else {
                    append(g0, [byte | 0x80, bytes[i + 1] | 0x80])
                }
                i += 2
                continue
            }

            // GR (and C1) bytes: the G1 set.
            guard let set = g1 ?? configuration.fallbackG1 else {
                emit(Self.replacement)
                i += 1
                continue
            }
            switch set {
            case .isoIR13:
                emit(set.decodeNative(byte, backslashIsDelimiter: false) ?? Self.replacement)
                i += 1
            case .isoIR149, .isoIR58:
                guard (0xA1...0xFE).contains(byte), i + 1 < n, (0xA1...0xFE).contains(bytes[i + 1]) else {
                    emit(Self.replacement)
                    i += 1
                    continue
                }
                append(set, [byte, bytes[i + 1]])
                i += 2
            default:
                append(set, [byte])
                i += 1
            }
        }
        flush()
        return String(output)
    }

    /// Reads the escape sequence at `start`; returns the index after it.
    private mutating func designate(_ bytes: [UInt8], at start: Int) -> Int {
        // ISO 2022 syntax: ESC, intermediate bytes 02/00–02/15, one final byte 03/00–07/14.
        var end = start + 1
        while end < bytes.count, (0x20...0x2F).contains(bytes[end]) { end += 1 }
        guard end < bytes.count, (0x30...0x7E).contains(bytes[end]) else {
            // Truncated, or ESC followed by something that is no escape sequence.
            emit(Self.replacement)
            return end == start + 1 ? start + 1 : end
        }
        let sequence = bytes[start...end]
        if let set = CharacterSetCodeElement.designated(by: sequence) {
            switch set.area {
            case .g0: g0 = set
            case .g1: g1 = set
            }
        } else {
            emit(Self.replacement)
        }
        return end + 1
    }

    private mutating func reset() {
        g0 = configuration.initialG0
        g1 = configuration.initialG1
    }

    private mutating func emit(_ scalar: Unicode.Scalar) {
        flush()
        output.append(scalar)
    }

    private mutating func append(_ set: CharacterSetCodeElement, _ bytes: [UInt8]) {
        if pendingSet != set { flush() }
        pendingSet = set
        pending.append(contentsOf: bytes)
    }

    private mutating func flush() {
        guard let set = pendingSet, !pending.isEmpty, let name = set.iconvName else { return }
        let unit = set == .isoIR159 ? 3 : set.width
        output.append(contentsOf: session.decode(pending, from: name, unit: unit).unicodeScalars)
        pending.removeAll(keepingCapacity: true)
        pendingSet = nil
    }
}
