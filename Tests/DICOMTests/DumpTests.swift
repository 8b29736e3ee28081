import Testing
@testable import DICOM

/// The dump writes common values straight from their bytes (`DumpText.fastValue`); every
/// line must read exactly as the `String`-based `displayValue` would have written it.
@Suite struct DumpTests {
    static func element(_ tag: UInt32, _ vr: VR, _ bytes: [UInt8]) -> DataElement {
        DataElement(tag: Tag(tag), vr: vr, bytes: bytes)
    }

    static func ascii(_ s: String) -> [UInt8] { Array(s.utf8) }

    static let elements: [DataElement] = [
        element(0x0008_0008, .CS, ascii("ORIGINAL\\PRIMARY\\ AXIAL ")),
        element(0x0008_0016, .UI, ascii("1.2.840.10008.5.1.4.1.1.2") + [0]),
        element(0x0008_0020, .DA, ascii(" 20240101 ")),
        element(0x0008_0050, .SH, []),
        element(0x0008_0070, .LO, ascii("  ACME\\ two  \\\\")),
        element(0x0008_0081, .ST, ascii("1 Main Street\r\nSpringfield ")),
        element(0x0008_0090, .PN, [0x4D, 0xFC, 0x6C, 0x6C, 0x65, 0x72, 0x5E, 0x41]),  // Latin-1 "Müller^A"
        element(0x0008_1030, .LO, ascii(String(repeating: "x", count: 70))),
        element(0x0018_0050, .DS, ascii("2.5 \\ 3 ")),
        element(0x0020_0013, .IS, ascii(" 12")),
        element(0x0020_4000, .LT, ascii("a\\b  ")),
        element(0x0028_0010, .US, [0x00, 0x02, 0xFF, 0xFF, 0x01]),
        element(0x0028_0106, .SS, [0x00, 0x80]),
        element(0x0028_1052, .SL, [0xFF, 0xFF, 0xFF, 0xFF]),
        element(0x0040_A30A, .UL, [0xFF, 0xFF, 0xFF, 0xFF]),
        element(0x0072_0082, .SV, [0, 0, 0, 0, 0, 0, 0, 0x80]),
        element(0x0072_0083, .UV, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]),
        element(0x0020_9165, .AT, [0x10, 0x00, 0x20, 0x00, 0xE0, 0x7F, 0x10, 0x00]),
        element(0x0018_9305, .FD, [0, 0, 0, 0, 0, 0, 0xE0, 0x3F]),
        element(0x0009_0010, .LO, ascii("ACME 1.1")),
        element(0x0009_1001, .OB, Array(0..<40)),
        element(0x0009_1002, .UN, [0xAB]),
        element(0x0009_1003, .OW, []),
    ]

    static func lines(_ ds: DataSet, maxValueLength: Int) -> [Substring] {
        ds.dump(maxValueLength: maxValueLength).split(separator: "\n", omittingEmptySubsequences: false)
    }

    @Test(arguments: [0, 3, 10, 64, 200])
    func fastValuesReadAsDisplayValue(maxValueLength: Int) {
        for charset in ["", "ISO_IR 100", "ISO_IR 192", "\\ISO 2022 IR 87", "ISO 2022 IR 13\\ISO 2022 IR 87"] {
            var ds = DataSet(characterSet: SpecificCharacterSet(charset))
            for e in DumpTests.elements { ds.set(e) }
            ds.characterSet = SpecificCharacterSet(charset)
            let text = ds.dump(maxValueLength: maxValueLength)
            var expected = ""
            for e in ds.elements {
                let kw = e.tag.keyword ?? "?"
                let length = e.valueLength
                expected += "\(e.tag) \(e.vr) [\(length)] \(kw)  \(ds.displayValue(e, maxLength: maxValueLength))\n"
            }
            #expect(text == expected, "character set '\(charset)', maxValueLength \(maxValueLength)")
        }
    }

    @Test func sequencesAndIndentation() {
        var item = DataSet()
        item.set(DumpTests.element(0x0008_0100, .SH, DumpTests.ascii("T-D3000 ")))
        var ds = DataSet()
        ds.set(DataElement(tag: Tag(0x0008, 0x1032), vr: .SQ, value: .sequence([Item(dataSet: item), Item(dataSet: item, hasUndefinedLength: true)]),
                           hasUndefinedLength: true))
        ds.set(DataElement(tag: Tag(0x0040, 0x0275), vr: .SQ, value: .sequence([Item(dataSet: item)])))
        ds.set(DataElement(tag: .pixelData, vr: .OB, value: .fragments([.bytes([]), .bytes([1, 2])]), hasUndefinedLength: true))
        #expect(ds.dump() == """
            (0008,1032) SQ [u/l] ProcedureCodeSequence  (2 items)
              > item 1
                (0008,0100) SH [8] CodeValue  T-D3000
              > item 2 (u/l)
                (0008,0100) SH [8] CodeValue  T-D3000
            (0040,0275) SQ [24] RequestAttributesSequence  (1 item)
              > item 1
                (0008,0100) SH [8] CodeValue  T-D3000
            (7FE0,0010) OB [u/l] PixelData  (encapsulated: offset table 0 bytes, 1 fragments)

            """)
    }
}
