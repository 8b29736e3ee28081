// HL7 v2.8 §2.14.9 MSH – message header segment: building a new message from scratch.

/// Builds a new message: an MSH from the given header values, then values set by path.
///
/// ```swift
/// var b = MessageBuilder(messageType: "ADT", triggerEvent: "A01", controlID: "42", version: "2.5.1")
/// try b.set("PID-5.1", "Doe")
/// let message = b.message
/// ```
public struct MessageBuilder: Sendable {
    /// The message built so far.
    public private(set) var message: Message

    /// Starts a message with an MSH segment.
    /// - Parameters:
    ///   - messageType: MSH-9.1, e.g. `ADT`.
    ///   - triggerEvent: MSH-9.2, e.g. `A01`.
    ///   - structure: MSH-9.3, e.g. `ADT_A01` (omitted when nil).
    ///   - controlID: MSH-10.
    ///   - version: MSH-12, e.g. `2.5.1`.
    ///   - processingID: MSH-11, `P` (production) by default.
    ///   - timestamp: MSH-7 (e.g. ``HL7Timestamp/now()`` formatted).
    ///   - characterSet: MSH-18 (omitted when nil: ASCII).
    ///   - encoding: the delimiters (`|^~\&` by default).
    public init(messageType: String, triggerEvent: String, structure: String? = nil, controlID: String, version: String,
                processingID: String = "P", timestamp: String = "", sendingApplication: String = "", sendingFacility: String = "",
                receivingApplication: String = "", receivingFacility: String = "",
                characterSet: String? = nil, encoding: EncodingCharacters = .standard) throws(HL7Error) {
        var header: [UInt8] = Array("MSH".utf8)
        header.append(encoding.field)
        header.append(contentsOf: encoding.msh2)
        header.append(encoding.field)
        header.append(0x0D)
        var m = try Message(header)
        // Encoding for the header values uses the declared charset, so set MSH-18 first.
        if let characterSet { try m.set("MSH-18", to: characterSet) }
        try m.set("MSH-3", to: sendingApplication)
        try m.set("MSH-4", to: sendingFacility)
        try m.set("MSH-5", to: receivingApplication)
        try m.set("MSH-6", to: receivingFacility)
        try m.set("MSH-7", to: timestamp)
        try m.set("MSH-9.1", to: messageType)
        try m.set("MSH-9.2", to: triggerEvent)
        if let structure { try m.set("MSH-9.3", to: structure) }
        try m.set("MSH-10", to: controlID)
        try m.set("MSH-11", to: processingID)
        try m.set("MSH-12", to: version)
        message = m
    }

    /// Sets a value by path (escaped; missing segments are appended).
    public mutating func set(_ path: String, _ value: String) throws(HL7Error) {
        try message.set(path, to: value)
    }

    /// Appends a segment with ER7 fields given as is.
    public mutating func append(_ id: String, fields: [String] = []) throws(HL7Error) {
        try message.appendSegment(id, fields: fields)
    }
}
