// PS3.8 §9.2 DICOM Upper Layer Protocol: the state machine.
// §9.2.1 States (Table 9-2, Sta1–Sta13), §9.2.2 Events (Table 9-1 / 9-10 rows, Evt1–Evt19),
// §9.2.3 Actions (Tables 9-6 to 9-9: AE-1…AE-8, DT-1…DT-2, AR-1…AR-10, AA-1…AA-8),
// Table 9-10 the state transition table.

/// The upper-layer protocol machine of one association, as a value: feed it events, carry out
/// the effects it returns. No I/O and no timers of its own; the ARTIM timer is started and
/// stopped through effects and its expiry comes back as `Event.artimExpired` (Evt18).
public struct UpperLayerStateMachine: Sendable, Equatable {
    /// Table 9-2.
    public enum State: Int, Sendable, CaseIterable, CustomStringConvertible {
        /// Idle.
        case sta1 = 1
        /// Transport connection open (awaiting A-ASSOCIATE-RQ PDU).
        case sta2
        /// Awaiting local A-ASSOCIATE response primitive.
        case sta3
        /// Awaiting transport connection opening to complete.
        case sta4
        /// Awaiting A-ASSOCIATE-AC or A-ASSOCIATE-RJ PDU.
        case sta5
        /// Association established and ready for data transfer.
        case sta6
        /// Awaiting A-RELEASE-RP PDU.
        case sta7
        /// Awaiting local A-RELEASE response primitive.
        case sta8
        /// Release collision requestor side; awaiting A-RELEASE response.
        case sta9
        /// Release collision acceptor side; awaiting A-RELEASE-RP PDU.
        case sta10
        /// Release collision requestor side; awaiting A-RELEASE-RP PDU.
        case sta11
        /// Release collision acceptor side; awaiting A-RELEASE response primitive.
        case sta12
        /// Awaiting transport connection close indication.
        case sta13

        public var description: String { "Sta\(rawValue)" }
    }

    /// Table 9-10 rows.
    public enum Event: Int, Sendable, CaseIterable, CustomStringConvertible {
        /// Evt1 A-ASSOCIATE request (local user).
        case associateRequest = 1
        /// Evt2 Transport connect confirmation (local transport service).
        case transportConnectConfirmation
        /// Evt3 A-ASSOCIATE-AC PDU received.
        case associateACReceived
        /// Evt4 A-ASSOCIATE-RJ PDU received.
        case associateRJReceived
        /// Evt5 Transport connection indication (local transport service).
        case transportConnectionIndication
        /// Evt6 A-ASSOCIATE-RQ PDU received.
        case associateRQReceived
        /// Evt7 A-ASSOCIATE response primitive (accept).
        case associateAccept
        /// Evt8 A-ASSOCIATE response primitive (reject).
        case associateReject
        /// Evt9 P-DATA request primitive.
        case pDataRequest
        /// Evt10 P-DATA-TF PDU received.
        case pDataReceived
        /// Evt11 A-RELEASE request primitive.
        case releaseRequest
        /// Evt12 A-RELEASE-RQ PDU received.
        case releaseRQReceived
        /// Evt13 A-RELEASE-RP PDU received.
        case releaseRPReceived
        /// Evt14 A-RELEASE response primitive.
        case releaseResponse
        /// Evt15 A-ABORT request primitive.
        case abortRequest
        /// Evt16 A-ABORT PDU received.
        case abortReceived
        /// Evt17 Transport connection closed indication.
        case transportClosed
        /// Evt18 ARTIM timer expired.
        case artimExpired
        /// Evt19 Unrecognized or invalid PDU received.
        case invalidPDUReceived

        public var description: String { "Evt\(rawValue)" }
    }

    /// Tables 9-6 to 9-9.
    public enum Action: String, Sendable, CaseIterable {
        case ae1 = "AE-1", ae2 = "AE-2", ae3 = "AE-3", ae4 = "AE-4", ae5 = "AE-5", ae6 = "AE-6", ae7 = "AE-7", ae8 = "AE-8"
        case dt1 = "DT-1", dt2 = "DT-2"
        case ar1 = "AR-1", ar2 = "AR-2", ar3 = "AR-3", ar4 = "AR-4", ar5 = "AR-5"
        case ar6 = "AR-6", ar7 = "AR-7", ar8 = "AR-8", ar9 = "AR-9", ar10 = "AR-10"
        case aa1 = "AA-1", aa2 = "AA-2", aa3 = "AA-3", aa4 = "AA-4", aa5 = "AA-5", aa6 = "AA-6", aa7 = "AA-7", aa8 = "AA-8"
    }

