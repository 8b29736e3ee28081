// PS3.8 §9.2 the upper-layer state machine: every (state, event) pair of Table 9-10.

import Testing
@testable import DICOMNetwork

typealias SM = UpperLayerStateMachine

@Suite struct UpperLayerStateMachineTests {
    /// Table 9-10 as printed in PS3.8: one line per event, thirteen columns Sta1…Sta13,
    /// "-" where the table is empty. Typed from the standard, independently of the source.
    static let table = """
    Evt1   AE-1 -    -    -    -    -    -    -    -    -     -    -    -
    Evt2   -    -    -    AE-2 -    -    -    -    -    -     -    -    -
    Evt3   -    AA-1 AA-8 -    AE-3 AA-8 AA-8 AA-8 AA-8 AA-8  AA-8 AA-8 AA-6
    Evt4   -    AA-1 AA-8 -    AE-4 AA-8 AA-8 AA-8 AA-8 AA-8  AA-8 AA-8 AA-6
    Evt5   AE-5 -    -    -    -    -    -    -    -    -     -    -    -
    Evt6   -    AE-6 AA-8 -    AA-8 AA-8 AA-8 AA-8 AA-8 AA-8  AA-8 AA-8 AA-7
    Evt7   -    -    AE-7 -    -    -    -    -    -    -     -    -    -
    Evt8   -    -    AE-8 -    -    -    -    -    -    -     -    -    -
    Evt9   -    -    -    -    -    DT-1 -    AR-7 -    -     -    -    -
    Evt10  -    AA-1 AA-8 -    AA-8 DT-2 AR-6 AA-8 AA-8 AA-8  AA-8 AA-8 AA-6
    Evt11  -    -    -    -    -    AR-1 -    -    -    -     -    -    -
    Evt12  -    AA-1 AA-8 -    AA-8 AR-2 AR-8 AA-8 AA-8 AA-8  AA-8 AA-8 AA-6
    Evt13  -    AA-1 AA-8 -    AA-8 AA-8 AR-3 AA-8 AA-8 AR-10 AR-3 AA-8 AA-6
    Evt14  -    -    -    -    -    -    -    AR-4 AR-9 -     -    AR-4 -
    Evt15  -    -    AA-1 AA-2 AA-1 AA-1 AA-1 AA-1 AA-1 AA-1  AA-1 AA-1 -
    Evt16  -    AA-2 AA-3 -    AA-3 AA-3 AA-3 AA-3 AA-3 AA-3  AA-3 AA-3 AA-2
    Evt17  -    AA-5 AA-4 AA-4 AA-4 AA-4 AA-4 AA-4 AA-4 AA-4  AA-4 AA-4 AR-5
    Evt18  -    AA-2 -    -    -    -    -    -    -    -     -    -    AA-2
    Evt19  -    AA-1 AA-8 -    AA-8 AA-8 AA-8 AA-8 AA-8 AA-8  AA-8 AA-8 AA-7
    """

    /// Tables 9-6 to 9-9: the next state of each action (AR-8 depends on the side).
    static func nextState(_ action: String, requestor: Bool) -> Int {
        switch action {
        case "AE-1": 4
        case "AE-2": 5
        case "AE-3": 6
        case "AE-4": 1
        case "AE-5": 2
        case "AE-6": 3
        case "AE-7": 6
        case "AE-8": 13
        case "DT-1", "DT-2": 6
        case "AR-1": 7
        case "AR-2": 8
        case "AR-3": 1
        case "AR-4": 13
        case "AR-5": 1
        case "AR-6": 7
        case "AR-7": 8
        case "AR-8": requestor ? 9 : 10
        case "AR-9": 11
        case "AR-10": 12
        case "AA-1": 13
        case "AA-2", "AA-3", "AA-4", "AA-5": 1
        case "AA-6", "AA-7", "AA-8": 13
        default: -1
        }
    }

    static var expected: [String: String] {
        var cells: [String: String] = [:]
        for line in table.split(separator: "\n") {
            let cols = line.split(separator: " ").map(String.init)
            for (i, cell) in cols.dropFirst().enumerated() where cell != "-" { cells["\(cols[0]) Sta\(i + 1)"] = cell }
        }
        return cells
    }

    @Test(arguments: SM.State.allCases)
    func everyEventInState(_ state: SM.State) {
        let expected = Self.expected
        for requestor in [true, false] {
            for event in SM.Event.allCases {
                var m = SM(state: state, isRequestor: requestor)
                let t = m.handle(event)
                let key = "\(event) \(state)"
                if let action = expected[key] {
                    #expect(t?.action.rawValue == action, "\(key)")
                    #expect(m.state.rawValue == Self.nextState(action, requestor: requestor), "\(key) → \(m.state)")
                    #expect(t?.from == state && t?.to == m.state)
                } else {
                    #expect(t == nil, "\(key) should be empty in Table 9-10")
                    #expect(m.state == state, "\(key) must not move")
                }
            }
        }
    }

    @Test func tableHas19EventsAnd13States() {
        #expect(SM.Event.allCases.count == 19)
        #expect(SM.State.allCases.count == 13)
        #expect(Self.expected.count == 123)
    }

