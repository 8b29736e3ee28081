import DICOM
import Foundation
import HL7
import IsthmusStore
import MLLP
import NIOCore
import Testing
import TestSupport

/// Study-stable notifications through `isthmus serve` (../shared/standards/hl7-dicom-mapping.md §4): an order makes a
/// worklist item, an ADT^A08 renames the patient, DCMTK `storescu` stores a study of three instances; once no instance
/// has arrived for `after` (1 s), the RIS's MLLP listener gets one ORU^R01 (its own message type) and a folder one
/// ORM^O01 (the section's), with the order's identifiers, the current name, the study UID and the count. A fourth
/// instance makes a second notification; a restart sends none again.
@Suite(.serialized) struct StudyStableServeTests {
    /// A CT instance of patient MRN1 (as the modality knew it), accession ACC1, in `study`.
    static func writeInstance(_ path: String, sop: String, study: String, series: String, number: Int) throws {
        var ds = DataSet()
        try ds.set(.sopClassUID, string: "1.2.840.10008.5.1.4.1.1.2")
        try ds.set(.sopInstanceUID, string: sop)
        try ds.set(Tag(0x0020, 0x000D), string: study)
        try ds.set(Tag(0x0020, 0x000E), string: series)
        try ds.set(.patientID, string: "MRN1")
        try ds.set(Tag(0x0010, 0x0021), string: "HOSP")
        try ds.set(.patientName, string: "DOE^JANE")
        try ds.set(Tag(0x0008, 0x0020), string: "20260305")
        try ds.set(Tag(0x0008, 0x0030), string: "103000")
        try ds.set(Tag(0x0008, 0x0050), string: "ACC1")
        try ds.set(Tag(0x0008, 0x0060), string: "CT")
        try ds.set(Tag(0x0020, 0x0013), integers: [number])
        try DICOMFile(dataSet: ds, transferSyntax: .explicitVRLittleEndian).write(toPath: path, sync: false)
    }

    func store(_ files: [String], port: Int) async throws {
        let r = try await Task.detached {
            try Peers.run(Peers.storescu, ["-aet", "CT01", "-aec", "ISTHMUS", "127.0.0.1", "\(port)"] + files, environment: Peers.dcmtkEnvironment)
        }.value
        #expect(r.status == 0, "\(r.stderr)")
    }

    /// Waits (up to 30 s) until the RIS has `count` messages; returns them.
    func wait(_ ris: RecordingListener, for count: Int) async throws -> [Message] {
        let end = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < end, ris.messages.withLockedValue({ $0.count }) < count {
            try await Task.sleep(for: .milliseconds(50))
        }
        return ris.messages.withLockedValue { $0 }
    }

    func value(_ m: Message, observation code: String) -> String? {
        let n = m.segments.filter { $0.id == "OBX" }.count
        guard n > 0 else { return nil }
        return (1 ... n).first { m.value(at: "OBX[\($0)]-3.1") == code }.flatMap { m.value(at: "OBX[\($0)]-5") }
    }

