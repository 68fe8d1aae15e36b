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
    /// Warnings from reading `nodeward.yaml` (unknown keys).
    public var warnings: [Diagnostic]

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

    static let attributeKeys = ["tenant", "workflow", "legacyDecision", "legacyRule", "legacyReason"]
    static let outputKeys = ["graphs", "policies", "reports", "store"]
    static let topKeys = ["version", "tenants", "traces", "labels", "threats", "outputs", "attributes", "limits"]
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
            if let single = value.scalar?.string { return [resolve(single)] }
            guard let items = value.sequence else {
                throw .error(.workspaceInvalid, "expected a path or a list of paths", at: location(value), keyPath: key)
            }
            var result: [String] = []
            for item in items {
                guard let text = item.scalar?.string else {
                    throw .error(.workspaceInvalid, "expected a path", at: location(item), keyPath: key)
                }
                result.append(resolve(text))
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
            case "labels": workspace.labels = resolve(try string(value, key: key))
            case "threats": workspace.threats = resolve(try string(value, key: key))
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

    /// Trace reader options with this workspace's attribute names and limits applied.
    public func traceReaderOptions(base: TraceReaderOptions = TraceReaderOptions()) -> TraceReaderOptions {
        var options = base
        if let value = attributes["tenant"] { options.tenantAttribute = value }
        if let value = attributes["workflow"] { options.workflowAttribute = value }
        if let value = attributes["legacyDecision"] { options.legacyDecisionAttribute = value }
        if let value = attributes["legacyRule"] { options.legacyRuleAttribute = value }
        if let value = attributes["legacyReason"] { options.legacyReasonAttribute = value }
        if let value = attributes["limits.runIdleRecords"].flatMap(Int.init) { options.runIdleRecords = value }
        if let value = attributes["limits.maxLineBytes"].flatMap(Int.init) { options.maxLineBytes = value }
        return options
    }
}
