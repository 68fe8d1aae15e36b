import Foundation
import Yams

/// A workspace: a folder whose `nodeward.yaml` names the inputs and outputs, relative to the folder.
///
/// ```yaml
/// version: 1
/// tenants: [tenants/]
/// traces: [traces/]
/// labels: labels/incidents.yaml
/// threats: threats.yaml          # optional; default: threats.yaml beside nodeward.yaml, if it exists
/// outputs: {graphs: graphs/, policies: policies/, reports: .nodeward/reports/, store: .nodeward/nodeward.sqlite}
/// attributes: {tenant: tenant.id, workflow: gen_ai.workflow.name, legacyDecision: nodeward.legacy.decision}
/// ```
public struct Workspace: Sendable, Hashable {
    public static let fileName = "nodeward.yaml"

    /// The workspace folder, or nil when every input came from flags.
    public var root: String?
    public var tenants: [String]
    public var traces: [String]
    public var labels: String?
    /// The threat model (`threats.yaml`) `policy check` assesses; nil when the workspace has none.
    public var threats: String?
    public var graphs: String?
    public var policies: String?
    public var reports: String?
    public var store: String?
    public var attributes: [String: String]
    /// `traceFormat`: the format every trace file is read as (`auto`: detected per file).
    public var traceFormat = TraceFormatChoice.auto
    /// Warnings from reading `nodeward.yaml` (unknown keys).
    public var warnings: [Diagnostic]
    /// Every path `nodeward.yaml` names, with its key and where it is written (for the workspace boundary).
    public var declared: [DeclaredPath] = []
    /// How dialect files that do not name their tenant map onto one (`tenantFrom:`), and dialects forced
    /// per path glob (`dialects:`); docs/sandbox-config.md, "Dialects".
    public var tenantFrom: TenantFrom = .auto
    public var dialects: [String: String] = [:]

    /// The dialect options of the sandbox reader.
    public var dialectOptions: DialectOptions {
        DialectOptions(tenantFrom: tenantFrom, forced: dialects,
                       projectRoot: attributes["claudeProjectRoot"], home: attributes["claudeHome"])
    }

    public struct DeclaredPath: Sendable, Hashable {
        /// `tenants`, `traces`, `labels`, `threats`, `outputs.graphs`, `outputs.policies`, `outputs.reports`, `outputs.store`.
        public var key: String
        public var path: String
        public var location: SourceLocation
    }

    public init(
        root: String? = nil, tenants: [String] = [], traces: [String] = [], labels: String? = nil,
        graphs: String? = nil, policies: String? = nil, reports: String? = nil, store: String? = nil,
        attributes: [String: String] = [:], warnings: [Diagnostic] = [], threats: String? = nil
    ) {
        self.threats = threats
        self.root = root
        self.tenants = tenants
        self.traces = traces
        self.labels = labels
        self.graphs = graphs
        self.policies = policies
        self.reports = reports
        self.store = store
        self.attributes = attributes
        self.warnings = warnings
    }

    static let attributeKeys = ["tenant", "workflow", "legacyDecision", "legacyRule", "legacyReason",
                                "transcriptTenant", "transcriptRun", "transcriptWorkflow", "transcriptAgent",
                                "claudeTenant", "claudeWorkflow", "agentsTenant", "baggage", "claudeProjectRoot", "claudeHome"]
    static let outputKeys = ["graphs", "policies", "reports", "store"]
    static let topKeys = ["version", "tenants", "traces", "traceFormat", "labels", "threats", "outputs", "attributes", "limits", "tenantFrom", "dialects"]
    public static let threatsFileName = "threats.yaml"

