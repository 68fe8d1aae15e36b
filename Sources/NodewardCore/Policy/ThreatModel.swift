import Yams

extension DiagnosticCode {
    public static let threatsSyntax: DiagnosticCode = "threats.syntax"
    public static let threatsInvalid: DiagnosticCode = "threats.invalid"
    public static let threatsUnknownKey: DiagnosticCode = "threats.unknown-key"
    public static let threatsDuplicateId: DiagnosticCode = "threats.duplicate-id"
}

/// The threats a team fears (`threats.yaml`), checked by `nodeward policy check` against the node
/// policies: which node boundaries mitigate each one, and which paths remain open (docs/policy-check.md).
public struct ThreatModel: Sendable, Hashable, Codable {
    public var threats: [Threat]

    public init(threats: [Threat]) { self.threats = threats }
}

public struct Threat: Sendable, Hashable, Codable {
    /// The fixed vocabulary of threat kinds; each has its own boundaries (ThreatAssessment).
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
        case crossTenantAccess = "cross-tenant-access"
        case unauthorizedTool = "unauthorized-tool"
        case contextPoisoningWrite = "context-poisoning-write"
        case contextPoisoningEgress = "context-poisoning-egress"
        case exfiltration
        case runawayCost = "runaway-cost"

        public static func < (lhs: Kind, rhs: Kind) -> Bool { allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)! }
    }

    /// Which nodes a threat concerns; nil: every one. Tools and resources are globs over a node's
    /// operation and resource templates (either may match).
    public struct Scope: Sendable, Hashable, Codable {
        public var workflows: [String]?
        public var tenants: [String]?
        public var tools: [String]?
        public var resources: [String]?

        public init(workflows: [String]? = nil, tenants: [String]? = nil, tools: [String]? = nil, resources: [String]? = nil) {
            self.workflows = workflows
            self.tenants = tenants
            self.tools = tools
            self.resources = resources
        }
    }

    public var id: String
    public var kind: Kind
    public var scope: Scope
    public var description: String
    public var location: SourceLocation?

    public init(id: String, kind: Kind, scope: Scope = Scope(), description: String = "", location: SourceLocation? = nil) {
        self.id = id
        self.kind = kind
        self.scope = scope
        self.description = description
        self.location = location
    }
}

/// Reads `threats.yaml`:
///
/// ```yaml
/// version: 1
/// threats:
///   - id: T1
///     kind: cross-tenant-access
///     description: One tenant's agent reads another tenant's records.
///     scope: {workflows: [crm-enrichment], tenants: [acme], tools: ["crm.*"], resources: ["store:*"]}
/// ```
public enum ThreatModelReader {
    static let threatKeys = ["id", "kind", "scope", "description"]
    static let scopeKeys = ["workflows", "tenants", "tools", "resources"]

    public static func read(yaml text: String, file: String) -> (model: ThreatModel?, diagnostics: [Diagnostic]) {
        guard text.utf8.count <= 1 << 20 else {
            return (nil, [.error(.fileTooLarge, "a threats file may hold at most 1 MiB", at: SourceLocation(file: file, line: 1))])
        }
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch let error as YamlError {
            return (nil, [PolicyReader.syntaxDiagnostic(error, file: file, syntax: .threatsSyntax, duplicateKey: .threatsSyntax)])
        } catch {
            return (nil, [.error(.threatsSyntax, "not valid YAML", at: SourceLocation(file: file, line: 1))])
        }
        func location(_ node: Node) -> SourceLocation { PolicyReader.location(of: node, file: file) }
        guard let mapping = root?.mapping else {
            return (nil, [.error(.threatsInvalid, "expected a mapping with version and threats", at: SourceLocation(file: file, line: 1))])
        }
        var diagnostics: [Diagnostic] = []
        func error(_ code: DiagnosticCode, _ message: String, _ node: Node, _ path: String) {
            diagnostics.append(.error(code, message, at: location(node), keyPath: path))
        }
        var threats: [Threat] = []
        var sawThreats = false
        for (key, value) in mapping {
            switch key.string ?? "" {
            case "version":
                if value.string != "1" { error(.threatsInvalid, "unsupported version (this Nodeward reads version 1)", value, "version") }
            case "threats":
                sawThreats = true
                guard let items = value.sequence else {
                    error(.threatsInvalid, "expected a list of threats", value, "threats")
                    continue
                }
                for (index, item) in items.enumerated() {
                    if let threat = readThreat(item, path: "threats.\(index)", location: location, error: error) { threats.append(threat) }
                }
            default:
                error(.threatsUnknownKey, "unknown key (expected one of: threats, version)", key, key.string ?? "")
            }
        }
        if !sawThreats { diagnostics.append(.error(.threatsInvalid, "missing field threats", at: location(root!), keyPath: "threats")) }
        var seen = Set<String>()
        for threat in threats where !seen.insert(threat.id).inserted {
            diagnostics.append(.error(.threatsDuplicateId, "this threat id is used more than once", at: threat.location, keyPath: "threats"))
        }
        return diagnostics.isEmpty ? (ThreatModel(threats: threats), []) : (nil, diagnostics)
    }

