// PS3.8 §9.3.2 A-ASSOCIATE-RQ PDU structure (Table 9-11) and §9.3.3 A-ASSOCIATE-AC PDU
// structure (Table 9-17). Both have, after the PDU header:
//   Protocol-version (2, bit 0 set = version 1), reserved (2),
//   Called-AE-title (16), Calling-AE-title (16)  — reserved but echoed in the AC,
//   reserved (32), then the variable items: one Application Context Item (10H),
//   Presentation Context Items (20H in the RQ, 21H in the AC), one User Information Item (50H).

import NIOCore

/// The DICOM Application Context Name (PS3.7 Annex A.2.1).
public let dicomApplicationContextName = "1.2.840.10008.3.1.1.1"

/// A-ASSOCIATE-RQ: what the requestor proposes.
public struct AAssociateRQ: Sendable, Equatable {
    public var protocolVersion: UInt16 = 1
    public var calledAETitle: String
    public var callingAETitle: String
    public var applicationContextName: String = dicomApplicationContextName
    public var presentationContexts: [PresentationContextRQ]
    public var userInformation: UserInformation
    /// Items of types PS3.8 does not define here, kept as read and skipped.
    public var unknownItems: [RawItem] = []

    public init(calledAETitle: String, callingAETitle: String, presentationContexts: [PresentationContextRQ], userInformation: UserInformation) {
        self.calledAETitle = calledAETitle
        self.callingAETitle = callingAETitle
        self.presentationContexts = presentationContexts
        self.userInformation = userInformation
    }

    init(_ f: AAssociateFields) {
        protocolVersion = f.protocolVersion
        calledAETitle = f.calledAETitle
        callingAETitle = f.callingAETitle
        applicationContextName = f.applicationContextName
        presentationContexts = f.contextsRQ
        userInformation = f.userInformation
        unknownItems = f.unknownItems
    }

    func writeBody(to b: inout ByteBuffer) {
        AAssociateFields.writeHeader(to: &b, version: protocolVersion, called: calledAETitle, calling: callingAETitle)
        Item.writeUID(type: 0x10, applicationContextName, to: &b)
        for pc in presentationContexts { pc.write(to: &b) }
        userInformation.write(to: &b)
        for u in unknownItems { Item.write(type: u.type, to: &b) { $0.writeBytes(u.value) } }
    }
}

/// A-ASSOCIATE-AC: the acceptor's answer, one result per proposed presentation context.
public struct AAssociateAC: Sendable, Equatable {
    public var protocolVersion: UInt16 = 1
    /// Reserved in the AC: the acceptor sends back the RQ's values (not tested on receipt).
    public var calledAETitle: String
    public var callingAETitle: String
    public var applicationContextName: String = dicomApplicationContextName
    public var presentationContexts: [PresentationContextAC]
    public var userInformation: UserInformation
    public var unknownItems: [RawItem] = []

    public init(calledAETitle: String, callingAETitle: String, presentationContexts: [PresentationContextAC], userInformation: UserInformation) {
        self.calledAETitle = calledAETitle
        self.callingAETitle = callingAETitle
        self.presentationContexts = presentationContexts
        self.userInformation = userInformation
    }

    init(_ f: AAssociateFields) {
        protocolVersion = f.protocolVersion
        calledAETitle = f.calledAETitle
        callingAETitle = f.callingAETitle
        applicationContextName = f.applicationContextName
        presentationContexts = f.contextsAC
        userInformation = f.userInformation
        unknownItems = f.unknownItems
    }

    func writeBody(to b: inout ByteBuffer) {
        AAssociateFields.writeHeader(to: &b, version: protocolVersion, called: calledAETitle, calling: callingAETitle)
        Item.writeUID(type: 0x10, applicationContextName, to: &b)
        for pc in presentationContexts { pc.write(to: &b) }
        userInformation.write(to: &b)
        for u in unknownItems { Item.write(type: u.type, to: &b) { $0.writeBytes(u.value) } }
    }
}

