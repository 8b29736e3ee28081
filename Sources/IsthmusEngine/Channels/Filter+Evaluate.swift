// Evaluating a channel's declarative filter (docs/configuration.md, "Filters") against an HL7 message or a
// received DICOM instance.

import DICOM
import Foundation
import HL7

/// What a filter is evaluated against: an HL7 message, or a DICOM instance with its association's calling AE.
public enum FilterSubject {
    case hl7(Message)
    case dicom(dataSet: DataSet, sopClassUID: String, callingAETitle: String)
}

extension Filter {
    /// Whether the filter keeps this message. A condition on the other kind of message (an HL7 path for a DICOM
    /// instance) does not match; validation rejects such filters.
    public func matches(_ subject: FilterSubject) -> Bool {
        switch self {
        case .all(let fs): return fs.allSatisfy { $0.matches(subject) }
        case .any(let fs): return fs.contains { $0.matches(subject) }
        case .not(let f): return !f.matches(subject)
        case .condition(let c): return c.matches(subject)
        }
    }
}

extension Filter.Condition {
    /// The value tested: nil when absent or empty.
    func value(in subject: FilterSubject) -> String? {
        let v: String?
        switch (self.subject, subject) {
        case (.hl7(let path), .hl7(let m)): v = m.value(at: path)
        case (.dicomTag(let name), .dicom(let ds, _, _)):
            guard let tag = Tag(string: name) ?? Tag(keyword: name) else { return nil }
            v = ds.strings(tag)?.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "\\")
        case (.callingAETitle, .dicom(_, _, let ae)): v = ae.trimmingCharacters(in: .whitespaces)
        case (.sopClass, .dicom(_, let uid, _)): v = uid
        default: v = nil
        }
        guard let v, !v.isEmpty else { return nil }
        return v
    }

    public func matches(_ subject: FilterSubject) -> Bool {
        let v = value(in: subject)
        switch test {
        case .exists(let wanted): return (v != nil) == wanted
        case .equals(let expected): return v == expected
        case .oneOf(let list): return v.map(list.contains) ?? false
        case .matches(let pattern):
            guard let v, let regex = try? Regex(pattern) else { return false }
            return (try? regex.wholeMatch(in: v)) != nil
        }
    }
}
