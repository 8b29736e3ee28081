import IsthmusEngine
import Mapping
import Testing

/// `workflow.status-to` and `workflow.study-stable`: message types per destination, and located errors.
@Suite struct ConfigurationWorkflowTests {
    let peers = """
    peers:
      mllp: [ { name: ris, host: 127.0.0.1, port: 2576 }, { name: lab, host: 127.0.0.1, port: 2577 } ]

    """

    @Test func exampleHasStudyStable() throws {
        let c = try ConfigurationLoader.parse(Configuration.exampleYAML, file: "example.yaml")
        #expect(c.workflow.statusMessageType == .orm && c.workflow.statusMessageType(for: "ris") == .omi)
        let s = try #require(c.workflow.studyStable)
        #expect(s.after == .seconds(60) && s.messageType == .oru && s.messageType(for: "ris") == .oru)
        #expect(s.pollInterval == .seconds(5))
        // One queue for the RIS, shared by status and study-stable messages.
        #expect(c.workflow.deliveryDestinations.map(\.name) == ["ris"])
    }

    @Test func messageTypesPerDestination() throws {
        let c = try ConfigurationLoader.parse(peers + """
        workflow:
          status-message: OMG^O19
          status-to: [ { mllp: ris, message: ORU^R01 }, { mllp: lab }, { folder: /tmp/st, message: OMI^O23 } ]
          study-stable: { after: 1s, to: [ { mllp: ris }, { folder: /tmp/ss, name: stable-files, message: ORM^O01 } ] }
        """, file: "w.yaml")
        #expect(c.workflow.statusDestinations.map(\.name) == ["ris", "lab", "folder"])
        #expect(["ris", "lab", "folder"].map { c.workflow.statusMessageType(for: $0) } == [.oru, .omg, .omi])
        let s = try #require(c.workflow.studyStable)
        // The section's type defaults to status-message; the poll interval is a quarter of `after`.
        #expect(s.after == .seconds(1) && s.messageType == .omg && s.pollInterval == .milliseconds(250))
        #expect(s.messageType(for: "ris") == .omg && s.messageType(for: "stable-files") == .orm)
        #expect(c.workflow.deliveryDestinations.map(\.name) == ["ris", "lab", "folder", "stable-files"])
    }

    @Test func studyStableErrorsAreLocated() {
        let yaml = peers + """
        workflow:
          status-to: [ { folder: /tmp/a } ]
          study-stable:
            after: soon
            message: ADT^A08
            to:
              - dicom: pacs
              - mllp: ghost
              - folder: /tmp/b
        """
        do {
            _ = try ConfigurationLoader.parse(yaml, file: "s.yaml")
            Issue.record("accepted a bad file")
        } catch {
            let text = error.issues.map(\.description)
            #expect(text.contains { $0.hasPrefix("s.yaml:6:12: workflow.study-stable.after: expected a duration") }, "\(text)")
            #expect(text.contains { $0.hasPrefix("s.yaml:7:14: workflow.study-stable.message: 'ADT^A08' is not one of ORM^O01, OMI^O23, OMG^O19, ORU^R01") }, "\(text)")
            #expect(text.contains { $0.hasPrefix("s.yaml:9:9: workflow.study-stable.to[0]: study-stable notifications are HL7") }, "\(text)")
            #expect(text.contains("s.yaml:10:15: workflow.study-stable.to[1].mllp: no MLLP peer is named 'ghost'"), "\(text)")
            #expect(text.contains { $0.hasPrefix("s.yaml:11:9: workflow.study-stable.to[2]: workflow.status-to has another destination named 'folder'") }, "\(text)")
            #expect(error.issues.count == 5, "\(text)")
        }
        do {
            _ = try ConfigurationLoader.parse(peers + "workflow:\n  study-stable: { after: 5s }\n", file: "t.yaml")
            Issue.record("accepted study-stable without destinations")
        } catch {
            #expect(error.issues.map(\.description).contains { $0.contains("workflow.study-stable.to: missing required key 'to'") }, "\(error.issues)")
        }
    }
}