/// The fields the RQ and the AC share, as read.
struct AAssociateFields {
    var protocolVersion: UInt16 = 1
    var calledAETitle = ""
    var callingAETitle = ""
    var applicationContextName = ""
    var contextsRQ: [PresentationContextRQ] = []
    var contextsAC: [PresentationContextAC] = []
    var userInformation = UserInformation()
    var unknownItems: [RawItem] = []

    static func writeHeader(to b: inout ByteBuffer, version: UInt16, called: String, calling: String) {
        b.writeInteger(version)
        b.writeInteger(UInt16(0))
        b.writeAETitle(called)
        b.writeAETitle(calling)
        b.writeRepeatingByte(0, count: 32)
    }

    static func read(_ b: inout ByteBuffer, isRequest: Bool) throws(DICOMNetworkError) -> AAssociateFields {
        var f = AAssociateFields()
        let name = isRequest ? "A-ASSOCIATE-RQ" : "A-ASSOCIATE-AC"
        guard b.readableBytes >= 68, let version: UInt16 = b.readInteger(), let _: UInt16 = b.readInteger(),
              let called = b.readAETitle(), let calling = b.readAETitle() else {
            throw DICOMNetworkError(.malformedPDU, "\(name) shorter than its 68-byte fixed part")
        }
        b.moveReaderIndex(forwardBy: 32)
        f.protocolVersion = version
        f.calledAETitle = called
        f.callingAETitle = calling
        var sawContext = false, sawUserInfo = false
        while b.readableBytes > 0 {
            var item = try Item.read(&b, in: name)
            switch item.type {
            case 0x10:
                f.applicationContextName = item.body.readPaddedASCII(item.body.readableBytes) ?? ""
                sawContext = true
            case 0x20 where isRequest:
                f.contextsRQ.append(try PresentationContextRQ.read(&item.body))
            case 0x21 where !isRequest:
                f.contextsAC.append(try PresentationContextAC.read(&item.body))
            case 0x50:
                f.userInformation = try UserInformation.read(&item.body)
                sawUserInfo = true
            default:
                f.unknownItems.append(RawItem(type: item.type, value: Array(item.body.readableBytesView)))
            }
        }
        guard sawContext else { throw DICOMNetworkError(.malformedPDU, "\(name) without an Application Context Item") }
        guard sawUserInfo else { throw DICOMNetworkError(.malformedPDU, "\(name) without a User Information Item") }
        return f
    }
}

/// An item kept as read because its type is not defined where it appeared.
public struct RawItem: Sendable, Equatable {
    public var type: UInt8
    public var value: [UInt8]
    public init(type: UInt8, value: [UInt8]) {
        self.type = type
        self.value = value
    }
}

/// The item framing of PS3.8 §9.3.2.1–3 and Annex D: Item-type (1), reserved (1),
/// Item-length (2, big endian), then the value.
struct Item {
    var type: UInt8
    var body: ByteBuffer

    static func read(_ b: inout ByteBuffer, in context: String) throws(DICOMNetworkError) -> Item {
        guard let type: UInt8 = b.readInteger(), let _: UInt8 = b.readInteger(), let len: UInt16 = b.readInteger() else {
            throw DICOMNetworkError(.malformedPDU, "item header cut short in \(context)")
        }
        guard let body = b.readSlice(length: Int(len)) else {
            throw DICOMNetworkError(.malformedPDU, "item 0x\(String(type, radix: 16)) in \(context) declares \(len) bytes, \(b.readableBytes) remain")
        }
        return Item(type: type, body: body)
    }

    /// Writes an item whose value is produced by `body`, filling in its length.
    static func write(type: UInt8, to b: inout ByteBuffer, body: (inout ByteBuffer) -> Void) {
        b.writeInteger(type)
        b.writeInteger(UInt8(0))
        let at = b.writerIndex
        b.writeInteger(UInt16(0))
        let start = b.writerIndex
        body(&b)
        b.setInteger(UInt16(b.writerIndex - start), at: at)
    }

    /// UIDs in items are not padded (PS3.8 Annex F): written as they are.
    static func writeUID(type: UInt8, _ uid: String, to b: inout ByteBuffer) {
        write(type: type, to: &b) { $0.writeString(uid) }
    }
}
