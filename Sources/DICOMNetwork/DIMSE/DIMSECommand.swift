// PS3.7 §9.3 / §E.1 DIMSE command set: group 0000 elements, always Implicit VR Little Endian
// (PS3.7 §6.3.1), Command Group Length (0000,0000) first.
// Command fields (PS3.7 §E.1, Table E.1-1): C-STORE-RQ 0001H, C-STORE-RSP 8001H,
// C-ECHO-RQ 0030H, C-ECHO-RSP 8030H, C-FIND-RQ 0020H, C-FIND-RSP 8020H, C-CANCEL-RQ 0FFFH
// (PS3.7 §9.3.2.3: Message ID Being Responded To, no Message ID); the others are read but not served.

import DICOM

/// Tags of the command set (PS3.7 Table E.1-1).
public extension Tag {
    static let commandGroupLength = Tag(0x0000, 0x0000)
    static let affectedSOPClassUID = Tag(0x0000, 0x0002)
    static let commandField = Tag(0x0000, 0x0100)
    static let messageID = Tag(0x0000, 0x0110)
    static let messageIDBeingRespondedTo = Tag(0x0000, 0x0120)
    static let moveDestination = Tag(0x0000, 0x0600)
    static let priority = Tag(0x0000, 0x0700)
    static let commandDataSetType = Tag(0x0000, 0x0800)
    static let status = Tag(0x0000, 0x0900)
    static let offendingElement = Tag(0x0000, 0x0901)
    static let errorComment = Tag(0x0000, 0x0902)
    static let affectedSOPInstanceUID = Tag(0x0000, 0x1000)
    static let moveOriginatorApplicationEntityTitle = Tag(0x0000, 0x1030)
    static let moveOriginatorMessageID = Tag(0x0000, 0x1031)
}

/// A DIMSE command: the command set of one message, with typed accessors for the fields the
/// services use. Other elements are kept in `dataSet` and written back.
public struct DIMSECommand: Sendable {
    public var dataSet: DataSet

    /// Command Data Set Type value meaning "no data set" (PS3.7 §E.1).
    public static let noDataSet: UInt16 = 0x0101

    public enum Field: UInt16, Sendable {
        case cStoreRQ = 0x0001, cStoreRSP = 0x8001
        case cGetRQ = 0x0010, cGetRSP = 0x8010
        case cFindRQ = 0x0020, cFindRSP = 0x8020
        case cMoveRQ = 0x0021, cMoveRSP = 0x8021
        case cEchoRQ = 0x0030, cEchoRSP = 0x8030
        case nEventReportRQ = 0x0100, nEventReportRSP = 0x8100
        case nGetRQ = 0x0110, nGetRSP = 0x8110
        case nSetRQ = 0x0120, nSetRSP = 0x8120
        case nActionRQ = 0x0130, nActionRSP = 0x8130
        case nCreateRQ = 0x0140, nCreateRSP = 0x8140
        case nDeleteRQ = 0x0150, nDeleteRSP = 0x8150
        case cCancelRQ = 0x0FFF
    }

    public init(dataSet: DataSet) { self.dataSet = dataSet }

    public init(field: Field) {
        dataSet = DataSet()
        setUS(.commandField, field.rawValue)
        setUS(.commandDataSetType, DIMSECommand.noDataSet)
    }

    // MARK: Typed fields

    public var commandFieldValue: UInt16? { us(.commandField) }
    public var field: Field? { commandFieldValue.flatMap(Field.init(rawValue:)) }
    public var isResponse: Bool { (commandFieldValue ?? 0) & 0x8000 != 0 }

    public var messageID: UInt16? {
        get { us(.messageID) }
        set { setUS(.messageID, newValue) }
    }
    public var messageIDBeingRespondedTo: UInt16? {
        get { us(.messageIDBeingRespondedTo) }
        set { setUS(.messageIDBeingRespondedTo, newValue) }
    }
    public var status: UInt16? {
        get { us(.status) }
        set { setUS(.status, newValue) }
    }
    public var priority: UInt16? {
        get { us(.priority) }
        set { setUS(.priority, newValue) }
    }
    public var hasDataSet: Bool {
        get { (us(.commandDataSetType) ?? DIMSECommand.noDataSet) != DIMSECommand.noDataSet }
        set { setUS(.commandDataSetType, newValue ? 0x0000 : DIMSECommand.noDataSet) }
    }
    public var affectedSOPClassUID: String? {
        get { uid(.affectedSOPClassUID) }
        set { setUID(.affectedSOPClassUID, newValue) }
    }
    public var affectedSOPInstanceUID: String? {
        get { uid(.affectedSOPInstanceUID) }
        set { setUID(.affectedSOPInstanceUID, newValue) }
    }
    public var moveOriginatorAETitle: String? {
        get { dataSet.string(.moveOriginatorApplicationEntityTitle) }
    }
    public var errorComment: String? {
        get { dataSet.string(.errorComment) }
        set {
            if let newValue { try? dataSet.set(.errorComment, vr: .LO, string: String(newValue.prefix(64))) } else { dataSet.remove(.errorComment) }
        }
    }

