import Testing
@testable import DICOM

/// Typed accessors (PS3.5 §6.2): VM splitting and padding, numbers, dates and times with
/// partial precision, person names, tags.
@Suite struct ValueTests {
    @Test func stringsSplitAndTrim() throws {
        var ds = DataSet()
        try ds.set(Tag(0x0008, 0x0008), strings: ["ORIGINAL", "PRIMARY", "AXIAL"])
        #expect(ds.strings(Tag(0x0008, 0x0008)) == ["ORIGINAL", "PRIMARY", "AXIAL"])
        #expect(ds[Tag(0x0008, 0x0008)]?.valueLength == 22)
        // A UI is padded with NUL, a text VR with a space.
        try ds.set(.sopClassUID, string: "1.2.840.10008.5.1.4.1.1.2")
        #expect(try ds.bytes(.sopClassUID)?.last == 0)
        #expect(ds.string(.sopClassUID) == "1.2.840.10008.5.1.4.1.1.2")
        try ds.set(.patientID, string: "ABC")
        #expect(try ds.bytes(.patientID) == Array("ABC ".utf8))
        // LT keeps backslashes and leading spaces.
        ds.set(Tag(0x0010, 0x4000), vr: .LT, bytes: Array("  a\\b  ".utf8))
        #expect(ds.strings(Tag(0x0010, 0x4000)) == ["  a\\b"])
        // CS loses leading and trailing spaces, LO only trailing.
        ds.set(Tag(0x0008, 0x0060), vr: .CS, bytes: Array(" CT ".utf8))
        #expect(ds.string(Tag(0x0008, 0x0060)) == "CT")
        ds.set(Tag(0x0008, 0x0070), vr: .LO, bytes: Array(" GE  ".utf8))
        #expect(ds.string(Tag(0x0008, 0x0070)) == " GE")
        // Too long for SH.
        #expect(throws: DICOMError.self) { try ds.set(Tag(0x0008, 0x0050), string: String(repeating: "9", count: 17)) }
        // Non-ASCII in a VR that does not use the character set.
        #expect(throws: DICOMError.self) { try ds.set(Tag(0x0008, 0x0060), string: "ÇT") }
    }

    @Test func numbers() throws {
        var ds = DataSet()
        try ds.set(Tag(0x0028, 0x0010), integers: [512])
        #expect(try ds.bytes(Tag(0x0028, 0x0010)) == [0x00, 0x02])
        try ds.set(Tag(0x0028, 0x1050), doubles: [40, -1.5])
        #expect(ds.strings(Tag(0x0028, 0x1050)) == ["40", "-1.5"])
        #expect(ds.doubles(Tag(0x0028, 0x1050)) == [40, -1.5])
        try ds.set(Tag(0x0020, 0x0013), integers: [7])
        #expect(ds[Tag(0x0020, 0x0013)]?.vr == .IS)
        #expect(ds.int(Tag(0x0020, 0x0013)) == 7)
        try ds.set(Tag(0x0018, 0x9087), vr: .FD, doubles: [0.1])
        #expect(ds.double(Tag(0x0018, 0x9087)) == 0.1)
        try ds.set(Tag(0x0028, 0x0106), vr: .SS, integers: [-1024])
        #expect(ds.int(Tag(0x0028, 0x0106)) == -1024)
        #expect(throws: DICOMError.self) { try ds.set(Tag(0x0028, 0x0010), integers: [70000]) }
        #expect(DataSet.formatDS(1.0 / 3.0).count <= 16)
    }

    @Test func datesAndTimesKeepPrecision() throws {
        #expect(DICOMDate("20260115") == DICOMDate(year: 2026, month: 1, day: 15))
        #expect(DICOMDate("2026.01.15")?.description == "20260115")
        #expect(DICOMDate("2026")?.month == nil)
        #expect(DICOMDate("20261315") == nil)
        #expect(DICOMDate("2026011") == nil)
        let t = try #require(DICOMTime("101530.25"))
        #expect(t.hour == 10 && t.minute == 15 && t.second == 30 && t.microsecond == 250_000)
        #expect(t.description == "101530.25")
        #expect(DICOMTime("10")?.minute == nil)
        #expect(DICOMTime("10:15:30")?.second == 30)
        #expect(DICOMTime("2500") == nil)
        let dt = try #require(DICOMDateTime("20260115101530.123456+0130"))
        #expect(dt.date.day == 15 && dt.time?.microsecond == 123_456 && dt.utcOffsetMinutes == 90)
        #expect(dt.description == "20260115101530.123456+0130")
        #expect(DICOMDateTime("202601")?.time == nil)
        #expect(DICOMDateTime("2026011510-0500")?.utcOffsetMinutes == -300)
    }

    @Test func personNames() {
        let pn = PersonName("Yamada^Tarou=山田^太郎=やまだ^たろう")
        #expect(pn.alphabetic.familyName == "Yamada" && pn.alphabetic.givenName == "Tarou")
        #expect(pn.ideographic.familyName == "山田")
        #expect(pn.phonetic.givenName == "たろう")
        #expect(pn.description == "Yamada^Tarou=山田^太郎=やまだ^たろう")
        let full = PersonName("Adams^John Robert Quincy^^Rev.^B.A. M.Div.")
        #expect(full.alphabetic.namePrefix == "Rev." && full.alphabetic.nameSuffix == "B.A. M.Div.")
        #expect(full.description == "Adams^John Robert Quincy^^Rev.^B.A. M.Div.")
        #expect(PersonName("Doe^Jane^^^").description == "Doe^Jane")
    }

    @Test func attributeTags() throws {
        var ds = DataSet()
        ds.set(Tag(0x0028, 0x0009), tags: [Tag(0x0018, 0x1063), Tag(0x0054, 0x0010)])
        #expect(try ds.bytes(Tag(0x0028, 0x0009)) == [0x18, 0x00, 0x63, 0x10, 0x54, 0x00, 0x10, 0x00])
        #expect(ds.tags(Tag(0x0028, 0x0009)) == [Tag(0x0018, 0x1063), Tag(0x0054, 0x0010)])
        #expect(ds.strings(Tag(0x0028, 0x0009)) == ["(0018,1063)", "(0054,0010)"])
    }

    @Test func dataSetKeepsTagOrder() throws {
        var ds = DataSet()
        try ds.set(.patientID, string: "2")
        try ds.set(.patientName, string: "A^B")
        try ds.set(.sopInstanceUID, string: "1.2")
        #expect(ds.elements.map(\.tag) == [.sopInstanceUID, .patientName, .patientID])
        try ds.set(.patientName, string: "C^D")
        #expect(ds.count == 3 && ds.string(.patientName) == "C^D")
        ds.remove(.patientName)
        #expect(ds[.patientName] == nil && ds.count == 2)
        #expect(ds.group(0x0010).map(\.tag) == [.patientID])
    }

    @Test func transferSyntaxNames() {
        #expect(TransferSyntax.named("implicit") == .implicitVRLittleEndian)
        #expect(TransferSyntax.named("1.2.840.10008.1.2.2") == .explicitVRBigEndian)
        #expect(TransferSyntax.named("1.2.840.10008.1.2.4.50")?.isEncapsulated == true)
        #expect(TransferSyntax.named("nonsense") == nil)
        #expect(TransferSyntax(uid: "1.2.840.10008.1.2.1\0") == .explicitVRLittleEndian)
    }
}
