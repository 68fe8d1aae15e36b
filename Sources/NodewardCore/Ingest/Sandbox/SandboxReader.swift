import Foundation

/// Bounds that keep hostile or broken sandbox files from exhausting memory, stack or time.
public struct SandboxLimits: Sendable, Hashable {
    public var maxFileBytes: Int = 4 << 20
    public var maxDepth: Int = 64
    public var maxAliases: Int = 64
    public var maxNodes: Int = 200_000
    public init() {}
    public static let `default` = SandboxLimits()
}

public struct SandboxReadResult: Sendable {
    /// Valid sandboxes, sorted by tenant id.
    public var sandboxes: [TenantSandbox]
    /// Errors and warnings, sorted by location.
    public var diagnostics: [Diagnostic]
    public var filesRead: Int

    public init(sandboxes: [TenantSandbox] = [], diagnostics: [Diagnostic] = [], filesRead: Int = 0) {
        self.sandboxes = sandboxes
        self.diagnostics = diagnostics
        self.filesRead = filesRead
    }

    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
}

/// Reads every `*.yaml`/`*.yml`/`*.json` under the given files and folders (docs/sandbox-config.md):
/// TenantAgentSandbox documents, and the files of other platforms' permission configs (dialects,
/// detected per file by their shape: Ingest/Dialects/).
public struct SandboxReader: Sendable {
    public var limits: SandboxLimits
    public var dialects: DialectOptions

    public init(limits: SandboxLimits = .default, dialects: DialectOptions = .default) {
        self.limits = limits
        self.dialects = dialects
    }

    public func read(paths: [String]) -> SandboxReadResult {
        var collector = SandboxCollector()
        var grouping = DialectTenantGrouping(options: dialects)
        let (files, missing) = Self.discoverFiles(paths)
        collector.diagnostics += missing
        let named = Set(paths)
        for file in files {
            collector.filesRead += 1
            switch Self.loadText(file, limits: limits) {
            case .success(let text):
                parseFile(text: text, file: file, found: !named.contains(file), into: &collector, grouping: &grouping)
            case .failure(let diagnostic):
                collector.diagnostics.append(diagnostic)
            }
        }
        collector.add(grouping.build(), grouping.diagnostics)
        return collector.result()
    }

    /// Parses one file's text; `file` is the name used in locations.
    public func parse(text: String, file: String) -> SandboxReadResult {
        var collector = SandboxCollector()
        var grouping = DialectTenantGrouping(options: dialects)
        collector.filesRead = 1
        parseFile(text: text, file: file, found: false, into: &collector, grouping: &grouping)
        collector.add(grouping.build(), grouping.diagnostics)
        return collector.result()
    }

    /// `found`: the file was found in a folder rather than named, so a JSON file that is no config at all
    /// is a counted skip (a warning), not an error.
    private func parseFile(text: String, file: String, found: Bool, into collector: inout SandboxCollector, grouping: inout DialectTenantGrouping) {
        switch DialectFileParser(limits: limits, options: dialects).classify(text: text, file: file, foundInFolder: found) {
        case .tenantAgentSandbox:
            let parsed = SandboxFileParser(limits: limits).parse(text: text, file: file)
            collector.add(parsed.decoded, parsed.diagnostics)
        case .dialect(let fragments, let diagnostics):
            collector.diagnostics += diagnostics
            for fragment in fragments { grouping.add(fragment) }
        }
    }

