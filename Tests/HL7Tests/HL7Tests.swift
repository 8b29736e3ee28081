import Testing
@testable import HL7

@Suite struct HL7VersionTests {
    @Test func versionsCoverTwoOneToTwoEight() {
        #expect(HL7.supportedVersions.first == "2.1")
        #expect(HL7.supportedVersions.contains("2.8"))
    }
}
