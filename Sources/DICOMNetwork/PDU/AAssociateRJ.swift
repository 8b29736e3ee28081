// PS3.8 §9.3.4 A-ASSOCIATE-RJ PDU structure (Table 9-21): reserved (1), Result (1),
// Source (1), Reason/Diag. (1).

import NIOCore

/// The acceptor (or its provider) refusing an association.
public struct AAssociateRJ: Sendable, Equatable {
    /// 1 rejected-permanent, 2 rejected-transient.
    public var result: UInt8
    /// 1 service-user, 2 service-provider (ACSE), 3 service-provider (presentation).
    public var source: UInt8
    /// Meaning depends on the source; see the static reasons below.
    public var reason: UInt8

    public init(result: UInt8, source: UInt8, reason: UInt8) {
        self.result = result
        self.source = source
        self.reason = reason
    }

    public static let permanent: UInt8 = 1
    public static let transient: UInt8 = 2

    /// Source 1 (service-user): 1 no-reason-given.
    public static func noReasonGiven() -> AAssociateRJ { .init(result: permanent, source: 1, reason: 1) }
    /// Source 1: 2 application-context-name-not-supported.
    public static func applicationContextNameNotSupported() -> AAssociateRJ { .init(result: permanent, source: 1, reason: 2) }
    /// Source 1: 3 calling-AE-title-not-recognized.
    public static func callingAETitleNotRecognized() -> AAssociateRJ { .init(result: permanent, source: 1, reason: 3) }
    /// Source 1: 7 called-AE-title-not-recognized.
    public static func calledAETitleNotRecognized() -> AAssociateRJ { .init(result: permanent, source: 1, reason: 7) }
    /// Source 2 (ACSE provider): 2 protocol-version-not-supported.
    public static func protocolVersionNotSupported() -> AAssociateRJ { .init(result: permanent, source: 2, reason: 2) }
    /// Source 3 (presentation provider): 2 local-limit-exceeded (transient).
    public static func localLimitExceeded() -> AAssociateRJ { .init(result: transient, source: 3, reason: 2) }

    func writeBody(to b: inout ByteBuffer) {
        b.writeInteger(UInt8(0))
        b.writeInteger(result)
        b.writeInteger(source)
        b.writeInteger(reason)
    }

    static func read(_ b: inout ByteBuffer) throws(DICOMNetworkError) -> AAssociateRJ {
        guard b.readableBytes == 4, let _: UInt8 = b.readInteger(), let r: UInt8 = b.readInteger(),
              let s: UInt8 = b.readInteger(), let d: UInt8 = b.readInteger() else {
            throw DICOMNetworkError(.malformedPDU, "A-ASSOCIATE-RJ length \(b.readableBytes), expected 4")
        }
        return AAssociateRJ(result: r, source: s, reason: d)
    }
}
