import DICOM
import Foundation
import HL7
import Mapping
import Testing
import TestSupport

/// The site mapping file (docs/mapping.md): read from YAML, applied over the IHE tables, and its effect on the
/// worklist items of real ORM^O01 / OMI^O23 orders; errors located by file, line and column.
@Suite struct SiteMappingTests {
    static let omiLines = [
        "MSH|^~\\&|RIS|HOSP|ISTHMUS|HOSP|20260301080000||OMI^O23^OMI_O23|OMI1|P|2.5.1",
        "PID|1||MRN9^^^HOSP^MR||ROE^RICHARD||19700101|M",
        "ORC|NW|P1|F1||SC||||20260301|||||||||||||||||||^R",
        "TQ1|1||||||20260310140000||Z",
        "OBR|1|P1|F1|CTHEAD^CT HEAD^L|||||||||ALLERGIC TO IODINE",
        "IPC|ACC77^HOSP^2.16.840.1^ISO|RP77|1.2.3.4.5|SPS-A|CTS|HEAD^Head plain^L|CT1|ROOM 1|CTSCANNER1",
        "ZDS|1.2.3.4.5^^Application^DICOM|GATE 4",
    ]

    static let example = """
    description: Site changes for the example hospital
    both:
      rules:
        - tag: MedicalAlerts              # OBR-13 → (0010,2000): replaced by a ZDS field, with a fallback
          paths: [ZDS-2, OBR-13]
        - tag: "(0040,0010)"              # Scheduled Station Name: a new rule for ORM (OMI maps IPC-7 already)
          path: PV1-3.1
          scope: step
        - tag: InstitutionName
          default: Example Hospital       # a constant
          paths: [ORC-21.1]
      remove: [PregnancyStatus]
      value-maps:
        priority: { Z: LOW, R: ROUTINE }
        modality: { CTS: CT }
        ward: { RAD: RADIOLOGY }
    orm:
      rules:
        - tag: AccessionNumber
          path: OBR-3.1                   # the filler order number is the accession number here
        - tag: CurrentPatientLocation
          conversion: map-or-keep ward
      defaults:
        station-ae-title: CT99
      policies:
        sps-id-policy: generate
    omi:
      rules:
        - tag: ScheduledStationAETitle
          conversion: map-or-keep station
      value-maps:
        station: { CTSCANNER1: CT_AE_1 }
      policies:
        character-set: ISO_IR 192
        truncate-overlong-values: true
    """

    @Test func readsTheExample() throws {
        let site = try SiteMapping.parse(Self.example, file: "site.yaml")
        #expect(site.both.rules.count == 3)
        #expect(site.both.rules[0].tag == Tag(0x0010, 0x2000))
        #expect(site.both.rules[0].paths == ["ZDS-2", "OBR-13"])
        #expect(site.both.rules[1].scope == .step)
        #expect(site.both.rules[2].defaultValue == "Example Hospital")
        #expect(site.both.removals == [Tag(0x0010, 0x21C0)])
        #expect(site.both.valueMaps["priority"] == ["Z": "LOW", "R": "ROUTINE"])
        #expect(site.orm.rules[1].conversion == .mapOrKeep("ward"))
        #expect(site.orm.defaultStationAETitle == "CT99")
        #expect(site.orm.spsIDPolicy == .generate)
        #expect(site.omi.characterSet == "ISO_IR 192")
        #expect(site.omi.truncateOverlongValues == true)
        #expect(site.settingKeys == ["station-ae-title", "sps-id-policy", "character-set", "truncate-overlong-values"])

        // The tables: a replaced rule stays at its place with its conversion; a removed one is gone; new ones at the end.
        let orm = site.ormTable()
        #expect(orm.rules.count == OrderMappingTable.orm.rules.count - 1 + 1)   // PregnancyStatus out, (0040,0010) in
        let alerts = try #require(orm.rules.firstIndex { $0.tag == Tag(0x0010, 0x2000) })
        #expect(alerts == OrderMappingTable.orm.rules.firstIndex { $0.tag == Tag(0x0010, 0x2000) })
        #expect(!orm.rules.contains { $0.tag == Tag(0x0010, 0x21C0) })
        #expect(orm.rules.first { $0.tag == Tag(0x0038, 0x0300) }?.paths == ["PV1-3"])   // paths kept, conversion changed
        #expect(orm.rules.first { $0.tag == Tag(0x0038, 0x0300) }?.conversion == .mapOrKeep("ward"))
        #expect(orm.valueMaps["priority"]?["S"] == "STAT")                                 // built-in entries kept
        #expect(orm.valueMaps["priority"]?["Z"] == "LOW")
        #expect(orm.valueMaps["station"] == nil)                                           // an OMI-only map
        let omi = site.omiTable()
        #expect(omi.rules.filter { $0.tag == Tag(0x0040, 0x0010) }.count == 1)            // replaced, not doubled
        #expect(omi.rules.first { $0.tag == Tag(0x0040, 0x0010) }?.paths == ["PV1-3.1"])
        #expect(omi.characterSet == "ISO_IR 192")
        #expect(OrderMappingTable.omi.characterSet == nil)                                 // built-in unchanged
    }

