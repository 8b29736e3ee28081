import Testing
@testable import DICOM

/// PS3.18 Annex F, the DICOM JSON model: writing, reading and round trips.
@Suite struct JSONModelTests {
    func sample() throws -> DataSet {
        var ds = DataSet()
        try ds.set(.specificCharacterSet, string: "ISO_IR 192")
        try ds.set(Tag(0x0008, 0x0008), strings: ["ORIGINAL", "", "AXIAL"])
        try ds.set(.patientName, string: "Yamada^Tarou=山田^太郎")
        try ds.set(Tag(0x0010, 0x1030), strings: ["70.5"])
        try ds.set(Tag(0x0020, 0x0013), integers: [3])
        try ds.set(Tag(0x0028, 0x0010), integers: [512])
        try ds.set(Tag(0x0018, 0x9087), vr: .FD, doubles: [0.25])
        ds.set(Tag(0x0028, 0x0009), tags: [Tag(0x0018, 0x1063)])
        var item = DataSet(characterSet: ds.characterSet)
        try item.set(Tag(0x0008, 0x1150), string: "1.2.840.10008.5.1.4.1.1.2")
        ds.set(Tag(0x0008, 0x1140), items: [Item(dataSet: item)])
        ds.set(Tag(0x0009, 0x0010), vr: .LO, bytes: Array("ACME 1.0".utf8))
        ds.set(Tag(0x0009, 0x1001), vr: .OB, bytes: [1, 2, 3, 4])
        return ds
    }

    @Test func writesTheModel() throws {
        let json = try sample().jsonString(options: DICOMJSONOptions(prettyPrinted: false))
        #expect(json.hasPrefix("{\"00080005\":{\"vr\":\"CS\",\"Value\":[\"ISO_IR 192\"]}"))
        #expect(json.contains("\"00080008\":{\"vr\":\"CS\",\"Value\":[\"ORIGINAL\",null,\"AXIAL\"]}"))
        #expect(json.contains("\"00100010\":{\"vr\":\"PN\",\"Value\":[{\"Alphabetic\":\"Yamada^Tarou\",\"Ideographic\":\"山田^太郎\"}]}"))
        #expect(json.contains("\"00101030\":{\"vr\":\"DS\",\"Value\":[70.5]}"))
        #expect(json.contains("\"00200013\":{\"vr\":\"IS\",\"Value\":[3]}"))
        #expect(json.contains("\"00280010\":{\"vr\":\"US\",\"Value\":[512]}"))
        #expect(json.contains("\"00189087\":{\"vr\":\"FD\",\"Value\":[0.25]}"))
        #expect(json.contains("\"00280009\":{\"vr\":\"AT\",\"Value\":[\"00181063\"]}"))
        #expect(json.contains("\"00081140\":{\"vr\":\"SQ\",\"Value\":[{\"00081150\":{\"vr\":\"UI\",\"Value\":[\"1.2.840.10008.5.1.4.1.1.2\"]}}]}"))
        #expect(json.contains("\"00091001\":{\"vr\":\"OB\",\"InlineBinary\":\"AQIDBA==\"}"))
    }

    @Test func readsWhatItWrites() throws {
        let ds = try sample()
        let json = try ds.jsonString()
        let back = try DataSet(json: json)
        #expect(try back.jsonString() == json)
        #expect(back.string(.patientName) == "Yamada^Tarou=山田^太郎")
        let a = try DataSetWriter.encode(back, transferSyntax: .explicitVRLittleEndian)
        let b = try DataSetWriter.encode(ds, transferSyntax: .explicitVRLittleEndian)
        #expect(a == b)
    }

