import Foundation
import Yams

/// Decides per file whether it is a TenantAgentSandbox document (the default) or a dialect, and decodes
/// dialect files into fragments, with the sandbox reader's limits (size, depth, aliases, nodes).
struct DialectFileParser {
    var limits: SandboxLimits
    var options: DialectOptions

    enum Outcome {
        /// Read it with the TenantAgentSandbox parser.
        case tenantAgentSandbox
        case dialect([DialectFragment], [Diagnostic])
    }

    func classify(text: String, file: String, foundInFolder: Bool = false) -> Outcome {
        // Only `.json` files must be a dialect; any other file (`.yaml`, or a file named explicitly
        // whatever its extension) that no dialect recognizes is a TenantAgentSandbox document.
        let sandboxByDefault = !file.lowercased().hasSuffix(".json")
        var forcedReader: (any DialectReader)?
        var variant: String?
        if let spec = options.forcedSpec(for: file) {
            let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
            let name = parts.first ?? spec
            if name == DialectName.tenantAgentSandbox { return .tenantAgentSandbox }
            guard let reader = DialectRegistry.reader(named: name) else {
                return .dialect([], [.error(.dialectUnknownName, "the workspace forces an unknown dialect (known: \(DialectRegistry.names.joined(separator: ", ")))",
                                             at: SourceLocation(file: file, line: 1, column: 1), keyPath: "dialects")])
            }
            if parts.count > 1 {
                guard reader.variants.contains(parts[1]) else {
                    return .dialect([], [.error(.dialectUnknownName, "dialect \(name) has no variant of that name (known: \(reader.variants.joined(separator: ", ")))",
                                                 at: SourceLocation(file: file, line: 1, column: 1), keyPath: "dialects")])
                }
                variant = parts[1]
            }
            forcedReader = reader
        } else if sandboxByDefault && text.contains(SandboxNodeWalker.sandboxKind) {
            return .tenantAgentSandbox
        }
        let text = InputFile.withoutByteOrderMark(text)
        if text.utf8.count > limits.maxFileBytes {
            return .dialect([], [SandboxFileParser.tooLarge(file: file, size: text.utf8.count, limit: limits.maxFileBytes)])
        }
        // A dialect file is one document; a YAML stream is the sandbox parser's business.
        let chunks = SandboxPreScan.splitDocuments(text)
        if chunks.count > 1 {
            guard forcedReader != nil || !sandboxByDefault else { return .tenantAgentSandbox }
            return .dialect([], [.error(.dialectUnrecognized, "the file holds \(chunks.count) documents; a dialect file holds one",
                                         at: SourceLocation(file: file, line: chunks[1].firstLine, column: 1))])
        }
        guard let chunk = chunks.first else {
            return sandboxByDefault ? .tenantAgentSandbox : .dialect([], [.warning(.sandboxEmpty, "file holds no document", at: SourceLocation(file: file, line: 1, column: 1))])
        }
        if let offence = SandboxPreScan.check(chunk, limits: limits) {
            return .dialect([], [.error(offence.code, offence.message, at: SourceLocation(file: file, line: offence.line, column: offence.column))])
        }
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: chunk.text) else {
                return sandboxByDefault && forcedReader == nil ? .tenantAgentSandbox
                    : .dialect([], [.warning(.sandboxEmpty, "file holds no document", at: SourceLocation(file: file, line: 1, column: 1))])
            }
            root = composed
        } catch {
            if sandboxByDefault && forcedReader == nil { return .tenantAgentSandbox }
            return .dialect([], [SandboxFileParser(limits: limits).diagnostic(for: error, chunk: chunk, file: file)])
        }
        let walker = SandboxNodeWalker(file: file, lineOffset: chunk.firstLine - 1)
        if let past = SandboxNodeWalker.firstNodePastLimit(root, maxNodes: limits.maxNodes) {
            return .dialect([], [.error(.yamlNodeLimit, "the document expands to more than \(limits.maxNodes) nodes (aliases counted at every use)",
                                         at: walker.location(past))])
        }
        guard let reader = forcedReader ?? DialectRegistry.readers.first(where: { $0.recognizes(root, file: file) }) else {
            if sandboxByDefault || text.contains(SandboxNodeWalker.sandboxKind) { return .tenantAgentSandbox }
            let message = "neither a TenantAgentSandbox nor a known dialect (\(DialectRegistry.readers.map(\.name).joined(separator: ", "))); force one with the workspace key `dialects:`"
            let location = SourceLocation(file: file, line: chunk.firstLine, column: 1)
            // A JSON file that merely sits in a tenants folder (a package.json) is skipped and counted.
            return .dialect([], [foundInFolder ? .warning(.dialectUnrecognized, message + " (skipped)", at: location)
                                                : .error(.dialectUnrecognized, message, at: location)])
        }
        let fragments = reader.read(root, walker: walker, file: file, variant: variant, options: options)
        return .dialect(fragments, walker.diagnostics)
    }
}

/// Groups dialect fragments by tenant and builds one sandbox per tenant.
struct DialectTenantGrouping {
    var options: DialectOptions
    private var fragments: [String: [DialectFragment]] = [:]
    private(set) var diagnostics: [Diagnostic] = []

    init(options: DialectOptions) { self.options = options }

    mutating func add(_ fragment: DialectFragment) {
        let raw = fragment.tenant ?? options.tenantFrom.tenant(of: fragment.file)
        guard !raw.isEmpty else {
            diagnostics.append(.error(.dialectNoTenant, "the file names no tenant and tenantFrom gives none; set `tenantFrom:` in nodeward.yaml",
                                      at: fragment.location, keyPath: "tenantFrom"))
            return
        }
        switch Identifier.normalize(raw) {
        case .success(let tenant):
            fragments[tenant, default: []].append(fragment)
        case .failure(let problem):
            diagnostics.append(.error(
                .dialectNoTenant, "\(Identifier.describe(problem, what: "the tenant taken from the file (tenantFrom)")); set `tenantFrom:` in nodeward.yaml",
                at: fragment.location, keyPath: "tenantFrom"))
        }
    }

    /// One decoded sandbox per tenant, sorted by tenant. A tenant configured in two dialects keeps the
    /// dialect of its first file (by path) and reports the others.
    mutating func build() -> [DecodedSandbox] {
        var result: [DecodedSandbox] = []
        for tenant in fragments.keys.sorted() {
            let all = (fragments[tenant] ?? []).sorted { $0.file < $1.file }
            guard let first = all.first else { continue }
            let same = all.filter { $0.dialect == first.dialect }
            for other in all where other.dialect != first.dialect {
                diagnostics.append(.error(
                    .dialectMixedTenant, "tenant \(tenant) is already configured in dialect \(first.dialect) by \(first.file); one tenant, one dialect (the file is skipped)",
                    at: other.location, keyPath: "tenantFrom"))
            }
            guard let reader = DialectRegistry.reader(named: first.dialect) else { continue }
            let sandbox = reader.build(tenant: tenant, fragments: same, options: options)
            result.append(DecodedSandbox(sandbox: sandbox, tenantIdLocation: first.location))
        }
        return result
    }
}