    @Test func changesTheItemsOfAnORM() throws {
        let mapper = try SiteMapping.parse(Self.example, file: "site.yaml").apply(to: OrderMapper())
        var lines = ormLines
        lines[lines.count - 1] = seg("ZDS", [1: "1.2.840.113619.2.55.3.2609.1^^Application^DICOM", 2: "GATE 4"])
        let item = try #require(try mapper.map(try er7(lines)).items.first)
        #expect(item.string(Tag(0x0008, 0x0050)) == "FIL200")             // OBR-3.1, not OBR-18
        #expect(item.string(Tag(0x0010, 0x2000)) == "GATE 4")             // ZDS-2 first
        #expect(item.string(Tag(0x0010, 0x21C0)) == nil)                  // removed (PV1-15 is B6)
        #expect(item.string(Tag(0x0008, 0x0080)) == "Example Hospital")   // ORC-21 empty: the default
        #expect(item.string(Tag(0x0038, 0x0300)) == "RADIOLOGY")          // PV1-3 RAD through the new map
        #expect(item.string(Tag(0x0040, 0x1003)) == "STAT")               // built-in priority entries still there
        let step = try #require(item.items(Tag(0x0040, 0x0100))?.first?.dataSet)
        #expect(step.string(Tag(0x0040, 0x0010)) == "RAD")                // the new step rule
        #expect(step.string(Tag(0x0040, 0x0009)) == "SPS0001")            // OBR-20 present: the policy is not needed
        #expect(step.string(Tag(0x0040, 0x0001)) == "MR1")                // ORC-18 present: the default not used

        // Without ZDS-2: the fallback OBR-13; without OBR-20: generated SPS ID; without ORC-18: the default AE.
        lines[lines.count - 1] = seg("ZDS", [1: "1.2.840.113619.2.55.3.2609.1^^Application^DICOM"])
        lines[3] = seg("ORC", [1: "NW", 2: "PLC100^RIS", 3: "FIL200^PACS", 5: "SC", 7: "^^^202603051030^^Z"])
        lines[4] = lines[4].replacingOccurrences(of: "|SPS0001|", with: "||")
        let again = try #require(try mapper.map(try er7(lines)).items.first)
        #expect(again.string(Tag(0x0010, 0x2000)) == "CONTRAST ALLERGY")
        #expect(again.string(Tag(0x0040, 0x1003)) == "LOW")               // the added priority entry
        let step2 = try #require(again.items(Tag(0x0040, 0x0100))?.first?.dataSet)
        #expect(step2.string(Tag(0x0040, 0x0001)) == "CT99")
        #expect(step2.string(Tag(0x0040, 0x0009))?.hasPrefix("SPS") == true)
        #expect(step2.string(Tag(0x0040, 0x0009)) != "RP0001")

        // The built-in mapper is unchanged by all this.
        let builtIn = try #require(try OrderMapper().map(try er7(ormLines)).items.first)
        #expect(builtIn.string(Tag(0x0008, 0x0050)) == "ACC0001")
        #expect(builtIn.string(Tag(0x0010, 0x21C0)) == "3")
    }

