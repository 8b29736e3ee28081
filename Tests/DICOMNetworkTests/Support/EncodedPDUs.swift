// PS3.8 §9.3 PDU structures: annotated byte fixtures. Each array is the bytes on the wire,
// each line commented with its meaning, built by hand from the tables of PS3.8 §9.3 and
// PS3.7 Annex D (not produced by the encoder under test).

enum EncodedPDUs {
    static func ascii(_ s: String) -> [UInt8] { Array(s.utf8) }
    static func zeros(_ n: Int) -> [UInt8] { [UInt8](repeating: 0, count: n) }

    static let applicationContext: [UInt8] =
        [0x10, 0x00, 0x00, 0x15]                  // Application Context Item, reserved, length 21
        + ascii("1.2.840.10008.3.1.1.1")          // DICOM Application Context Name

    /// A-ASSOCIATE-RQ from ECHOSCU to ANY-SCP proposing Verification in Implicit VR Little Endian.
    static let associateRQ: [UInt8] =
        [0x01, 0x00,                              // PDU type 01H (A-ASSOCIATE-RQ), reserved
         0x00, 0x00, 0x00, 0xAF,                  // PDU length 175 = 68 + 25 + 50 + 32
         0x00, 0x01, 0x00, 0x00]                  // protocol version 1, reserved
        + ascii("ANY-SCP         ")               // called AE title, 16 bytes space padded
        + ascii("ECHOSCU         ")               // calling AE title
        + zeros(32)                               // reserved
        + applicationContext                      // 25 bytes
        + [0x20, 0x00, 0x00, 0x2E,                // Presentation Context Item (RQ), length 46
           0x01, 0x00, 0x00, 0x00,                // context ID 1, reserved ×3
           0x30, 0x00, 0x00, 0x11]                // Abstract Syntax Sub-Item, length 17
        + ascii("1.2.840.10008.1.1")              // Verification SOP Class
        + [0x40, 0x00, 0x00, 0x11]                // Transfer Syntax Sub-Item, length 17
        + ascii("1.2.840.10008.1.2")              // Implicit VR Little Endian
        + [0x50, 0x00, 0x00, 0x1C,                // User Information Item, length 28
           0x51, 0x00, 0x00, 0x04,                // Maximum Length Sub-Item, length 4
           0x00, 0x00, 0x40, 0x00,                // maximum length received 16384
           0x52, 0x00, 0x00, 0x05]                // Implementation Class UID Sub-Item, length 5
        + ascii("1.2.3")
        + [0x55, 0x00, 0x00, 0x07]                // Implementation Version Name Sub-Item, length 7
        + ascii("ISTHMUS")

    /// A-ASSOCIATE-AC accepting context 1 with Implicit VR Little Endian, rejecting context 3
    /// (abstract syntax not supported).
    static let associateAC: [UInt8] =
        [0x02, 0x00,                              // PDU type 02H (A-ASSOCIATE-AC), reserved
         0x00, 0x00, 0x00, 0xC9,                  // PDU length 201 = 68 + 25 + 29 + 29 + 50
         0x00, 0x01, 0x00, 0x00]                  // protocol version 1, reserved
        + ascii("ANY-SCP         ")               // reserved, echoes the RQ's called AE title
        + ascii("ECHOSCU         ")               // reserved, echoes the RQ's calling AE title
        + zeros(32)                               // reserved
        + applicationContext
        + [0x21, 0x00, 0x00, 0x19,                // Presentation Context Item (AC), length 25
           0x01, 0x00, 0x00, 0x00,                // context ID 1, reserved, result 0 acceptance, reserved
           0x40, 0x00, 0x00, 0x11]                // Transfer Syntax Sub-Item, length 17
        + ascii("1.2.840.10008.1.2")              // Implicit VR Little Endian
        + [0x21, 0x00, 0x00, 0x19,                // Presentation Context Item (AC), length 25
           0x03, 0x00, 0x03, 0x00,                // context ID 3, reserved, result 3 abstract syntax not supported
           0x40, 0x00, 0x00, 0x11]                // Transfer Syntax Sub-Item (not significant)
        + ascii("1.2.840.10008.1.2")
        + [0x50, 0x00, 0x00, 0x2E,                // User Information Item, length 46
           0x51, 0x00, 0x00, 0x04,                // Maximum Length Sub-Item
           0x00, 0x01, 0x00, 0x00,                // 65536
           0x52, 0x00, 0x00, 0x05]                // Implementation Class UID Sub-Item
        + ascii("1.2.3")
        + [0x53, 0x00, 0x00, 0x04,                // Asynchronous Operations Window Sub-Item
           0x00, 0x01, 0x00, 0x01,                // invoked 1, performed 1
           0x55, 0x00, 0x00, 0x07]                // Implementation Version Name Sub-Item
        + ascii("ISTHMUS")
        + [0x59, 0x00, 0x00, 0x06,                // User Identity Sub-Item (AC), length 6
           0x00, 0x04]                            // server response length 4
        + ascii("OKAY")                           // server response

