// The workflow's HL7 destinations in the configuration (docs/configuration.md, `workflow`): `status-to` and
// `study-stable.to` entries are destinations with an optional `message:` type of their own
// (../shared/standards/hl7-dicom-mapping.md §4: the type is chosen per destination).

import Mapping
import Yams

extension ConfigurationReader {
    /// A destination with an optional `message:` (ORM^O01, OMI^O23, OMG^O19, ORU^R01), recorded in `types` by name.
    func workflowDestination(_ m: MappingReader, types: inout [String: StatusMessageType]) -> Destination? {
        let type = m.choice("message", StatusMessageType.self)
        guard let d = destination(m, channel: "workflow") else { return nil }
        if let type { types[d.name] = type }
        return d
    }

    /// `study-stable: { after: 60s, message: ORU^R01, to: [ … ] }`.
    func studyStable(_ m: MappingReader, defaultType: StatusMessageType) -> StudyStableSettings {
        var s = StudyStableSettings(messageType: defaultType)
        if let after = m.duration("after") { s.after = after }
        if let t = m.choice("message", StatusMessageType.self) { s.messageType = t }
        var types: [String: StatusMessageType] = [:]
        s.destinations = m.list("to") { workflowDestination($0, types: &types) }
        s.messageTypes = types
        if !m.has("to") {
            m.missing("to")
        } else if s.destinations.isEmpty && (m.node("to")?.sequence?.isEmpty == true || m.node("to").map(MappingReader.isNull) == true) {
            m.report("to", "study-stable needs at least one destination")
        }
        m.finish()
        return s
    }

    /// Study-stable destinations: HL7 peers that exist, and no name that a status destination uses for another
    /// destination (both queue as `workflow/NAME`).
    func checkStudyStable(_ c: Configuration, _ top: MappingReader) {
        guard let s = c.workflow.studyStable else { return }
        let nodes = top.nodes(at: ["workflow", "study-stable", "to"])
        var seen: [String: Destination] = [:]
        for d in c.workflow.statusDestinations where seen[d.name] == nil { seen[d.name] = d }
        var own: Set<String> = []
        for (j, d) in s.destinations.enumerated() {
            let dn = nodes[safe: j], dp = "workflow.study-stable.to[\(j)]"
            switch d.kind {
            case .mllp(let peer):
                if !c.mllpPeers.contains(where: { $0.name == peer }) { report(dn?["mllp"] ?? dn, dp + ".mllp", "no MLLP peer is named '\(peer)'") }
            case .dicom: report(dn, dp, "study-stable notifications are HL7: send them to an MLLP peer, a folder or an HTTP URL")
            case .folder, .http: break
            }
            if !own.insert(d.name).inserted {
                report(dn, dp, "another study-stable destination is named '\(d.name)' (give one a name:)")
            } else if let other = seen[d.name], other != d {
                report(dn, dp, "workflow.status-to has another destination named '\(d.name)' (both queue as workflow/\(d.name); give one a name:)")
            }
        }
    }
}
