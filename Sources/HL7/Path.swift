// HL7 v2 element addressing, in the common "terser" notation: SEG[occurrence]-field(repetition).component.subcomponent
// (positions as numbered in HL7 v2.8 §2.5 Message construction rules; all indices 1-based).

/// The address of an element in a message: `PID-3`, `PID-3(2).4.1`, `OBR[2]-4.1`, `MSH-9.2`.
///
/// - `SEG` is the three-character segment ID; `[n]` picks its n-th occurrence in the message (default 1).
/// - `-f` is the field number (`.` is accepted in place of `-`).
/// - `(r)` picks the r-th repetition of the field.
/// - `.c` and `.c.s` pick a component and a subcomponent.
///
/// All numbers are 1-based, as in the standard. Levels left out are `nil`; what a missing level
/// means depends on the operation (see ``Message/value(at:)`` and ``Message/er7(at:)``).
public struct HL7Path: Hashable, Sendable, CustomStringConvertible, LosslessStringConvertible {
    /// Segment ID, e.g. `PID`.
    public var segment: String
    /// Occurrence of the segment in the message, 1-based.
    public var occurrence: Int
    /// Field number, 1-based, or nil for the whole segment.
    public var field: Int?
    /// Repetition, 1-based, or nil.
    public var repetition: Int?
    /// Component, 1-based, or nil.
    public var component: Int?
    /// Subcomponent, 1-based, or nil.
    public var subcomponent: Int?

    /// Largest index accepted in a path, to keep a hostile path from allocating without bound on `set`.
    public static let maximumIndex = 9999

    /// Creates a path from its parts.
    public init(segment: String, occurrence: Int = 1, field: Int? = nil, repetition: Int? = nil, component: Int? = nil, subcomponent: Int? = nil) {
        self.segment = segment
        self.occurrence = occurrence
        self.field = field
        self.repetition = repetition
        self.component = component
        self.subcomponent = subcomponent
    }

    /// Parses a path such as `PID-3(2).4.1`; nil when malformed (use ``init(parsing:)`` for the reason).
    public init?(_ description: String) {
        guard let p = try? HL7Path(parsing: description) else { return nil }
        self = p
    }

    /// Parses a path such as `PID-3(2).4.1`.
    /// - Throws: ``HL7Error/Code/invalidPath``.
    public init(parsing text: String) throws(HL7Error) {
        var copy = text
        let result: Result<HL7Path, HL7Error> = copy.withUTF8 { u in
            do throws(HL7Error) { return .success(try HL7Path(utf8: u, text: text)) } catch { return .failure(error) }
        }
        self = try result.get()
    }

    private init(utf8 u: UnsafeBufferPointer<UInt8>, text: String) throws(HL7Error) {
        var i = 0
        func fail(_ why: String) -> HL7Error { HL7Error(.invalidPath, "path \"\(text)\": \(why) at character \(i + 1)") }
        func number() throws(HL7Error) -> Int {
            var v = 0
            let start = i
            while i < u.count, u[i] >= 0x30, u[i] <= 0x39 {
                v = v * 10 + Int(u[i] - 0x30)
                i += 1
                if v > HL7Path.maximumIndex { throw fail("index above \(HL7Path.maximumIndex)") }
            }
            guard i > start else { throw fail("expected a number") }
            guard v >= 1 else { throw fail("indices start at 1") }
            return v
        }
        guard u.count >= 3 else { throw fail("expected a 3-character segment ID") }
        for k in 0 ..< 3 {
            let c = u[k]
            guard (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) else { i = k; throw fail("expected a 3-character segment ID") }
        }
        self.init(segment: String(decoding: u[0 ..< 3], as: UTF8.self))
        i = 3
        if i < u.count, u[i] == 0x5B { // [
            i += 1
            occurrence = try number()
            guard i < u.count, u[i] == 0x5D else { throw fail("expected ]") }
            i += 1
        }
        guard i < u.count else { return }
        guard u[i] == 0x2D || u[i] == 0x2E else { throw fail("expected - before the field number") }
        i += 1
        field = try number()
        if i < u.count, u[i] == 0x28 { // (
            i += 1
            repetition = try number()
            guard i < u.count, u[i] == 0x29 else { throw fail("expected )") }
            i += 1
        }
        if i < u.count {
            guard u[i] == 0x2E else { throw fail("expected .") }
            i += 1
            component = try number()
        }
        if i < u.count {
            guard u[i] == 0x2E else { throw fail("expected .") }
            i += 1
            subcomponent = try number()
        }
        guard i == u.count else { throw fail("unexpected text") }
    }

    public var description: String {
        var s = segment
        if occurrence != 1 { s += "[\(occurrence)]" }
        guard let field else { return s }
        s += "-\(field)"
        if let repetition { s += "(\(repetition))" }
        if let component { s += ".\(component)" }
        if let subcomponent {
            if component == nil { s += ".1" }
            s += ".\(subcomponent)"
        }
        return s
    }
}
