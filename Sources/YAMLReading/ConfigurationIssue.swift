// A problem found in a configuration or site mapping file, located by file, line, column and key path.

/// One problem in a configuration file: `FILE:LINE:COLUMN: KEY.PATH: MESSAGE`.
public struct ConfigurationIssue: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based; 0 when the problem has no place in the file (e.g. the file cannot be read).
    public var line: Int
    public var column: Int
    /// Where in the document, e.g. `listeners.mllp[0].port` (empty for the whole document).
    public var keyPath: String
    public var message: String

    public init(file: String, line: Int, column: Int, keyPath: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.message = message
    }

    public var description: String {
        let place = line > 0 ? "\(file):\(line):\(column)" : file
        return keyPath.isEmpty ? "\(place): \(message)" : "\(place): \(keyPath): \(message)"
    }
}

/// Every problem found in a configuration file (validation does not stop at the first).
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var issues: [ConfigurationIssue]
    public init(issues: [ConfigurationIssue]) { self.issues = issues }
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
