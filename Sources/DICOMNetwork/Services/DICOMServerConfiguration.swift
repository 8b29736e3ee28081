// Configuration of the SCP application (listener, negotiation, services, timeouts).

import NIOCore
import NIOSSL

/// Timeouts (PS3.8 §9.1.5 ARTIM; DIMSE response wait; TCP connect).
public struct DICOMTimeouts: Sendable {
    /// TCP connect (SCU).
    public var connect: TimeAmount = .seconds(10)
    /// ARTIM: waiting for an A-ASSOCIATE-RQ after connect, an AC/RJ after the RQ, and for
    /// the transport to close after a release or abort.
    public var association: TimeAmount = .seconds(30)
    /// Waiting for a DIMSE response (SCU) or for the next PDU inside a message (SCP idle).
    public var dimse: TimeAmount = .seconds(60)

    public init() {}
}

/// What the SCP listens on, accepts and serves.
public struct DICOMServerConfiguration: Sendable {
    public var host: String = "0.0.0.0"
    /// 0 picks a free port (read it back from `DICOMServer.port`).
    public var port: Int = 0
    public var policy: AcceptorPolicy
    /// Answer C-ECHO (Verification).
    public var echo = true
    /// Receive C-STORE: instances go to this handler.
    public var storage: (any StorageHandler)?
    /// Answer C-FIND (Patient Root, Study Root Q/R and Modality Worklist) with this handler.
    public var query: (any QueryHandler)?
    /// Answer C-MOVE and C-GET (Patient Root and Study Root Q/R) with the instances this handler names.
    public var retrieve: (any RetrieveHandler)?
    /// Accept MPPS N-CREATE/N-SET (PS3.4 Annex F); instances go to this handler.
    public var mpps: (any MPPSHandler)?
    /// Answer Storage Commitment Push Model N-ACTIONs (PS3.4 Annex J) with this handler.
    public var storageCommitment: (any StorageCommitmentHandler)?
    /// The AE table: AE title → where it listens and whether over TLS. C-MOVE destinations (an unknown one gets
    /// A801H) and storage commitment results once the requesting association has ended are sent there.
    public var remoteEntities: [String: RemoteApplicationEntity] = [:]
    /// Where data sets are streamed while they arrive (the same file system as the storage
    /// handler's target, so that moving a file is a rename).
    public var temporaryDirectory: String
    public var timeouts = DICOMTimeouts()
    /// Largest PDU accepted; longer ones abort the association before being read.
    public var maximumPDULength = PDUDecoder.defaultMaximumPDULength
    /// Associations served at once; more are rejected (transient, local limit exceeded).
    public var maximumAssociations = 64
    /// The Implementation Class UID and Version Name sent in the A-ASSOCIATE-AC.
    public var implementation = UserInformation(implementationClassUID: "1.2.826.0.1.3680043.10.1472.1", implementationVersionName: "ISTHMUS_010")
    /// TLS (PS3.15 Annex B): every connection is TLS with this context (see ``DICOMTLS``); nil for plain TCP.
    public var tls: NIOSSLContext?
    /// Flush each received file to disk (`fdatasync`, with write-back started while a large one arrives)
    /// before the storage handler gets it and the response is sent (durable before acknowledged). Turn
    /// off only when the storage handler makes the instance durable itself, or for a throwaway receiver
    /// (DCMTK's storescp does not fsync); an `ImmediateStorageHandler` is then called on the event loop.
    public var syncReceivedFiles = true

    public init(aeTitle: String, temporaryDirectory: String) {
        policy = AcceptorPolicy(aeTitle: aeTitle)
        self.temporaryDirectory = temporaryDirectory
    }

    /// The policy actually used: Verification added when `echo` is on, every other abstract
    /// syntax accepted (any transfer syntax, uncompressed preferred) when storage or retrieve is on.
    var effectivePolicy: AcceptorPolicy {
        var p = policy
        if echo && p.abstractSyntaxes[AssociationNegotiator.verificationSOPClass] == nil {
            p.abstractSyntaxes[AssociationNegotiator.verificationSOPClass] = ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2"]
        }
        if query != nil {
            for model in QueryModel.allCases where p.abstractSyntaxes[model.rawValue] == nil {
                p.abstractSyntaxes[model.rawValue] = ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2"]
            }
        }
        if retrieve != nil {
            for model in RetrieveModel.allCases {
                for uid in [model.moveSOPClassUID, model.getSOPClassUID] where p.abstractSyntaxes[uid] == nil {
                    p.abstractSyntaxes[uid] = ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2"]
                }
            }
        }
        if mpps != nil && p.abstractSyntaxes[MPPS.sopClassUID] == nil {
            p.abstractSyntaxes[MPPS.sopClassUID] = ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2"]
        }
        if storageCommitment != nil && p.abstractSyntaxes[StorageCommitment.sopClassUID] == nil {
            p.abstractSyntaxes[StorageCommitment.sopClassUID] = ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2"]
        }
        // C-GET sends its instances on the requestor's storage contexts: accept them too.
        if (storage != nil || retrieve != nil) && p.otherAbstractSyntaxes == nil {
            p.otherAbstractSyntaxes = AcceptorPolicy.uncompressed
            p.acceptAnyTransferSyntax = true
        }
        return p
    }
}
