// A readable dump of a data set, one element a line, nested items indented (in the manner
// of DCMTK's dcmdump): tag, VR, length, keyword, value.

extension DataSet {
    /// A readable listing: `(0010,0010) PN [12] PatientName  Doe^Jane`.
    /// Long values are cut at `maxValueLength` characters.
    public func dump(indent: Int = 0, maxValueLength: Int = 64) -> String {
        var out = ""
        dump(into: &out, indent: indent, maxValueLength: maxValueLength)
        return out
    }

    func dump(into out: inout String, indent: Int, maxValueLength: Int) {
        let pad = String(repeating: "  ", count: indent)
        for e in elements {
            let keyword = DataDictionary.entry(for: e.tag)?.keyword ?? (e.tag.isPrivateCreator ? "PrivateCreator" : "")
            let kw = keyword.isEmpty ? "?" : keyword
            switch e.value {
            case .sequence(let items):
                let len = e.hasUndefinedLength ? "u/l" : "\(DataSetWriter(explicit: true, bigEndian: false).itemsLength(items))"
                out += "\(pad)\(e.tag) \(e.vr) [\(len)] \(kw)  (\(items.count) item\(items.count == 1 ? "" : "s"))\n"
                for (n, item) in items.enumerated() {
                    out += "\(pad)  > item \(n + 1)\(item.hasUndefinedLength ? " (u/l)" : "")\n"
                    item.dataSet.dump(into: &out, indent: indent + 2, maxValueLength: maxValueLength)
                }
            case .fragments(let fragments):
                out += "\(pad)\(e.tag) \(e.vr) [u/l] \(kw)  (encapsulated: offset table \(fragments.first?.length ?? 0) bytes, \(Swift.max(0, fragments.count - 1)) fragments)\n"
            case .bulk(let ref):
                out += "\(pad)\(e.tag) \(e.vr) [\(ref.length)] \(kw)  (bulk data at byte \(ref.offset))\n"
            case .bytes(let b):
                out += "\(pad)\(e.tag) \(e.vr) [\(b.count)] \(kw)  \(displayValue(e, maxLength: maxValueLength))\n"
            }
        }
    }

    func displayValue(_ e: DataElement, maxLength: Int) -> String {
        var text: String
        guard case .bytes(let b) = e.value else { return "" }
        switch e.vr {
        case _ where e.vr.isString, .AT, .US, .SS, .UL, .SL, .SV, .UV, .FL, .FD:
            text = e.strings(characterSet: characterSet).joined(separator: "\\")
        default:
            text = b.prefix(maxLength / 3 + 1).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
        }
        if text.count > maxLength { text = String(text.prefix(maxLength)) + "…" }
        return text
    }
}
