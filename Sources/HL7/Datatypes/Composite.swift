// HL7 v2.8 Chapter 2A Data types — common shape of the typed readers.

/// A data type that can be read from an ``Element`` (a field, repetition, component or subcomponent).
///
/// A composite read from a field or repetition takes its parts from the components; one read from
/// a component (e.g. the assigning authority HD inside CX.4) takes them from the subcomponents.
public protocol HL7DataType: Sendable {
    /// Reads the value; absent parts are nil. Nil when the element cannot be read as this type
    /// (only types with a grammar, such as ``HL7Timestamp``, fail).
    init?(_ element: Element)
}

extension Element {
    /// Part `n` of a composite at this level: a component, or a subcomponent when this element is a component.
    public func part(_ n: Int) -> Element? {
        switch level {
        case .field, .repetition: return component(n)
        case .component: return subcomponent(n)
        case .subcomponent: return n == 1 ? self : nil
        }
    }

    /// Decoded text of part `n`, nil when absent or empty.
    func partText(_ n: Int) -> String? {
        guard let p = part(n), !p.isEmpty else { return nil }
        // Inside a component-level composite, a part is a subcomponent: read it whole.
        if p.level == .subcomponent { return p.value }
        return p.leaf.value
    }
}

extension Message {
    /// Reads the element at a path as a data type (first repetition when the path names a field).
    /// Nil when the element is absent or cannot be read as the type.
    public func read<T: HL7DataType>(_ type: T.Type, at path: String) -> T? {
        guard let e = element(at: path) else { return nil }
        return T(e.level == .field ? (e.repetition(1) ?? e) : e)
    }

    /// Reads every repetition of the field at a path as a data type.
    public func readAll<T: HL7DataType>(_ type: T.Type, at path: String) -> [T] {
        guard let e = element(at: path) else { return [] }
        return e.repetitions.filter { !$0.isEmpty }.compactMap { T($0) }
    }
}