    @Test func changesTheItemsOfAnOMI() throws {
        let m = try er7(Self.omiLines)
        // Built in: TQ1-9 Z is not a priority, IPC-5 CTS is kept as it is.
        #expect(throws: MappingError.self) { try OrderMapper().map(m) }
        let mapper = try SiteMapping.parse(Self.example, file: "site.yaml").apply(to: OrderMapper())
        let item = try #require(try mapper.map(m).items.first)
        #expect(item.string(.specificCharacterSet) == "ISO_IR 192")      // the OMI policy
        #expect(item.string(Tag(0x0040, 0x1003)) == "LOW")
        #expect(item.string(Tag(0x0010, 0x2000)) == "GATE 4")
        #expect(item.string(Tag(0x0008, 0x0050)) == "ACC77")              // the ORM-only rule does not apply
        let step = try #require(item.items(Tag(0x0040, 0x0100))?.first?.dataSet)
        #expect(step.string(Tag(0x0008, 0x0060)) == "CT")                 // CTS through the extended modality map
        #expect(step.string(Tag(0x0040, 0x0001)) == "CT_AE_1")            // the OMI-only map
        #expect(step.string(Tag(0x0040, 0x0010)) == nil)                  // IPC-7 replaced by PV1-3.1 (no PV1)
    }

    @Test func theExampleOrderOfTheRepositoryWithOBR13ToANewTag() throws {
        let text = try String(contentsOf: Peers.repositoryRoot.appendingPathComponent("Examples/orm-o01.hl7"), encoding: .utf8)
        let message = try Message(text.replacingOccurrences(of: "\n", with: "\r"))
        let site = try SiteMapping.parse("""
        orm:
          rules:
            - { tag: RequestedProcedureComments, path: OBR-13 }   # (0040,1400), not in the IHE table
            - { tag: "(0040,0010)", path: OBR-2.2, scope: step }
          remove: ["0010,2000", "00081080"]
        """, file: "s.yaml")
        #expect(site.orm.removals == [Tag(0x0010, 0x2000), Tag(0x0008, 0x1080)])
        let lines = message.er7.split(separator: "\r").map {
            $0.hasPrefix("OBR") ? $0.replacingOccurrences(of: "||||||||||||||ACC0001", with: "|||||||||LATEX ALLERGY|||||ACC0001") : String($0)
        }
        let order = try Message(lines.joined(separator: "\r") + "\r")
        let item = try #require(try site.apply(to: OrderMapper()).map(order).items.first)
        #expect(item.string(Tag(0x0040, 0x1400)) == "LATEX ALLERGY")
        #expect(item.string(Tag(0x0010, 0x2000)) == nil)
        #expect(item.string(.patientName) == "MÜLLER^RENÉE")
        #expect(item.items(Tag(0x0040, 0x0100))?.first?.dataSet.string(Tag(0x0040, 0x0010)) == "RIS")
    }

    @Test func theDocumentedExampleIsValid() throws {
        let doc = try String(contentsOf: Peers.repositoryRoot.appendingPathComponent("docs/mapping.md"), encoding: .utf8)
        let section = try #require(doc.range(of: "## Site mapping file"))
        let start = try #require(doc.range(of: "```yaml\n", range: section.upperBound ..< doc.endIndex))
        let end = try #require(doc.range(of: "```", range: start.upperBound ..< doc.endIndex))
        let site = try SiteMapping.parse(String(doc[start.upperBound ..< end.lowerBound]), file: "docs/mapping.md")
        #expect(site.both.rules.count == 4 && site.orm.rules.count == 3 && site.omi.rules.count == 1)
        #expect(site.orm.primaryIssuer == "HOSP")
        let item = try #require(try site.apply(to: OrderMapper()).map(try er7(ormLines)).items.first)
        #expect(item.string(Tag(0x0008, 0x0080)) == "St. Example")
        #expect(item.string(Tag(0x0038, 0x0300)) == "RADIOLOGY")
    }

