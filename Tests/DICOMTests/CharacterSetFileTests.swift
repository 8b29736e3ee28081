import Foundation
import Testing
@testable import DICOM

/// Non-ASCII names in every listed character set, written into files by Isthmus and read back
/// by Isthmus and by pydicom.
@Suite(.serialized) struct CharacterSetFileTests {
    /// (0008,0005) value, a Patient's Name, an Institution Name, and whether pydicom 3 can decode
    /// the set (it does not know ISO_IR 203, nor ISO 2022 IR 58 escape sequences).
    static let cases: [(charset: String, name: String, institution: String, pydicom: Bool)] = [
        ("ISO_IR 100", "Müller^Jürgen", "Hôpital Saint-Éloi", true),
        ("ISO_IR 101", "Dvořák^Antonín", "Nemocnice Brno", true),
        ("ISO_IR 109", "Ħabib^Ġorġ", "Sptar Mater Dei", true),
        ("ISO_IR 110", "Ēriks^Šķēle", "Rīgas slimnīca", true),
        ("ISO_IR 126", "Διονυσιος^Παπαδοπουλος", "Νοσοκομείο", true),
        ("ISO_IR 127", "قباني^لنزار", "مستشفى", true),
        ("ISO_IR 138", "שרון^דבורה", "בית חולים", true),
        ("ISO_IR 144", "Люксембург^Гарнет", "Больница", true),
        ("ISO_IR 148", "Çağlar^Şükrü", "İstanbul Hastanesi", true),
        ("ISO_IR 166", "สมชาย^ใจดี", "โรงพยาบาล", true),
        ("ISO_IR 203", "Šœur^Œdipe €", "Hôpital", false),
        ("ISO_IR 13", "ﾔﾏﾀﾞ^ﾀﾛｳ", "ﾋﾞｮｳｲﾝ", true),
        ("ISO_IR 192", "Wang^XiaoDong=王^小東", "北京医院 Ünïcödé", true),
        ("GB18030", "Wang^XiaoDong=王^小东", "北京医院", true),
        ("GBK", "Wang^XiaoDong=王^小东", "北京医院", true),
        ("\\ISO 2022 IR 87", "Yamada^Tarou=山田^太郎=やまだ^たろう", "山田病院", true),
        ("\\ISO 2022 IR 87\\ISO 2022 IR 159", "Mori^Ougai=森^鷗外", "森鷗外記念館", true),
        ("\\ISO 2022 IR 149", "Hong^Gildong=洪^吉洞=홍^길동", "서울병원", true),
        ("\\ISO 2022 IR 58", "Zhang^SanFeng=张^三丰", "北京医院", false),
        ("ISO 2022 IR 100\\ISO 2022 IR 126", "Müller^Διονυσιος", "Αθήνα Clinic", true),
    ]

    @Test func namesRoundTripThroughFilesAndPydicom() throws {
        let dir = try Peers.temporaryDirectory("charsets")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var paths: [(path: String, name: String, institution: String, pydicom: Bool)] = []
        for (i, c) in CharacterSetFileTests.cases.enumerated() {
            var ds = DataSet()
            try ds.set(.specificCharacterSet, strings: c.charset.split(separator: "\\", omittingEmptySubsequences: false).map(String.init))
            #expect(ds.characterSet.unknownTerms.isEmpty, "\(c.charset)")
            try ds.set(.sopClassUID, string: "1.2.840.10008.5.1.4.1.1.7")
            try ds.set(.sopInstanceUID, string: "1.2.826.0.1.3680043.10.1472.99.\(i)")
            try ds.set(.patientName, string: c.name)
            try ds.set(Tag(0x0008, 0x0080), string: c.institution)
            let path = dir + "/\(i).dcm"
            try DICOMFile(dataSet: ds).write(toPath: path)
            let reread = try DICOMFile.read(contentsOf: path)
            #expect(reread.warnings.isEmpty, "\(c.charset): \(reread.warnings)")
            #expect(reread.dataSet.string(.patientName) == c.name, "\(c.charset)")
            #expect(reread.dataSet.string(Tag(0x0008, 0x0080)) == c.institution, "\(c.charset)")
            // The bytes really are in the declared set, not UTF-8 (except for ISO_IR 192).
            let raw = try #require(try reread.dataSet.bytes(.patientName))
            if c.charset != "ISO_IR 192" {
                #expect(String(validating: raw, as: UTF8.self) != c.name, "\(c.charset) wrote UTF-8")
            }
            paths.append((path, c.name, c.institution, c.pydicom))
        }
        let script = Peers.repositoryRoot.appendingPathComponent("Scripts/pydicom-strings.py").path
        let out = try Peers.run("python3", [script] + paths.filter(\.pydicom).map(\.path))
        guard Peers.need("pydicom", out.status == 0) else { return }
        let decoded = try #require(try JSONSerialization.jsonObject(with: out.stdout) as? [String: [String: String]])
        for p in paths where p.pydicom {
            let theirs = try #require(decoded[p.path])
            #expect(theirs["error"] == nil, "\(theirs["error"] ?? "")")
            #expect(theirs["PatientName"] == p.name, "pydicom read \(theirs["PatientName"] ?? "nil") for \(p.name)")
            #expect(theirs["InstitutionName"] == p.institution)
        }
    }

    @Test func unrepresentableCharacterIsAnError() throws {
        var ds = DataSet()
        try ds.set(.specificCharacterSet, string: "ISO_IR 100")
        do {
            try ds.set(.patientName, string: "山田^太郎")
            Issue.record("Latin-1 cannot hold kanji")
        } catch {
            #expect(error.code == .characterSet)
        }
    }
}
