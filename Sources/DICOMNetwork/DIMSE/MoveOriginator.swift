// PS3.7 §9.3.1.1 C-STORE-RQ Move Originator Application Entity Title (0000,1030) and Message ID
// (0000,1031); §9.3.4.1 C-MOVE-RQ Move Destination (0000,0600).

import DICOM

/// PS3.7 §9.3.1.1: a C-STORE-RQ sent as a C-MOVE sub-operation names the C-MOVE's requestor
/// and message (Move Originator Application Entity Title and Message ID).
public struct MoveOriginator: Sendable, Equatable {
    public var aeTitle: String
    public var messageID: UInt16
    public init(aeTitle: String, messageID: UInt16) {
        self.aeTitle = aeTitle
        self.messageID = messageID
    }
}

extension DIMSECommand {
    mutating func setMoveOriginator(_ originator: MoveOriginator?) {
        guard let originator else { return }
        var ae = Array(originator.aeTitle.utf8.prefix(16))
        if ae.count % 2 == 1 { ae.append(0x20) }
        dataSet.set(DataElement(tag: .moveOriginatorApplicationEntityTitle, vr: .AE, bytes: ae))
        setUS(.moveOriginatorMessageID, originator.messageID)
    }

    public var moveDestination: String? {
        get { dataSet.string(.moveDestination).map(QueryMatcher.trim) }
        set {
            guard let newValue else { dataSet.remove(.moveDestination); return }
            var ae = Array(newValue.utf8.prefix(16))
            if ae.count % 2 == 1 { ae.append(0x20) }
            dataSet.set(DataElement(tag: .moveDestination, vr: .AE, bytes: ae))
        }
    }
}
