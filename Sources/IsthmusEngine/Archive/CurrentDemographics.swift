// PS3.17 Patient Information Reconciliation (IHE RAD PIR): instances retrieved or forwarded carry the
// patient's current demographics (after updates, A08, and merges, A40) — Patient's Name (0010,0010),
// Patient ID (0010,0020), Issuer of Patient ID (0010,0021), Birth Date (0010,0030), Sex (0010,0040) —
// while the stored file keeps what was received. PS3.5 §6.1.2.5.3: values that the file's Specific
// Character Set cannot hold switch the instance to ISO_IR 192 (UTF-8).

import DICOM
import Foundation
import IsthmusStore

/// The top-level elements to set in a stored instance so that it carries its patient's current demographics.
enum CurrentDemographics {
    static let patientName = Tag(0x0010, 0x0010)
    static let patientID = Tag(0x0010, 0x0020)
    static let issuerOfPatientID = Tag(0x0010, 0x0021)
    static let birthDate = Tag(0x0010, 0x0030)
    static let sex = Tag(0x0010, 0x0040)
    static let specificCharacterSet = Tag(0x0008, 0x0005)

    /// The store's current record for the instance's patient key (following merges), nil when unknown.
    static func currentPatient(_ store: any Store, patientID: String?, issuer: String?) async -> StoredPatient? {
        guard let workflow = store as? any WorkflowStore, let id = patientID, !id.isEmpty else { return nil }
        return try? await workflow.currentPatient(PatientKey(id: id, issuer: issuer ?? ""))
    }

    /// Reads the file's header and returns the replacements, nil when the file already has the current values
    /// (or cannot be read: it is then sent, or fails, as stored).
    static func replacements(forFileAt path: String, current: StoredPatient) -> DataSet? {
        guard let header = try? DICOMFile.read(contentsOf: path, options: .headerOnly).dataSet else { return nil }
        return replacements(header: header, current: current)
    }

    /// The elements of `header` whose values differ from the current patient's, encoded in the header's
    /// character set; when one cannot be encoded in it, (0008,0005) becomes ISO_IR 192 and the replaced values
    /// and every other text element of the header holding non-ASCII bytes (top level and in sequence items
    /// without their own character set) are re-encoded in UTF-8. Attributes the record lacks are left as stored.
    static func replacements(header: DataSet, current: StoredPatient) -> DataSet? {
        var wanted: [(Tag, VR, String)] = [(patientID, .LO, current.key.id)]
        if !current.key.issuer.isEmpty || header.contains(issuerOfPatientID) {
            wanted.append((issuerOfPatientID, .LO, current.key.issuer))
        }
        for (tag, vr) in [(patientName, VR.PN), (birthDate, .DA), (sex, .CS)] {
            if let value = current.attributes.string(tag) { wanted.append((tag, vr, value)) }
        }
        let changed = wanted.filter { tag, _, value in
            trim(header.string(tag) ?? "") != trim(value) || !header.contains(tag)
        }.filter { tag, _, value in header.contains(tag) || !trim(value).isEmpty }
        guard !changed.isEmpty else { return nil }

        var out = DataSet(characterSet: header.characterSet)
        var needsUTF8 = false
        for (tag, vr, value) in changed {
            do {
                try out.set(tag, vr: vr, string: value)
            } catch where error.code == .characterSet {
                needsUTF8 = true
            } catch {
                continue  // too long for its VR: left as stored
            }
        }
        guard needsUTF8 else { return out.isEmpty ? nil : out }

        let utf8 = SpecificCharacterSet("ISO_IR 192")
        out = reencoded(header, to: utf8)
        out.characterSet = utf8
        for (tag, vr, value) in changed {
            try? out.set(tag, vr: vr, string: value)
        }
        out.set(DataElement(tag: specificCharacterSet, vr: .CS, bytes: Array("ISO_IR 192".utf8)))
        return out
    }

    /// The elements of `dataSet` that change when its text is re-encoded in `target`: text holding non-ASCII
    /// bytes, and sequences with such text in items that inherit the character set.
    static func reencoded(_ dataSet: DataSet, to target: SpecificCharacterSet) -> DataSet {
        var out = DataSet(characterSet: target)
        for e in dataSet where e.tag != specificCharacterSet {
            switch e.value {
            case .bytes(let raw) where e.vr.isString && e.vr.usesSpecificCharacterSet && raw.contains(where: { $0 >= 0x80 }):
                let text = dataSet.characterSet.decode(raw, vr: e.vr)
                guard var bytes = try? target.encode(text, vr: e.vr) else { continue }
                if bytes.count & 1 == 1 { bytes.append(e.vr.paddingByte) }
                out.set(DataElement(tag: e.tag, vr: e.vr, bytes: bytes))
            case .sequence(let items):
                var changed = false
                let newItems = items.map { item -> Item in
                    guard !item.dataSet.contains(specificCharacterSet) else { return item }
                    let changes = reencoded(item.dataSet, to: target)
                    guard !changes.isEmpty else { return item }
                    changed = true
                    var ds = item.dataSet
                    for c in changes { ds.set(c) }
                    ds.characterSet = target
                    return Item(dataSet: ds, hasUndefinedLength: item.hasUndefinedLength)
                }
                if changed { out.set(DataElement(tag: e.tag, vr: e.vr, value: .sequence(newItems), hasUndefinedLength: e.hasUndefinedLength)) }
            default:
                continue
            }
        }
        return out
    }

    static func trim(_ s: String) -> String {
        s.trimmingCharacters(in: CharacterSet(charactersIn: " \0"))
    }
}
