// PS3.8 §9.3.3.2 / §9.3.4 and PS3.7 Annex D.3: the acceptor's decisions, without sockets.

import Testing
@testable import DICOMNetwork

@Suite struct NegotiationTests {
    static let implicitLE = "1.2.840.10008.1.2", explicitLE = "1.2.840.10008.1.2.1", jpeg = "1.2.840.10008.1.2.4.50"
    static let ct = "1.2.840.10008.5.1.4.1.1.2"

    func rq(called: String = "SCP", calling: String = "SCU", _ contexts: [PresentationContextRQ]) -> AAssociateRQ {
        AAssociateRQ(calledAETitle: called, callingAETitle: calling, presentationContexts: contexts, userInformation: UserInformation(maximumLength: 16384))
    }

    func policy() -> AcceptorPolicy {
        var p = AcceptorPolicy(aeTitle: "SCP")
        p.abstractSyntaxes = [AssociationNegotiator.verificationSOPClass: [Self.explicitLE, Self.implicitLE], Self.ct: [Self.explicitLE, Self.implicitLE]]
        return p
    }

    @Test func acceptsByPreferenceAndRejectsPerContext() {
        let decision = AssociationNegotiator.negotiate(rq([
            PresentationContextRQ(id: 1, abstractSyntax: Self.ct, transferSyntaxes: [Self.implicitLE, Self.explicitLE]),
            PresentationContextRQ(id: 3, abstractSyntax: Self.ct, transferSyntaxes: [Self.jpeg]),
            PresentationContextRQ(id: 5, abstractSyntax: "1.2.3.4", transferSyntaxes: [Self.implicitLE]),
        ]), policy: policy(), implementation: UserInformation())
        guard case .accept(let ac) = decision else { Issue.record("rejected"); return }
        // Our preference (explicit) wins over the proposal's order.
        #expect(ac.presentationContexts[0] == PresentationContextAC(id: 1, result: .acceptance, transferSyntax: Self.explicitLE))
        #expect(ac.presentationContexts[1].result == .transferSyntaxesNotSupported)
        #expect(ac.presentationContexts[2].result == .abstractSyntaxNotSupported)
        #expect(ac.userInformation.maximumLength == 65536)
        #expect(ac.calledAETitle == "SCP" && ac.callingAETitle == "SCU")
    }

    @Test func storageSCPTakesTheRequestorsFirstChoiceForUnlistedClasses() {
        var p = policy()
        p.otherAbstractSyntaxes = AcceptorPolicy.uncompressed
        p.acceptAnyTransferSyntax = true
        let decision = AssociationNegotiator.negotiate(rq([
            PresentationContextRQ(id: 1, abstractSyntax: "1.2.840.10008.5.1.4.1.1.7", transferSyntaxes: [Self.jpeg, Self.explicitLE]),
        ]), policy: p, implementation: UserInformation())
        guard case .accept(let ac) = decision else { Issue.record("rejected"); return }
        #expect(ac.presentationContexts[0].transferSyntax == Self.jpeg)
    }

    @Test func rejections() {
        let pc = [PresentationContextRQ(id: 1, abstractSyntax: Self.ct, transferSyntaxes: [Self.implicitLE])]
        var p = policy()
        #expect(AssociationNegotiator.negotiate(rq(called: "OTHER", pc), policy: p, implementation: UserInformation())
                == .reject(AAssociateRJ(result: 1, source: 1, reason: 7)))
        p.allowedCallingAETitles = ["MODALITY"]
        #expect(AssociationNegotiator.negotiate(rq(pc), policy: p, implementation: UserInformation())
                == .reject(AAssociateRJ(result: 1, source: 1, reason: 3)))
        var wrongContext = rq(calling: "MODALITY", pc)
        wrongContext.applicationContextName = "1.2.3"
        #expect(AssociationNegotiator.negotiate(wrongContext, policy: p, implementation: UserInformation())
                == .reject(AAssociateRJ(result: 1, source: 1, reason: 2)))
        var wrongVersion = rq(calling: "MODALITY", pc)
        wrongVersion.protocolVersion = 2
        #expect(AssociationNegotiator.negotiate(wrongVersion, policy: p, implementation: UserInformation())
                == .reject(AAssociateRJ(result: 1, source: 2, reason: 2)))
        // Called AE title not checked when so configured.
        p.checkCalledAETitle = false
        if case .reject = AssociationNegotiator.negotiate(rq(called: "OTHER", calling: "MODALITY", pc), policy: p, implementation: UserInformation()) {
            Issue.record("should accept any called AE title")
        }
    }
}
