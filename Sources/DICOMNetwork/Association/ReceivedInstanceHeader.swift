// PS3.10 §7.1 (the DICOM file meta information) of an instance received by C-STORE, encoded straight to
// bytes (explicit VR little endian, PS3.5 §7.1.2): the per-instance header of the receive path without a
// DataSet, a DICOMFile and a DataSetWriter per instance.

import DICOM

extension ServerAssociationHandler {
    /// Preamble, "DICM" and the file meta information for a received instance: the same bytes as
    /// `part10Header(command:transferSyntax:callingAETitle:)`, which it falls back to for anything but
    /// plain values (a UID of digits and dots, an AE title of printable ASCII, within their VRs' lengths).
    static func fastPart10Header(sopClassUID: String?, sopInstanceUID: String?, transferSyntax: String,
                                 callingAETitle: String) -> [UInt8]? {
        guard let sopClassUID, let sopInstanceUID,
              isPlainUID(sopClassUID), isPlainUID(sopInstanceUID) else { return nil }
        let ts = TransferSyntax(uid: transferSyntax).uid
        guard isPlainUID(ts), callingAETitle.utf8.count <= 16,
              callingAETitle.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return nil }
        var meta: [UInt8] = []
        meta.reserveCapacity(256)
        // (0002,0001) File Meta Information Version, OB 00H 01H.
        meta += [0x02, 0x00, 0x01, 0x00, 0x4F, 0x42, 0, 0, 2, 0, 0, 0, 0x00, 0x01]
        appendShort(&meta, element: 0x0002, vr: (0x55, 0x49), value: sopClassUID, padding: 0)
        appendShort(&meta, element: 0x0003, vr: (0x55, 0x49), value: sopInstanceUID, padding: 0)
        appendShort(&meta, element: 0x0010, vr: (0x55, 0x49), value: ts, padding: 0)
        appendShort(&meta, element: 0x0012, vr: (0x55, 0x49), value: DICOMFile.implementationClassUID, padding: 0)
        appendShort(&meta, element: 0x0013, vr: (0x53, 0x48), value: DICOMFile.implementationVersionName, padding: 0x20)
        if !callingAETitle.isEmpty {
            appendShort(&meta, element: 0x0016, vr: (0x41, 0x45), value: callingAETitle, padding: 0x20)
        }
        var header = [UInt8](repeating: 0, count: 128)
        header.reserveCapacity(128 + 4 + 12 + meta.count)
        header += [0x44, 0x49, 0x43, 0x4D]  // "DICM"
        // (0002,0000) File Meta Information Group Length, UL: the bytes of the elements that follow.
        let length = UInt32(meta.count)
        header += [0x02, 0x00, 0x00, 0x00, 0x55, 0x4C, 4, 0,
                   UInt8(length & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length >> 16 & 0xFF), UInt8(length >> 24)]
        header += meta
        return header
    }

    /// Digits and dots, 1 to 64 characters (UI's limit), so that the value is its bytes as they are.
    private static func isPlainUID(_ s: String) -> Bool {
        let utf8 = s.utf8
        return !utf8.isEmpty && utf8.count <= 64 && utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E }
    }

    /// A group 0002 element with a 2-byte length (explicit VR little endian), padded to even length.
    private static func appendShort(_ out: inout [UInt8], element: UInt16, vr: (UInt8, UInt8), value: String, padding: UInt8) {
        let count = value.utf8.count
        let padded = count + (count & 1)
        out += [0x02, 0x00, UInt8(element & 0xFF), UInt8(element >> 8), vr.0, vr.1, UInt8(padded & 0xFF), UInt8(padded >> 8)]
        out += value.utf8
        if count & 1 == 1 { out.append(padding) }
    }
}
