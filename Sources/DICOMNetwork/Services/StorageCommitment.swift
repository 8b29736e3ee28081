// PS3.4 Annex J Storage Commitment Push Model SOP Class (1.2.840.10008.1.20.1, well-known
// instance 1.2.840.10008.1.20.1.1): the N-ACTION Action Information (§J.3.2, action type 1:
// Transaction UID, Referenced SOP Sequence) and the N-EVENT-REPORT Event Information (§J.3.3,
// event type 1 all committed / 2 failures exist: Transaction UID, Referenced SOP Sequence,
// Failed SOP Sequence with Failure Reason, PS3.3 C.14.1.1 reasons).

import DICOM
import Foundation

public extension Tag {
    static let retrieveAETitle = Tag(0x0008, 0x0054)
    static let referencedSOPClassUID = Tag(0x0008, 0x1150)
    static let referencedSOPInstanceUID = Tag(0x0008, 0x1155)
    static let transactionUID = Tag(0x0008, 0x1195)
    static let failureReason = Tag(0x0008, 0x1197)
    static let failedSOPSequence = Tag(0x0008, 0x1198)
    static let referencedSOPSequence = Tag(0x0008, 0x1199)
}

public enum StorageCommitment {
    public static let sopClassUID = "1.2.840.10008.1.20.1"
    public static let wellKnownInstanceUID = "1.2.840.10008.1.20.1.1"
    /// Action Type ID of "Request Storage Commitment".
    public static let requestActionType: UInt16 = 1
    /// Event Type IDs: all instances committed (1), failures exist (2).
    public static let successEventType: UInt16 = 1
    public static let failuresEventType: UInt16 = 2

    /// Failure Reason values (PS3.3 C.14.1.1).
    public enum FailureReason {
        public static let processingFailure: UInt16 = 0x0110
        public static let noSuchObjectInstance: UInt16 = 0x0112
        public static let resourceLimitation: UInt16 = 0x0213
        public static let referencedSOPClassNotSupported: UInt16 = 0x0122
        public static let classInstanceConflict: UInt16 = 0x0119
        public static let duplicateTransactionUID: UInt16 = 0x0131
    }
}

/// A SOP instance named in a commitment request or result.
public struct SOPReference: Sendable, Hashable {
    public var sopClassUID: String
    public var sopInstanceUID: String
    public init(sopClassUID: String, sopInstanceUID: String) {
        self.sopClassUID = sopClassUID
        self.sopInstanceUID = sopInstanceUID
    }

    var item: DICOM.Item {
        var ds = DataSet()
        try? ds.set(.referencedSOPClassUID, vr: .UI, string: sopClassUID)
        try? ds.set(.referencedSOPInstanceUID, vr: .UI, string: sopInstanceUID)
        return DICOM.Item(dataSet: ds)
    }

    init?(item: DICOM.Item) {
        guard let c = item.dataSet.string(.referencedSOPClassUID), let i = item.dataSet.string(.referencedSOPInstanceUID),
              !c.isEmpty, !i.isEmpty else { return nil }
        self.init(sopClassUID: c, sopInstanceUID: i)
    }
}

/// An N-ACTION "Request Storage Commitment".
public struct CommitmentRequest: Sendable {
    public var transactionUID: String
    public var references: [SOPReference]
    /// The AE that asked (the SCP's side fills it in).
    public var callingAETitle: String

    public init(transactionUID: String, references: [SOPReference], callingAETitle: String = "") {
        self.transactionUID = transactionUID
        self.references = references
        self.callingAETitle = callingAETitle
    }

    /// The Action Information.
    public var dataSet: DataSet {
        var ds = DataSet()
        try? ds.set(.transactionUID, vr: .UI, string: transactionUID)
        ds.set(.referencedSOPSequence, items: references.map(\.item))
        return ds
    }