    @Test func requestorEstablishesAndReleases() {
        var m = SM()
        #expect(m.handle(.associateRequest)?.effects == [.openTransport])
        #expect(m.handle(.transportConnectConfirmation)?.effects == [.sendAssociateRQ])
        #expect(m.handle(.associateACReceived)?.effects == [.indicateAssociateAccepted])
        #expect(m.handle(.pDataRequest)?.effects == [.sendPData])
        #expect(m.handle(.pDataReceived)?.effects == [.indicatePData])
        #expect(m.handle(.releaseRequest)?.effects == [.sendReleaseRQ])
        // P-DATA can still arrive while awaiting the A-RELEASE-RP (AR-6).
        #expect(m.handle(.pDataReceived)?.action == .ar6)
        #expect(m.handle(.releaseRPReceived)?.effects == [.confirmRelease, .closeTransport])
        #expect(m.state == .sta1)
    }

    @Test func acceptorEstablishesWithARTIMAndReleases() {
        var m = SM()
        #expect(m.handle(.transportConnectionIndication)?.effects == [.startARTIM])
        #expect(m.handle(.associateRQReceived)?.effects == [.stopARTIM, .indicateAssociateRequest])
        #expect(m.handle(.associateAccept)?.effects == [.sendAssociateAC])
        #expect(m.handle(.releaseRQReceived)?.effects == [.indicateRelease])
        // The acceptor may still send P-DATA before its A-RELEASE response (AR-7).
        #expect(m.handle(.pDataRequest)?.action == .ar7)
        #expect(m.handle(.releaseResponse)?.effects == [.sendReleaseRP, .startARTIM])
        #expect(m.state == .sta13)
        #expect(m.handle(.transportClosed)?.effects == [.stopARTIM])
        #expect(m.state == .sta1)
    }

    @Test func acceptorRejectsThenARTIMCloses() {
        var m = SM(state: .sta3, isRequestor: false)
        #expect(m.handle(.associateReject)?.effects == [.sendAssociateRJ, .startARTIM])
        // The peer never closes: ARTIM expiry closes the transport (AA-2).
        #expect(m.handle(.artimExpired)?.effects == [.stopARTIM, .closeTransport])
        #expect(m.state == .sta1)
    }

    @Test func releaseCollisionRequestorSide() {
        var m = SM(state: .sta6, isRequestor: true)
        _ = m.handle(.releaseRequest)                                    // AR-1 → Sta7
        #expect(m.handle(.releaseRQReceived)?.to == .sta9)               // AR-8, requestor
        #expect(m.handle(.releaseResponse)?.effects == [.sendReleaseRP]) // AR-9 → Sta11
        #expect(m.state == .sta11)
        #expect(m.handle(.releaseRPReceived)?.effects == [.confirmRelease, .closeTransport]) // AR-3
        #expect(m.state == .sta1)
    }

    @Test func releaseCollisionAcceptorSide() {
        var m = SM(state: .sta6, isRequestor: false)
        _ = m.handle(.releaseRequest)                                    // AR-1 → Sta7
        #expect(m.handle(.releaseRQReceived)?.to == .sta10)              // AR-8, acceptor
        #expect(m.handle(.releaseRPReceived)?.effects == [.confirmRelease]) // AR-10 → Sta12
        #expect(m.handle(.releaseResponse)?.effects == [.sendReleaseRP, .startARTIM]) // AR-4 → Sta13
        #expect(m.handle(.transportClosed)?.action == .ar5)
        #expect(m.state == .sta1)
    }

    @Test func abortsAndProviderAborts() {
        // A-ABORT request by the local user (AA-1).
        var m = SM(state: .sta6, isRequestor: true)
        #expect(m.handle(.abortRequest)?.effects == [.sendAbort(source: 0), .startARTIM])
        // The peer's PDUs are then ignored (AA-6) until the transport closes (AR-5).
        #expect(m.handle(.pDataReceived)?.action == .aa6)
        #expect(m.handle(.transportClosed)?.action == .ar5)
        // An A-ABORT PDU received (AA-3).
        m = SM(state: .sta6, isRequestor: false)
        #expect(m.handle(.abortReceived)?.effects == [.indicatePeerAbort, .closeTransport])
        // An invalid PDU: A-ABORT with the provider source, A-P-ABORT indication (AA-8).
        m = SM(state: .sta6, isRequestor: false)
        #expect(m.handle(.invalidPDUReceived)?.effects == [.sendAbort(source: 2), .indicateAbort(byPeerUser: false), .startARTIM])
        // The transport drops mid-association: A-P-ABORT (AA-4).
        m = SM(state: .sta6, isRequestor: false)
        #expect(m.handle(.transportClosed)?.effects == [.indicateAbort(byPeerUser: false)])
        // Abort while the transport is still connecting (AA-2).
        m = SM(state: .sta4, isRequestor: true)
        #expect(m.handle(.abortRequest)?.effects == [.stopARTIM, .closeTransport])
    }
}
