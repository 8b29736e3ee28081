import HL7
import IsthmusEngine
import Testing

/// The YAML configuration: what it reads, and the located errors it gives for what it cannot.
@Suite struct ConfigurationTests {
    @Test func exampleValidates() throws {
        let c = try ConfigurationLoader.parse(Configuration.exampleYAML, file: "example.yaml")
        #expect(c.mllpListeners.map(\.name) == ["adt-in", "orders-in"])
        #expect(c.mllpListeners[0].maximumFrameSize == 16 << 20)
        #expect(c.mllpListeners[0].idleTimeout == .seconds(300))
        #expect(c.dicomListeners.first?.allowedCallingAETitles == ["CT01", "MR01"])
        #expect(c.channels.map(\.name) == ["adt-to-ris", "orders", "ct-to-pacs"])
        #expect(c.channels[1].destinations.map(\.name) == ["ris", "lab", "archive", "webhook"])
        #expect(c.channels[0].transforms.count == 4)
        #expect(c.retention.maximumAge == .seconds(30 * 86400))
        #expect(c.retention.maximumSize == 50_000_000_000)
        #expect(c.retention.journalMaximumSize == 2_000_000_000)
        #expect(c.retention.interval == .seconds(3600))
        #expect(c.duplicates.hl7Window == .seconds(86400))
        #expect(c.duplicates.sopInstance == .ignore)
    }

    @Test func minimalFileGetsDefaults() throws {
        let c = try ConfigurationLoader.parse("listeners:\n  mllp:\n    - name: in\n      port: 0\n", file: "m.yaml")
        #expect(c.mllpListeners == [MLLPListener(name: "in", port: 0)])
        #expect(c.data.directory == "./isthmus-data")
        #expect(c.dicomListeners.isEmpty && c.channels.isEmpty)
    }

    /// Every problem is reported, each at its own line and column with its key path.
    @Test func errorsNameLineColumnAndKey() {
        let yaml = """
        data:
          directory: /tmp/x
        listeners:
          mllp:
            - name: adt
              prot: 2575
            - name: orders
              port: abc
          dicom:
            - name: scp
              port: 70000
        channels:
          - name: c1
            source: nowhere
            destinations:
              - mllp: ghost
        retention:
          max-age: soon
        """
        do {
            _ = try ConfigurationLoader.parse(yaml, file: "bad.yaml")
            Issue.record("accepted a bad file")
        } catch {
            let text = error.issues.map(\.description)
            // unknown key (a typo, with a hint) and the missing port it causes
            #expect(text.contains { $0.hasPrefix("bad.yaml:6:7: listeners.mllp[0].prot: unknown key 'prot' (did you mean 'port'?)") }, "\(text)")
            #expect(text.contains("bad.yaml:5:7: listeners.mllp[0].port: missing required key 'port'"), "\(text)")
            // wrong type
            #expect(text.contains("bad.yaml:8:13: listeners.mllp[1].port: expected a whole number, found 'abc'"), "\(text)")
            // missing field, and a port out of range
            #expect(text.contains("bad.yaml:10:7: listeners.dicom[0].ae-title: missing required key 'ae-title'"), "\(text)")
            #expect(text.contains { $0.hasPrefix("bad.yaml:11:13: listeners.dicom[0].port: port 70000 is out of range") }, "\(text)")
            // cross references
            #expect(text.contains("bad.yaml:14:13: channels[0].source: no listener is named 'nowhere'"), "\(text)")
            #expect(text.contains("bad.yaml:16:15: channels[0].destinations[0].mllp: no MLLP peer is named 'ghost'"), "\(text)")
            #expect(text.contains { $0.hasPrefix("bad.yaml:18:12: retention.max-age: expected a duration") }, "\(text)")
            #expect(error.issues.count == 8, "\(text)")
        }
    }

    @Test func yamlSyntaxErrorIsLocated() {
        do {
            _ = try ConfigurationLoader.parse("listeners:\n  mllp: [\n", file: "s.yaml")
            Issue.record("accepted broken YAML")
        } catch {
            #expect(error.issues.count == 1)
            #expect(error.issues[0].line >= 2, "\(error)")
            #expect(error.issues[0].description.hasPrefix("s.yaml:"), "\(error)")
        }
    }

