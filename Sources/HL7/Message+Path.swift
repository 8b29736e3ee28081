// HL7 v2 element addressing by path (see HL7Path) — reading.

extension Message {
    /// The element a path addresses at exactly the level the path names: `PID-3` is the whole field
    /// (all repetitions), `PID-3(2)` one repetition, `PID-3.1` component 1 of repetition 1.
    /// Nil when the segment, field, repetition or component is not present.
    public func element(at path: HL7Path) -> Element? {
        guard let s = segmentIndex(path.segment, occurrence: path.occurrence), let f = path.field else { return nil }
        guard let seg = segments[s].field(f) else { return nil }
        if path.repetition == nil && path.component == nil && path.subcomponent == nil { return seg }
        guard let rep = seg.repetition(path.repetition ?? 1) else { return nil }
        if path.component == nil && path.subcomponent == nil { return rep }
        guard let comp = rep.component(path.component ?? 1) else { return nil }
        guard let sub = path.subcomponent else { return comp }
        return comp.subcomponent(sub)
    }

    /// The element at a path given as text; nil when the path is malformed or the element absent.
    public func element(at path: String) -> Element? {
        guard let p = HL7Path(path) else { return nil }
        return element(at: p)
    }

    /// The decoded text at a path, read like a terser: levels the path leaves out default to the
    /// first (`PID-5` reads `PID-5(1).1.1`, the family name). Escapes and the character set are
    /// decoded. Nil when absent; `""` for an empty element; the explicit null reads as `""` (two quotes).
    /// MSH-1 and MSH-2 read as written.
    public func value(at path: HL7Path) -> String? {
        element(at: path)?.leaf.value
    }

    /// The decoded text at a path given as text (see ``value(at:)-(HL7Path)``).
    public func value(at path: String) -> String? {
        guard let p = HL7Path(path) else { return nil }
        return value(at: p)
    }

    /// The decoded text at a path (see ``value(at:)-(HL7Path)``).
    public subscript(path: String) -> String? { value(at: path) }

    /// The ER7 text at exactly the level the path names (escapes and delimiters kept).
    public func er7(at path: HL7Path) -> String? {
        if path.field == nil {
            guard let s = segmentIndex(path.segment, occurrence: path.occurrence) else { return nil }
            return segments[s].er7
        }
        return element(at: path)?.er7
    }

    /// The ER7 text at a path given as text.
    public func er7(at path: String) -> String? {
        guard let p = HL7Path(path) else { return nil }
        return er7(at: p)
    }
}
