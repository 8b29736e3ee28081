// PS3.8 §9.3.5 P-DATA-TF PDU structure (Table 9-22): one or more Presentation Data Value
// Items (§9.3.5.1, Table 9-23): Item-length (4), Presentation-context-ID (1), then the
// Presentation-data-value: a Message Control Header (Annex E.2: bit 0 set = command,
// clear = data set; bit 1 set = last fragment) followed by the fragment.

import NIOCore

/// One presentation data value: a fragment of a command or data set.
public struct PresentationDataValue: Sendable, Equatable {
    public var presentationContextID: UInt8
    public var isCommand: Bool
    public var isLast: Bool
    /// The fragment (a slice of the received bytes, not a copy).
    public var data: ByteBuffer

    public init(presentationContextID: UInt8, isCommand: Bool, isLast: Bool, data: ByteBuffer) {
        self.presentationContextID = presentationContextID
        self.isCommand = isCommand
        self.isLast = isLast
        self.data = data
    }

    /// The Message Control Header byte.
    public var messageControlHeader: UInt8 { (isCommand ? 1 : 0) | (isLast ? 2 : 0) }

    /// Item-length (4) + context ID (1) + header (1).
    public static let overhead = 6
}

/// A P-DATA-TF PDU: presentation data values in order.
public struct PDataTF: Sendable, Equatable {
    public var values: [PresentationDataValue]

    public init(values: [PresentationDataValue]) { self.values = values }

    func writeBody(to b: inout ByteBuffer) {
        for v in values {
            b.writeInteger(UInt32(v.data.readableBytes + 2))
            b.writeInteger(v.presentationContextID)
            b.writeInteger(v.messageControlHeader)
            b.writeImmutableBuffer(v.data)
        }
    }

    static func read(_ b: inout ByteBuffer) throws(DICOMNetworkError) -> PDataTF {
        var values: [PresentationDataValue] = []
        while b.readableBytes > 0 {
            guard let len: UInt32 = b.readInteger() else {
                throw DICOMNetworkError(.malformedPDU, "PDV item length cut short")
            }
            guard len >= 2, Int(len) <= b.readableBytes, let id: UInt8 = b.readInteger(), let mch: UInt8 = b.readInteger(),
                  let data = b.readSlice(length: Int(len) - 2) else {
                throw DICOMNetworkError(.malformedPDU, "PDV item length \(len) does not fit the \(b.readableBytes) bytes left")
            }
            values.append(PresentationDataValue(presentationContextID: id, isCommand: mch & 1 != 0, isLast: mch & 2 != 0, data: data))
        }
        guard !values.isEmpty else { throw DICOMNetworkError(.malformedPDU, "P-DATA-TF without a PDV item") }
        return PDataTF(values: values)
    }
}
