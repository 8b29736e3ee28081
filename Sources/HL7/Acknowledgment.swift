// HL7 v2.8 §2.9 Message processing rules — §2.9.2 original acknowledgment mode (AA/AE/AR) and §2.9.3 enhanced
// acknowledgment mode (commit CA/CE/CR); §2.14.8 MSA segment; §2.14.5 ERR segment (v2.5+: ERR-2 location,
// ERR-3 HL7 error code, ERR-4 severity, ERR-8 user message; v2.3/2.4: ERR-1 ELD segment^sequence^field^code).

/// HL7 table 0008 – acknowledgment codes.
public enum AcknowledgmentCode: String, Sendable, CaseIterable {
    /// Original mode: application accept.
    case AA
    /// Original mode: application error.
    case AE
    /// Original mode: application reject.
    case AR
    /// Enhanced mode: commit accept.
    case CA
    /// Enhanced mode: commit error.
    case CE
    /// Enhanced mode: commit reject.
    case CR

    /// Whether the code reports success.
    public var isSuccess: Bool { self == .AA || self == .CA }
}

/// Which acknowledgment rules a message asks for.
public enum AcknowledgmentMode: Sendable, Equatable {
    /// MSH-15 and MSH-16 empty: one application-level ACK (AA/AE/AR).
    case original
    /// MSH-15 or MSH-16 valued: a commit ACK (CA/CE/CR) as MSH-15 asks, then application ACKs as MSH-16 asks.
    case enhanced(accept: AcknowledgmentCondition?, application: AcknowledgmentCondition?)
}

extension Message {
    /// The acknowledgment mode the message asks for (MSH-15/MSH-16).
    public var acknowledgmentMode: AcknowledgmentMode {
        let accept = value(at: HeaderPath.msh15) ?? "", application = value(at: HeaderPath.msh16) ?? ""
        if !accept.isEmpty || !application.isEmpty {
            return .enhanced(accept: AcknowledgmentCondition(rawValue: accept), application: AcknowledgmentCondition(rawValue: application))
        }
        return .original
    }

    /// Whether an ACK with `code` should be sent for this message: always in original mode; in
    /// enhanced mode as MSH-15 (commit codes) or MSH-16 (application codes) ask (empty means always
    /// for MSH-15 and never for MSH-16 is *not* assumed — an empty condition means always).
    public func wantsAcknowledgment(_ code: AcknowledgmentCode) -> Bool {
        wantsAcknowledgment(code, mode: acknowledgmentMode)
    }

    /// ``wantsAcknowledgment(_:)`` with the mode already read.
    public func wantsAcknowledgment(_ code: AcknowledgmentCode, mode: AcknowledgmentMode) -> Bool {
        guard case .enhanced(let accept, let application) = mode else { return true }
        let isCommit = code == .CA || code == .CE || code == .CR
        let condition = isCommit ? accept : application
        switch condition ?? .always {
        case .always: return true
        case .never: return false
        case .errorOnly: return !code.isSuccess
        case .successOnly: return code.isSuccess
        }
    }

    /// Builds the acknowledgment of this message.
    ///
    /// MSH-3/4 and MSH-5/6 are swapped from this message; MSH-9 is `ACK^<trigger>^ACK` (v2.3.1+;
    /// `ACK^<trigger>` before, `ACK` for v2.1/2.2); MSH-11, MSH-12 and MSH-18 are copied. MSA-1 is the
    /// code, MSA-2 this message's control ID, MSA-3 the text (up to v2.6, where it still exists).
    /// Each error becomes an ERR segment in the v2.5+ layout, or a repetition of ERR-1 (ELD) for
    /// older versions.
    /// - Parameters:
    ///   - code: AA/AE/AR (original mode) or CA/CE/CR (enhanced mode commit).
    ///   - controlID: MSH-10 of the ACK itself.
    ///   - timestamp: MSH-7 of the ACK (default: now, UTC).
    ///   - text: MSA-3 text message.
    ///   - errors: ERR entries.
    /// - Throws: ``HL7Error/Code/missingValue`` when this message has no MSH-10 to acknowledge.
    public func acknowledgment(_ code: AcknowledgmentCode, controlID: String, timestamp: HL7Timestamp = .now(),
                               text: String? = nil, errors: [AcknowledgmentError] = []) throws(HL7Error) -> Message {
        try Message(acknowledgmentER7(code, controlID: controlID, timestamp: timestamp, text: text, errors: errors))
    }

