import Foundation
import NodewardCore

/// Writes a command's output files into one folder (created if missing). A failure is reported once, as
/// bad input (exit 2), naming what could not be written.
enum OutputFiles {
    /// Returns the written paths, in the order given.
    @discardableResult
    static func write(_ files: [(name: String, text: String)], to folder: String, what: String) throws -> [String] {
        // Two outputs under one name would leave one file for two (policies of two workflows): refuse.
        var seen: Set<String> = []
        for file in files where !seen.insert(file.name.lowercased()).inserted {
            Terminal.err(Diagnostic.error("output.name-collision", "two \(what) would be written under one name; rename one workflow",
                                          at: SourceLocation(file: (folder as NSString).appendingPathComponent(file.name), line: 1)).description)
            throw NodewardExit.badInput
        }
        var current = folder
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            return try files.map { file in
                let path = (folder as NSString).appendingPathComponent(file.name)
                current = path
                try Data(file.text.utf8).write(to: URL(fileURLWithPath: path))
                return path
            }
        } catch {
            var diagnostic = CLIErrors.diagnostic(for: error, path: current, writing: true)
                ?? .error(.outputUnwritable, "cannot write; check that the folder is writable, or choose another with --out",
                          at: SourceLocation(file: current, line: 1))
            diagnostic.message = "\(what): " + diagnostic.message
            Terminal.err(diagnostic.description)
            throw NodewardExit.badInput
        }
    }
}
