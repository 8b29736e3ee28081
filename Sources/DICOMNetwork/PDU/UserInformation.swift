// PS3.8 §9.3.2.3 User Information Item (item type 50H) and its sub-items:
//   51H Maximum Length (PS3.8 Annex D.1): Maximum-length-received (4)
//   52H Implementation Class UID (PS3.7 D.3.3.2.1)
//   55H Implementation Version Name (PS3.7 D.3.3.2.3), 1–16 characters
//   53H Asynchronous Operations Window (PS3.7 D.3.3.3.1): invoked (2), performed (2)
//   54H SCP/SCU Role Selection (PS3.7 D.3.3.4.1): UID-length (2), SOP class UID, SCU-role (1), SCP-role (1)
//   56H SOP Class Extended Negotiation (PS3.7 D.3.3.5.1): UID-length (2), UID, service-class-application-information
//   57H SOP Class Common Extended Negotiation (PS3.7 D.3.3.6.1): SOP-class-uid-length (2), UID,
//       service-class-uid-length (2), UID, related-general-sop-class-identification-length (2),
//       then sub-items each UID-length (2) + UID
//   58H User Identity Negotiation RQ (PS3.7 D.3.3.7.1): type (1), positive-response-requested (1),
//       primary-field-length (2), primary field, secondary-field-length (2), secondary field
//   59H User Identity Negotiation AC (PS3.7 D.3.3.7.2): server-response-length (2), server response
// Sub-items of other types are kept as read and written back.

import NIOCore

/// The user information the requestor proposes or the acceptor answers.
public struct UserInformation: Sendable, Equatable {
    /// The largest P-DATA-TF variable field the sender can receive; 0 means no limit.
    public var maximumLength: UInt32?
    public var implementationClassUID: String?
    public var implementationVersionName: String?
    public var asynchronousOperationsWindow: AsynchronousOperationsWindow?
    public var roleSelections: [RoleSelection] = []
    public var sopClassExtendedNegotiations: [SOPClassExtendedNegotiation] = []
    public var sopClassCommonExtendedNegotiations: [SOPClassCommonExtendedNegotiation] = []
    public var userIdentityRQ: UserIdentityRQ?
    public var userIdentityAC: UserIdentityAC?
    /// Sub-items of unknown type, kept as read.
    public var unknownItems: [RawItem] = []

    public init(maximumLength: UInt32? = nil, implementationClassUID: String? = nil, implementationVersionName: String? = nil) {
        self.maximumLength = maximumLength
        self.implementationClassUID = implementationClassUID
        self.implementationVersionName = implementationVersionName
    }

    public struct AsynchronousOperationsWindow: Sendable, Equatable {
        public var maximumInvoked: UInt16
        public var maximumPerformed: UInt16
        public init(maximumInvoked: UInt16, maximumPerformed: UInt16) {
            self.maximumInvoked = maximumInvoked
            self.maximumPerformed = maximumPerformed
        }
    }

    public struct RoleSelection: Sendable, Equatable {
        public var sopClassUID: String
        public var scuRole: Bool
        public var scpRole: Bool
        public init(sopClassUID: String, scuRole: Bool, scpRole: Bool) {
            self.sopClassUID = sopClassUID
            self.scuRole = scuRole
            self.scpRole = scpRole
        }
    }

    public struct SOPClassExtendedNegotiation: Sendable, Equatable {
        public var sopClassUID: String
        public var serviceClassApplicationInformation: [UInt8]
        public init(sopClassUID: String, serviceClassApplicationInformation: [UInt8]) {
            self.sopClassUID = sopClassUID
            self.serviceClassApplicationInformation = serviceClassApplicationInformation
        }
    }

    public struct SOPClassCommonExtendedNegotiation: Sendable, Equatable {
        public var sopClassUID: String
        public var serviceClassUID: String
        public var relatedGeneralSOPClassUIDs: [String]
        public init(sopClassUID: String, serviceClassUID: String, relatedGeneralSOPClassUIDs: [String] = []) {
            self.sopClassUID = sopClassUID
            self.serviceClassUID = serviceClassUID
            self.relatedGeneralSOPClassUIDs = relatedGeneralSOPClassUIDs
        }
    }

    public struct UserIdentityRQ: Sendable, Equatable {
        /// 1 username, 2 username and passcode, 3 Kerberos, 4 SAML, 5 JWT.
        public var type: UInt8
        public var positiveResponseRequested: Bool
        public var primaryField: [UInt8]
        public var secondaryField: [UInt8]
        public init(type: UInt8, positiveResponseRequested: Bool, primaryField: [UInt8], secondaryField: [UInt8] = []) {
            self.type = type
            self.positiveResponseRequested = positiveResponseRequested
            self.primaryField = primaryField
            self.secondaryField = secondaryField
        }
    }

    public struct UserIdentityAC: Sendable, Equatable {
        public var serverResponse: [UInt8]
        public init(serverResponse: [UInt8]) { self.serverResponse = serverResponse }
    }

