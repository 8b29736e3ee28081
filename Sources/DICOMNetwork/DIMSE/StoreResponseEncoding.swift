// PS3.7 §9.3.1.2 (C-STORE-RSP) and §E.1 (the command set in Implicit VR Little Endian, Command Group
// Length first, elements in tag order): the response every received instance gets, encoded straight to
// bytes instead of through a DataSet and a DataSetWriter.

extension DIMSECommand {
    /// The C-STORE-RSP command set without an Error Comment: the same bytes as a `DIMSECommand(field: .cStoreRSP)`
    /// with these fields, `encoded()`.
    static func encodedStoreResponse(messageIDBeingRespondedTo: UInt16?, affectedSOPClassUID: String?,
                                     affectedSOPInstanceUID: String?, status: UInt16) -> [UInt8] {
        var body: [UInt8] = []
        body.reserveCapacity(160)
        func element(_ element: UInt16, _ value: some Collection<UInt8>, pad: Bool) {
            let count = value.count + (pad ? 1 : 0)
            body += [0x00, 0x00, UInt8(element & 0xFF), UInt8(element >> 8),
                     UInt8(count & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count >> 16 & 0xFF), UInt8(count >> 24)]
            body += value
            if pad { body.append(0) }
        }
        func us(_ tag: UInt16, _ v: UInt16) { element(tag, [UInt8(v & 0xFF), UInt8(v >> 8)], pad: false) }
        func uid(_ tag: UInt16, _ s: String) { element(tag, s.utf8, pad: s.utf8.count & 1 == 1) }
        if let affectedSOPClassUID { uid(0x0002, affectedSOPClassUID) }
        us(0x0100, Field.cStoreRSP.rawValue)
        if let messageIDBeingRespondedTo { us(0x0120, messageIDBeingRespondedTo) }
        us(0x0800, noDataSet)
        us(0x0900, status)
        if let affectedSOPInstanceUID { uid(0x1000, affectedSOPInstanceUID) }
        let n = UInt32(body.count)
        var out: [UInt8] = [0x00, 0x00, 0x00, 0x00, 4, 0, 0, 0, UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)]
        out.reserveCapacity(12 + body.count)
        out += body
        return out
    }
}
