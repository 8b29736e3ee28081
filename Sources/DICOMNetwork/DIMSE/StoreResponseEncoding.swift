// PS3.7 §9.3.1.2 (C-STORE-RSP, with the Error Comment PS3.4 Table B.2-1 relates to a failure or warning)
// and §E.1 (the command set in Implicit VR Little Endian, Command Group Length first, elements in tag
// order): the response every received instance gets, encoded straight to bytes instead of through a
// DataSet and a DataSetWriter.

extension DIMSECommand {
    /// The C-STORE-RSP command set: the same bytes as a `DIMSECommand(field: .cStoreRSP)` with these fields,
    /// `encoded()`. `errorComment`, when given, must be an LO value of the default repertoire already
    /// (`StorageDecision.errorCommentValue`: printable ASCII, no backslash, at most 64 characters); it is
    /// padded with a space to an even length.
    static func encodedStoreResponse(messageIDBeingRespondedTo: UInt16?, affectedSOPClassUID: String?,
                                     affectedSOPInstanceUID: String?, status: UInt16, errorComment: String? = nil) -> [UInt8] {
        var body: [UInt8] = []
        body.reserveCapacity(errorComment == nil ? 160 : 232)
        /// An element of the command group; a value of odd length gets `pad` (NUL for UI, space for LO).
        func element(_ element: UInt16, _ value: some Collection<UInt8>, pad: UInt8?) {
            let padded = pad != nil && value.count & 1 == 1
            let count = value.count + (padded ? 1 : 0)
            body += [0x00, 0x00, UInt8(element & 0xFF), UInt8(element >> 8),
                     UInt8(count & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count >> 16 & 0xFF), UInt8(count >> 24)]
            body += value
            if padded, let pad { body.append(pad) }
        }
        func us(_ tag: UInt16, _ v: UInt16) { element(tag, [UInt8(v & 0xFF), UInt8(v >> 8)], pad: nil) }
        func uid(_ tag: UInt16, _ s: String) { element(tag, s.utf8, pad: 0x00) }
        if let affectedSOPClassUID { uid(0x0002, affectedSOPClassUID) }
        us(0x0100, Field.cStoreRSP.rawValue)
        if let messageIDBeingRespondedTo { us(0x0120, messageIDBeingRespondedTo) }
        us(0x0800, noDataSet)
        us(0x0900, status)
        if let errorComment { element(0x0902, errorComment.utf8, pad: 0x20) }
        if let affectedSOPInstanceUID { uid(0x1000, affectedSOPInstanceUID) }
        let n = UInt32(body.count)
        var out: [UInt8] = [0x00, 0x00, 0x00, 0x00, 4, 0, 0, 0, UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)]
        out.reserveCapacity(12 + body.count)
        out += body
        return out
    }
}