    /// User Information Item carrying every RQ sub-item type plus an unknown one (type 5AH).
    static let userInformationRQ: [UInt8] =
        [0x50, 0x00, 0x00, 0x7C,                  // User Information Item, length 124
         0x51, 0x00, 0x00, 0x04,                  // Maximum Length Sub-Item
         0x00, 0x00, 0x00, 0x00,                  // 0: no limit
         0x52, 0x00, 0x00, 0x05]                  // Implementation Class UID
        + ascii("1.2.3")
        + [0x53, 0x00, 0x00, 0x04,                // Asynchronous Operations Window
           0x00, 0x05, 0x00, 0x00,                // invoked 5, performed 0 (unlimited)
           0x54, 0x00, 0x00, 0x15,                // SCP/SCU Role Selection, length 21
           0x00, 0x11]                            // UID length 17
        + ascii("1.2.840.10008.1.1")              // SOP class UID
        + [0x01, 0x00,                            // SCU role supported, SCP role not
           0x55, 0x00, 0x00, 0x07]                // Implementation Version Name
        + ascii("ISTHMUS")
        + [0x56, 0x00, 0x00, 0x08,                // SOP Class Extended Negotiation, length 8
           0x00, 0x03]                            // UID length 3
        + ascii("1.2")                            // SOP class UID
        + [0x01, 0x00, 0x01,                      // service class application information (3 bytes)
           0x57, 0x00, 0x00, 0x13,                // SOP Class Common Extended Negotiation, length 19
           0x00, 0x03]                            // SOP class UID length 3
        + ascii("1.3")
        + [0x00, 0x03]                            // service class UID length 3
        + ascii("1.4")
        + [0x00, 0x07,                            // related general SOP class identification length 7
           0x00, 0x05]                            // related general SOP class UID length 5
        + ascii("1.5.6")
        + [0x58, 0x00, 0x00, 0x12,                // User Identity Sub-Item (RQ), length 18
           0x02, 0x01,                            // type 2 username and passcode, positive response requested
           0x00, 0x06]                            // primary field length 6
        + ascii("SCANNR")                         // username
        + [0x00, 0x06]                            // secondary field length 6
        + ascii("SECRET")                         // passcode
        + [0x5A, 0x00, 0x00, 0x02,                // unknown sub-item type 5AH, length 2
           0xAB, 0xCD]                            // its value, kept as read

    /// A-ASSOCIATE-RJ: rejected-permanent by the service user, called AE title not recognized.
    static let associateRJ: [UInt8] = [
        0x03, 0x00, 0x00, 0x00, 0x00, 0x04,       // PDU type 03H, reserved, length 4
        0x00, 0x01, 0x01, 0x07,                   // reserved, result 1 permanent, source 1 user, reason 7
    ]

    /// P-DATA-TF with two PDVs: the last fragment of a command on context 1, then the first
    /// (not last) fragment of a data set on context 1.
    static let pDataTF: [UInt8] = [
        0x04, 0x00, 0x00, 0x00, 0x00, 0x12,       // PDU type 04H, reserved, length 18
        0x00, 0x00, 0x00, 0x06,                   // PDV item length 6
        0x01, 0x03,                               // context 1, control header 03H: command, last
        0xDE, 0xAD, 0xBE, 0xEF,                   // fragment (4 bytes)
        0x00, 0x00, 0x00, 0x04,                   // PDV item length 4
        0x01, 0x00,                               // context 1, control header 00H: data set, not last
        0x01, 0x02,                               // fragment (2 bytes)
    ]

    static let releaseRQ: [UInt8] = [
        0x05, 0x00, 0x00, 0x00, 0x00, 0x04,       // PDU type 05H, reserved, length 4
        0x00, 0x00, 0x00, 0x00,                   // reserved
    ]

    static let releaseRP: [UInt8] = [
        0x06, 0x00, 0x00, 0x00, 0x00, 0x04,       // PDU type 06H, reserved, length 4
        0x00, 0x00, 0x00, 0x00,                   // reserved
    ]

    /// A-ABORT from the service provider, reason 2: unexpected PDU.
    static let abort: [UInt8] = [
        0x07, 0x00, 0x00, 0x00, 0x00, 0x04,       // PDU type 07H, reserved, length 4
        0x00, 0x00, 0x02, 0x02,                   // reserved ×2, source 2 provider, reason 2
    ]
}