    /// What the caller must do, in order, to carry an action out.
    public enum Effect: Sendable, Equatable {
        /// Open the transport connection to the peer (AE-1).
        case openTransport
        /// Send the A-ASSOCIATE-RQ of the local request (AE-2).
        case sendAssociateRQ
        /// Tell the local user the association was accepted (AE-3).
        case indicateAssociateAccepted
        /// Tell the local user the association was rejected (AE-4).
        case indicateAssociateRejected
        /// Hand the received A-ASSOCIATE-RQ to the local user to accept or reject (AE-6).
        case indicateAssociateRequest
        /// Send the A-ASSOCIATE-AC of the local response (AE-7).
        case sendAssociateAC
        /// Send the A-ASSOCIATE-RJ of the local response (AE-8).
        case sendAssociateRJ
        /// Send the P-DATA-TF of the local request (DT-1, AR-7).
        case sendPData
        /// Hand the received P-DATA-TF to the local user (DT-2, AR-6).
        case indicatePData
        /// Send an A-RELEASE-RQ (AR-1).
        case sendReleaseRQ
        /// Tell the local user the peer asks to release (AR-2, AR-8).
        case indicateRelease
        /// Tell the local user the release completed (AR-3, AR-10).
        case confirmRelease
        /// Send an A-RELEASE-RP (AR-4, AR-9).
        case sendReleaseRP
        /// Send an A-ABORT with the service-user source (AA-1) or the service-provider source (AA-7, AA-8).
        case sendAbort(source: UInt8)
        /// Tell the local user of an abort: from the peer's user (A-ABORT) when `byPeerUser`,
        /// otherwise a provider abort (A-P-ABORT) (AA-3, AA-4, AA-8).
        case indicateAbort(byPeerUser: Bool)
        /// Tell the local user the peer's A-ABORT PDU arrived; the caller looks at its source
        /// (0: A-ABORT indication, 2: A-P-ABORT) (AA-3).
        case indicatePeerAbort
        case startARTIM
        case stopARTIM
        case closeTransport
    }

    /// One row of the table, carried out.
    public struct Transition: Sendable, Equatable {
        public var action: Action
        public var effects: [Effect]
        public var from: State
        public var to: State
    }

    public private(set) var state: State = .sta1
    /// Whether this side requested the association (decides AR-8's next state).
    public private(set) var isRequestor = false

    public init() {}

    /// A machine already in `state` (for tests and for resuming a handler's bookkeeping).
    public init(state: State, isRequestor: Bool) {
        self.state = state
        self.isRequestor = isRequestor
    }

    /// Applies `event`. Returns nil, leaving the state alone, for a (state, event) pair that the
    /// table leaves empty: for a local primitive that is a usage error; for a PDU it cannot
    /// happen without a transport connection.
    public mutating func handle(_ event: Event) -> Transition? {
        guard let action = UpperLayerStateMachine.action(for: event, in: state) else { return nil }
        let from = state
        var effects: [Effect] = []
        var next: State
        switch action {
        case .ae1:
            isRequestor = true
            effects = [.openTransport]; next = .sta4
        case .ae2: effects = [.sendAssociateRQ]; next = .sta5
        case .ae3: effects = [.indicateAssociateAccepted]; next = .sta6
        case .ae4: effects = [.indicateAssociateRejected, .closeTransport]; next = .sta1
        case .ae5:
            isRequestor = false
            effects = [.startARTIM]; next = .sta2
        case .ae6: effects = [.stopARTIM, .indicateAssociateRequest]; next = .sta3
        case .ae7: effects = [.sendAssociateAC]; next = .sta6
        case .ae8: effects = [.sendAssociateRJ, .startARTIM]; next = .sta13
        case .dt1: effects = [.sendPData]; next = .sta6
        case .dt2: effects = [.indicatePData]; next = .sta6
        case .ar1: effects = [.sendReleaseRQ]; next = .sta7
        case .ar2: effects = [.indicateRelease]; next = .sta8
        case .ar3: effects = [.confirmRelease, .closeTransport]; next = .sta1
        case .ar4: effects = [.sendReleaseRP, .startARTIM]; next = .sta13
        case .ar5: effects = [.stopARTIM]; next = .sta1
        case .ar6: effects = [.indicatePData]; next = .sta7
        case .ar7: effects = [.sendPData]; next = .sta8
        case .ar8: effects = [.indicateRelease]; next = isRequestor ? .sta9 : .sta10
        case .ar9: effects = [.sendReleaseRP]; next = .sta11
        case .ar10: effects = [.confirmRelease]; next = .sta12
        case .aa1: effects = [.sendAbort(source: AAbort.serviceUser), .startARTIM]; next = .sta13
        case .aa2: effects = [.stopARTIM, .closeTransport]; next = .sta1
        case .aa3: effects = [.indicatePeerAbort, .closeTransport]; next = .sta1
        case .aa4: effects = [.indicateAbort(byPeerUser: false)]; next = .sta1
        case .aa5: effects = [.stopARTIM]; next = .sta1
        case .aa6: effects = []; next = .sta13
        case .aa7: effects = [.sendAbort(source: AAbort.serviceProvider)]; next = .sta13
        case .aa8: effects = [.sendAbort(source: AAbort.serviceProvider), .indicateAbort(byPeerUser: false), .startARTIM]; next = .sta13
        }
        state = next
        return Transition(action: action, effects: effects, from: from, to: next)
    }

