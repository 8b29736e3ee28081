import DICOM
import Foundation
import IsthmusStore

/// Worklist item, patient and MPPS data sets for the workflow tests (built with the DICOM
/// target's setters, as the Mapping target builds them).
enum Workflow {
    static func item(
        accession: String = "ACC1", rp: String = "RP1", sps: String = "SPS1", patient: String = "P1", issuer: String = "HOSP",
        name: String = "DOE^JANE", station: String = "CT1", modality: String = "CT", date: String = "20260301", time: String = "090000",
        status: String? = "SCHEDULED", study: String = "1.2.826.0.1.3680043.10.1472.99.1", characterSet: String? = nil
    ) throws -> DataSet {
        var ds = DataSet(characterSet: characterSet.map { SpecificCharacterSet($0) } ?? .default)
        if let characterSet { try ds.set(.specificCharacterSet, vr: .CS, string: characterSet) }
        try ds.set(.patientID, vr: .LO, string: patient)
        if !issuer.isEmpty { try ds.set(Tag(0x0010, 0x0021), vr: .LO, string: issuer) }
        try ds.set(.patientName, vr: .PN, string: name)
        try ds.set(Tag(0x0010, 0x0030), vr: .DA, string: "19700101")
        try ds.set(Tag(0x0010, 0x0040), vr: .CS, string: "F")
        if !accession.isEmpty { try ds.set(Tag(0x0008, 0x0050), vr: .SH, string: accession) }
        try ds.set(Tag(0x0040, 0x1001), vr: .SH, string: rp)
        try ds.set(Tag(0x0020, 0x000D), vr: .UI, string: study)
        var step = DataSet(characterSet: ds.characterSet)
        if !station.isEmpty { try step.set(Tag(0x0040, 0x0001), vr: .AE, string: station) }
        try step.set(Tag(0x0040, 0x0002), vr: .DA, string: date)
        try step.set(Tag(0x0040, 0x0003), vr: .TM, string: time)
        if !modality.isEmpty { try step.set(Tag(0x0008, 0x0060), vr: .CS, string: modality) }
        try step.set(Tag(0x0040, 0x0009), vr: .SH, string: sps)
        if let status { try step.set(Tag(0x0040, 0x0020), vr: .CS, string: status) }
        ds.set(Tag(0x0040, 0x0100), items: [Item(dataSet: step)])
        return ds
    }

    static func key(_ accession: String = "ACC1", _ rp: String = "RP1", _ sps: String = "SPS1") -> WorklistKey {
        WorklistKey(accessionNumber: accession, requestedProcedureID: rp, scheduledProcedureStepID: sps)
    }

    /// SPS Status inside the stored data set.
    static func stepStatus(_ ds: DataSet) -> String? {
        ds.items(Tag(0x0040, 0x0100))?.first?.dataSet.string(Tag(0x0040, 0x0020))
    }

    static func patient(_ id: String, issuer: String = "HOSP", name: String, birthDate: String = "19700101", sex: String = "F") throws -> DataSet {
        var ds = DataSet()
        try ds.set(.patientID, vr: .LO, string: id)
        if !issuer.isEmpty { try ds.set(Tag(0x0010, 0x0021), vr: .LO, string: issuer) }
        try ds.set(.patientName, vr: .PN, string: name)
        try ds.set(Tag(0x0010, 0x0030), vr: .DA, string: birthDate)
        try ds.set(Tag(0x0010, 0x0040), vr: .CS, string: sex)
        return ds
    }

    static func mpps(patient: String = "P1", issuer: String = "HOSP", study: String = "1.2.826.0.1.3680043.10.1472.99.1", status: String = "IN PROGRESS") throws -> DataSet {
        var ds = DataSet()
        try ds.set(.patientID, vr: .LO, string: patient)
        if !issuer.isEmpty { try ds.set(Tag(0x0010, 0x0021), vr: .LO, string: issuer) }
        try ds.set(.patientName, vr: .PN, string: "DOE^JANE")
        try ds.set(Tag(0x0040, 0x0252), vr: .CS, string: status)
        try ds.set(Tag(0x0040, 0x0253), vr: .SH, string: "PPS1")
        var ssa = DataSet()
        try ssa.set(Tag(0x0020, 0x000D), vr: .UI, string: study)
        try ssa.set(Tag(0x0008, 0x0050), vr: .SH, string: "ACC1")
        try ssa.set(Tag(0x0040, 0x0009), vr: .SH, string: "SPS1")
        ds.set(Tag(0x0040, 0x0270), items: [Item(dataSet: ssa)])
        return ds
    }
}
