// PS3.7 §D.3 / PS3.8 §7.1: an application entity the SCP opens associations to, by AE title.

/// Where a remote AE listens.
public struct RemoteApplicationEntity: Sendable, Equatable {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
}