    @Test func filtersAndTransformsAreValidated() {
        let yaml = """
        listeners:
          mllp:
            - { name: in, port: 0 }
        channels:
          - name: c
            source: in
            filter:
              all:
                - { path: 3-PID, equals: x }
                - { path: MSH-9.1, matches: "(" }
                - { path: MSH-9.1 }
                - { tag: NotAKeyword, exists: true }
            transform:
              - { set: { path: MSH-5 } }
              - { frobnicate: 1 }
            destinations:
              - folder: /tmp/out
        """
        do {
            _ = try ConfigurationLoader.parse(yaml, file: "f.yaml")
            Issue.record("accepted a bad filter")
        } catch {
            let text = error.issues.map(\.description)
            #expect(text.contains { $0.hasPrefix("f.yaml:9:19: channels[0].filter.all[0].path: '3-PID' is not an HL7 path") }, "\(text)")
            #expect(text.contains { $0.hasPrefix("f.yaml:10:37: channels[0].filter.all[1].matches: '(' is not a valid regular expression") }, "\(text)")
            #expect(text.contains("f.yaml:11:11: channels[0].filter.all[2]: a condition needs exactly one of equals, in, matches, exists"), "\(text)")
            #expect(text.contains { $0.hasPrefix("f.yaml:12:18: channels[0].filter.all[3].tag: 'NotAKeyword' is neither") }, "\(text)")
            #expect(text.contains { $0.hasPrefix("f.yaml:8:7: channels[0].filter: a DICOM condition") }, "\(text)")
            #expect(text.contains("f.yaml:14:16: channels[0].transform[0].set.value: missing required key 'value'"), "\(text)")
            #expect(text.contains { $0.hasPrefix("f.yaml:15:9: channels[0].transform[1]: a transform step is exactly one of") }, "\(text)")
        }
    }

    @Test func durationsAndSizes() throws {
        let c = try ConfigurationLoader.parse("""
        retention: { max-age: 90m, max-size: 512MiB }
        duplicates: { hl7-window: 30, sop-instance: reject }
        """, file: "d.yaml")
        #expect(c.retention.maximumAge == .seconds(5400))
        #expect(c.retention.maximumSize == 512 << 20)
        #expect(c.duplicates.hl7Window == .seconds(30))
        #expect(c.duplicates.sopInstance == .reject)
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.parse("duplicates: { sop-instance: keep }", file: "d.yaml") }
    }

    @Test func hl7FilterEvaluation() throws {
        let yaml = """
        listeners: { mllp: [ { name: in, port: 0 } ] }
        channels:
          - name: adt
            source: in
            filter:
              all:
                - { path: MSH-9.1, equals: ADT }
                - { path: MSH-9.2, in: [A01, A08] }
                - not: { path: PID-3.1, matches: "TEST.*" }
            destinations: [ { folder: /tmp/a } ]
          - name: everything
            source: in
            destinations: [ { folder: /tmp/b, name: all } ]
        """
        let c = try ConfigurationLoader.parse(yaml, file: "r.yaml")
        let router = ChannelRouter(channels: c.channels)
        func routed(_ er7: String) throws -> [String] {
            router.channels(from: "in", keeping: .hl7(try Message(er7))).map(\.name)
        }
        #expect(try routed("MSH|^~\\&|A|B|C|D|20260101||ADT^A01|1|P|2.5\rPID|1||P1\r") == ["adt", "everything"])
        #expect(try routed("MSH|^~\\&|A|B|C|D|20260101||ADT^A02|2|P|2.5\rPID|1||P1\r") == ["everything"])
        #expect(try routed("MSH|^~\\&|A|B|C|D|20260101||ADT^A08|3|P|2.5\rPID|1||TEST9\r") == ["everything"])
        #expect(ChannelRouter.deliveries(for: c.channels).map(\.destination) == ["adt/folder", "everything/all"])
    }
}