    @Test func conversions() throws {
        let site = try SiteMapping.parse("""
        both:
          rules:
            - { tag: PatientBirthDate, path: PID-7, conversion: date }
            - { tag: ReferringPhysicianName, path: PV1-8, conversion: person-name xcn }
            - { tag: PatientBirthName, path: PID-6, conversion: person-name }
            - { tag: RequestedProcedureCodeSequence, path: OBR-4, conversion: code 4 6 5 }
            - { tag: ReasonForTheRequestedProcedure, path: OBR-31.2, conversion: prefix 5 }
            - { tag: PatientSex, conversion: map-or-keep sex }
            - { tag: "(0040,0003)", conversion: time, path: ORC-9 }
        """, file: "c.yaml")
        let c = site.both.rules.map(\.conversion)
        #expect(c == [.date, .personNameFromXCN, .personNameFromXPN, .code(value: 4, scheme: 6, meaning: 5), .prefix(5), .mapOrKeep("sex"), .time])
        let item = try #require(try site.apply(to: OrderMapper()).map(try er7(ormLines)).items.first)
        #expect(item.string(Tag(0x0040, 0x1002)) == "Cough")
        #expect(item.items(Tag(0x0032, 0x1064))?.first?.dataSet.string(Tag(0x0008, 0x0100)) == "P71020")
        #expect(item.items(Tag(0x0040, 0x0100))?.first?.dataSet.string(Tag(0x0040, 0x0003)) == "080000")
    }

    // MARK: Errors

