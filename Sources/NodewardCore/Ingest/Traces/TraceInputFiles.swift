import Foundation

extension DiagnosticCode {
    /// A compressed trace file Nodeward does not decompress (`.zst`, `.bz2`, `.xz`): reported once per file.
    public static let traceUnsupportedCompression: DiagnosticCode = "trace.unsupported-compression"
}

/// Expands the paths a user gave into the trace files to read: folders recursively (`*.json`, `*.jsonl`,
/// `*.ndjson`), files as given whatever their extension; sorted and without duplicates.
enum TraceInputFiles {
    static let extensions: Set<String> = ["json", "jsonl", "ndjson"]
    /// Compressed trace files: `x.jsonl.gz` is read (decompressed as it streams); the others are not read,
    /// and a folder scan reports each one.
    static let compressedExtensions: Set<String> = ["gz", "zst", "bz2", "xz"]

    /// The diagnostic for a compressed trace file (found by name in a folder, or by its first bytes).
    static func unsupportedCompression(at location: SourceLocation) -> Diagnostic {
        .error(.traceUnsupportedCompression, "only gzip-compressed trace files are read; decompress it (zstd -d, bunzip2, unxz) or recompress it with gzip", at: location)
    }

    static func isFile(_ path: String, _ manager: FileManager) -> Bool {
        var isFolder: ObjCBool = false
        return manager.fileExists(atPath: path, isDirectory: &isFolder) && !isFolder.boolValue
    }

    static func expand(_ paths: [String], collector: TraceDiagnosticsCollector) -> [String] {
        var files: Set<String> = []
        var compressed: Set<String> = []
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
                guard let dot = name.lastIndex(of: ".") else { continue }
                let suffix = name[name.index(after: dot)...].lowercased()
                let full = base + relative
                if compressedExtensions.contains(suffix) {
                    let stem = name[..<dot]
                    if let inner = stem.lastIndex(of: "."), extensions.contains(stem[stem.index(after: inner)...].lowercased()) {
                        // gzip is read (streaming); the others are reported.
                        if suffix == "gz" { if isFile(full, manager) { files.insert(full) } } else { compressed.insert(full) }
                    }
                    continue
                }
                guard extensions.contains(suffix) else { continue }
                var isSubfolder: ObjCBool = false
                if manager.fileExists(atPath: full, isDirectory: &isSubfolder), !isSubfolder.boolValue { files.insert(full) }
            }
        }
        for path in compressed.sorted() {
            let diagnostic = unsupportedCompression(at: SourceLocation(file: path, line: 0))
            collector.skip(diagnostic.code, diagnostic.message, at: diagnostic.location)
        }
        return files.sorted()
    }
}
