// PS3.4 C.6.1.1 (Patient Root) and C.6.2.1 (Study Root): the Query/Retrieve levels, their unique keys and the
// attributes the archive index holds at each level; PS3.4 C.3.2–C.3.4: the optional aggregate keys (Number of
// Patient/Study/Series Related …, Modalities in Study) computed over the index.

import DICOM
import DICOMNetwork
import IsthmusStore

/// A Query/Retrieve level of the archive.
enum ArchiveLevel: Int, Comparable, Sendable {
    case patient, study, series, image

    static func < (a: ArchiveLevel, b: ArchiveLevel) -> Bool { a.rawValue < b.rawValue }

    /// The level named by (0008,0052) for a model: PATIENT only in Patient Root. Nil when missing or unknown.
    init?(identifier: DataSet, patientRoot: Bool) {
        switch QueryText.trim(identifier.string(ArchiveTag.queryRetrieveLevel) ?? "").uppercased() {
        case "PATIENT" where patientRoot: self = .patient
        case "STUDY": self = .study
        case "SERIES": self = .series
        case "IMAGE": self = .image
        default: return nil
        }
    }

    /// The attributes of the index at this level (not the levels above), with their VRs.
    var indexedAttributes: [(Tag, VR)] {
        switch self {
        case .patient:
            [(.patientName, .PN), (.patientID, .LO), (ArchiveTag.issuerOfPatientID, .LO), (ArchiveTag.patientBirthDate, .DA),
             (ArchiveTag.patientSex, .CS)]
        case .study:
            [(ArchiveTag.studyInstanceUID, .UI), (ArchiveTag.studyDate, .DA), (ArchiveTag.studyTime, .TM), (ArchiveTag.accessionNumber, .SH),
             (ArchiveTag.studyDescription, .LO), (ArchiveTag.studyID, .SH), (ArchiveTag.modalitiesInStudy, .CS)]
        case .series:
            [(ArchiveTag.seriesInstanceUID, .UI), (ArchiveTag.seriesNumber, .IS), (ArchiveTag.modality, .CS)]
        case .image:
            [(.sopClassUID, .UI), (.sopInstanceUID, .UI), (ArchiveTag.instanceNumber, .IS)]
        }
    }

    /// The aggregate keys answered at this level (PS3.4 Tables C.6-1, C.6-2, C.6-3, C.6-5, C.6-6).
    var aggregateAttributes: [Tag] {
        switch self {
        case .patient: [ArchiveTag.patientRelatedStudies, ArchiveTag.patientRelatedSeries, ArchiveTag.patientRelatedInstances]
        case .study: [ArchiveTag.studyRelatedSeries, ArchiveTag.studyRelatedInstances]
        case .series: [ArchiveTag.seriesRelatedInstances]
        case .image: []
        }
    }

    /// Tags a query at this level can match on: the indexed attributes of this level and the levels above, and the
    /// aggregates of this level.
    var matchableTags: Set<Tag> {
        var tags = Set(aggregateAttributes)
        for l in [ArchiveLevel.patient, .study, .series, .image] where l <= self {
            for (t, _) in l.indexedAttributes { tags.insert(t) }
        }
        return tags
    }

    /// The key that makes one response at this level: patient identity, study, series or SOP instance.
    func groupKey(_ r: InstanceRecord) -> String {
        switch self {
        case .patient: (r.patientID ?? "") + "\u{0}" + (r.issuerOfPatientID ?? "")
        case .study: r.studyInstanceUID
        case .series: r.seriesInstanceUID
        case .image: r.sopInstanceUID
        }
    }
}

enum ArchiveTag {
    static let queryRetrieveLevel = Tag(0x0008, 0x0052)
    static let retrieveAETitle = Tag(0x0008, 0x0054)
    static let issuerOfPatientID = Tag(0x0010, 0x0021)
    static let patientBirthDate = Tag(0x0010, 0x0030)
    static let patientSex = Tag(0x0010, 0x0040)
    static let studyInstanceUID = Tag(0x0020, 0x000D)
    static let studyDate = Tag(0x0008, 0x0020)
    static let studyTime = Tag(0x0008, 0x0030)
    static let accessionNumber = Tag(0x0008, 0x0050)
    static let studyDescription = Tag(0x0008, 0x1030)
    static let studyID = Tag(0x0020, 0x0010)
    static let modalitiesInStudy = Tag(0x0008, 0x0061)
    static let seriesInstanceUID = Tag(0x0020, 0x000E)
    static let seriesNumber = Tag(0x0020, 0x0011)
    static let modality = Tag(0x0008, 0x0060)
    static let instanceNumber = Tag(0x0020, 0x0013)
    static let patientRelatedStudies = Tag(0x0020, 0x1200)
    static let patientRelatedSeries = Tag(0x0020, 0x1202)
    static let patientRelatedInstances = Tag(0x0020, 0x1204)
    static let studyRelatedSeries = Tag(0x0020, 0x1206)
    static let studyRelatedInstances = Tag(0x0020, 0x1208)
    static let seriesRelatedInstances = Tag(0x0020, 0x1209)
}

enum QueryText {
    /// Without leading spaces and trailing spaces/NULs (the padding of a DICOM text value).
    static func trim(_ s: String) -> String {
        var t = Substring(s)
        while t.last == " " || t.last == "\0" { t = t.dropLast() }
        while t.first == " " { t = t.dropFirst() }
        return String(t)
    }
}

extension InstanceRecord {
    /// The value of an indexed attribute, as text (nil when the index has none).
    func values(_ tag: Tag) -> [String]? {
        let v: String?
        switch tag {
        case .patientName: v = patientName
        case .patientID: v = patientID
        case ArchiveTag.issuerOfPatientID: v = issuerOfPatientID
        case ArchiveTag.patientBirthDate: v = patientBirthDate
        case ArchiveTag.patientSex: v = patientSex
        case ArchiveTag.studyInstanceUID: v = studyInstanceUID
        case ArchiveTag.studyDate: v = studyDate
        case ArchiveTag.studyTime: v = studyTime
        case ArchiveTag.accessionNumber: v = accessionNumber
        case ArchiveTag.studyDescription: v = studyDescription
        case ArchiveTag.studyID: v = studyID
        case ArchiveTag.modalitiesInStudy: return modalitiesInStudy.isEmpty ? nil : modalitiesInStudy
        case ArchiveTag.seriesInstanceUID: v = seriesInstanceUID
        case ArchiveTag.seriesNumber: v = seriesNumber.map(String.init)
        case ArchiveTag.modality: v = modality
        case .sopClassUID: v = sopClassUID
        case .sopInstanceUID: v = sopInstanceUID
        case ArchiveTag.instanceNumber: v = instanceNumber.map(String.init)
        default: v = nil
        }
        return v.map { [$0] }
    }

    /// The record as a data set of the attributes at `level` and above (UTF-8, ISO_IR 192, when a value is not ASCII).
    /// A value that cannot be encoded for its VR is left out.
    func dataSet(at level: ArchiveLevel) -> DataSet {
        var pairs: [(Tag, VR, [String])] = []
        for l in [ArchiveLevel.patient, .study, .series, .image] where l <= level {
            for (tag, vr) in l.indexedAttributes {
                if let v = values(tag) { pairs.append((tag, vr, v)) }
            }
        }
        var ds = DataSet()
        if pairs.contains(where: { $0.2.contains { !$0.allSatisfy(\.isASCII) } }) {
            try? ds.set(.specificCharacterSet, vr: .CS, string: "ISO_IR 192")
        }
        for (tag, vr, v) in pairs { try? ds.set(tag, vr: vr, strings: v) }
        return ds
    }
}