    static func readThreat(_ item: Node, path: String, location: (Node) -> SourceLocation,
                           error: (DiagnosticCode, String, Node, String) -> Void) -> Threat? {
        guard let fields = item.mapping else {
            error(.threatsInvalid, "expected a mapping with id, kind and description", item, path)
            return nil
        }
        var id: String?, kind: Threat.Kind?, description = "", scope = Threat.Scope()
        var valid = true
        for (key, value) in fields {
            let name = key.string ?? ""
            let fieldPath = "\(path).\(name)"
            switch name {
            case "id": id = value.string
            case "description": description = value.string ?? ""
            case "kind":
                kind = value.string.flatMap(Threat.Kind.init(rawValue:))
                if kind == nil {
                    error(.threatsInvalid, "unknown kind (expected one of: \(Threat.Kind.allCases.map(\.rawValue).joined(separator: ", ")))", value, fieldPath)
                    valid = false
                }
            case "scope":
                guard let members = value.mapping else {
                    error(.threatsInvalid, "expected a mapping", value, fieldPath)
                    valid = false
                    continue
                }
                for (memberKey, member) in members {
                    let memberName = memberKey.string ?? ""
                    guard scopeKeys.contains(memberName) else {
                        error(.threatsUnknownKey, "unknown key (expected one of: \(scopeKeys.joined(separator: ", ")))", memberKey, "\(fieldPath).\(memberName)")
                        valid = false
                        continue
                    }
                    let list = member.sequence?.compactMap(\.string) ?? member.string.map { [$0] }
                    guard let list, list.count == (member.sequence?.count ?? 1) else {
                        error(.threatsInvalid, "expected a list of strings", member, "\(fieldPath).\(memberName)")
                        valid = false
                        continue
                    }
                    for pattern in list where memberName == "tools" || memberName == "resources" {
                        do { _ = try Glob(pattern) } catch let problem {
                            error(.threatsInvalid, "invalid glob: \(problem.message)", member, "\(fieldPath).\(memberName)")
                            valid = false
                        }
                    }
                    switch memberName {
                    case "workflows": scope.workflows = list.sorted()
                    case "tenants": scope.tenants = list.sorted()
                    case "tools": scope.tools = list.sorted()
                    default: scope.resources = list.sorted()
                    }
                }
            default:
                error(.threatsUnknownKey, "unknown key (expected one of: \(threatKeys.joined(separator: ", ")))", key, fieldPath)
                valid = false
            }
        }
        guard let id, !id.isEmpty else {
            error(.threatsInvalid, "missing field id", item, path)
            return nil
        }
        guard let kind else {
            if valid { error(.threatsInvalid, "missing field kind", item, path) }
            return nil
        }
        return valid ? Threat(id: id, kind: kind, scope: scope, description: description, location: location(item)) : nil
    }
}
