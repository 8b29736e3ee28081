// PS3.5 §6.1.2.5.3 Requirements: what the values of Specific Character Set (0008,0005) mean
// for the codec — the initial designations of G0 and G1, whether code extension is in use, and
// which sets may be designated. See SpecificCharacterSet.swift for the text of the standard.

/// What a Specific Character Set means for the codec: the kind of code, the initial
/// designations, the sets encoding may designate and the fallback for undesignated G1.
struct CharacterSetConfiguration: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        /// ISO 2022 8-bit code; `escapes` says whether code extension is in use.
        case iso2022(escapes: Bool)
        case utf8, gb18030, gbk
    }

    var kind: Kind
    /// Designated at the start of each value and after each delimiter.
    var initialG0: CharacterSetCodeElement = .isoIR6
    var initialG1: CharacterSetCodeElement? = nil
    /// Sets the encoder may designate, in order of preference (the order of the terms).
    var available: [CharacterSetCodeElement] = [.isoIR6]
    /// Used by the decoder for GR bytes while nothing is designated to G1.
    var fallbackG1: CharacterSetCodeElement? = nil

    /// Whether bytes 0x00–0x7F other than ESC are ASCII throughout a value, with nothing to
    /// designate or reset: true unless value 1 is ISO-IR 14 (JIS X 0201 Romaji).
    var readsASCIIAsIs: Bool {
        if case .iso2022 = kind { return initialG0 == .isoIR6 }
        return true
    }

    var usesEscapes: Bool {
        if case .iso2022(let escapes) = kind { return escapes }
        return false
    }

    static let defaultRepertoire = CharacterSetConfiguration(kind: .iso2022(escapes: false))

    static func parse(_ terms: [String]) -> (configuration: CharacterSetConfiguration, unknown: [String], nonStandard: [String]) {
        var unknown: [String] = []
        var nonStandard: [String] = []
        guard !terms.isEmpty else { return (defaultRepertoire, [], []) }
        let multiValued = terms.count > 1

        // Value 1.
        let first: CharacterSetDefinedTerm?
        if terms[0].isEmpty {
            first = multiValued ? CharacterSetDefinedTerm.iso2022IR6 : CharacterSetDefinedTerm.isoIR6
        } else if let found = CharacterSetDefinedTerm.find(terms[0]) {
            if !found.exact { nonStandard.append(terms[0]) }
            var term = found.term
            if multiValued && !term.usesCodeExtensions && !term.isStandAlone {
                if found.exact { nonStandard.append(terms[0]) }
                term = term.withCodeExtensions
            }
            first = term
        } else {
            unknown.append(terms[0])
            first = nil
        }

        if let first, first.isStandAlone {
            // PS3.5 §6.1.2.5.3 d: no code extension; any further value is ignored.
            unknown.append(contentsOf: terms.dropFirst())
            switch first.encoding {
            case .utf8: return (CharacterSetConfiguration(kind: .utf8), unknown, nonStandard)
            case .gb18030: return (CharacterSetConfiguration(kind: .gb18030), unknown, nonStandard)
            default: return (CharacterSetConfiguration(kind: .gbk), unknown, nonStandard)
            }
        }

        var configuration = CharacterSetConfiguration(kind: .iso2022(escapes: multiValued || (first?.usesCodeExtensions ?? false)))
        if let first {
            // A multi-byte G0 set cannot be the initial G0: ASCII is (and may be designated back).
            if let g0 = first.g0, g0.width == 1 { configuration.initialG0 = g0 }
            configuration.initialG1 = first.g1
        } else {
            // Unknown value 1: ASCII-safe fallback for reading, nothing beyond ASCII for writing.
            configuration.fallbackG1 = .isoIR100
        }

        var available: [CharacterSetCodeElement] = [configuration.initialG0]
        if let g1 = configuration.initialG1 { available.append(g1) }
        if let first { available.append(contentsOf: [first.g0, first.g1].compactMap { $0 }) }
        for raw in terms.dropFirst() {
            guard !raw.isEmpty, let found = CharacterSetDefinedTerm.find(raw), !found.term.isStandAlone else {
                unknown.append(raw)
                continue
            }
            if !found.exact || !found.term.usesCodeExtensions { nonStandard.append(raw) }
            available.append(contentsOf: [found.term.g0, found.term.g1].compactMap { $0 })
        }
        var seen = Set<CharacterSetCodeElement>()
        available = available.filter { seen.insert($0).inserted }
        if !configuration.usesEscapes {
            available = [configuration.initialG0] + (configuration.initialG1.map { [$0] } ?? [])
        }
        configuration.available = available
        if configuration.fallbackG1 == nil {
            configuration.fallbackG1 = configuration.initialG1 ?? available.first { $0.area == .g1 }
                ?? (unknown.isEmpty ? nil : .isoIR100)
        }
        return (configuration, unknown, nonStandard)
    }
}