    /// Loads `<folder>/nodeward.yaml`. Paths in the file are resolved against the folder.
    public static func load(folder: String) throws(Diagnostic) -> Workspace {
        let file = (folder as NSString).appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: file) else {
            throw .error(.workspaceMissing, "no \(fileName) in \(folder); pass a workspace folder or --tenants and --traces",
                         at: SourceLocation(file: file, line: 1))
        }
        let text: String
        switch InputFile.readText(file, limit: 1 << 20, what: fileName, unreadable: .workspaceInvalid) {
        case .success(let read): text = read
        case .failure(let diagnostic): throw diagnostic
        }
        var workspace = try parse(text: text, file: file, folder: folder)
        let beside = (folder as NSString).appendingPathComponent(threatsFileName)
        if workspace.threats == nil, FileManager.default.fileExists(atPath: beside) { workspace.threats = beside }
        return workspace
    }

    public static func parse(text: String, file: String, folder: String) throws(Diagnostic) -> Workspace {
        let text = InputFile.withoutByteOrderMark(text)
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            // Not "\(error)": YamlError's description quotes the offending line of the file.
            throw PolicyReader.syntaxDiagnostic(error, file: file, syntax: .yamlSyntax, duplicateKey: .yamlSyntax)
        } catch {
            throw .error(.yamlSyntax, "not valid YAML", at: SourceLocation(file: file, line: 1))
        }
        guard let mapping = node?.mapping else {
            throw .error(.workspaceInvalid, "expected a mapping with tenants and traces", at: SourceLocation(file: file, line: 1))
        }
        var workspace = Workspace(root: folder)
        func location(_ node: Node) -> SourceLocation {
            SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column)
        }
        func resolve(_ path: String) -> String {
            path.hasPrefix("/") ? path : (folder as NSString).appendingPathComponent(path)
        }
        func paths(_ value: Node, key: String) throws(Diagnostic) -> [String] {
            if let single = value.scalar?.string {
                workspace.declared.append(DeclaredPath(key: key, path: resolve(single), location: location(value)))
                return [resolve(single)]
            }
            guard let items = value.sequence else {
                throw .error(.workspaceInvalid, "expected a path or a list of paths", at: location(value), keyPath: key)
            }
            var result: [String] = []
            for item in items {
                guard let text = item.scalar?.string else {
                    throw .error(.workspaceInvalid, "expected a path", at: location(item), keyPath: key)
                }
                result.append(resolve(text))
                workspace.declared.append(DeclaredPath(key: key, path: resolve(text), location: location(item)))
            }
            return result
        }
        func string(_ value: Node, key: String) throws(Diagnostic) -> String {
            guard let text = value.scalar?.string else {
                throw .error(.workspaceInvalid, "expected a string", at: location(value), keyPath: key)
            }
            return text
        }
        for (keyNode, value) in mapping {
            let key = keyNode.scalar?.string ?? ""
            switch key {
            case "version":
                guard value.scalar?.string == "1" else {
                    throw .error(.workspaceInvalid, "unsupported version (this Nodeward reads version 1)", at: location(value), keyPath: key)
                }
            case "tenants": workspace.tenants = try paths(value, key: key)
            case "traces": workspace.traces = try paths(value, key: key)
            case "traceFormat":
                guard let format = TraceFormatChoice(rawValue: try string(value, key: key)) else {
                    throw .error(.workspaceInvalid, "unknown trace format: use one of \(TraceFormatChoice.names)", at: location(value), keyPath: key)
                }
                workspace.traceFormat = format
            case "labels":
                workspace.labels = resolve(try string(value, key: key))
                workspace.declared.append(DeclaredPath(key: key, path: workspace.labels!, location: location(value)))
            case "threats":
                workspace.threats = resolve(try string(value, key: key))
                workspace.declared.append(DeclaredPath(key: key, path: workspace.threats!, location: location(value)))
            case "tenantFrom":
                guard let rule = TenantFrom(spec: try string(value, key: key)) else {
                    throw .error(.workspaceInvalid, "expected auto, stem, folder, routeName or =TENANT", at: location(value), keyPath: key)
                }
                workspace.tenantFrom = rule
            case "dialects":
                guard let members = value.mapping else {
                    throw .error(.workspaceInvalid, "expected a mapping of path globs to dialect names", at: location(value), keyPath: key)
                }
                for (memberKey, memberValue) in members {
                    let pattern = memberKey.scalar?.string ?? ""
                    let path = "\(key).\(pattern)"
                    guard (try? Glob(pattern)) != nil else {
                        throw .error(.workspaceInvalid, "the key is not a valid path glob", at: location(memberKey), keyPath: key)
                    }
                    let spec = try string(memberValue, key: path)
                    let name = spec.split(separator: ":", maxSplits: 1).first.map(String.init) ?? spec
                    guard DialectRegistry.names.contains(name) else {
                        throw .error(.workspaceInvalid, "unknown dialect (known: \(DialectRegistry.names.joined(separator: ", ")))", at: location(memberValue), keyPath: path)
                    }
                    workspace.dialects[pattern] = spec
                }
            case "outputs", "attributes", "limits":
                guard let members = value.mapping else {
                    throw .error(.workspaceInvalid, "expected a mapping", at: location(value), keyPath: key)
                }
                for (memberKey, memberValue) in members {
                    let name = memberKey.scalar?.string ?? ""
                    let path = "\(key).\(name)"
                    switch key {
                    case "outputs":
                        let resolved = resolve(try string(memberValue, key: path))
                        if outputKeys.contains(name) {
                            workspace.declared.append(DeclaredPath(key: path, path: resolved, location: location(memberValue)))
                        }
                        switch name {
                        case "graphs": workspace.graphs = resolved
                        case "policies": workspace.policies = resolved
                        case "reports": workspace.reports = resolved
                        case "store": workspace.store = resolved
                        default: workspace.warnings.append(.warning(.workspaceUnknownKey, "unknown key (known: \(outputKeys.joined(separator: ", ")))", at: location(memberKey), keyPath: path))
                        }
                    case "attributes":
                        guard attributeKeys.contains(name) else {
                            workspace.warnings.append(.warning(.workspaceUnknownKey, "unknown key (known: \(attributeKeys.joined(separator: ", ")))", at: location(memberKey), keyPath: path))
                            continue
                        }
                        workspace.attributes[name] = try string(memberValue, key: path)
                    default:
                        workspace.attributes["limits." + name] = try string(memberValue, key: path)
                    }
                }
            default:
                workspace.warnings.append(.warning(.workspaceUnknownKey, "unknown key (known: \(topKeys.joined(separator: ", ")))", at: location(keyNode), keyPath: key))
            }
        }
        return workspace
    }

    /// The command-line option that replaces each path key of `nodeward.yaml`.
    public static let pathFlags = [
        "tenants": "--tenants", "traces": "--traces", "labels": "--labels", "threats": "--threats",
        "outputs.graphs": "--graphs", "outputs.policies": "--policies", "outputs.reports": "--out", "outputs.store": "--store",
    ]

    /// The workspace boundary (docs/cli.md, SECURITY.md): a path `nodeward.yaml` names must resolve, symlinks
    /// followed, inside the workspace folder, unless the user allows it (`--allow-outside-workspace`). Paths
    /// given on the command line are the user's own choice and never checked; `overridden` names the keys
    /// they replace. One error per offending path, naming its key and where it is written.
    public func boundaryViolations(overridden: Set<String> = []) -> [Diagnostic] {
        guard let root else { return [] }
        let base = Self.canonicalPath(root)
        return declared.filter { !overridden.contains($0.key) }.compactMap { entry in
            let resolved = Self.canonicalPath(entry.path)
            if resolved == base || resolved.hasPrefix(base == "/" ? "/" : base + "/") { return nil }
            let flag = Self.pathFlags[entry.key].map { " (\($0))" } ?? ""
            return .error(.workspaceOutside,
                          "the path leaves the workspace folder (\(entry.path.contains("..") ? "through .." : entry.path.hasPrefix("/") ? "absolute" : "through a symbolic link")); "
                          + "keep inputs and outputs inside the workspace, give the path on the command line\(flag), or pass --allow-outside-workspace",
                          at: entry.location, keyPath: entry.key)
        }
    }

    /// An absolute path with `.`, `..` and symbolic links resolved; the part that does not exist yet (an
    /// output not written) is normalized lexically after the existing part is resolved.
    public static func canonicalPath(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var existing = absolute.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var rest: [String] = []
        while true {
            let candidate = "/" + existing.joined(separator: "/")
            if let resolved = realpath(candidate, nil) {
                defer { free(resolved) }
                var parts = String(cString: resolved).split(separator: "/").map(String.init)
                for part in rest {
                    if part == "." { continue }
                    if part == ".." { _ = parts.popLast() } else { parts.append(part) }
                }
                return "/" + parts.joined(separator: "/")
            }
            guard let last = existing.popLast() else { return absolute }
            rest.insert(last, at: 0)
        }
    }

    /// Where this workspace's node policies are: `outputs.policies`, else `<workspace>/policies` (where
    /// `policy generate` writes them); nil without a workspace folder. Every command reads it from here.
    public var policiesFolder: String? {
        policies ?? root.map { ($0 as NSString).appendingPathComponent("policies") }
    }

    /// Trace reader options with this workspace's attribute names and limits applied.
    public func traceReaderOptions(base: TraceReaderOptions = TraceReaderOptions()) -> TraceReaderOptions {
        var options = base
        if let value = attributes["tenant"] { options.tenantAttribute = value }
        if let value = attributes["workflow"] { options.workflowAttribute = value }
        if let value = attributes["baggage"] { options.baggageAttribute = value }
        if let value = attributes["legacyDecision"] { options.legacyDecisionAttribute = value }
        if let value = attributes["legacyRule"] { options.legacyRuleAttribute = value }
        if let value = attributes["legacyReason"] { options.legacyReasonAttribute = value }
        options.transcriptMapping = ChatTranscriptMapping(
            tenant: attributes["transcriptTenant"], run: attributes["transcriptRun"],
            workflow: attributes["transcriptWorkflow"], agent: attributes["transcriptAgent"])
        options.claudeCodeMapping = ClaudeCodeLogMapping(tenant: attributes["claudeTenant"], workflow: attributes["claudeWorkflow"])
        if let value = attributes["agentsTenant"] { options.agentsTenant = value }
        if let value = attributes["limits.runIdleRecords"].flatMap(Int.init) { options.runIdleRecords = value }
        if let value = attributes["limits.maxLineBytes"].flatMap(Int.init) { options.maxLineBytes = value }
        options.format = traceFormat
        return options
    }
}
