import Testing
@testable import DICOM

// Swift Testing also declares a `Tag`.

/// One PS3.6 registry row, for spot checks.
private struct Spot {
    let tag: Tag, keyword: String, name: String, vrs: [VR], vm: String, retired: Bool
    init(_ group: UInt16, _ element: UInt16, _ keyword: String, _ name: String, _ vrs: [VR], _ vm: String, _ retired: Bool) {
        self.tag = Tag(group, element)
        self.keyword = keyword
        self.name = name
        self.vrs = vrs
        self.vm = vm
        self.retired = retired
    }
}

@Suite struct DictionaryTests {
    // Spot checks against PS3.6 (2024c) Table 6-1 / 8-1 / 9-1: tag, keyword, name, VRs, VM, retired.
    // Cross-checked with DCMTK's dicom.dic (PS3.6 2022b) where the element exists there.
    fileprivate static let spotChecks: [Spot] = [
        Spot(0x0000, 0x0100, "CommandField", "Command Field", [.US], "1", false),
        Spot(0x0000, 0x0900, "Status", "Status", [.US], "1", false),
        Spot(0x0002, 0x0000, "FileMetaInformationGroupLength", "File Meta Information Group Length", [.UL], "1", false),
        Spot(0x0002, 0x0010, "TransferSyntaxUID", "Transfer Syntax UID", [.UI], "1", false),
        Spot(0x0008, 0x0005, "SpecificCharacterSet", "Specific Character Set", [.CS], "1-n", false),
        Spot(0x0008, 0x0016, "SOPClassUID", "SOP Class UID", [.UI], "1", false),
        Spot(0x0008, 0x0018, "SOPInstanceUID", "SOP Instance UID", [.UI], "1", false),
        Spot(0x0008, 0x0060, "Modality", "Modality", [.CS], "1", false),
        Spot(0x0008, 0x0201, "TimezoneOffsetFromUTC", "Timezone Offset From UTC", [.SH], "1", false),
        Spot(0x0008, 0x1140, "ReferencedImageSequence", "Referenced Image Sequence", [.SQ], "1", false),
        Spot(0x0008, 0x1155, "ReferencedSOPInstanceUID", "Referenced SOP Instance UID", [.UI], "1", false),
        Spot(0x0008, 0x1160, "ReferencedFrameNumber", "Referenced Frame Number", [.IS], "1-n", false),
        Spot(0x0010, 0x0010, "PatientName", "Patient's Name", [.PN], "1", false),
        Spot(0x0010, 0x0020, "PatientID", "Patient ID", [.LO], "1", false),
        Spot(0x0010, 0x0030, "PatientBirthDate", "Patient's Birth Date", [.DA], "1", false),
        Spot(0x0010, 0x0040, "PatientSex", "Patient's Sex", [.CS], "1", false),
        Spot(0x0018, 0x0050, "SliceThickness", "Slice Thickness", [.DS], "1", false),
        Spot(0x0018, 0x1310, "AcquisitionMatrix", "Acquisition Matrix", [.US], "4", false),
        Spot(0x0020, 0x000D, "StudyInstanceUID", "Study Instance UID", [.UI], "1", false),
        Spot(0x0020, 0x0020, "PatientOrientation", "Patient Orientation", [.CS], "2", false),
        Spot(0x0020, 0x0032, "ImagePositionPatient", "Image Position (Patient)", [.DS], "3", false),
        Spot(0x0020, 0x0037, "ImageOrientationPatient", "Image Orientation (Patient)", [.DS], "6", false),
        Spot(0x0028, 0x0008, "NumberOfFrames", "Number of Frames", [.IS], "1", false),
        Spot(0x0028, 0x0009, "FrameIncrementPointer", "Frame Increment Pointer", [.AT], "1-n", false),
        Spot(0x0028, 0x0010, "Rows", "Rows", [.US], "1", false),
        Spot(0x0028, 0x0012, "Planes", "Planes", [.US], "1", true),
        Spot(0x0028, 0x0030, "PixelSpacing", "Pixel Spacing", [.DS], "2", false),
        Spot(0x0028, 0x0106, "SmallestImagePixelValue", "Smallest Image Pixel Value", [.US, .SS], "1", false),
        Spot(0x0028, 0x0400, "TransformLabel", "Transform Label", [.LO], "1", true),
        Spot(0x0028, 0x1050, "WindowCenter", "Window Center", [.DS], "1-n", false),
        Spot(0x0028, 0x1101, "RedPaletteColorLookupTableDescriptor", "Red Palette Color Lookup Table Descriptor", [.US, .SS], "3", false),
        Spot(0x0028, 0x3006, "LUTData", "LUT Data", [.US, .OW], "1-n", false),
        Spot(0x0040, 0xA730, "ContentSequence", "Content Sequence", [.SQ], "1", false),
        Spot(0x0072, 0x006D, "SelectorUNValue", "Selector UN Value", [.UN], "1", false),
        Spot(0x3006, 0x0050, "ContourData", "Contour Data", [.DS], "3-3n", false),
        Spot(0x7FE0, 0x0010, "PixelData", "Pixel Data", [.OB, .OW], "1", false),
        Spot(0xFFFE, 0xE000, "Item", "Item", [], "1", false),
    ]

