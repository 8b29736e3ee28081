// PS3.8 §7.1.1 A-ASSOCIATE parameters and PS3.7 Annex D.3: the acceptor's choice. Rejections
// use PS3.8 §9.3.4 Table 9-21 results, sources and reasons; presentation context results
// §9.3.3.2 Table 9-18.

/// What an acceptor accepts: its AE title, who may call it, which abstract syntaxes with
/// which transfer syntaxes (in order of preference).
public struct AcceptorPolicy: Sendable {
    /// Our AE title; with `checkCalledAETitle` a request for another title is rejected.
    public var aeTitle: String
    public var checkCalledAETitle: Bool = true
    /// Calling AE titles allowed in; nil lets everyone in.
    public var allowedCallingAETitles: Set<String>?
    /// Abstract syntax UID → acceptable transfer syntax UIDs, most preferred first.
    public var abstractSyntaxes: [String: [String]] = [:]
    /// Transfer syntaxes for abstract syntaxes not listed above (e.g. every storage SOP class);
    /// nil rejects unlisted abstract syntaxes.
    public var otherAbstractSyntaxes: [String]?
    /// For an unlisted abstract syntax, accept the requestor's first proposed transfer syntax,
    /// whatever it is (a storage SCP that keeps what it receives as it is).
    public var acceptAnyTransferSyntax = false
    /// Our Maximum Length Received, sent in the A-ASSOCIATE-AC.
    public var maximumLength: UInt32 = 65536

    public init(aeTitle: String) { self.aeTitle = aeTitle }

    /// Uncompressed transfer syntaxes, most preferred first.
    public static let uncompressed = ["1.2.840.10008.1.2.1", "1.2.840.10008.1.2", "1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.2"]
}

/// The outcome of negotiation: accepted (with a result per context) or rejected.
public enum AssociationDecision: Sendable, Equatable {
    case accept(AAssociateAC)
    case reject(AAssociateRJ)
}

public enum AssociationNegotiator {
    public static let verificationSOPClass = "1.2.840.10008.1.1"

    /// Decides on an A-ASSOCIATE-RQ.
    public static func negotiate(_ rq: AAssociateRQ, policy: AcceptorPolicy, implementation: UserInformation) -> AssociationDecision {
        guard rq.protocolVersion & 1 == 1 else { return .reject(.protocolVersionNotSupported()) }
        guard rq.applicationContextName == dicomApplicationContextName else { return .reject(.applicationContextNameNotSupported()) }
        if policy.checkCalledAETitle && rq.calledAETitle != policy.aeTitle { return .reject(.calledAETitleNotRecognized()) }
        if let allowed = policy.allowedCallingAETitles, !allowed.contains(rq.callingAETitle) { return .reject(.callingAETitleNotRecognized()) }
        var results: [PresentationContextAC] = []
        for pc in rq.presentationContexts {
            results.append(choose(pc, policy: policy))
        }
        var ui = implementation
        ui.maximumLength = policy.maximumLength
        return .accept(AAssociateAC(calledAETitle: rq.calledAETitle, callingAETitle: rq.callingAETitle, presentationContexts: results, userInformation: ui))
    }

    static func choose(_ pc: PresentationContextRQ, policy: AcceptorPolicy) -> PresentationContextAC {
        let listed = policy.abstractSyntaxes[pc.abstractSyntax]
        guard let preferred = listed ?? policy.otherAbstractSyntaxes else {
            return PresentationContextAC(id: pc.id, result: .abstractSyntaxNotSupported, transferSyntax: pc.transferSyntaxes.first ?? "")
        }
        // A storage SCP keeping instances as they come takes the requestor's first choice: the
        // SCU knows what its data is in, and may not be able to convert it.
        if listed == nil && policy.acceptAnyTransferSyntax, let first = pc.transferSyntaxes.first(where: { !$0.isEmpty }) {
            return PresentationContextAC(id: pc.id, result: .acceptance, transferSyntax: first)
        }
        for ts in preferred where pc.transferSyntaxes.contains(ts) {
            return PresentationContextAC(id: pc.id, result: .acceptance, transferSyntax: ts)
        }
        return PresentationContextAC(id: pc.id, result: .transferSyntaxesNotSupported, transferSyntax: pc.transferSyntaxes.first ?? "")
    }
}
