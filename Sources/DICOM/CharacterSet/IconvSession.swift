// The iconv converters needed by one call of SpecificCharacterSet.decode or encode. Created at
// the start of the call and released at its end, so descriptors are never shared between
// threads and the codec keeps no global mutable state.

/// The converters one call of `decode` or `encode` needs, opened on first use and closed when
/// the session goes away at the end of the call.
final class IconvSession {
    private var converters: [String: IconvConverter] = [:]
    private var unavailable: Set<String> = []

    init() {}

    /// A converter from `source` to `target`, or `nil` if the C library lacks one of them.
    func converter(from source: String, to target: String) -> IconvConverter? {
        let key = source + "\u{0}" + target
        if let converter = converters[key] { return converter }
        if unavailable.contains(key) { return nil }
        guard let converter = IconvConverter(from: source, to: target) else {
            unavailable.insert(key)
            return nil
        }
        converters[key] = converter
        return converter
    }

    /// Decodes `bytes` in `encoding` to a string; invalid input becomes U+FFFD, skipping `unit`
    /// bytes (the width of the code units, so a bad pair does not shift the ones after it).
    func decode(_ bytes: [UInt8], from encoding: String, unit: Int) -> String {
        if bytes.isEmpty { return "" }
        guard let converter = converter(from: encoding, to: "UTF-8") else {
            return String(repeating: "\u{FFFD}", count: max(1, bytes.count / max(1, unit)))
        }
        let utf8 = converter.convert(bytes, invalid: .replace(with: [0xEF, 0xBF, 0xBD], unit: unit)) ?? []
        return String(decoding: utf8, as: UTF8.self)
    }

    /// Encodes `text` into `encoding`; `nil` if some character has no code there, or if the
    /// code found does not decode back to the same text (no lossy "best fit" mappings).
    func encode(_ text: String, to encoding: String) -> [UInt8]? {
        if text.isEmpty { return [] }
        guard let converter = converter(from: "UTF-8", to: encoding),
              let encoded = converter.convert(Array(text.utf8), invalid: .fail),
              let back = self.converter(from: encoding, to: "UTF-8")?.convert(encoded, invalid: .fail),
              back.elementsEqual(text.utf8)
        else { return nil }
        return encoded
    }
}
