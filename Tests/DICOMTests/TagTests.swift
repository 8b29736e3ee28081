import Testing
@testable import DICOM

@Suite struct TagTests {
    @Test func descriptionAndParse() {
        let t = Tag(0x0010, 0x0010)
        #expect(t.description == "(0010,0010)")
        #expect(Tag(string: "(0010,0010)") == t)
        #expect(Tag(string: "7FE00010") == Tag(0x7FE0, 0x0010))
        #expect(Tag(string: "zz") == nil)
    }

    @Test func privateTags() {
        #expect(Tag(0x0009, 0x0010).isPrivateCreator)
        #expect(Tag(0x0009, 0x1001).privateCreatorTag == Tag(0x0009, 0x0010))
        #expect(!Tag(0x0010, 0x0010).isPrivate)
    }

    @Test func vrBytes() {
        #expect(VR(byte0: 0x50, byte1: 0x4E) == .PN)
        #expect(VR(byte0: 0x5A, byte1: 0x5A) == nil)
        #expect(VR.allCases.count == 34)
        #expect(VR.OB.hasLongExplicitLength && !VR.US.hasLongExplicitLength)
    }
}
