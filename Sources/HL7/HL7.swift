// HL7 v2 ER7 codec. See docs/ and the issue tracker for what it covers.

/// Namespace for HL7 v2 constants.
public enum HL7 {
    /// The HL7 versions this codec reads: v2.1 through v2.8.
    public static let supportedVersions = ["2.1", "2.2", "2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8", "2.8.1", "2.8.2"]
}