    func issues(_ yaml: String) -> [String] {
        do {
            _ = try SiteMapping.parse(yaml, file: "m.yaml")
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }

    @Test func unknownKeysNameTheClosestKnownKey() {
        let found = issues("""
        orm:
          rulez:
            - { tag: AccessionNumber, path: OBR-3 }
          policies:
            sps-id-polcy: generate
        omii: {}
        """)
        #expect(found.contains { $0.hasPrefix("m.yaml:2:3: orm.rulez: unknown key 'rulez' (did you mean 'rules'?)") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("m.yaml:5:5: orm.policies.sps-id-polcy: unknown key 'sps-id-polcy' (did you mean 'sps-id-policy'?)") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("m.yaml:6:1: omii: unknown key 'omii' (did you mean 'omi'?)") }, "\(found)")
        #expect(found.count == 3, "\(found)")
    }

    @Test func badTagsConversionsMapsAndPaths() {
        let found = issues("""
        both:
          rules:
            - tag: AccesionNumber
              path: OBR-3
            - tag: (0008,005)
              path: OBR-3
            - tag: StudyDescription
              path: OBR-4.2
              conversion: mapp priority
            - tag: StudyDescription
              path: OBR-4.2
              conversion: map prioritty
            - tag: PatientComments
              path: OBR 13
            - tag: RequestedProcedureDescription
              conversion: prefix
            - tag: ScheduledProcedureStepSequence
              path: OBR-4
            - tag: RequestedProcedureCodeSequence
              path: OBR-4
              conversion: text
            - tag: PatientComments
              conversion: text
            - tag: Modality
              scope: study
        """)
        #expect(found.contains { $0.hasPrefix("m.yaml:3:12: both.rules[0].tag: 'AccesionNumber' is neither a tag") && $0.contains("did you mean 'AccessionNumber'?") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("m.yaml:5:12: both.rules[1].tag: '(0008,005)' is neither a tag") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("m.yaml:9:19: both.rules[2].conversion: 'mapp' is not a conversion (did you mean 'map'?)") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("m.yaml:12:19: both.rules[3].conversion: unknown value map 'prioritty' (did you mean 'priority'?)") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("m.yaml:14:13: both.rules[4].path: 'OBR 13' is not an HL7 path") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("m.yaml:16:19: both.rules[5].conversion: 'prefix': prefix takes the number of characters") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("m.yaml:17:12: both.rules[6].tag: ScheduledProcedureStepSequence (0040,0100) cannot be mapped by a rule") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("m.yaml:21:19: both.rules[7].conversion: RequestedProcedureCodeSequence (0032,1064) is a sequence (SQ): use code") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("m.yaml:22:7: both.rules[8]: the ORM^O01 table has no rule for PatientComments (0010,4000) to change: give path, paths or default") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("m.yaml:25:14: both.rules[9].scope: 'study' is not a scope") }, "\(found)")
        #expect(found.count == 10, "\(found)")
    }

    @Test func removedAndMappedDuplicatesPoliciesAndValueMaps() {
        let found = issues("""
        orm:
          remove: [AccessionNumber, NotAKeyword]
          rules:
            - { tag: AccessionNumber, path: OBR-3 }
            - { tag: StudyDescription, path: OBR-4.2 }
            - { tag: StudyDescription, path: OBR-4.5 }
          value-maps:
            bad name: { A: B }
            nested: [A, B]
          defaults:
            station-ae-title: THIS-AE-TITLE-IS-TOO-LONG
            modality: ct
          policies:
            study-uid-policy: invent
            character-set: ISO_IR 999
            truncate-overlong-values: maybe
        """)
        #expect(found.contains { $0.hasPrefix("m.yaml:2:29: orm.remove[1]: 'NotAKeyword' is neither a tag") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("m.yaml:4:7: orm.rules[0].tag: AccessionNumber (0008,0050) is both removed and mapped") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("m.yaml:6:7: orm.rules[2].tag: another rule of this section already maps StudyDescription") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("m.yaml:8:5: orm.value-maps.bad name: 'bad name' is not a valid value map name") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("m.yaml:9:13: orm.value-maps.nested: expected the map's entries") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("m.yaml:11:23: orm.defaults.station-ae-title:") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("m.yaml:12:15: orm.defaults.modality: 'ct' is not a modality code") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("m.yaml:14:23: orm.policies.study-uid-policy: 'invent' is not one of reject, derive, generate") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("m.yaml:15:20: orm.policies.character-set: 'ISO_IR 999' is not a DICOM Specific Character Set term") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("m.yaml:16:31: orm.policies.truncate-overlong-values: expected true or false") }, "\(found)")
        #expect(found.count == 10, "\(found)")
    }

    @Test func yamlSyntaxAndFileErrors() throws {
        let syntax = issues("orm:\n  rules: [ { tag: AccessionNumber, path: OBR-3 }\n")
        #expect(syntax.count == 1 && syntax[0].hasPrefix("m.yaml:"), "\(syntax)")
        #expect(issues("") == ["m.yaml:1:1: the file is empty (expected a mapping)"])
        #expect(issues("- a\n- b\n").first?.hasPrefix("m.yaml:1:1: expected a mapping") == true)
        do {
            _ = try SiteMapping.load(file: "/nonexistent/site.yaml")
            Issue.record("a missing file loads")
        } catch {
            #expect(error.issues.map(\.description) == ["/nonexistent/site.yaml: cannot read the file"])
        }
        // A valid file on disk.
        let dir = try Peers.temporaryDirectory("site-mapping")
        try "both:\n  remove: [MedicalAlerts]\n".write(toFile: dir + "/ok.yaml", atomically: true, encoding: .utf8)
        #expect(try SiteMapping.load(file: dir + "/ok.yaml").both.removals == [Tag(0x0010, 0x2000)])
    }
}

/// The repository's example site mapping file maps the repository's example order.
@Suite struct ExampleSiteMappingTests {
    @Test func examplesMapTogether() throws {
        let examples = Peers.repositoryRoot.appendingPathComponent("Examples").path
        let site = try SiteMapping.load(file: examples + "/site-mapping.yaml")
        let text = try String(contentsOfFile: examples + "/orm-o01.hl7", encoding: .utf8)
        let item = try #require(try site.apply(to: OrderMapper()).map(try Message(text.replacingOccurrences(of: "\n", with: "\r"))).items.first)
        #expect(item.string(Tag(0x0008, 0x0080)) == "HOSPITAL")                                      // MSH-4.1, ORC-21 empty
        #expect(item.string(Tag(0x0008, 0x0050)) == "ACC0001")
        #expect(item.string(Tag(0x0040, 0x1400)) == nil)                                              // no OBR-13
        let step = try #require(item.items(Tag(0x0040, 0x0100))?.first?.dataSet)
        #expect(step.string(Tag(0x0040, 0x0011)) == "RAD")                                            // PV1-3.1
        #expect(step.string(Tag(0x0040, 0x0001)) == "CT01")                                           // ORC-18
        #expect(step.string(Tag(0x0008, 0x0060)) == "CT")
    }
}
