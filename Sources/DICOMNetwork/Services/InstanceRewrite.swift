// PS3.4 Annex B / §C.4.2.2 / §C.4.3.2: an instance sent by a C-STORE (or C-STORE sub-operation) with some
// top-level attributes replaced (the patient's current demographics, PS3.17 Patient Information
// Reconciliation), without changing the stored file.

import DICOM
import Foundation

/// Writes a copy of a stored instance with some top-level elements replaced, to a temporary file that is
/// then streamed like any stored instance.
///
/// The original is read with large values left in the file (`ReadOptions.bulkDataThreshold`, the file is
/// memory-mapped) and the copy is written with the streaming writer (`FileSink`, bulk values copied in
/// 1 MiB chunks): memory stays bounded by the small elements and one chunk, whatever the instance's size.
/// Every element not replaced is written as it was read (same bytes, same defined/undefined lengths).
public enum InstanceRewrite {
    /// A temporary Part 10 file holding the instance at `path` with `replacements` set (top-level
    /// elements, values already encoded in the file's character set and byte order-free text VRs);
    /// the caller removes it.
    public static func rewrittenCopy(of path: String, replacements: DataSet) throws -> String {
        let file = try DICOMFile.read(contentsOf: path)
        if let error = file.readError { throw error }
        var copy = file
        for element in replacements where element.tag.group != 0x0002 {
            copy.dataSet.set(element)
        }
        let temporary = NSTemporaryDirectory() + "/isthmus-rewrite-\(UUID().uuidString).dcm"
        do {
            try copy.write(toPath: temporary)
        } catch {
            unlink(temporary)
            throw error
        }
        return temporary
    }
}