    func write(to b: inout ByteBuffer) {
        Item.write(type: 0x50, to: &b) { b in
            if let maximumLength {
                Item.write(type: 0x51, to: &b) { $0.writeInteger(maximumLength) }
            }
            if let implementationClassUID { Item.writeUID(type: 0x52, implementationClassUID, to: &b) }
            if let w = asynchronousOperationsWindow {
                Item.write(type: 0x53, to: &b) { $0.writeInteger(w.maximumInvoked); $0.writeInteger(w.maximumPerformed) }
            }
            for r in roleSelections {
                Item.write(type: 0x54, to: &b) { b in
                    b.writeLengthPrefixedUID(r.sopClassUID)
                    b.writeInteger(UInt8(r.scuRole ? 1 : 0))
                    b.writeInteger(UInt8(r.scpRole ? 1 : 0))
                }
            }
            if let implementationVersionName { Item.writeUID(type: 0x55, implementationVersionName, to: &b) }
            for e in sopClassExtendedNegotiations {
                Item.write(type: 0x56, to: &b) { b in
                    b.writeLengthPrefixedUID(e.sopClassUID)
                    b.writeBytes(e.serviceClassApplicationInformation)
                }
            }
            for e in sopClassCommonExtendedNegotiations {
                Item.write(type: 0x57, to: &b) { b in
                    b.writeLengthPrefixedUID(e.sopClassUID)
                    b.writeLengthPrefixedUID(e.serviceClassUID)
                    let at = b.writerIndex
                    b.writeInteger(UInt16(0))
                    for uid in e.relatedGeneralSOPClassUIDs { b.writeLengthPrefixedUID(uid) }
                    b.setInteger(UInt16(b.writerIndex - at - 2), at: at)
                }
            }
            if let u = userIdentityRQ {
                Item.write(type: 0x58, to: &b) { b in
                    b.writeInteger(u.type)
                    b.writeInteger(UInt8(u.positiveResponseRequested ? 1 : 0))
                    b.writeInteger(UInt16(u.primaryField.count))
                    b.writeBytes(u.primaryField)
                    b.writeInteger(UInt16(u.secondaryField.count))
                    b.writeBytes(u.secondaryField)
                }
            }
            if let u = userIdentityAC {
                Item.write(type: 0x59, to: &b) { b in
                    b.writeInteger(UInt16(u.serverResponse.count))
                    b.writeBytes(u.serverResponse)
                }
            }
            for u in unknownItems {
                Item.write(type: u.type, to: &b) { $0.writeBytes(u.value) }
            }
        }
    }

    static func read(_ b: inout ByteBuffer) throws(DICOMNetworkError) -> UserInformation {
        var u = UserInformation()
        while b.readableBytes > 0 {
            var sub = try Item.read(&b, in: "user information")
            let bad = DICOMNetworkError(.malformedPDU, "user information sub-item 0x\(String(sub.type, radix: 16)) is malformed")
            switch sub.type {
            case 0x51:
                guard let v: UInt32 = sub.body.readInteger() else { throw bad }
                u.maximumLength = v
            case 0x52: u.implementationClassUID = sub.body.readPaddedASCII(sub.body.readableBytes)
            case 0x55: u.implementationVersionName = sub.body.readPaddedASCII(sub.body.readableBytes)
            case 0x53:
                guard let i: UInt16 = sub.body.readInteger(), let p: UInt16 = sub.body.readInteger() else { throw bad }
                u.asynchronousOperationsWindow = .init(maximumInvoked: i, maximumPerformed: p)
            case 0x54:
                guard let uid = sub.body.readLengthPrefixedUID(), let scu: UInt8 = sub.body.readInteger(), let scp: UInt8 = sub.body.readInteger() else { throw bad }
                u.roleSelections.append(.init(sopClassUID: uid, scuRole: scu != 0, scpRole: scp != 0))
            case 0x56:
                guard let uid = sub.body.readLengthPrefixedUID() else { throw bad }
                u.sopClassExtendedNegotiations.append(.init(sopClassUID: uid, serviceClassApplicationInformation: Array(sub.body.readableBytesView)))
            case 0x57:
                guard let sop = sub.body.readLengthPrefixedUID(), let service = sub.body.readLengthPrefixedUID(),
                      let n: UInt16 = sub.body.readInteger(), var related = sub.body.readSlice(length: Int(n)) else { throw bad }
                var uids: [String] = []
                while related.readableBytes > 0 {
                    guard let uid = related.readLengthPrefixedUID() else { throw bad }
                    uids.append(uid)
                }
                u.sopClassCommonExtendedNegotiations.append(.init(sopClassUID: sop, serviceClassUID: service, relatedGeneralSOPClassUIDs: uids))
            case 0x58:
                guard let t: UInt8 = sub.body.readInteger(), let r: UInt8 = sub.body.readInteger(),
                      let n1: UInt16 = sub.body.readInteger(), let p = sub.body.readBytes(length: Int(n1)),
                      let n2: UInt16 = sub.body.readInteger(), let s = sub.body.readBytes(length: Int(n2)) else { throw bad }
                u.userIdentityRQ = .init(type: t, positiveResponseRequested: r != 0, primaryField: p, secondaryField: s)
            case 0x59:
                guard let n: UInt16 = sub.body.readInteger(), let r = sub.body.readBytes(length: Int(n)) else { throw bad }
                u.userIdentityAC = .init(serverResponse: r)
            default:
                u.unknownItems.append(RawItem(type: sub.type, value: Array(sub.body.readableBytesView)))
            }
        }
        return u
    }
}

extension ByteBuffer {
    mutating func writeLengthPrefixedUID(_ uid: String) {
        writeInteger(UInt16(uid.utf8.count))
        writeString(uid)
    }

    mutating func readLengthPrefixedUID() -> String? {
        guard let n: UInt16 = readInteger() else { return nil }
        return readPaddedASCII(Int(n))
    }
}
