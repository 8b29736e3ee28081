// XML 1.0 (W3C, fifth edition): a small non-validating reader for the Native DICOM Model and
// the escaping rules its writer needs. Elements, attributes, character and the five predefined
// entity references, CDATA sections, comments and processing instructions; no DTDs (a document
// with a DOCTYPE is refused, so no entity expansion can be smuggled in). The DICOM module uses
// no Foundation, so this replaces FoundationXML's XMLParser (and its libxml2 dependency).

/// One element of a parsed XML document.
struct XMLElement {
    /// The local name (any namespace prefix removed).
    var name: String
    /// Attributes in document order, with their qualified names as written.
    var attributes: [(name: String, value: String)]
    var children: [XMLElement]
    /// The character data directly inside this element (CDATA included), concatenated.
    var text: String
    /// The line of the start tag (1-based), for error messages.
    var line: Int

    subscript(attribute name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }
}

enum XMLDocument {
    /// Maximum depth of element nesting accepted by the reader.
    static let maximumDepth = 256

    /// Parses a whole document and returns its root element. Errors are `.invalidDocument`
    /// with the line where the problem was found.
    static func parse(_ text: String) throws(DICOMError) -> XMLElement {
        var reader = Reader(bytes: Array(text.utf8))
        return try reader.document()
    }

    // MARK: Writing

