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
        let a = acceptAcknowledgmentType, b = applicationAcknowledgmentType
        if value(at: "MSH-15")?.isEmpty == false || value(at: "MSH-16")?.isEmpty == false {
            return .enhanced(accept: a, application: b)
        }
        return .original
    }

    /// Whether an ACK with `code` should be sent for this message: always in original mode; in
    /// enhanced mode as MSH-15 (commit codes) or MSH-16 (application codes) ask (empty means always
    /// for MSH-15 and never for MSH-16 is *not* assumed — an empty condition means always).
    public func wantsAcknowledgment(_ code: AcknowledgmentCode) -> Bool {
        guard case .enhanced(let accept, let application) = acknowledgmentMode else { return true }
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
        guard let acked = acknowledgedControlID(of: self) else {
            throw HL7Error(.missingValue, "the message has no MSH-10 control ID to acknowledge", segment: "MSH", field: 10)
        }
        let v = versionNumbers
        let isV25 = isVersion(atLeast: [2, 5])
        var msh: [UInt8] = Array("MSH".utf8)
        msh.append(encoding.field)
        msh.append(contentsOf: encoding.msh2)
        var m = try Message(msh + [encoding.field, 0x0D])
        // Swapped sender/receiver, copied as ER7 (they are HD composites).
        for (to, from) in [(3, 5), (4, 6), (5, 3), (6, 4)] {
            if let e = element(at: "MSH-\(from)"), !e.isEmpty { try m.setER7("MSH-\(to)", to: e.er7) }
        }
        try m.set("MSH-7", to: timestamp.description)
        try m.set("MSH-9.1", to: "ACK")
        let older = !v.isEmpty && v.lexicographicallyPrecedes([2, 3])
        if !older, let trigger = triggerEvent {
            try m.set("MSH-9.2", to: trigger)
            if isVersion(atLeast: [2, 3, 1]) { try m.set("MSH-9.3", to: "ACK") }
        }
        try m.set("MSH-10", to: controlID)
        if let e = element(at: "MSH-11"), !e.isEmpty { try m.setER7("MSH-11", to: e.er7) }
        if let e = element(at: "MSH-12"), !e.isEmpty { try m.setER7("MSH-12", to: e.er7) }
        if let e = element(at: "MSH-18"), !e.isEmpty { try m.setER7("MSH-18", to: e.er7) }
        try m.appendSegment("MSA")
        try m.set("MSA-1", to: code.rawValue)
        try m.set("MSA-2", to: acked)
        if let text, !isVersion(atLeast: [2, 7]) { try m.set("MSA-3", to: text) }

        if isV25 {
            for (i, e) in errors.enumerated() {
                let occ = i + 1
                try m.appendSegment("ERR")
                if let l = e.location {
                    try m.set("ERR[\(occ)]-2.1", to: l.segment)
                    if let s = l.sequence { try m.set("ERR[\(occ)]-2.2", to: String(s)) }
                    if let f = l.field { try m.set("ERR[\(occ)]-2.3", to: String(f)) }
                    if let r = l.fieldRepetition { try m.set("ERR[\(occ)]-2.4", to: String(r)) }
                    if let c = l.component { try m.set("ERR[\(occ)]-2.5", to: String(c)) }
                    if let s = l.subcomponent { try m.set("ERR[\(occ)]-2.6", to: String(s)) }
                }
                try m.set("ERR[\(occ)]-3.1", to: String(e.condition.code))
                try m.set("ERR[\(occ)]-3.2", to: e.condition.text)
                try m.set("ERR[\(occ)]-3.3", to: "HL70357")
                try m.set("ERR[\(occ)]-4", to: e.severity.rawValue)
                if let msg = e.message { try m.set("ERR[\(occ)]-8", to: msg) }
            }
        } else if !errors.isEmpty {
            try m.appendSegment("ERR")
            for (i, e) in errors.enumerated() {
                let r = i + 1
                if let l = e.location {
                    try m.set("ERR-1(\(r)).1", to: l.segment)
                    if let s = l.sequence { try m.set("ERR-1(\(r)).2", to: String(s)) }
                    if let f = l.field { try m.set("ERR-1(\(r)).3", to: String(f)) }
                }
                try m.set("ERR-1(\(r)).4.1", to: String(e.condition.code))
                try m.set("ERR-1(\(r)).4.2", to: e.condition.text)
                try m.set("ERR-1(\(r)).4.3", to: "HL70357")
            }
        }
        return m
    }

    private func acknowledgedControlID(of m: Message) -> String? {
        guard let e = m.element(at: "MSH-10"), !e.isEmpty else { return nil }
        return e.leaf.value
    }
}
