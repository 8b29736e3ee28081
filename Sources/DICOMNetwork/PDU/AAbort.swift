// PS3.8 §9.3.8 A-ABORT PDU structure (Table 9-26): reserved (1), reserved (1), Source (1),
// Reason/Diag. (1).

import NIOCore

/// An abort, from the service user (source 0) or the service provider (source 2).
public struct AAbort: Sendable, Equatable {
    /// 0 service-user initiated abort, 2 service-provider initiated abort (1 is reserved).
    public var source: UInt8
    /// Meaningful for source 2: 0 not specified, 1 unrecognized PDU, 2 unexpected PDU,
    /// 4 unrecognized PDU parameter, 5 unexpected PDU parameter, 6 invalid PDU parameter value.
    public var reason: UInt8

    public init(source: UInt8, reason: UInt8) {
        self.source = source
        self.reason = reason
    }

    public static let serviceUser: UInt8 = 0
    public static let serviceProvider: UInt8 = 2

    public static let user = AAbort(source: serviceUser, reason: 0)
    public static func provider(_ reason: UInt8) -> AAbort { AAbort(source: serviceProvider, reason: reason) }
    public static let unrecognizedPDU: UInt8 = 1
    public static let unexpectedPDU: UInt8 = 2
    public static let invalidPDUParameter: UInt8 = 6

    public var isServiceProvider: Bool { source == AAbort.serviceProvider }

    func writeBody(to b: inout ByteBuffer) {
        b.writeInteger(UInt16(0))
        b.writeInteger(source)
        b.writeInteger(reason)
    }

    static func read(_ b: inout ByteBuffer) throws(DICOMNetworkError) -> AAbort {
        guard b.readableBytes == 4, let _: UInt16 = b.readInteger(), let s: UInt8 = b.readInteger(), let r: UInt8 = b.readInteger() else {
            throw DICOMNetworkError(.malformedPDU, "A-ABORT length \(b.readableBytes), expected 4")
        }
        return AAbort(source: s, reason: r)
    }
}
