import Foundation

/// Writes a line to standard error (diagnostics never go to standard output, which carries data).
func printError(_ s: String) {
    var line = s
    if !line.hasSuffix("\n") { line += "\n" }
    FileHandle.standardError.write(Data(line.utf8))
}
