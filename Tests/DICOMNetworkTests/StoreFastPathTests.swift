// PS3.10 §7.1 file meta information and PS3.7 §9.3.1.2 C-STORE-RSP as the C-STORE receive path encodes
// them directly (ReceivedInstanceHeader.swift, StoreResponseEncoding.swift): byte for byte what the
// DataSet-based encoders write, so received files and responses are unchanged; anything but plain
// values falls back to those encoders.

import DICOM
import Testing
@testable import DICOMNetwork

@Suite struct StoreFastPathTests {
    static let ct = "1.2.840.10008.5.1.4.1.1.2"

    static func command(sopClass: String?, sopInstance: String?, messageID: UInt16? = 7) -> DIMSECommand {
        var c = DIMSECommand(field: .cStoreRQ)
        c.messageID = messageID
        c.affectedSOPClassUID = sopClass
        c.affectedSOPInstanceUID = sopInstance
        c.hasDataSet = true
        return c
    }

    @Test(arguments: [
        ("1.2.3.4", "1.2.840.10008.1.2.1", "STORESCU"),       // even instance UID, explicit VR LE
        ("1.2.3.45", "1.2.840.10008.1.2", "A"),               // odd UID, implicit VR LE, odd AE title
        ("1.2.826.0.1.3680043.2.1125.1.12345678901234567890123456789012", "1.2.840.10008.1.2.4.50", "SIXTEEN_CHARS_AE"),
        ("9", "1.2.840.10008.1.2.1", ""),                     // no calling AE title: no (0002,0016)
    ])
    func part10HeaderIsTheDataSetEncodersBytes(instance: String, transferSyntax: String, calling: String) throws {
        let c = Self.command(sopClass: Self.ct, sopInstance: instance)
        let fast = try #require(ServerAssociationHandler.fastPart10Header(
            sopClassUID: c.affectedSOPClassUID, sopInstanceUID: c.affectedSOPInstanceUID, transferSyntax: transferSyntax, callingAETitle: calling))
        let slow = try ServerAssociationHandler.part10Header(command: c, transferSyntax: transferSyntax, callingAETitle: calling)
        #expect(fast == slow)
        // And it reads back as the meta information it stands for.
        let file = try DICOMFile.read(bytes: fast)
        #expect(file.fileMetaInformation.string(.mediaStorageSOPInstanceUID) == instance)
        #expect(file.transferSyntax.uid == transferSyntax)
    }

    @Test(arguments: [
        (Self.ct as String?, "1.2.3 4" as String?, "AE"),     // a space inside a UID
        (Self.ct, "", "AE"),                                   // empty UID
        (nil, "1.2.3", "AE"),                                  // no SOP Class
        (Self.ct, "1.2.3", "SEVENTEEN_CHARS_A"),               // AE title too long for AE
        (Self.ct, "1.2.3", "Ä"),                               // not ASCII
        (Self.ct, String(repeating: "1", count: 65), "AE"),    // too long for UI
    ])
    func anythingUnusualFallsBack(sopClass: String?, instance: String?, calling: String) {
        #expect(ServerAssociationHandler.fastPart10Header(sopClassUID: sopClass, sopInstanceUID: instance,
                                                          transferSyntax: "1.2.840.10008.1.2.1", callingAETitle: calling) == nil)
    }

    @Test(arguments: [
        (Self.ct as String?, "1.2.3.4" as String?, 7 as UInt16?, 0x0000 as UInt16),
        (Self.ct, "1.2.3.45", 65535, 0xA700),
        (nil, "1.2.3", 1, 0xC000),
        (Self.ct, nil, nil, 0x0122),
        ("1.2.840.10008.5.1.4.1.1.128", "1.2.826.0.1.3680043.2.1125.1.1", 300, 0xB000),
    ])
    func storeResponseIsTheDataSetEncodersBytes(sopClass: String?, instance: String?, messageID: UInt16?, status: UInt16) throws {
        var rsp = DIMSECommand(field: .cStoreRSP)
        rsp.messageIDBeingRespondedTo = messageID
        rsp.affectedSOPClassUID = sopClass
        rsp.affectedSOPInstanceUID = instance
        rsp.status = status
        let fast = DIMSECommand.encodedStoreResponse(messageIDBeingRespondedTo: messageID, affectedSOPClassUID: sopClass,
                                                     affectedSOPInstanceUID: instance, status: status)
        #expect(fast == (try rsp.encoded()))
        let back = try DIMSECommand.decode(fast)
        #expect(back.field == .cStoreRSP && back.status == status && back.affectedSOPInstanceUID == instance)
    }

    /// The UID accessors read plain UIDs directly; the result is `DataSet.string`'s, padding or not.
    @Test func uidAccessorsMatchTheDataSetReading() {
        for raw: [UInt8] in [Array("1.2.3".utf8) + [0], Array("1.2.34".utf8), Array("1.2.3 ".utf8), Array("1.2\\3.4".utf8) + [0],
                             Array(" 1.2".utf8), [0, 0], []] {
            var c = DIMSECommand(field: .cStoreRQ)
            c.dataSet.set(DataElement(tag: .affectedSOPInstanceUID, vr: .UI, bytes: raw))
            c.dataSet.set(DataElement(tag: .affectedSOPClassUID, vr: .UI, bytes: raw))
            #expect(c.affectedSOPInstanceUID == c.dataSet.string(.affectedSOPInstanceUID))
            #expect(c.affectedSOPClassUID == c.dataSet.string(.affectedSOPClassUID))
        }
    }
}