    /// A UID value: `dataSet.string(tag)`, read directly when it is digits and dots (with its padding),
    /// as nearly every UID is (read several times per C-STORE).
    func uid(_ tag: Tag) -> String? {
        if let element = dataSet[tag], element.vr == .UI, case .bytes(let b) = element.value {
            var end = b.count
            while end > 0, b[end - 1] == 0 || b[end - 1] == 0x20 { end -= 1 }
            if end > 0, b[..<end].allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E }) {
                return String(decoding: b[..<end], as: UTF8.self)
            }
        }
        return dataSet.string(tag)
    }

    func us(_ tag: Tag) -> UInt16? {
        guard case .bytes(let b)? = dataSet[tag]?.value, b.count >= 2 else { return nil }
        return UInt16(b[0]) | UInt16(b[1]) << 8
    }

    mutating func setUS(_ tag: Tag, _ v: UInt16?) {
        guard let v else { dataSet.remove(tag); return }
        dataSet.set(DataElement(tag: tag, vr: .US, bytes: [UInt8(v & 0xFF), UInt8(v >> 8)]))
    }

    mutating func setUID(_ tag: Tag, _ v: String?) {
        guard let v else { dataSet.remove(tag); return }
        var b = Array(v.utf8)
        if b.count % 2 == 1 { b.append(0) }
        dataSet.set(DataElement(tag: tag, vr: .UI, bytes: b))
    }

    // MARK: Encoding

    /// The command set in Implicit VR Little Endian with its group length computed.
    public func encoded() throws(DICOMError) -> [UInt8] {
        var body = dataSet
        body.remove(.commandGroupLength)
        let writer = DataSetWriter(transferSyntax: .implicitVRLittleEndian)
        let rest = try DataSetWriter.encode(body, transferSyntax: .implicitVRLittleEndian)
        var out: [UInt8] = []
        let n = UInt32(rest.count)
        try writer.write(DataElement(tag: .commandGroupLength, vr: .UL, bytes: [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)]), to: &out)
        return out + rest
    }

    /// Reads a command set: a flat list of Implicit VR Little Endian group 0000 elements
    /// (tag 4, length 4, value). Elements of other groups, or lengths past the end, are errors.
    public static func decode(_ bytes: [UInt8]) throws(DICOMNetworkError) -> DIMSECommand {
        var ds = DataSet()
        var i = 0
        func u32(_ at: Int) -> UInt32 { UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24 }
        while i < bytes.count {
            guard bytes.count - i >= 8 else { throw DICOMNetworkError(.malformedMessage, "command set element header cut short at byte \(i)") }
            let group = UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8
            let element = UInt16(bytes[i + 2]) | UInt16(bytes[i + 3]) << 8
            let length = Int(u32(i + 4))
            guard group == 0x0000 else {
                throw DICOMNetworkError(.malformedMessage, "element (\(String(group, radix: 16)),\(String(element, radix: 16))) in a command set")
            }
            guard length <= bytes.count - i - 8 else {
                throw DICOMNetworkError(.malformedMessage, "command element (0000,\(String(element, radix: 16))) length \(length) runs past the command set")
            }
            let tag = Tag(group, element)
            let value = Array(bytes[(i + 8)..<(i + 8 + length)])
            ds.set(DataElement(tag: tag, vr: DIMSECommand.vr(of: tag), bytes: value))
            i += 8 + length
        }
        let command = DIMSECommand(dataSet: ds)
        guard command.commandFieldValue != nil else { throw DICOMNetworkError(.malformedMessage, "command set without Command Field (0000,0100)") }
        return command
    }

    /// The VRs of PS3.7 Table E.1-1 (a command set is always implicit VR).
    static func vr(of tag: Tag) -> VR {
        switch tag.element {
        case 0x0000, 0x0001: return .UL
        case 0x0002, 0x0003, 0x1000, 0x1001: return .UI
        case 0x0600, 0x1030: return .AE
        case 0x0901, 0x1005: return .AT
        case 0x0902: return .LO
        default: return .US
        }
    }
}
