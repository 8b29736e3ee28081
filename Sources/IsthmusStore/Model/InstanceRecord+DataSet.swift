// PS3.4 C.6.1.1.2–C.6.1.1.5: the Patient, Study, Series and Composite Object Instance level keys
// indexed for queries; PS3.10 7.1: the transfer syntax from the file meta information.
import DICOM
import Foundation

/// Why a data set cannot be indexed.
public struct InstanceIndexError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The required attribute that is missing or empty.
    public let missing: Tag
    public init(missing: Tag) { self.missing = missing }
    public var description: String {
        "cannot index the instance: required attribute \(missing) (\(missing.keyword ?? "?")) is missing or empty"
    }
}

private enum IndexTag {
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
}

extension InstanceRecord {
    /// Reads the index attributes from a data set (with the DICOM target's typed accessors).
    /// Study, Series and SOP Instance UIDs and the SOP Class UID are required.
    public init(
        dataSet ds: DataSet, transferSyntaxUID: String, path: String, size: Int64, callingAE: String? = nil, receivedAt: Date = Date()
    ) throws(InstanceIndexError) {
        func text(_ tag: Tag) -> String? {
            guard let s = ds.string(tag)?.trimmingCharacters(in: .whitespaces), !s.isEmpty else { return nil }
            return s
        }
        func required(_ tag: Tag) throws(InstanceIndexError) -> String {
            guard let s = text(tag) else { throw InstanceIndexError(missing: tag) }
            return s
        }
        let modality = text(IndexTag.modality)
        var modalities = (ds.strings(IndexTag.modalitiesInStudy) ?? []).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if modalities.isEmpty, let modality { modalities = [modality] }
        self.init(
            path: path,
            patientID: text(.patientID),
            issuerOfPatientID: text(IndexTag.issuerOfPatientID),
            patientName: text(.patientName),
            patientBirthDate: text(IndexTag.patientBirthDate),
            patientSex: text(IndexTag.patientSex),
            studyInstanceUID: try required(IndexTag.studyInstanceUID),
            studyDate: text(IndexTag.studyDate),
            studyTime: text(IndexTag.studyTime),
            accessionNumber: text(IndexTag.accessionNumber),
            studyDescription: text(IndexTag.studyDescription),
            studyID: text(IndexTag.studyID),
            modalitiesInStudy: modalities,
            seriesInstanceUID: try required(IndexTag.seriesInstanceUID),
            seriesNumber: ds.int(IndexTag.seriesNumber),
            modality: modality,
            sopClassUID: try required(.sopClassUID),
            sopInstanceUID: try required(.sopInstanceUID),
            instanceNumber: ds.int(IndexTag.instanceNumber),
            transferSyntaxUID: transferSyntaxUID,
            size: size,
            callingAE: callingAE,
            receivedAt: receivedAt)
    }

    /// Reads the index attributes of a Part 10 file (its data set and transfer syntax).
    public init(file: DICOMFile, path: String, size: Int64, callingAE: String? = nil, receivedAt: Date = Date()) throws(InstanceIndexError) {
        try self.init(dataSet: file.dataSet, transferSyntaxUID: file.transferSyntax.uid, path: path, size: size, callingAE: callingAE, receivedAt: receivedAt)
    }
}
