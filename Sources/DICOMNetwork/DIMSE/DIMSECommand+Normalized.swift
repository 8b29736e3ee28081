// PS3.7 §10.1 DIMSE-N services and §10.3 their command sets (Table E.1-1 elements): N-EVENT-REPORT
// (§10.3.1: Affected SOP Class/Instance UID, Event Type ID), N-SET (§10.3.3: Requested SOP
// Class/Instance UID), N-ACTION (§10.3.4: Requested SOP Class/Instance UID, Action Type ID),
// N-CREATE (§10.3.5: Affected SOP Class UID, Affected SOP Instance UID optional in the request).
// Responses carry the Affected SOP Class/Instance UID, and the Event/Action Type ID when there is a reply.

import DICOM

public extension Tag {
    static let requestedSOPClassUID = Tag(0x0000, 0x0003)
    static let errorID = Tag(0x0000, 0x0903)
    static let requestedSOPInstanceUID = Tag(0x0000, 0x1001)
    static let eventTypeID = Tag(0x0000, 0x1002)
    static let attributeIdentifierList = Tag(0x0000, 0x1005)
    static let actionTypeID = Tag(0x0000, 0x1008)
}

extension DIMSECommand {
    public var requestedSOPClassUID: String? {
        get { dataSet.string(.requestedSOPClassUID) }
        set { setUID(.requestedSOPClassUID, newValue) }
    }
    public var requestedSOPInstanceUID: String? {
        get { dataSet.string(.requestedSOPInstanceUID) }
        set { setUID(.requestedSOPInstanceUID, newValue) }
    }
    public var eventTypeID: UInt16? {
        get { us(.eventTypeID) }
        set { setUS(.eventTypeID, newValue) }
    }
    public var actionTypeID: UInt16? {
        get { us(.actionTypeID) }
        set { setUS(.actionTypeID, newValue) }
    }
    /// Error ID (0000,0903): an implementation- or service-specific code for a failure.
    public var errorID: UInt16? {
        get { us(.errorID) }
        set { setUS(.errorID, newValue) }
    }

    /// The SOP class a request is about: Affected for N-CREATE and N-EVENT-REPORT, Requested
    /// for N-SET, N-ACTION, N-GET and N-DELETE.
    public var sopClassOfRequest: String? { affectedSOPClassUID ?? requestedSOPClassUID }
    /// The SOP instance a request is about (Affected or Requested).
    public var sopInstanceOfRequest: String? { affectedSOPInstanceUID ?? requestedSOPInstanceUID }

    /// The response to a DIMSE-N request (PS3.7 §10.3): the response command field, the
    /// message ID responded to, the Affected SOP Class and Instance UID taken from the request
    /// (Affected or Requested), and the status.
    public static func normalizedResponse(to request: DIMSECommand, status: UInt16, affectedSOPInstanceUID: String? = nil) -> DIMSECommand {
        var rsp = DIMSECommand(dataSet: DataSet())
        rsp.setUS(.commandField, (request.commandFieldValue ?? 0) | 0x8000)
        rsp.hasDataSet = false
        rsp.messageIDBeingRespondedTo = request.messageID
        rsp.affectedSOPClassUID = request.sopClassOfRequest
        rsp.affectedSOPInstanceUID = affectedSOPInstanceUID ?? request.sopInstanceOfRequest
        rsp.status = status
        if status == DIMSEStatus.success || DIMSEStatus.category(status) == .warning {
            if request.field == .nActionRQ { rsp.actionTypeID = request.actionTypeID }
            if request.field == .nEventReportRQ { rsp.eventTypeID = request.eventTypeID }
        }
        return rsp
    }
}

/// Status codes of DIMSE-N services (PS3.7 Annex C, §C.4 and §C.5).
extension DIMSEStatus {
    /// No such attribute (0105H).
    public static let noSuchAttribute: UInt16 = 0x0105
    /// Invalid attribute value (0106H).
    public static let invalidAttributeValue: UInt16 = 0x0106
    /// Attribute list error, a warning (0107H).
    public static let attributeListError: UInt16 = 0x0107
    /// Duplicate SOP instance (0111H).
    public static let duplicateSOPInstance: UInt16 = 0x0111
    /// No such SOP instance (0112H).
    public static let noSuchSOPInstance: UInt16 = 0x0112
    /// No such event type (0113H).
    public static let noSuchEventType: UInt16 = 0x0113
    /// Invalid object instance (0117H).
    public static let invalidObjectInstance: UInt16 = 0x0117
    /// No such SOP class (0118H).
    public static let noSuchSOPClass: UInt16 = 0x0118
    /// Class-instance conflict (0119H).
    public static let classInstanceConflict: UInt16 = 0x0119
    /// Missing attribute (0120H).
    public static let missingAttribute: UInt16 = 0x0120
    /// Missing attribute value (0121H).
    public static let missingAttributeValue: UInt16 = 0x0121
    /// No such action type (0123H).
    public static let noSuchActionType: UInt16 = 0x0123
    /// Resource limitation (0213H).
    public static let resourceLimitation: UInt16 = 0x0213
}