    /// Table 9-10: the action for `event` in `state`, or nil where the table is empty.
    public static func action(for event: Event, in state: State) -> Action? {
        // Columns Sta1…Sta13 of each row; nil where the table is empty.
        let row: [Action?]
        switch event {
        case .associateRequest:              row = [.ae1, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil]
        case .transportConnectConfirmation:  row = [nil, nil, nil, .ae2, nil, nil, nil, nil, nil, nil, nil, nil, nil]
        case .associateACReceived:           row = [nil, .aa1, .aa8, nil, .ae3, .aa8, .aa8, .aa8, .aa8, .aa8, .aa8, .aa8, .aa6]
        case .associateRJReceived:           row = [nil, .aa1, .aa8, nil, .ae4, .aa8, .aa8, .aa8, .aa8, .aa8, .aa8, .aa8, .aa6]
        case .transportConnectionIndication: row = [.ae5, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil]
        case .associateRQReceived:           row = [nil, .ae6, .aa8, nil, .aa8, .aa8, .aa8, .aa8, .aa8, .aa8, .aa8, .aa8, .aa7]
        case .associateAccept:               row = [nil, nil, .ae7, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil]
        case .associateReject:               row = [nil, nil, .ae8, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil]
        case .pDataRequest:                  row = [nil, nil, nil, nil, nil, .dt1, nil, .ar7, nil, nil, nil, nil, nil]
        case .pDataReceived:                 row = [nil, .aa1, .aa8, nil, .aa8, .dt2, .ar6, .aa8, .aa8, .aa8, .aa8, .aa8, .aa6]
        case .releaseRequest:                row = [nil, nil, nil, nil, nil, .ar1, nil, nil, nil, nil, nil, nil, nil]
        case .releaseRQReceived:             row = [nil, .aa1, .aa8, nil, .aa8, .ar2, .ar8, .aa8, .aa8, .aa8, .aa8, .aa8, .aa6]
        case .releaseRPReceived:             row = [nil, .aa1, .aa8, nil, .aa8, .aa8, .ar3, .aa8, .aa8, .ar10, .ar3, .aa8, .aa6]
        case .releaseResponse:               row = [nil, nil, nil, nil, nil, nil, nil, .ar4, .ar9, nil, nil, .ar4, nil]
        case .abortRequest:                  row = [nil, nil, .aa1, .aa2, .aa1, .aa1, .aa1, .aa1, .aa1, .aa1, .aa1, .aa1, nil]
        case .abortReceived:                 row = [nil, .aa2, .aa3, nil, .aa3, .aa3, .aa3, .aa3, .aa3, .aa3, .aa3, .aa3, .aa2]
        case .transportClosed:               row = [nil, .aa5, .aa4, .aa4, .aa4, .aa4, .aa4, .aa4, .aa4, .aa4, .aa4, .aa4, .ar5]
        case .artimExpired:                  row = [nil, .aa2, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, .aa2]
        case .invalidPDUReceived:            row = [nil, .aa1, .aa8, nil, .aa8, .aa8, .aa8, .aa8, .aa8, .aa8, .aa8, .aa8, .aa7]
        }
        return row[state.rawValue - 1]
    }
}
