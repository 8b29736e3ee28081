// pydicom's character-set test files (pydicom/data/charset_files/*.dcm), as extracted by
// Scripts/make_charset_fixtures.py into Fixtures/charset/pydicom-charset-files.json: for each
// text element the raw bytes, pydicom's decoding and pydicom's writer's bytes.
//
// decode(raw) must equal pydicom's string; encode(string) must equal the raw bytes, except for
// these deliberate, documented differences:
//
// * chrKoreanMulti.dcm: the file ends each Korean value with ESC ( B although G0 never left
//   ASCII (only G1 was designated). Like pydicom's writer we do not write that redundant
//   sequence; Example I.2-1 of PS3.5 does not have it either.
// * chrSQEncoding.dcm, chrSQEncoding1.dcm: with "ISO 2022 IR 13\ISO 2022 IR 87" the file returns
//   from JIS X 0208 with ESC ( B (ASCII, a set not among the terms); we return to value 1's G0,
//   ISO-IR 14, with ESC ( J, exactly as PS3.5 Example H.3-2 and pydicom's writer do.
//
// And where pydicom's writer differs from the file while we do not:
// * chrX1.dcm, chrX2.dcm: the names end with an empty component group ("…=王^小東="); pydicom's
//   PersonName drops the trailing "=" when writing, we keep the value as it was.

import Foundation
import Testing
@testable import DICOM

struct PydicomCharsetFixture: Decodable {
    struct File: Decodable {
        let file: String
        let elements: [Element]
    }

    struct Element: Decodable {
        let path: String
        let vr: String
        let specificCharacterSet: String
        let raw: String
        let decoded: String
        let pydicomEncoded: String?
        let pydicomWriterAgrees: Bool
    }

    let pydicom: String
    let files: [File]

    static func load() throws -> PydicomCharsetFixture {
        let url = try #require(
            Bundle.module.url(forResource: "pydicom-charset-files", withExtension: "json", subdirectory: "Fixtures/charset"))
        return try JSONDecoder().decode(PydicomCharsetFixture.self, from: Data(contentsOf: url))
    }
}

extension CharacterSetTests {
    /// Files where our writer deliberately produces pydicom's writer's bytes, not the file's.
    static let writeLikePydicom: Set<String> = ["chrKoreanMulti.dcm", "chrSQEncoding.dcm", "chrSQEncoding1.dcm"]

    @Test func pydicomCharsetFiles() throws {
        let fixture = try PydicomCharsetFixture.load()
        #expect(fixture.files.count >= 17)
        var checked = 0
        var charsetsSeen = Set<String>()
        for file in fixture.files {
            for element in file.elements {
                let vr = try #require(VR(rawValue: element.vr))
                let cs = SpecificCharacterSet(element.specificCharacterSet)
                #expect(cs.unknownTerms.isEmpty, "\(file.file) \(element.path)")
                charsetsSeen.insert(element.specificCharacterSet)

                // pydicom removes trailing SPACE padding before decoding; so do we here.
                var raw = charsetHex(element.raw)
                while raw.last == 0x20 { raw.removeLast() }
                let where_ = "\(file.file) \(element.path) [\(element.specificCharacterSet)]"
                #expect(cs.decode(raw, vr: vr) == element.decoded, "decode \(where_)")

                let expected = Self.writeLikePydicom.contains(file.file)
                    ? charsetHex(try #require(element.pydicomEncoded)) : raw
                let written = try cs.encode(element.decoded, vr: vr)
                #expect(written == expected, "encode \(where_)")
                #expect(cs.decode(written, vr: vr) == element.decoded, "re-decode \(where_)")
                checked += 1
            }
        }
        #expect(checked > 100)
        #expect(charsetsSeen.isSuperset(of: [
            "ISO_IR 100", "ISO_IR 126", "ISO_IR 127", "ISO_IR 138", "ISO_IR 144", "ISO_IR 192", "GB18030",
            "\\ISO 2022 IR 87", "ISO 2022 IR 13\\ISO 2022 IR 87", "\\ISO 2022 IR 149", "ISO 2022 IR 6\\ISO 2022 IR 87",
        ]))
    }

    /// The differences documented above are real: the file's bytes still decode to the same text.
    @Test func pydicomFilesWithRedundantOrForeignEscapesStillDecode() throws {
        let fixture = try PydicomCharsetFixture.load()
        for file in fixture.files where Self.writeLikePydicom.contains(file.file) {
            for element in file.elements where !element.pydicomWriterAgrees {
                let cs = SpecificCharacterSet(element.specificCharacterSet)
                let vr = try #require(VR(rawValue: element.vr))
                #expect(element.raw != element.pydicomEncoded)
                #expect(cs.decode(charsetHex(try #require(element.pydicomEncoded)), vr: vr) == element.decoded)
            }
        }
    }
}
