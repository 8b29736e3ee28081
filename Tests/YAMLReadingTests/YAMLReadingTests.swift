import Testing
import Yams
import YAMLReading

/// The located YAML reading shared by the configuration and the site mapping files: issues carry the file, line,
/// column and key path; unknown keys name the closest known one.
@Suite struct YAMLReadingTests {
    @Test func typedValuesAndLocatedIssues() throws {
        let reader = YAMLDocumentReader(file: "t.yaml")
        let root = try reader.compose("""
        name: box
        port: 70000
        wait: 5m
        size: 2 MiB
        enabled: yes-please
        items: [a, b]
        porrt: 1
        """)
        let top = try #require(YAMLMappingReader(root, "", reader))
        #expect(top.string("name") == "box")
        #expect(top.port("port") == nil)
        #expect(top.duration("wait") == .seconds(300))
        #expect(top.size("size") == 2 << 20)
        #expect(top.bool("enabled") == nil)
        #expect(top.stringList("items") == ["a", "b"])
        top.finish()
        #expect(reader.issues.map(\.description) == [
            "t.yaml:2:7: port: port 70000 is out of range (0–65535; 0 picks a free port)",
            "t.yaml:5:10: enabled: expected true or false, found 'yes-please'",
            "t.yaml:7:1: porrt: unknown key 'porrt' (did you mean 'port'?); known here: enabled, items, name, port, size, wait",
        ])
    }

    @Test func syntaxErrorsAndEmptyDocuments() {
        let reader = YAMLDocumentReader(file: "bad.yaml")
        #expect(throws: ConfigurationError.self) { try reader.compose("a: [1, 2\n") }
        do {
            _ = try reader.compose("")
        } catch {
            #expect(error.issues.map(\.description) == ["bad.yaml:1:1: the file is empty (expected a mapping)"])
        }
        do {
            _ = try YAMLDocumentReader.text(ofFile: "/nonexistent/x.yaml")
        } catch {
            #expect(error.issues.map(\.description) == ["/nonexistent/x.yaml: cannot read the file"])
        }
    }

    @Test func closestWordsAndParsers() {
        #expect(YAMLMappingReader.distance("kitten", "sitting") == 3)
        #expect(YAMLMappingReader.closest("rulez", in: ["rules", "remove", "policies"]) == "rules")
        #expect(YAMLMappingReader.closest("zzzzzz", in: ["rules"]) == nil)
        #expect(YAMLMappingReader.parseDuration("500ms") == .milliseconds(500))
        #expect(YAMLMappingReader.parseSize("3 KB") == 3000)
        #expect(YAMLDocumentReader.isValidAETitle("CT01") && !YAMLDocumentReader.isValidAETitle("A\\B"))
    }
}
