// PS3.3 C.12.1.1.2, Tables C.12-2 to C.12-5: Defined Terms of Specific Character Set
// (0008,0005).
//
//   Table C.12-2  single-byte, without code extensions:
//       ISO_IR 6 (default), ISO_IR 100, 101, 109, 110, 144, 127, 126, 138, 148, 203, 13, 166
//   Table C.12-3  single-byte, with code extensions:
//       ISO 2022 IR 6, 100, 101, 109, 110, 144, 127, 126, 138, 148, 203, 13, 166
//   Table C.12-4  multi-byte, with code extensions:
//       ISO 2022 IR 87, ISO 2022 IR 159, ISO 2022 IR 149, ISO 2022 IR 58
//   Table C.12-5  multi-byte, without code extensions (stand-alone, single value only):
//       ISO_IR 192 (UTF-8), GB18030, GBK
//
// Each single-byte term brings ISO-IR 6 as G0 and its own set as G1, except ISO_IR 13 /
// ISO 2022 IR 13 whose G0 is ISO-IR 14 (JIS X 0201 Romaji) and G1 is ISO-IR 13 (Katakana).

/// One Defined Term of Specific Character Set (0008,0005).
struct CharacterSetDefinedTerm: Sendable, Hashable {
    /// How values are encoded under the term.
    enum Encoding: Sendable, Hashable {
        /// ISO 2022 code elements for G0 and G1 (either may be absent for multi-byte terms).
        case iso2022(g0: CharacterSetCodeElement?, g1: CharacterSetCodeElement?)
        /// ISO_IR 192.
        case utf8
        /// GB18030.
        case gb18030
        /// GBK.
        case gbk
    }

    /// The term as PS3.3 spells it.
    let name: String
    let encoding: Encoding
    /// Whether the term is one of the "ISO 2022 …" terms of Tables C.12-3 and C.12-4.
    let usesCodeExtensions: Bool

    var isStandAlone: Bool {
        if case .iso2022 = encoding { return false }
        return true
    }

    var g0: CharacterSetCodeElement? {
        if case .iso2022(let g0, _) = encoding { return g0 }
        return nil
    }

    var g1: CharacterSetCodeElement? {
        if case .iso2022(_, let g1) = encoding { return g1 }
        return nil
    }

    static let all: [CharacterSetDefinedTerm] = {
        let singleByte: [(String, CharacterSetCodeElement?)] = [
            ("6", nil), ("100", .isoIR100), ("101", .isoIR101), ("109", .isoIR109), ("110", .isoIR110),
            ("144", .isoIR144), ("127", .isoIR127), ("126", .isoIR126), ("138", .isoIR138),
            ("148", .isoIR148), ("203", .isoIR203), ("166", .isoIR166), ("13", .isoIR13),
        ]
        var terms: [CharacterSetDefinedTerm] = []
        for (number, g1) in singleByte {
            let g0: CharacterSetCodeElement = number == "13" ? .isoIR14 : .isoIR6
            terms.append(CharacterSetDefinedTerm(name: "ISO_IR \(number)", encoding: .iso2022(g0: g0, g1: g1), usesCodeExtensions: false))
            terms.append(CharacterSetDefinedTerm(name: "ISO 2022 IR \(number)", encoding: .iso2022(g0: g0, g1: g1), usesCodeExtensions: true))
        }
        terms.append(CharacterSetDefinedTerm(name: "ISO 2022 IR 87", encoding: .iso2022(g0: .isoIR87, g1: nil), usesCodeExtensions: true))
        terms.append(CharacterSetDefinedTerm(name: "ISO 2022 IR 159", encoding: .iso2022(g0: .isoIR159, g1: nil), usesCodeExtensions: true))
        terms.append(CharacterSetDefinedTerm(name: "ISO 2022 IR 149", encoding: .iso2022(g0: nil, g1: .isoIR149), usesCodeExtensions: true))
        terms.append(CharacterSetDefinedTerm(name: "ISO 2022 IR 58", encoding: .iso2022(g0: nil, g1: .isoIR58), usesCodeExtensions: true))
        terms.append(CharacterSetDefinedTerm(name: "ISO_IR 192", encoding: .utf8, usesCodeExtensions: false))
        terms.append(CharacterSetDefinedTerm(name: "GB18030", encoding: .gb18030, usesCodeExtensions: false))
        terms.append(CharacterSetDefinedTerm(name: "GBK", encoding: .gbk, usesCodeExtensions: false))
        return terms
    }()

    private static let byName: [String: CharacterSetDefinedTerm] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
    private static let byLooseName: [String: CharacterSetDefinedTerm] = Dictionary(uniqueKeysWithValues: all.map { (loose($0.name), $0) })

    static let isoIR6 = byName["ISO_IR 6"]!
    static let iso2022IR6 = byName["ISO 2022 IR 6"]!

    /// Finds the term for `value`: exactly as PS3.3 spells it, or else ignoring case, spaces,
    /// underscores and hyphens (common misspellings such as "ISO-IR 100" or "ISO_IR_192").
    static func find(_ value: String) -> (term: CharacterSetDefinedTerm, exact: Bool)? {
        if let term = byName[value] { return (term, true) }
        if let term = byLooseName[loose(value)] { return (term, false) }
        return nil
    }

    /// The counterpart with code extensions of a single-byte term ("ISO_IR 100" → "ISO 2022 IR 100").
    var withCodeExtensions: CharacterSetDefinedTerm {
        guard !usesCodeExtensions, !isStandAlone, let number = name.split(separator: " ").last else { return self }
        return CharacterSetDefinedTerm.byName["ISO 2022 IR \(number)"] ?? self
    }

    private static func loose(_ value: String) -> String {
        String(value.uppercased().unicodeScalars.filter { $0 != " " && $0 != "_" && $0 != "-" })
    }
}