    @Test func readsTheStandardsExample() throws {
        // PS3.18 §F.4 style: a study-level QIDO-RS result.
        let json = """
        {
          "00080020": { "vr": "DA", "Value": ["20130409"] },
          "00080061": { "vr": "CS", "Value": ["CT", "PET"] },
          "00080090": { "vr": "PN", "Value": [ { "Alphabetic": "^Bob^^Dr." } ] },
          "00090010": { "vr": "LO", "Value": ["Vendor A"] },
          "00091002": { "vr": "UN", "InlineBinary": "z0x9c8v7" },
          "00100010": { "vr": "PN", "Value": [ { "Alphabetic": "Wang^XiaoDong", "Ideographic": "王^小東" } ] },
          "00201206": { "vr": "IS", "Value": [4] },
          "00201208": { "vr": "IS", "Value": [942] },
          "7FE00010": { "vr": "OW", "BulkDataURI": "file:///tmp/x.dcm?offset=100&length=200" }
        }
        """
        let ds = try DataSet(json: json)
        #expect(ds.strings(Tag(0x0008, 0x0061)) == ["CT", "PET"])
        #expect(ds.personName(Tag(0x0008, 0x0090))?.alphabetic.namePrefix == "Dr.")
        #expect(ds.int(Tag(0x0020, 0x1208)) == 942)
        #expect(try ds.bytes(Tag(0x0009, 0x1002)) == [0xCF, 0x4C, 0x7D, 0x73, 0xCB, 0xFB])
        guard case .bulk(let ref)? = ds[.pixelData]?.value else { Issue.record("expected bulk data"); return }
        #expect(ref.offset == 100 && ref.length == 200)
    }

    @Test func unicodeDocumentsWithoutCharacterSetBecomeUTF8() throws {
        let fromJSON = try DataSet(json: #"{"00100010":{"vr":"PN","Value":[{"Alphabetic":"Müller^Jürgen"}]}}"#)
        #expect(fromJSON.string(.specificCharacterSet) == "ISO_IR 192")
        #expect(try fromJSON.bytes(.patientName).map { Array($0.prefix(7)) } == Array("Müller".utf8))
        let xml = #"<NativeDicomModel><DicomAttribute tag="00100010" vr="PN"><PersonName number="1"><Alphabetic><FamilyName>山田</FamilyName></Alphabetic></PersonName></DicomAttribute></NativeDicomModel>"#
        let fromXML = try DataSet(xml: xml)
        #expect(fromXML.string(.specificCharacterSet) == "ISO_IR 192")
        #expect(fromXML.string(.patientName) == "山田")
        // A declared set that cannot hold the text is an error, not a silent switch.
        #expect(throws: DICOMError.self) {
            try DataSet(json: #"{"00080005":{"vr":"CS","Value":["ISO_IR 100"]},"00100010":{"vr":"PN","Value":[{"Alphabetic":"山田"}]}}"#)
        }
    }

    @Test func unsignedVeryLongValuesKeepTheirSign() throws {
        var ds = DataSet()
        ds.set(Tag(0x0018, 0x9087), unsignedIntegers: [UInt64.max, 1])
        // (0018,9087) is FD in the dictionary; the explicit UV element is what is tested here.
        let json = try ds.jsonString(options: DICOMJSONOptions(prettyPrinted: false))
        #expect(json.contains("[18446744073709551615,1]"))
        #expect(try DataSet(json: json)[Tag(0x0018, 0x9087)]?.unsignedIntegers == [UInt64.max, 1])
    }

    @Test func rejectsMalformedDocuments() {
        for bad in ["[1]", "{\"0010\":{\"vr\":\"PN\"}}", "{\"00100010\":{\"vr\":\"XX\"}}", "{\"00100010\":{}}",
                    "{\"00100010\":{\"vr\":\"PN\",\"Value\":[1]}}", "{\"00280010\":{\"vr\":\"US\",\"Value\":[\"x\"]}}",
                    "{\"7FE00010\":{\"vr\":\"OB\",\"InlineBinary\":\"!!\"}}", "{\"7FE00010\":{\"vr\":\"OB\",\"BulkDataURI\":\"http://x\"}}",
                    "{", "{\"00100010\":{\"vr\":\"PN\"}} x", String(repeating: "[", count: 1000)] {
            do {
                _ = try DataSet(json: bad)
                Issue.record("accepted \(bad.prefix(40))")
            } catch {
                #expect(error.code == .invalidDocument || error.code == .nestingTooDeep || error.code == .invalidValue, "\(error)")
            }
        }
    }

    @Test func encapsulatedPixelDataRoundTrips() throws {
        var ds = DataSet()
        ds.set(DataElement(tag: .pixelData, vr: .OB, value: .fragments([.bytes([]), .bytes([0xFF, 0xD8, 0xFF, 0xD9])]), hasUndefinedLength: true))
        let back = try DataSet(json: try ds.jsonString())
        guard case .fragments(let f)? = back[.pixelData]?.value else { Issue.record("expected fragments"); return }
        #expect(f.count == 2)
        #expect(try f[1].load() == [0xFF, 0xD8, 0xFF, 0xD9])
    }
}
