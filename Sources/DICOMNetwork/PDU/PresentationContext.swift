// PS3.8 §9.3.2.2 Presentation Context Item (RQ, item type 20H; Table 9-13):
//   Presentation-context-ID (1, odd 1–255), reserved (3), then one Abstract Syntax
//   Sub-Item (30H, §9.3.2.2.1) and one or more Transfer Syntax Sub-Items (40H, §9.3.2.2.2).
// PS3.8 §9.3.3.2 Presentation Context Item (AC, item type 21H; Table 9-18):
//   Presentation-context-ID (1), reserved (1), Result/Reason (1), reserved (1), then one
//   Transfer Syntax Sub-Item (40H) — not significant unless the result is acceptance.

import NIOCore

/// A proposed presentation context: one abstract syntax with the transfer syntaxes offered for it.
public struct PresentationContextRQ: Sendable, Equatable {
    public var id: UInt8
    public var abstractSyntax: String
    public var transferSyntaxes: [String]

    public init(id: UInt8, abstractSyntax: String, transferSyntaxes: [String]) {
        self.id = id
        self.abstractSyntax = abstractSyntax
        self.transferSyntaxes = transferSyntaxes
    }

    func write(to b: inout ByteBuffer) {
        Item.write(type: 0x20, to: &b) { b in
            b.writeInteger(id)
            b.writeRepeatingByte(0, count: 3)
            Item.writeUID(type: 0x30, abstractSyntax, to: &b)
            for ts in transferSyntaxes { Item.writeUID(type: 0x40, ts, to: &b) }
        }
    }

    static func read(_ b: inout ByteBuffer) throws(DICOMNetworkError) -> PresentationContextRQ {
        guard let id: UInt8 = b.readInteger(), b.readBytes(length: 3) != nil else {
            throw DICOMNetworkError(.malformedPDU, "presentation context item (20H) shorter than 4 bytes")
        }
        var abstract: String?
        var ts: [String] = []
        while b.readableBytes > 0 {
            var sub = try Item.read(&b, in: "presentation context \(id)")
            let uid = sub.body.readPaddedASCII(sub.body.readableBytes) ?? ""
            switch sub.type {
            case 0x30: abstract = uid
            case 0x40: ts.append(uid)
            default: continue  // unknown sub-items are skipped
            }
        }
        guard let abstract else {
            throw DICOMNetworkError(.malformedPDU, "presentation context \(id) without an abstract syntax sub-item")
        }
        return PresentationContextRQ(id: id, abstractSyntax: abstract, transferSyntaxes: ts)
    }
}

/// The acceptor's result for one proposed presentation context (§9.3.3.2, Result/Reason).
public struct PresentationContextAC: Sendable, Equatable {
    public enum Result: UInt8, Sendable {
        case acceptance = 0
        case userRejection = 1
        case noReason = 2
        case abstractSyntaxNotSupported = 3
        case transferSyntaxesNotSupported = 4
    }

    public var id: UInt8
    /// The result byte as read (values other than 0–4 are kept as `rawResult`).
    public var rawResult: UInt8
    /// The chosen transfer syntax (only meaningful on acceptance).
    public var transferSyntax: String

    public var result: Result? { Result(rawValue: rawResult) }
    public var isAccepted: Bool { rawResult == 0 }

    public init(id: UInt8, result: Result, transferSyntax: String) {
        self.id = id
        self.rawResult = result.rawValue
        self.transferSyntax = transferSyntax
    }

    func write(to b: inout ByteBuffer) {
        Item.write(type: 0x21, to: &b) { b in
            b.writeInteger(id)
            b.writeInteger(UInt8(0))
            b.writeInteger(rawResult)
            b.writeInteger(UInt8(0))
            Item.writeUID(type: 0x40, transferSyntax, to: &b)
        }
    }

    static func read(_ b: inout ByteBuffer) throws(DICOMNetworkError) -> PresentationContextAC {
        guard let id: UInt8 = b.readInteger(), let _: UInt8 = b.readInteger(), let result: UInt8 = b.readInteger(), let _: UInt8 = b.readInteger() else {
            throw DICOMNetworkError(.malformedPDU, "presentation context item (21H) shorter than 4 bytes")
        }
        var ts = ""
        while b.readableBytes > 0 {
            var sub = try Item.read(&b, in: "presentation context \(id)")
            if sub.type == 0x40 { ts = sub.body.readPaddedASCII(sub.body.readableBytes) ?? "" }
        }
        var pc = PresentationContextAC(id: id, result: .acceptance, transferSyntax: ts)
        pc.rawResult = result
        return pc
    }
}
