// PS3.5 §10 Transfer Syntax; Annex A (Transfer Syntax Specifications).

/// How a data set is encoded: VR explicit or implicit, byte order, deflate, encapsulation.
///
/// One value passed to one reader and one writer, as swift-asn1 passes its encoding rules.
public struct TransferSyntax: Hashable, Sendable {
    /// The transfer syntax UID.
    public let uid: String
    /// VR written in each element header (everything but Implicit VR Little Endian).
    public let isExplicitVR: Bool
    /// Explicit VR Big Endian (retired, still seen in old archives).
    public let isBigEndian: Bool
    /// The data set after the file meta information is a raw deflate stream (PS3.5 §A.5).
    public let isDeflated: Bool
    /// Pixel data is encapsulated in fragments (PS3.5 §A.4): every compressed syntax.
    public let isEncapsulated: Bool

    public init(uid: String, isExplicitVR: Bool, isBigEndian: Bool = false, isDeflated: Bool = false, isEncapsulated: Bool = false) {
        self.uid = uid
        self.isExplicitVR = isExplicitVR
        self.isBigEndian = isBigEndian
        self.isDeflated = isDeflated
        self.isEncapsulated = isEncapsulated
    }

    public static let implicitVRLittleEndian = TransferSyntax(uid: "1.2.840.10008.1.2", isExplicitVR: false)
    public static let explicitVRLittleEndian = TransferSyntax(uid: "1.2.840.10008.1.2.1", isExplicitVR: true)
    public static let explicitVRBigEndian = TransferSyntax(uid: "1.2.840.10008.1.2.2", isExplicitVR: true, isBigEndian: true)
    public static let deflatedExplicitVRLittleEndian = TransferSyntax(uid: "1.2.840.10008.1.2.1.99", isExplicitVR: true, isDeflated: true)

    /// The uncompressed transfer syntaxes, between which `DataSetWriter` can convert.
    public static let uncompressed: [TransferSyntax] = [.implicitVRLittleEndian, .explicitVRLittleEndian, .explicitVRBigEndian, .deflatedExplicitVRLittleEndian]

    /// Whether pixel data is native (not encapsulated); conversion among these is a re-encoding.
    public var isUncompressed: Bool { !isEncapsulated }

    /// The transfer syntax for a UID. Every UID that is not one of the four native syntaxes is
    /// taken as an encapsulated (compressed) explicit VR little endian syntax: all compressed
    /// syntaxes of PS3.5 Annex A are, and their pixel data passes through unchanged.
    public init(uid: String) {
        let trimmed = TransferSyntax.trimUID(uid)
        if let known = TransferSyntax.uncompressed.first(where: { $0.uid == trimmed }) {
            self = known
        } else {
            self.init(uid: trimmed, isExplicitVR: true, isEncapsulated: true)
        }
    }

    /// Looks a transfer syntax up by UID or by a short name used on the command line:
    /// `implicit`, `explicit`, `big`, `deflated` (or the registry keyword, e.g. `ExplicitVRLittleEndian`).
    public static func named(_ name: String) -> TransferSyntax? {
        switch name.lowercased() {
        case "implicit", "implicitvrlittleendian", "ivrle": return .implicitVRLittleEndian
        case "explicit", "explicitvrlittleendian", "evrle": return .explicitVRLittleEndian
        case "big", "bigendian", "explicitvrbigendian", "evrbe": return .explicitVRBigEndian
        case "deflated", "deflate", "deflatedexplicitvrlittleendian": return .deflatedExplicitVRLittleEndian
        default:
            guard name.first?.isNumber == true, name.allSatisfy({ $0.isNumber || $0 == "." }) else { return nil }
            return TransferSyntax(uid: name)
        }
    }

    static func trimUID(_ s: String) -> String {
        var s = Substring(s)
        while let last = s.last, last == "\0" || last == " " { s.removeLast() }
        while let first = s.first, first == " " { s.removeFirst() }
        return String(s)
    }
}

extension TransferSyntax: CustomStringConvertible {
    public var description: String {
        switch uid {
        case TransferSyntax.implicitVRLittleEndian.uid: return "Implicit VR Little Endian"
        case TransferSyntax.explicitVRLittleEndian.uid: return "Explicit VR Little Endian"
        case TransferSyntax.explicitVRBigEndian.uid: return "Explicit VR Big Endian"
        case TransferSyntax.deflatedExplicitVRLittleEndian.uid: return "Deflated Explicit VR Little Endian"
        default: return "Encapsulated (\(uid))"
        }
    }
}