    /// Whether `u` is a Char of XML 1.0 (§2.2). Swift strings hold no surrogates.
    static func isXMLChar(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0x9, 0xA, 0xD: return true
        case 0x20...0xFFFD: return true
        case 0x10000...0x10FFFF: return true
        default: return false
        }
    }

    /// Appends `s` as character data: `&`, `<` and `>` escaped, and CR as a character
    /// reference so that end-of-line handling (§2.11) does not turn it into LF. Returns the
    /// first character XML 1.0 cannot represent at all (then nothing is appended).
    static func appendText(_ s: String, to out: inout String) -> Unicode.Scalar? {
        appendEscaped(s, attribute: false, to: &out)
    }

    /// Appends `s` as an attribute value between double quotes: as text, plus `"`, and tab,
    /// LF and CR as character references so that attribute-value normalization (§3.3.3) keeps them.
    static func appendAttribute(_ s: String, to out: inout String) -> Unicode.Scalar? {
        appendEscaped(s, attribute: true, to: &out)
    }

    private static func appendEscaped(_ s: String, attribute: Bool, to out: inout String) -> Unicode.Scalar? {
        if let bad = s.unicodeScalars.first(where: { !isXMLChar($0) }) { return bad }
        // Fast path: nothing to escape.
        if !s.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x0D || (attribute && ($0 == 0x22 || $0 == 0x09 || $0 == 0x0A)) }) {
            out += s
            return nil
        }
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\r": out += "&#xD;"
            case "\"" where attribute: out += "&quot;"
            case "\t" where attribute: out += "&#x9;"
            case "\n" where attribute: out += "&#xA;"
            default: out.unicodeScalars.append(u)
            }
        }
        return nil
    }

    // MARK: Reading

    struct Reader {
        let b: [UInt8]
        var i = 0
        var line = 1

        init(bytes: [UInt8]) {
            b = bytes
            // A byte order mark may start a UTF-8 document.
            if b.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }
        }

        func fail(_ reason: String, line: Int? = nil) -> DICOMError {
            DICOMError(.invalidDocument, "XML line \(line ?? self.line): \(reason)")
        }

        var atEnd: Bool { i >= b.count }

        func peek(_ s: String) -> Bool {
            let u = Array(s.utf8)
            return i + u.count <= b.count && b[i..<i + u.count].elementsEqual(u)
        }

        mutating func advance(_ n: Int) {
            for k in i..<min(i + n, b.count) where b[k] == 0x0A { line += 1 }
            i = min(i + n, b.count)
        }

        static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D }

        mutating func skipSpace() {
            while i < b.count, Reader.isSpace(b[i]) {
                if b[i] == 0x0A { line += 1 }
                i += 1
            }
        }

        /// Skips to just after `terminator`, failing with `what` if the input ends first.
        mutating func skip(past terminator: String, _ what: String) throws(DICOMError) -> Range<Int> {
            let t = Array(terminator.utf8)
            let start = i
            while i + t.count <= b.count {
                if b[i] == t[0], b[i..<i + t.count].elementsEqual(t) {
                    let r = start..<i
                    advance(t.count)
                    return r
                }
                if b[i] == 0x0A { line += 1 }
                i += 1
            }
            throw fail("unterminated \(what)")
        }

        static func isNameStart(_ c: UInt8) -> Bool {
            (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c == 0x3A || c >= 0x80
        }

        static func isNameChar(_ c: UInt8) -> Bool {
            isNameStart(c) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x2E
        }

        mutating func name() throws(DICOMError) -> String {
            guard i < b.count, Reader.isNameStart(b[i]) else { throw fail("expected a name") }
            let start = i
            while i < b.count, Reader.isNameChar(b[i]) { i += 1 }
            return String(decoding: b[start..<i], as: UTF8.self)
        }

        /// Comments, processing instructions and white space between markup.
        mutating func misc() throws(DICOMError) {
            while true {
                skipSpace()
                if peek("<!--") {
                    advance(4)
                    let r = try skip(past: "-->", "comment")
                    if b[r].indices.contains(where: { $0 + 1 < r.upperBound && b[$0] == 0x2D && b[$0 + 1] == 0x2D }) {
                        throw fail("\"--\" inside a comment")
                    }
                } else if peek("<?") {
                    advance(2)
                    let target = try name()
                    if target.lowercased() == "xml" { throw fail("XML declaration not at the start of the document") }
                    _ = try skip(past: "?>", "processing instruction")
                } else {
                    return
                }
            }
        }

        mutating func document() throws(DICOMError) -> XMLElement {
            if peek("<?xml"), i + 5 < b.count, Reader.isSpace(b[i + 5]) {
                advance(5)
                let decl = try skip(past: "?>", "XML declaration")
                let text = String(decoding: b[decl], as: UTF8.self)
                if !text.contains("version") { throw fail("XML declaration without a version") }
            }
            try misc()
            if peek("<!DOCTYPE") { throw fail("document type declarations are not accepted") }
            guard peek("<") else { throw fail(atEnd ? "no root element" : "text before the root element") }
            let root = try element()
            try misc()
            if !atEnd {
                if peek("<!DOCTYPE") { throw fail("document type declaration after the root element") }
                throw fail(peek("<") ? "a second root element" : "text after the root element")
            }
            return root
        }

        /// One element and its content, with an explicit stack so that nesting depth costs no
        /// native stack.
        mutating func element() throws(DICOMError) -> XMLElement {
            var stack: [(element: XMLElement, qname: String)] = []
            var textBuffer: [UInt8] = []
            while true {
                // At "<" of a start tag.
                advance(1)
                let startLine = line
                let qname = try name()
                var attributes: [(name: String, value: String)] = []
                var selfClosing = false
                while true {
                    let hadSpace = i < b.count && Reader.isSpace(b[i])
                    skipSpace()
                    guard i < b.count else { throw fail("unterminated start tag <\(qname)>", line: startLine) }
                    if b[i] == UInt8(ascii: ">") { advance(1); break }
                    if peek("/>") { advance(2); selfClosing = true; break }
                    guard hadSpace else { throw fail("expected white space between attributes of <\(qname)>") }
                    let attrName = try name()
                    skipSpace()
                    guard i < b.count, b[i] == UInt8(ascii: "=") else { throw fail("attribute \(attrName) of <\(qname)> has no value") }
                    advance(1)
                    skipSpace()
                    guard i < b.count, b[i] == UInt8(ascii: "\"") || b[i] == UInt8(ascii: "'") else {
                        throw fail("attribute \(attrName) of <\(qname)> is not quoted")
                    }
                    let quote = b[i]
                    advance(1)
                    var raw: [UInt8] = []
                    while true {
                        guard i < b.count else { throw fail("unterminated value of attribute \(attrName)") }
                        let c = b[i]
                        if c == quote { advance(1); break }
                        if c == UInt8(ascii: "<") { throw fail("\"<\" in the value of attribute \(attrName)") }
                        if c == UInt8(ascii: "&") {
                            try reference(into: &raw)
                        } else if c == 0x0D {
                            // End-of-line handling, then attribute-value normalization: a space.
                            raw.append(0x20)
                            advance(i + 1 < b.count && b[i + 1] == 0x0A ? 2 : 1)
                        } else if c == 0x09 || c == 0x0A {
                            raw.append(0x20)
                            advance(1)
                        } else {
                            raw.append(c)
                            i += 1
                        }
                    }
                    if attributes.contains(where: { $0.name == attrName }) {
                        throw fail("attribute \(attrName) appears twice in <\(qname)>")
                    }
                    attributes.append((attrName, try Reader.checked(raw, what: "attribute \(attrName)", reader: self)))
                }
                let local = qname.split(separator: ":", maxSplits: 1).last.map(String.init) ?? qname
                let node = XMLElement(name: local, attributes: attributes, children: [], text: "", line: startLine)
                if selfClosing {
                    if stack.isEmpty { return node }
                    stack[stack.count - 1].element.children.append(node)
                } else {
                    guard stack.count < XMLDocument.maximumDepth else {
                        throw DICOMError(.nestingTooDeep, "XML line \(startLine): elements nested deeper than \(XMLDocument.maximumDepth) levels")
                    }
                    stack.append((node, qname))
                }
                // Content, up to the next start tag or the end tag of the innermost open element.
                while true {
                    guard i < b.count else { throw fail("<\(stack.last!.qname)> is not closed", line: stack.last!.element.line) }
                    let c = b[i]
                    if c == UInt8(ascii: "<") {
                        if peek("</") {
                            try flush(&textBuffer, into: &stack)
                            advance(2)
                            let endName = try name()
                            skipSpace()
                            guard i < b.count, b[i] == UInt8(ascii: ">") else { throw fail("malformed end tag </\(endName)>") }
                            advance(1)
                            let open = stack.removeLast()
                            guard endName == open.qname else {
                                throw fail("end tag </\(endName)> does not match <\(open.qname)> of line \(open.element.line)")
                            }
                            if stack.isEmpty { return open.element }
                            stack[stack.count - 1].element.children.append(open.element)
                        } else if peek("<!--") {
                            advance(4)
                            let r = try skip(past: "-->", "comment")
                            if b[r].indices.contains(where: { $0 + 1 < r.upperBound && b[$0] == 0x2D && b[$0 + 1] == 0x2D }) {
                                throw fail("\"--\" inside a comment")
                            }
                        } else if peek("<![CDATA[") {
                            advance(9)
                            let r = try skip(past: "]]>", "CDATA section")
                            Reader.appendNormalizingNewlines(b[r], to: &textBuffer)
                        } else if peek("<?") {
                            advance(2)
                            _ = try name()
                            _ = try skip(past: "?>", "processing instruction")
                        } else if peek("<!") {
                            throw fail("markup declarations are not accepted inside elements")
                        } else {
                            try flush(&textBuffer, into: &stack)
                            break  // a child start tag: back to the outer loop
                        }
                    } else if c == UInt8(ascii: "&") {
                        try reference(into: &textBuffer)
                    } else if c == 0x0D {
                        textBuffer.append(0x0A)
                        advance(i + 1 < b.count && b[i + 1] == 0x0A ? 2 : 1)
                    } else if c == UInt8(ascii: ">") || c == 0x0A {
                        if c == UInt8(ascii: ">"), i >= 2, b[i - 1] == UInt8(ascii: "]"), b[i - 2] == UInt8(ascii: "]") {
                            throw fail("\"]]>\" in character data")
                        }
                        if c == 0x0A { line += 1 }
                        textBuffer.append(c)
                        i += 1
                    } else {
                        // A run of plain characters at once (base64 of large values is long).
                        let start = i
                        while i < b.count {
                            let d = b[i]
                            if d == UInt8(ascii: "<") || d == UInt8(ascii: "&") || d == UInt8(ascii: ">") || d == 0x0A || d == 0x0D { break }
                            i += 1
                        }
                        textBuffer.append(contentsOf: b[start..<i])
                    }
                }
            }
        }

        /// Appends pending character data to the innermost open element.
        mutating func flush(_ buffer: inout [UInt8], into stack: inout [(element: XMLElement, qname: String)]) throws(DICOMError) {
            guard !buffer.isEmpty else { return }
            let text = try Reader.checked(buffer, what: "character data", reader: self)
            stack[stack.count - 1].element.text += text
            buffer.removeAll(keepingCapacity: true)
        }

        static func appendNormalizingNewlines(_ bytes: ArraySlice<UInt8>, to out: inout [UInt8]) {
            var k = bytes.startIndex
            while k < bytes.endIndex {
                if bytes[k] == 0x0D {
                    out.append(0x0A)
                    if k + 1 < bytes.endIndex, bytes[k + 1] == 0x0A { k += 1 }
                } else {
                    out.append(bytes[k])
                }
                k += 1
            }
        }

        /// Valid UTF-8 made only of XML Chars.
        static func checked(_ bytes: [UInt8], what: String, reader: Reader) throws(DICOMError) -> String {
            guard let s = String(validating: bytes, as: UTF8.self) else {
                throw reader.fail("\(what) is not valid UTF-8")
            }
            if let bad = s.unicodeScalars.first(where: { !XMLDocument.isXMLChar($0) }) {
                throw reader.fail("character U+\(String(bad.value, radix: 16, uppercase: true)) is not allowed in XML 1.0 (\(what))")
            }
            return s
        }

        /// A character or predefined entity reference at `&`.
        mutating func reference(into out: inout [UInt8]) throws(DICOMError) {
            advance(1)
            var end = i
            while end < b.count, end - i < 12, b[end] != UInt8(ascii: ";") { end += 1 }
            guard end < b.count, b[end] == UInt8(ascii: ";") else {
                throw fail("\"&\" that does not start a reference (write &amp;)")
            }
            let body = String(decoding: b[i..<end], as: UTF8.self)
            switch body {
            case "amp": out.append(UInt8(ascii: "&"))
            case "lt": out.append(UInt8(ascii: "<"))
            case "gt": out.append(UInt8(ascii: ">"))
            case "quot": out.append(UInt8(ascii: "\""))
            case "apos": out.append(UInt8(ascii: "'"))
            default:
                var value: UInt32?
                if body.hasPrefix("#x") {
                    let digits = body.dropFirst(2)
                    if !digits.isEmpty, digits.allSatisfy(\.isHexDigit) { value = UInt32(digits, radix: 16) }
                } else if body.hasPrefix("#") {
                    let digits = body.dropFirst()
                    if !digits.isEmpty, digits.allSatisfy({ $0 >= "0" && $0 <= "9" }) { value = UInt32(digits) }
                } else {
                    throw fail("unknown entity &\(body); (only the five predefined entities are accepted)")
                }
                guard let value, let u = Unicode.Scalar(value), XMLDocument.isXMLChar(u) else {
                    throw fail("character reference &\(body); is not a character allowed in XML 1.0")
                }
                out.append(contentsOf: Array(String(u).utf8))
            }
            advance(end + 1 - i)
        }
    }
}
