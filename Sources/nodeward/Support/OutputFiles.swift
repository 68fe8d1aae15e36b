import Foundation

/// Writes a command's output files into one folder (created if missing). A failure is reported once, as
/// bad input (exit 2), naming what could not be written.
enum OutputFiles {
    /// Returns the written paths, in the order given.
    @discardableResult
    static func write(_ files: [(name: String, text: String)], to folder: String, what: String) throws -> [String] {
        // Two outputs under one name would leave one file for two (policies of two workflows): refuse.
        var seen: Set<String> = []
        for file in files where !seen.insert(file.name.lowercased()).inserted {
            Terminal.err("error: two \(what) would be written to \(file.name) in \(folder); rename one workflow [output.name-collision]")
            throw NodewardExit.badInput
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            return try files.map { file in
                let path = (folder as NSString).appendingPathComponent(file.name)
                try Data(file.text.utf8).write(to: URL(fileURLWithPath: path))
                return path
            }
        } catch {
            Terminal.err("error: cannot write \(what) to \(folder): \(error.localizedDescription)")
            throw NodewardExit.badInput
        }
    }
}