    @Test func spotChecksAgainstPS36() throws {
        for spot in Self.spotChecks {
            let (tag, keyword, name, vrs, vm, retired) = (spot.tag, spot.keyword, spot.name, spot.vrs, spot.vm, spot.retired)
            let e = try #require(DataDictionary.entry(for: tag), "\(tag)")
            #expect(e.tag == tag)
            #expect(e.keyword == keyword, "\(tag)")
            #expect(e.name == name, "\(tag)")
            #expect(e.vrs == vrs, "\(tag)")
            #expect(e.vm == vm, "\(tag)")
            #expect(e.isRetired == retired, "\(tag)")
            #expect(DataDictionary.entry(forKeyword: keyword) == e)
        }
    }

    @Test func knownEntries() {
        #expect(DataDictionary.vr(for: Tag(0x0010, 0x0010)) == .PN)
        #expect(DataDictionary.vr(for: Tag(0x0028, 0x0010)) == .US)
        #expect(DataDictionary.entry(for: Tag(0x7FE0, 0x0010))?.vrs == [.OB, .OW])
        #expect(DataDictionary.entry(for: Tag(0x7FE0, 0x0010))?.hasAmbiguousVR == true)
        #expect(DataDictionary.vr(for: Tag(0x7FE0, 0x0010)) == .OB)
        #expect(DataDictionary.vr(for: .item) == .UN)
        #expect(DataDictionary.entry(for: .sequenceDelimitationItem)?.keyword == "SequenceDelimitationItem")
        #expect(DataDictionary.entry(for: Tag(0x0008, 0x0202)) != nil)  // retired, no keyword in PS3.6
        #expect(DataDictionary.entry(for: Tag(0x0008, 0x0202))?.keyword == "")
        #expect(Tag(0x0008, 0x0202).keyword == nil)
    }

    @Test func repeatingGroups() throws {
        let overlay = try #require(DataDictionary.entry(for: Tag(0x6002, 0x3000)))
        #expect(overlay.keyword == "OverlayData")
        #expect(overlay.name == "Overlay Data")
        #expect(overlay.vrs == [.OB, .OW])
        #expect(overlay.tag == Tag(0x6002, 0x3000))
        #expect(!overlay.isRetired)
        #expect(DataDictionary.entry(for: Tag(0x601E, 0x0010))?.keyword == "OverlayRows")
        #expect(DataDictionary.vr(for: Tag(0x6000, 0x0050)) == .SS)
        // Odd groups are private, never repeating groups.
        #expect(DataDictionary.entry(for: Tag(0x6003, 0x3000)) == nil)
        #expect(DataDictionary.entry(for: Tag(0x6001, 0x0010))?.keyword == "PrivateCreator")

        let curve = try #require(DataDictionary.entry(for: Tag(0x5010, 0x3000)))
        #expect(curve.keyword == "CurveData")
        #expect(curve.isRetired)
        #expect(curve.vrs == [.OB, .OW])
        #expect(DataDictionary.entry(for: Tag(0x5010, 0x2600))?.vr == .SQ)
        #expect(DataDictionary.entry(for: Tag(0x5010, 0x0005))?.keyword == "CurveDimensions")
        #expect(DataDictionary.entry(for: Tag(0x5010, 0x0007)) == nil)

        #expect(DataDictionary.entry(for: Tag(0x7F02, 0x0010))?.keyword == "VariablePixelData")
        #expect(DataDictionary.entry(for: Tag(0x7FE0, 0x0010))?.keyword == "PixelData")

        // Keyword lookup gives the lowest tag covered.
        #expect(Tag(keyword: "OverlayData") == Tag(0x6000, 0x3000))
        #expect(Tag(keyword: "CurveData") == Tag(0x5000, 0x3000))
    }

