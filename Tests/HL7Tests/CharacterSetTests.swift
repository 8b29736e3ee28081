import Testing
@testable import HL7

@Suite struct CharacterSetTests {
    @Test func latin1NamesAreDecoded() throws {
        let m = try Fixtures.message("adt_latin1.hl7")
        #expect(m.characterSet.kind == .latin1)
        #expect(m.characterSetName == "8859/1")
        #expect(m["PID-5.1"] == "Müller")
        #expect(m["PID-5.2"] == "Jürgen")
        #expect(m["PID-11.3"] == "München")
        #expect(m.read(XPN.self, at: "PID-5")?.prefix == "Dr.")
    }

    @Test func latin1SetEncodesInLatin1() throws {
        var m = try Fixtures.message("adt_latin1.hl7")
        try m.set("PID-5.1", to: "Größe")
        #expect(Array(m.element(at: "PID-5.1")!.rawBytes) == [0x47, 0x72, 0xF6, 0xDF, 0x65])
        #expect(m["PID-5.1"] == "Größe")
        #expect { try m.set("PID-5.1", to: "山") } throws: { ($0 as? HL7Error)?.code == .invalidCharacterData }
    }

    @Test func utf8NamesAreDecoded() throws {
        let m = try Fixtures.message("adt_utf8.hl7")
        #expect(m.characterSet.kind == .utf8)
        #expect(m["PID-5.1"] == "山田")
        #expect(m["PID-5(2).1"] == "Yamada")
        #expect(m["PID-11.3"] == "København")
    }

    @Test func iso8859_2ThroughIconv() throws {
        let m = try Fixtures.message("adt_8859_2.hl7")
        #expect(m.characterSet.kind == .iconv("ISO-8859-2"))
        #expect(m["PID-5.1"] == "Łukasiewicz")
        var copy = m
        try copy.set("PID-5.2", to: "Łódź")
        #expect(Array(copy.element(at: "PID-5.2")!.rawBytes) == [0xA3, 0xF3, 0x64, 0xBC])
    }

    @Test func latin9DiffersFromLatin1() throws {
        let cs = try #require(HL7CharacterSet(msh18: "8859/15"))
        #expect(cs.decode([0xA4, 0x41]) == "€A")
        #expect(try cs.encode("€Œ") == [0xA4, 0xBC])
        #expect(HL7CharacterSet.latin1.decode([0xA4]) == "¤")
    }

    @Test func table0211Names() {
        #expect(HL7CharacterSet(msh18: "")?.kind == .ascii)
        #expect(HL7CharacterSet(msh18: "ASCII")?.kind == .ascii)
        #expect(HL7CharacterSet(msh18: "UNICODE UTF-8")?.kind == .utf8)
        #expect(HL7CharacterSet(msh18: "8859/5")?.kind == .iconv("ISO-8859-5"))
        #expect(HL7CharacterSet(msh18: "KLINGON") == nil)
    }

    @Test func undeclaredCharsetIsReadLeniently() throws {
        let utf8 = try Message(Array("MSH|^~\\&|A|B|C|D|2026||ADT^A01|X|P|2.5\rPID|||1||Zoë\r".utf8))
        #expect(utf8["PID-5"] == "Zoë")
        var latin = Array("MSH|^~\\&|A|B|C|D|2026||ADT^A01|X|P|2.5\rPID|||1||Zo".utf8)
        latin += [0xEB, 0x0D]
        #expect(try Message(latin)["PID-5"] == "Zoë")
    }

    @Test func iso2022CodeExtensionForJapanese() throws {
        // MSH-18 `ISO IR6~ISO IR87`: names in JIS X 0208 switched in by ESC $ B … ESC ( B, raw or as \M\ / \C\ escapes.
        var bytes = Array("MSH|^~\\&|A|B|C|D|2026||ADT^A01|J1|P|2.5|||||JPN|ISO IR6~ISO IR87\rPID|1||1||".utf8)
        bytes += [0x1B, 0x24, 0x42, 0x3B, 0x33, 0x45, 0x44, 0x1B, 0x28, 0x42] + Array("^".utf8)
        bytes += Array("\\M2442\\B@O:\\C2842\\\r".utf8)
        let m = try Message(bytes)
        #expect(m.characterSet.isISO2022)
        #expect(m["PID-5.1"] == "山田")
        #expect(m["PID-5.2"] == "太郎")
        #expect(m["MSH-10"] == "J1")
        #expect(m.serialized() == bytes)
        #expect(HL7JSON.string(m).contains(#"{"id":"PID","fields":["1","","1","",["山田","太郎"]]}"#))
    }

    @Test func iconvErrors() {
        #expect { try HL7CharacterSet.iconvConvert([0x41], from: "NO-SUCH-CHARSET", to: "UTF-8") } throws: {
            ($0 as? HL7Error)?.code == .unsupportedCharacterSet
        }
        // 0xFF is not a valid byte in EUC-KR: an error when encoding strictly…
        #expect { try HL7CharacterSet.iconvConvert([0xFF, 0xFF], from: "EUC-KR", to: "UTF-8") } throws: {
            ($0 as? HL7Error)?.code == .invalidCharacterData
        }
        // …and a lenient fallback when reading values.
        let korean = HL7CharacterSet(msh18: "KS X 1001")!
        #expect(korean.decode(Array("abc".utf8)) == "abc")
        #expect(throws: HL7Error.self) { try HL7CharacterSet(msh18: "8859/5")!.encode("日本") }
    }
}