    /// The bytes of ``acknowledgment(_:controlID:timestamp:text:errors:)`` (ER7, segments ended by CR), without
    /// parsing them into a ``Message``: what a receiver sends back for every message.
    public func acknowledgmentER7(_ code: AcknowledgmentCode, controlID: String, timestamp: HL7Timestamp = .now(),
                                  text: String? = nil, errors: [AcknowledgmentError] = []) throws(HL7Error) -> [UInt8] {
        guard let acked = acknowledgedControlID(of: self) else {
            throw HL7Error(.missingValue, "the message has no MSH-10 control ID to acknowledge", segment: "MSH", field: 10)
        }
        // Written as ER7 in one pass and parsed once (an ACK is built for every message received).
        let enc = encoding, cs = characterSet
        let f = enc.field, c = enc.component, sc = enc.subcomponent
        func value(_ s: String, _ segment: String, _ field: Int) throws(HL7Error) -> [UInt8] {
            // Plain ASCII without delimiters (control IDs, codes, timestamps): the same bytes in every character set
            // this codec writes, nothing to escape.
            if s.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != f && $0 != c && $0 != enc.repetition && $0 != sc && $0 != enc.escape && $0 != enc.truncation }) {
                return Array(s.utf8)
            }
            let bytes = try cs.encode(s)
            if !enc.hasEscape, let bad = bytes.firstIndex(where: { $0 == f || $0 == c || $0 == enc.repetition || $0 == sc || $0 == 0x0D || $0 == 0x0A }) {
                throw HL7Error(.invalidValue, "the value holds a delimiter or line break at character \(bad + 1) and MSH-2 defines no escape character",
                               segment: segment, field: field)
            }
            return Escaping.encode(bytes, encoding: enc)
        }
        // Copied fields keep their bytes as written: the ACK has this message's delimiters and character set.
        let msh = segmentIndex("MSH", occurrence: 1).map { segments[$0] }
        func copied(_ field: Int) -> ArraySlice<UInt8> {
            msh?.field(field)?.rawBytes ?? []
        }
        let v = versionNumbers
        func isVersion(atLeast w: [Int]) -> Bool { !v.isEmpty && !v.lexicographicallyPrecedes(w) }
        // MSH-9: ACK, then ^trigger (v2.3+), then ^ACK (v2.3.1+).
        var type: [UInt8] = [0x41, 0x43, 0x4B]
        if !(!v.isEmpty && v.lexicographicallyPrecedes([2, 3])), let trigger = triggerEvent {
            type.append(c)
            type += try value(trigger, "MSH", 9)
            if isVersion(atLeast: [2, 3, 1]) { type += [c, 0x41, 0x43, 0x4B] }
        }
        let header: [ArraySlice<UInt8>] = [
            // MSH-3 … 18: swapped sender/receiver (HD composites, copied as written), the time, the type, the ACK's own
            // control ID, processing ID and version copied, MSH-13 … 17 empty, MSH-18 copied.
            copied(5), copied(6), copied(3), copied(4), timestamp.er7Bytes[...], [], type[...], try value(controlID, "MSH", 10)[...],
            copied(11), copied(12), [], [], [], [], [], copied(18),
        ]
        var out: [UInt8] = []
        out.reserveCapacity(64 + header.reduce(0) { $0 + $1.count } + acked.utf8.count)
        out += [0x4D, 0x53, 0x48, f]   // MSH|
        out += enc.msh2
        let last = header.lastIndex { !$0.isEmpty } ?? 0
        for field in header[...last] {
            out.append(f)
            out += field
        }
        out.append(0x0D)
        out += [0x4D, 0x53, 0x41, f]   // MSA|
        out += code.rawValue.utf8
        out.append(f)
        out += try value(acked, "MSA", 2)
        if let text, !isVersion(atLeast: [2, 7]) {
            out.append(f)
            out += try value(text, "MSA", 3)
        }
        out.append(0x0D)

        /// Components (or subcomponents) up to the last one given, joined by `separator`.
        func joined(_ parts: [[UInt8]?], _ separator: UInt8) -> [UInt8] {
            guard let last = parts.lastIndex(where: { $0 != nil }) else { return [] }
            var r: [UInt8] = []
            for (i, p) in parts[...last].enumerated() {
                if i > 0 { r.append(separator) }
                r += p ?? []
            }
            return r
        }
        if isVersion(atLeast: [2, 5]) {
            for e in errors {
                var location: [UInt8] = []
                if let l = e.location {
                    location = joined([try value(l.segment, "ERR", 2), try l.sequence.map { (n) throws(HL7Error) in try value(String(n), "ERR", 2) },
                                       try l.field.map { (n) throws(HL7Error) in try value(String(n), "ERR", 2) },
                                       try l.fieldRepetition.map { (n) throws(HL7Error) in try value(String(n), "ERR", 2) },
                                       try l.component.map { (n) throws(HL7Error) in try value(String(n), "ERR", 2) },
                                       try l.subcomponent.map { (n) throws(HL7Error) in try value(String(n), "ERR", 2) }], c)
                }
                let condition = joined([try value(String(e.condition.code), "ERR", 3), try value(e.condition.text, "ERR", 3), try value("HL70357", "ERR", 3)], c)
                out += Array("ERR".utf8) + [f, f] + location + [f] + condition + [f] + (try value(e.severity.rawValue, "ERR", 4))
                if let message = e.message { out += [f, f, f, f] + (try value(message, "ERR", 8)) }
                out.append(0x0D)
            }
        } else if !errors.isEmpty {
            out += Array("ERR".utf8) + [f]
            for (i, e) in errors.enumerated() {
                if i > 0 { out.append(enc.repetition) }
                let l = e.location
                let code = joined([try value(String(e.condition.code), "ERR", 1), try value(e.condition.text, "ERR", 1), try value("HL70357", "ERR", 1)], sc)
                out += joined([try l.map { (l) throws(HL7Error) in try value(l.segment, "ERR", 1) } ?? [],
                               try l?.sequence.map { (n) throws(HL7Error) in try value(String(n), "ERR", 1) } ?? [],
                               try l?.field.map { (n) throws(HL7Error) in try value(String(n), "ERR", 1) } ?? [],
                               code], c)
            }
            out.append(0x0D)
        }
        return out
    }

    private func acknowledgedControlID(of m: Message) -> String? {
        guard let e = m.element(at: HeaderPath.msh10), !e.isEmpty else { return nil }
        return e.leaf.value
    }
}
