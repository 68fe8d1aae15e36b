import Foundation

/// Expands the paths a user gave into the trace files to read: folders recursively (`*.json`, `*.jsonl`,
/// `*.ndjson`), files as given whatever their extension; sorted and without duplicates.
enum TraceInputFiles {
    static let extensions: Set<String> = ["json", "jsonl", "ndjson"]

    static func expand(_ paths: [String], collector: TraceDiagnosticsCollector) -> [String] {
        var files: Set<String> = []
        let manager = FileManager.default
        for path in paths {
            var isFolder: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isFolder) else {
                collector.skip(.fileUnreadable, "no such file or folder", at: SourceLocation(file: path, line: 0))
                continue
            }
            guard isFolder.boolValue else {
                files.insert(path)
                continue
            }
            guard let enumerator = manager.enumerator(atPath: path) else {
                collector.skip(.fileUnreadable, "the folder cannot be listed", at: SourceLocation(file: path, line: 0))
                continue
            }
            let base = path.hasSuffix("/") ? path : path + "/"
            while let relative = enumerator.nextObject() as? String {
                let name = relative.split(separator: "/").last.map(String.init) ?? relative
                guard let dot = name.lastIndex(of: "."), extensions.contains(name[name.index(after: dot)...].lowercased()) else { continue }
                let full = base + relative
                var isSubfolder: ObjCBool = false
                if manager.fileExists(atPath: full, isDirectory: &isSubfolder), !isSubfolder.boolValue { files.insert(full) }
            }
        }
        return files.sorted()
    }
}