    @Test func elementMasks() throws {
        let source = try #require(DataDictionary.entry(for: Tag(0x0020, 0x3100)))
        #expect(source.keyword == "SourceImageIDs")
        #expect(source.vr == .CS && source.vm == "1-n" && source.isRetired)
        #expect(DataDictionary.entry(for: Tag(0x0020, 0x31FF))?.keyword == "SourceImageIDs")
        #expect(DataDictionary.entry(for: Tag(0x0028, 0x0410))?.keyword == "RowsForNthOrderCoefficients")
        #expect(DataDictionary.entry(for: Tag(0x0028, 0x04F3))?.keyword == "CoefficientCodingPointers")
        #expect(DataDictionary.entry(for: Tag(0x0028, 0x0400))?.keyword == "TransformLabel")  // exact wins
        #expect(DataDictionary.entry(for: Tag(0x0028, 0x0880))?.keyword == "CodeLabel")
        #expect(DataDictionary.entry(for: Tag(0x1000, 0x0010))?.keyword == "EscapeTriplet")
        #expect(DataDictionary.entry(for: Tag(0x1000, 0x1235))?.keyword == "ShiftTableTriplet")
        #expect(DataDictionary.entry(for: Tag(0x1000, 0x0016)) == nil)
        #expect(DataDictionary.entry(for: Tag(0x1010, 0x1234))?.keyword == "ZonalMap")
        // Representative tags of masked entries avoid group length and exact elements.
        #expect(Tag(keyword: "ZonalMap") == Tag(0x1010, 0x0001))
        #expect(Tag(keyword: "EscapeTriplet") == Tag(0x1000, 0x0010))
        #expect(Tag(keyword: "RowsForNthOrderCoefficients") == Tag(0x0028, 0x0410))
        #expect(Tag(keyword: "SourceImageIDs") == Tag(0x0020, 0x3100))
    }

    @Test func groupLengthAndPrivate() throws {
        let gl = try #require(DataDictionary.entry(for: Tag(0x0008, 0x0000)))
        #expect(gl.keyword == "GroupLength" && gl.vr == .UL && gl.vm == "1" && gl.isRetired)
        #expect(DataDictionary.entry(for: Tag(0x0000, 0x0000))?.keyword == "CommandGroupLength")
        #expect(DataDictionary.vr(for: Tag(0x0009, 0x0000)) == .UL)
        #expect(DataDictionary.vr(for: Tag(0x1010, 0x0000)) == .UL)
        #expect(DataDictionary.vr(for: Tag(0x6000, 0x0000)) == .UL)

        let pc = try #require(DataDictionary.entry(for: Tag(0x0029, 0x0010)))
        #expect(pc.keyword == "PrivateCreator" && pc.vr == .LO && pc.tag == Tag(0x0029, 0x0010))
        #expect(DataDictionary.vr(for: Tag(0x0029, 0x00FF)) == .LO)
        #expect(DataDictionary.entry(for: Tag(0x0029, 0x1010)) == nil)
        #expect(DataDictionary.vr(for: Tag(0x0029, 0x1010)) == .UN)
        #expect(DataDictionary.vr(for: Tag(0x0029, 0x0005)) == .UN)
        #expect(DataDictionary.entry(for: Tag(0x0010, 0x9999)) == nil)
        #expect(DataDictionary.entry(forKeyword: "GroupLength") == nil)
        #expect(DataDictionary.entry(forKeyword: "NoSuchKeyword") == nil)
        #expect(DataDictionary.entry(forKeyword: "patientname") == nil)
    }

