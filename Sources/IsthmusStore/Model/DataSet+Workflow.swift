// PS3.10 7.1: worklist items, patients and MPPS are stored as Part 10 bytes (explicit VR little
// endian), so their data sets, character set included, come back exactly as stored.
import DICOM

extension DataSet {
    /// Part 10 bytes of this data set, for a BLOB column.
    func storedBytes() throws(WorkflowError) -> [UInt8] {
        do {
            return try DICOMFile(dataSet: self, transferSyntax: .explicitVRLittleEndian).serialized()
        } catch {
            throw WorkflowError(.invalidItem, "the data set cannot be encoded: \(error)")
        }
    }

    /// The data set of bytes written by `storedBytes`.
    init(storedBytes bytes: [UInt8]) throws(WorkflowError) {
        do {
            self = try DICOMFile.read(bytes: bytes).dataSet
        } catch {
            throw WorkflowError(.invalidItem, "a stored data set cannot be read: \(error)")
        }
    }

    /// Copies the top-level elements of `source` (but its Specific Character Set) into this
    /// data set, re-encoding text into this data set's character set when the two differ.
    mutating func overlay(_ source: DataSet) throws(WorkflowError) {
        for e in source where e.tag != .specificCharacterSet {
            if source.characterSet == characterSet || !e.vr.usesSpecificCharacterSet {
                set(e)
                continue
            }
            guard case .bytes = e.value else { set(e); continue }
            do {
                try set(e.tag, vr: e.vr, strings: e.strings(characterSet: source.characterSet))
            } catch {
                throw WorkflowError(.characterSet, "\(e.tag) cannot be written in the item's character set (\(characterSet))")
            }
        }
    }

    /// Sets the patient identity (Patient ID, Issuer of Patient ID) of an item or MPPS.
    mutating func setPatient(_ key: PatientKey) throws(WorkflowError) {
        do {
            try set(.patientID, vr: .LO, string: key.id)
            if key.issuer.isEmpty { _ = remove(WorklistTag.issuerOfPatientID) } else { try set(WorklistTag.issuerOfPatientID, vr: .LO, string: key.issuer) }
        } catch {
            throw WorkflowError(.characterSet, "the patient identifier cannot be written in the item's character set")
        }
    }

    /// Sets SPS Status (0040,0020) in the first Scheduled Procedure Step Sequence item.
    mutating func setStepStatus(_ status: ProcedureStepStatus) throws(WorkflowError) {
        guard var items = items(WorklistTag.spsSequence), !items.isEmpty else { return }
        do {
            try items[0].dataSet.set(WorklistTag.spsStatus, vr: .CS, string: status.rawValue)
        } catch {
            throw WorkflowError(.invalidItem, "SPS Status \(status) is not a valid CS value")
        }
        set(WorklistTag.spsSequence, items: items)
    }
}