    @Test func stableStudyIsNotifiedOnceAgainAfterANewInstanceAndNotAfterARestart() async throws {
        guard haveIsthmus(), Peers.need("DCMTK storescu", Peers.available(Peers.storescu)),
              Peers.need("DCMTK findscu", Peers.available(Peers.findscu)) else { return }
        let ris = try await RecordingListener()
        defer { Task { await ris.stop() } }
        let data = try Peers.temporaryDirectory("serve-stable")
        let out = data + "/notifications"
        let config = data + "/isthmus.yaml"
        try """
        listeners:
          mllp: [ { name: orders, port: 0 } ]
          dicom: [ { name: scp, ae-title: ISTHMUS, port: 0 } ]
        peers:
          mllp: [ { name: ris, host: 127.0.0.1, port: \(ris.port) } ]
        workflow:
          study-stable:
            after: 1s
            message: ORM^O01
            to: [ { mllp: ris, message: ORU^R01 }, { folder: \(out) } ]
        """.write(toFile: config, atomically: true, encoding: .utf8)
        var server = try await ServeProcess.start(data: data, ["--config", config])
        defer { server.kill() }

        // The order, then the patient's new name.
        let client = MLLPClient(host: "127.0.0.1", port: server.mllpPort)
        #expect(try await client.send(try Message(WorkflowServeTests.order("O1"))).code == "AA")
        let a08 = "MSH|^~\\&|ADT|HOSP|ISTHMUS|HOSP|20260302090000||ADT^A08|A1|P|2.5.1||||||UNICODE UTF-8\rEVN|A08\rPID|||MRN1^^^HOSP^MR||SCHMIDT^RENÉE||19800214|F\r"
        #expect(try await client.send(try Message(a08)).code == "AA")
        await client.close()
        let items = try WorkflowServeTests().findWorklist(port: server.dicomPort, ["StudyInstanceUID", "ScheduledProcedureStepSequence[0].Modality=CT"])
        let study = try #require(items.first?.string(Tag(0x0020, 0x000D)))

        // Three instances in two series, one association.
        let files = try (1 ... 3).map { n -> String in
            let f = data + "/i\(n).dcm"
            try Self.writeInstance(f, sop: "\(study).\(n)", study: study, series: "\(study).\(n == 3 ? 2 : 1)0", number: n)
            return f
        }
        try await store(files, port: server.dicomPort)

        var messages = try await wait(ris, for: 1)
        #expect(messages.count == 1)
        let first = try #require(messages.first)
        #expect(first["MSH-9.1"] == "ORU" && first["MSH-9.2"] == "R01" && first["MSH-12"] == "2.5.1")
        #expect(first["ORC-1"] == "SC" && first["ORC-5"] == "CM" && first["OBR-25"] == "R")
        #expect(first["ORC-2"] == "PLC1" && first["ORC-3"] == "FIL1" && first["OBR-2"] == "PLC1")
        #expect(first["OBR-18"] == "ACC1" && first["OBR-19"] == "RP1" && first["OBR-20"] == "SPS1" && first["OBR-24"] == "CT")
        #expect(first["OBR-7"] == "20260305103000")
        #expect(first["PID-3.1"] == "MRN1" && first["PID-3.4"] == "HOSP")
        #expect(first["PID-5.1"] == "SCHMIDT" && first["PID-5.2"] == "RENÉE")  // the current name, not the files'
        #expect(value(first, observation: "113014") == study)
        #expect(value(first, observation: "NUMINST") == "3" && value(first, observation: "NUMSER") == "2")

        // The folder destination got the section's type, ORM^O01, with the study in ZDS-1.
        let end = ContinuousClock.now + .seconds(30)
        var written: [String] = []
        while ContinuousClock.now < end {
            written = ((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []).filter { $0.hasSuffix(".hl7") }
            if !written.isEmpty { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(written.count == 1)
        if let name = written.first {
            let orm = try Message(Array(try Data(contentsOf: URL(fileURLWithPath: out + "/" + name))))
            #expect(orm["MSH-9.1"] == "ORM" && orm["ORC-5"] == "CM" && orm["ZDS-1.1"] == study && orm["OBR-18"] == "ACC1")
        }

        // A fourth instance: a second notification, with four instances.
        let fourth = data + "/i4.dcm"
        try Self.writeInstance(fourth, sop: "\(study).4", study: study, series: "\(study).20", number: 4)
        try await store([fourth], port: server.dicomPort)
        messages = try await wait(ris, for: 2)
        #expect(messages.count == 2)
        if messages.count == 2 {
            #expect(value(messages[1], observation: "113014") == study && value(messages[1], observation: "NUMINST") == "4")
            #expect(messages[1]["MSH-10"] != first["MSH-10"])
        }
        #expect(server.terminate() == 0, "\(server.stderr)")

        // Restart: nothing is sent again. Another study's notification (its last instance is newer, so it is
        // notified after any older pending study) is the only new message.
        server = try await ServeProcess.start(data: data, ["--config", config])
        let other = study + ".9"
        let fifth = data + "/i5.dcm"
        try Self.writeInstance(fifth, sop: "\(other).1", study: other, series: "\(other).1", number: 1)
        try await store([fifth], port: server.dicomPort)
        messages = try await wait(ris, for: 3)
        #expect(messages.count == 3)
        #expect(messages.dropFirst(2).map { value($0, observation: "113014") } == [other])
        #expect(server.terminate() == 0, "\(server.stderr)")

        // The journal holds the three notifications (two messages each: ORU for the RIS, ORM for the folder).
        let store = try SQLiteStore(path: data + "/isthmus.sqlite", contentDirectory: data + "/content")
        let journal = try await store.listMessages(channel: "workflow", limit: 0)
        #expect(journal.count == 6)
        #expect(Set(journal.map(\.messageType)) == ["ORU^R01", "ORM^O01"])
        try await store.close()
    }
}