    @Test func vrAgreesWithEntry() {
        let tags: [Tag] = [
            Tag(0x0010, 0x0010), Tag(0x7FE0, 0x0010), .item, Tag(0x6002, 0x3000), Tag(0x5010, 0x0005),
            Tag(0x0020, 0x3105), Tag(0x1000, 0x1233), Tag(0x1010, 0x0002), Tag(0x0008, 0x0000),
            Tag(0x0009, 0x0010), Tag(0x0009, 0x1001), Tag(0x6003, 0x0010), Tag(0x0010, 0x9999), Tag(0xFFFF, 0xFFFF),
        ]
        for tag in tags {
            #expect(DataDictionary.vr(for: tag) == (DataDictionary.entry(for: tag)?.vr ?? .UN), "\(tag)")
        }
        for e in DataDictionary.all { #expect(DataDictionary.vr(for: e.tag) == e.vr) }
    }

    @Test func counts() {
        #expect(DataDictionary.count > 4000)
        #expect(DataDictionary.count == DataDictionary.all.count)
        #expect(UIDRegistry.all.count > 400)
        #expect(Set(DataDictionary.all.map(\.tag)).count == DataDictionary.count)
    }

    @Test func keywordRoundTripOverAllEntries() {
        var withKeyword = 0
        for e in DataDictionary.all {
            #expect(DataDictionary.entry(for: e.tag) == e, "\(e.tag) \(e.keyword)")
            guard !e.keyword.isEmpty else { continue }
            withKeyword += 1
            #expect(DataDictionary.entry(forKeyword: e.keyword) == e, "\(e.keyword)")
            #expect(Tag(keyword: e.keyword) == e.tag)
            #expect(e.tag.keyword == e.keyword)
        }
        #expect(withKeyword > 4000)
        #expect(DataDictionary.all.allSatisfy { !$0.name.isEmpty || $0.isRetired })
    }

    @Test func uidLookups() throws {
        let evrle = try #require(UIDRegistry.entry(for: "1.2.840.10008.1.2.1"))
        #expect(evrle.name == "Explicit VR Little Endian")
        #expect(evrle.type == "Transfer Syntax" && evrle.isTransferSyntax)
        #expect(evrle.keyword == "ExplicitVRLittleEndian")
        #expect(!evrle.isRetired)

        let mwl = try #require(UIDRegistry.entry(for: "1.2.840.10008.5.1.4.31"))
        #expect(mwl.name == "Modality Worklist Information Model - FIND")
        #expect(mwl.type == "SOP Class")
        #expect(mwl.keyword == "ModalityWorklistInformationModelFind")

        let ct = try #require(UIDRegistry.entry(forKeyword: "CTImageStorage"))
        #expect(ct.uid == "1.2.840.10008.5.1.4.1.1.2")
        #expect(ct.name == "CT Image Storage")

        #expect(UIDRegistry.entry(for: "1.2.840.10008.1.2.2")?.isRetired == true)  // Explicit VR Big Endian
        #expect(UIDRegistry.entry(for: "1.2.840.10008.1.2")?.keyword == "ImplicitVRLittleEndian")
        #expect(UIDRegistry.entry(for: "1.2.840.10008.1.1")?.keyword == "Verification")
        #expect(UIDRegistry.entry(for: "1.2.840.10008.1.2.5")?.name == "RLE Lossless")
        #expect(UIDRegistry.entry(for: "1.2.840.10008.1.2.1\0")?.keyword == "ExplicitVRLittleEndian")
        #expect(UIDRegistry.entry(for: "1.2.3.4") == nil)
        #expect(UIDRegistry.entry(forKeyword: "") == nil)

        for e in UIDRegistry.all {
            #expect(UIDRegistry.entry(for: e.uid) == e)
            if !e.keyword.isEmpty { #expect(UIDRegistry.entry(forKeyword: e.keyword) == e) }
        }
        #expect(Set(UIDRegistry.all.map(\.uid)).count == UIDRegistry.all.count)
        #expect(UIDRegistry.all.filter(\.isTransferSyntax).count > 40)
    }

    @Test func concurrentFirstUse() async {
        await withTaskGroup(of: Bool.self) { group in
            for i in 0..<8 {
                group.addTask {
                    i % 2 == 0
                        ? DataDictionary.entry(forKeyword: "PatientName")?.tag == Tag(0x0010, 0x0010)
                        : UIDRegistry.entry(forKeyword: "CTImageStorage") != nil
                }
            }
            for await ok in group { #expect(ok) }
        }
    }
}
