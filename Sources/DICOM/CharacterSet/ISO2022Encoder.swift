// PS3.5 §6.1.2.5 Use of code extension techniques, writing side.
//
// Each character is written in the set designated to G0 or G1 if it is there; otherwise the
// first set of the terms (in the order of the values of (0008,0005)) that has it is designated
// with its escape sequence. Before each delimiter of §6.1.2.5.3 and at the end of the value,
// the G0 set of value 1 is designated again if another one is active (Annex H: ESC ( B or
// ESC ( J), and so is the G1 set of value 1 when value 1 has one. When value 1 has no G1 set
// (e.g. "\ISO 2022 IR 149"), G1 simply counts as undesignated after the delimiter, so the next
// Hangul is preceded by ESC $ ) C again, as in Annex I and K.
//
// Without code extension (a single value such as ISO_IR 100 or ISO_IR 13) only the sets of
// value 1 are available and no escape sequence is ever written.

struct ISO2022Encoder {
    /// The character that could not be encoded.
    struct Failure: Error {
        let scalar: Unicode.Scalar
    }

    let configuration: CharacterSetConfiguration
    let vr: VR
    let session: IconvSession

    private var g0: CharacterSetCodeElement
    private var g1: CharacterSetCodeElement?
    private var output: [UInt8] = []

    init(configuration: CharacterSetConfiguration, vr: VR, session: IconvSession) {
        self.configuration = configuration
        self.vr = vr
        self.session = session
        self.g0 = configuration.initialG0
        self.g1 = configuration.initialG1
    }

    mutating func encode(_ string: String) throws(Failure) -> [UInt8] {
        output.reserveCapacity(string.utf8.count + 8)
        let delimiterBackslash = vr.allowsMultipleValues
        for scalar in string.unicodeScalars {
            if scalar.value < 0x80 && vr.resetsDesignations(at: scalar.value) {
                restoreInitialDesignations()
                output.append(UInt8(scalar.value))
                continue
            }
            if scalar.value == 0x1B && configuration.usesEscapes {
                // A literal ESC would be read as the start of a designation.
                throw Failure(scalar: scalar)
            }
            if scalar.value < 0x21 || scalar.value == 0x7F {
                // SPACE and DEL: the same in every single-byte G0 set, but not part of a two-byte one.
                if g0.width != 1 { designate(configuration.initialG0) }
                output.append(UInt8(scalar.value))
                continue
            }
            if let bytes = g0.encode(scalar, backslashIsDelimiter: delimiterBackslash, session: session) {
                output.append(contentsOf: bytes)
                continue
            }
            if let g1, let bytes = g1.encode(scalar, backslashIsDelimiter: delimiterBackslash, session: session) {
                output.append(contentsOf: bytes)
                continue
            }
            var written = false
            for set in configuration.available where set != g0 && set != g1 {
                guard let bytes = set.encode(scalar, backslashIsDelimiter: delimiterBackslash, session: session) else { continue }
                designate(set)
                output.append(contentsOf: bytes)
                written = true
                break
            }
            if !written { throw Failure(scalar: scalar) }
        }
        restoreInitialDesignations()
        return output
    }

    private mutating func designate(_ set: CharacterSetCodeElement) {
        switch set.area {
        case .g0:
            if g0 == set { return }
            g0 = set
        case .g1:
            if g1 == set { return }
            g1 = set
        }
        output.append(contentsOf: set.escapeSequence)
    }

    private mutating func restoreInitialDesignations() {
        if g0 != configuration.initialG0 {
            designate(configuration.initialG0)
        }
        if let initialG1 = configuration.initialG1, g1 != initialG1 {
            designate(initialG1)
        }
        g1 = configuration.initialG1
    }
}