    /// Reads the Action Information; a missing or unusable attribute is the DIMSE status to answer
    /// with (0120H missing attribute, 0121H missing attribute value, 0106H invalid attribute value).
    static func read(_ ds: DataSet, callingAETitle: String) -> Result<CommitmentRequest, CommitmentRequestError> {
        guard ds[.transactionUID] != nil else { return .failure(.init(status: DIMSEStatus.missingAttribute, comment: "Transaction UID missing")) }
        guard let transaction = ds.string(.transactionUID), !transaction.isEmpty else {
            return .failure(.init(status: DIMSEStatus.missingAttributeValue, comment: "Transaction UID empty"))
        }
        guard let items = ds.items(.referencedSOPSequence) else {
            return .failure(.init(status: DIMSEStatus.missingAttribute, comment: "Referenced SOP Sequence missing"))
        }
        guard !items.isEmpty else { return .failure(.init(status: DIMSEStatus.missingAttributeValue, comment: "Referenced SOP Sequence empty")) }
        var refs: [SOPReference] = []
        for item in items {
            guard let r = SOPReference(item: item) else {
                return .failure(.init(status: DIMSEStatus.invalidAttributeValue, comment: "Referenced SOP Sequence item without SOP class or instance"))
            }
            refs.append(r)
        }
        return .success(CommitmentRequest(transactionUID: transaction, references: refs, callingAETitle: callingAETitle))
    }
}

struct CommitmentRequestError: Error {
    var status: UInt16
    var comment: String
}

/// The outcome of a commitment request: what is committed and what failed, with a reason each.
public struct CommitmentResult: Sendable, Equatable {
    public var transactionUID: String
    public var committed: [SOPReference]
    public var failed: [Failure]
    /// Retrieve AE Title (0008,0054) put in each committed item, when set.
    public var retrieveAETitle: String?

    public struct Failure: Sendable, Hashable {
        public var reference: SOPReference
        public var reason: UInt16
        public init(reference: SOPReference, reason: UInt16) {
            self.reference = reference
            self.reason = reason
        }
    }

    public init(transactionUID: String, committed: [SOPReference], failed: [Failure], retrieveAETitle: String? = nil) {
        self.transactionUID = transactionUID
        self.committed = committed
        self.failed = failed
        self.retrieveAETitle = retrieveAETitle
    }

    /// 1 when every instance is committed, 2 when failures exist.
    public var eventTypeID: UInt16 { failed.isEmpty ? StorageCommitment.successEventType : StorageCommitment.failuresEventType }

    /// The Event Information: Referenced SOP Sequence only when something is committed (for
    /// event type 2 it is optional), Failed SOP Sequence only for event type 2.
    public var dataSet: DataSet {
        var ds = DataSet()
        try? ds.set(.transactionUID, vr: .UI, string: transactionUID)
        if let retrieveAETitle, !committed.isEmpty { try? ds.set(.retrieveAETitle, vr: .AE, string: retrieveAETitle) }
        if !committed.isEmpty || failed.isEmpty { ds.set(.referencedSOPSequence, items: committed.map(\.item)) }
        if !failed.isEmpty {
            ds.set(.failedSOPSequence, items: failed.map { f in
                var item = f.reference.item
                item.dataSet.set(DataElement(tag: .failureReason, vr: .US, bytes: [UInt8(f.reason & 0xFF), UInt8(f.reason >> 8)]))
                return item
            })
        }
        return ds
    }

    /// Reads an Event Information data set (either event type).
    public init(dataSet ds: DataSet) throws(DICOMNetworkError) {
        guard let transaction = ds.string(.transactionUID), !transaction.isEmpty else {
            throw DICOMNetworkError(.malformedMessage, "storage commitment event without Transaction UID")
        }
        transactionUID = transaction
        retrieveAETitle = ds.string(.retrieveAETitle)?.trimmingCharacters(in: .whitespaces)
        committed = (ds.items(.referencedSOPSequence) ?? []).compactMap(SOPReference.init(item:))
        failed = (ds.items(.failedSOPSequence) ?? []).compactMap { item in
            SOPReference(item: item).map { Failure(reference: $0, reason: UInt16(truncatingIfNeeded: item.dataSet.int(.failureReason) ?? Int(StorageCommitment.FailureReason.processingFailure))) }
        }
    }
}