    /// The files to read, sorted by path: directories are searched recursively for `.yaml`/`.yml`/`.json`; a path
    /// naming a file is read whatever its extension.
    static func discoverFiles(_ paths: [String]) -> (files: [String], missing: [Diagnostic]) {
        let manager = FileManager.default
        var files = Set<String>()
        var missing: [Diagnostic] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                missing.append(.error(.fileUnreadable, "no such file or folder", at: SourceLocation(file: path, line: 1)))
                continue
            }
            guard isDirectory.boolValue else {
                files.insert(path)
                continue
            }
            guard let enumerator = manager.enumerator(atPath: path) else {
                missing.append(.error(.fileUnreadable, "the folder cannot be listed", at: SourceLocation(file: path, line: 1)))
                continue
            }
            let base = path.hasSuffix("/") ? String(path.dropLast()) : path
            while let relative = enumerator.nextObject() as? String {
                let lowered = relative.lowercased()
                guard lowered.hasSuffix(".yaml") || lowered.hasSuffix(".yml") || lowered.hasSuffix(".json") else { continue }
                let full = "\(base)/\(relative)"
                var childIsDirectory: ObjCBool = false
                if manager.fileExists(atPath: full, isDirectory: &childIsDirectory), !childIsDirectory.boolValue {
                    files.insert(full)
                }
            }
        }
        return (files.sorted(), missing)
    }

    /// Reads a regular file as UTF-8 (without a leading byte order mark), refusing oversized files
    /// before reading them whole and devices, FIFOs and sockets before reading anything.
    static func loadText(_ file: String, limits: SandboxLimits) -> Result<String, Diagnostic> {
        let start = SourceLocation(file: file, line: 1, column: 1)
        switch InputFile.read(file, limit: limits.maxFileBytes) {
        case .bytes(let bytes):
            return decodeUTF8(Data(bytes), file: file)
        case .tooLarge(let size):
            return .failure(SandboxFileParser.tooLarge(file: file, size: size, limit: limits.maxFileBytes))
        case .notRegular(let kind):
            return .failure(InputFile.notRegular(kind, what: "sandbox file", at: start))
        case .failed:
            return .failure(.error(.fileUnreadable, "the file cannot be opened or read", at: start))
        }
    }

    /// Decodes UTF-8, skipping a leading byte order mark (columns count from after it).
    static func decodeUTF8(_ data: Data, file: String) -> Result<String, Diagnostic> {
        let data = data.starts(with: InputFile.byteOrderMark) ? data.dropFirst(InputFile.byteOrderMark.count) : data
        var iterator = data.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var line = 1
        var column = 1
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                if encoded.count == 1, encoded.first == UInt8(ascii: "\n") {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
            case .emptyInput:
                return .success(String(decoding: data, as: UTF8.self))
            case .error:
                return .failure(.error(
                    .invalidUTF8, "the file is not valid UTF-8 (save it as UTF-8)",
                    at: SourceLocation(file: file, line: line, column: column)))
            }
        }
    }
}

/// Gathers documents across files: rejects later duplicates of a tenant id, then sorts for determinism.
private struct SandboxCollector {
    var decoded: [DecodedSandbox] = []
    var diagnostics: [Diagnostic] = []
    var filesRead = 0
    private var firstByTenant: [String: SourceLocation] = [:]
    private var confusables = CaseConfusables()

    mutating func add(_ sandboxes: [DecodedSandbox], _ found: [Diagnostic]) {
        diagnostics += found
        for entry in sandboxes {
            let tenant = entry.sandbox.tenantId
            if let first = firstByTenant[tenant] {
                diagnostics.append(.error(
                    .sandboxDuplicateTenant, "the tenant id is already declared at \(first)",
                    at: entry.tenantIdLocation, keyPath: "spec.tenant.id"))
                continue
            }
            firstByTenant[tenant] = entry.tenantIdLocation
            if let earlier = confusables.note(tenant) {
                diagnostics.append(.warning(
                    .sandboxConfusableTenant,
                    "tenant \"\(tenant)\" differs only by case from tenant \"\(earlier)\" declared at \(firstByTenant[earlier].map(\.description) ?? "?"); they are two tenants: rename one if they are the same",
                    at: entry.tenantIdLocation, keyPath: "spec.tenant.id"))
            }
            decoded.append(entry)
        }
    }

    func result() -> SandboxReadResult {
        let sandboxes = decoded.map(\.sandbox).sorted { $0.tenantId < $1.tenantId }
        let ordered = diagnostics.enumerated().sorted { lhs, rhs in
            let left = lhs.element.location
            let right = rhs.element.location
            let leftKey = (left?.file ?? "", left?.line ?? 0, left?.column ?? 0)
            let rightKey = (right?.file ?? "", right?.line ?? 0, right?.column ?? 0)
            if leftKey != rightKey { return leftKey < rightKey }
            return lhs.offset < rhs.offset
        }
        return SandboxReadResult(sandboxes: sandboxes, diagnostics: ordered.map(\.element), filesRead: filesRead)
    }
}
