/// One threat checked against the node policies: the node boundaries that mitigate it and the paths
/// (node ids, edges `source -> node.argument`, resources) that leave it open.
public struct ThreatAssessment: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable {
        case mitigated
        case open
    }

    public struct Boundary: Sendable, Hashable, Codable, Comparable {
        public var workflow: String
        public var node: String
        public var boundary: String

        public static func < (lhs: Boundary, rhs: Boundary) -> Bool {
            (lhs.workflow, lhs.node, lhs.boundary) < (rhs.workflow, rhs.node, rhs.boundary)
        }
    }

    public struct OpenPath: Sendable, Hashable, Codable, Comparable {
        public var workflow: String
        public var node: String
        /// The node, an edge `source -> node.argument`, or a resource template.
        public var path: String
        public var reason: String

        public static func < (lhs: OpenPath, rhs: OpenPath) -> Bool {
            (lhs.workflow, lhs.node, lhs.path, lhs.reason) < (rhs.workflow, rhs.node, rhs.path, rhs.reason)
        }
    }

    public var id: String
    public var kind: Threat.Kind
    public var description: String
    public var status: Status
    /// Nodes the threat's scope selects (granted to a tenant in scope or not).
    public var nodesInScope: Int
    public var mitigations: [Boundary]
    public var openPaths: [OpenPath]
}

/// Checks a threat model against policy sets (docs/policy-check.md, "Threat model"). Pure.
public struct ThreatAssessor: Sendable {
    public var linter: PolicyLinter
    /// Confinement widenings found by the same check: a tool granted beyond legacy is an open path.
    public var widenings: [ConfinementWidening]

    public init(toolEffects: [String: ToolEffect] = [:], widenings: [ConfinementWidening] = []) {
        linter = PolicyLinter(toolEffects: toolEffects)
        self.widenings = widenings
    }

    /// Argument names treated as URLs (destinations) for context-poisoning-egress, compared in lower case.
    public static let urlArgumentMarkers = ["url", "uri", "host", "endpoint", "href", "link", "webhook", "domain"]

    public func assess(_ model: ThreatModel, policies: [PolicySet]) -> [ThreatAssessment] {
        model.threats.map { assess($0, policies: policies) }.sorted { ($0.id, $0.kind) < ($1.id, $1.kind) }
    }

    public func assess(_ threat: Threat, policies: [PolicySet]) -> ThreatAssessment {
        var mitigations: [ThreatAssessment.Boundary] = []
        var open: [ThreatAssessment.OpenPath] = []
        var inScope = 0
        for set in policies where threat.scope.workflows?.contains(set.workflow) ?? true {
            let kinds = Dictionary(set.nodes.map { ($0.id, $0.match.kind) }, uniquingKeysWith: { first, _ in first })
            for node in set.nodes.sorted(by: { $0.id < $1.id }) where selects(threat.scope, node) {
                inScope += 1
                func mitigated(_ text: String) { mitigations.append(.init(workflow: set.workflow, node: node.id, boundary: text)) }
                func leaves(_ path: String, _ reason: String) { open.append(.init(workflow: set.workflow, node: node.id, path: path, reason: reason)) }
                let tenants = node.tenants.filter { threat.scope.tenants?.contains($0) ?? true }
                guard !tenants.isEmpty else {
                    mitigated("granted to no tenant in scope: every step it matches is denied")
                    continue
                }
                let context = NodeContext(node: node, tenants: tenants, kinds: kinds, workflow: set.workflow)
                switch threat.kind {
                case .crossTenantAccess: crossTenant(context, mitigated: mitigated, leaves: leaves)
                case .unauthorizedTool: unauthorizedTool(context, explicitScope: threat.scope.tools != nil, mitigated: mitigated, leaves: leaves)
                case .contextPoisoningWrite:
                    guard linter.isStateChanging(node) else { continue }
                    externalFlows(context, into: { _ in true }, role: "a state-changing node", mitigated: mitigated, leaves: leaves)
                case .contextPoisoningEgress: poisonedEgress(context, mitigated: mitigated, leaves: leaves)
                case .exfiltration:
                    guard isSend(node) else { continue }
                    externalFlows(context, into: { _ in true }, role: "a send or egress node", mitigated: mitigated, leaves: leaves)
                case .runawayCost: runawayCost(context, mitigated: mitigated, leaves: leaves)
                }
            }
        }
        if inScope == 0 { mitigations.append(.init(workflow: "*", node: "-", boundary: "default deny: no node matches the threat's scope, so its steps are unknown steps")) }
        return ThreatAssessment(id: threat.id, kind: threat.kind, description: threat.description, status: open.isEmpty ? .mitigated : .open,
                                nodesInScope: inScope, mitigations: mitigations.sorted(), openPaths: open.sorted())
    }

    struct NodeContext {
        var node: NodePolicy
        var tenants: [String]
        var kinds: [String: StepKind]
        var workflow: String
    }

    typealias Mitigated = (String) -> Void
    typealias Leaves = (String, String) -> Void

    func selects(_ scope: Threat.Scope, _ node: NodePolicy) -> Bool {
        guard scope.tools != nil || scope.resources != nil else { return true }
        let tools = (scope.tools ?? []).compactMap { try? Glob($0) }
        let resources = (scope.resources ?? []).compactMap { try? Glob($0) }
        return tools.contains { $0.matches(node.match.operation) }
            || (node.allow.resources + node.match.resources).contains { resource in resources.contains { $0.matches(resource) } }
    }

    /// Whether a resource template is confined to the step's own tenant by a `${tenant...}` binding.
    static func isTenantBound(_ template: String) -> Bool {
        guard let resource = Resource(parsing: template.replacing(" [write]", with: "")) else { return false }
        switch resource.scheme {
        case .memory: return resource.container.contains("${tenant.")
        case .vector: return resource.path.contains("${tenant.")
        case .store: return resource.path.hasPrefix("${tenant.scope}") || resource.path.contains("${tenant.id}")
        case .egress: return true
        }
    }

    func crossTenant(_ context: NodeContext, mitigated: Mitigated, leaves: Leaves) {
        let node = context.node
        let limited = Dictionary((node.allow.resourceTenants ?? []).map { ($0.resource, $0.tenants) }, uniquingKeysWith: { $0 + $1 })
        let data = Set(node.allow.resources + limited.keys).filter { !CompiledNode.isEgress($0) }.sorted()
        guard !data.isEmpty else { return }
        var shared: [String] = []
        for resource in data where !Self.isTenantBound(resource) {
            let holders = (limited[resource] ?? context.tenants).filter(context.tenants.contains)
            if holders.count > 1 {
                shared.append(resource)
                leaves(resource, "not bound to the step's tenant (no ${tenant...} partition) and granted to \(holders.joined(separator: ", "))")
            }
        }
        if shared.isEmpty { mitigated("every resource is bound to the step's own tenant (${tenant...}) or granted to one tenant") }
    }

    func unauthorizedTool(_ context: NodeContext, explicitScope: Bool, mitigated: Mitigated, leaves: Leaves) {
        let node = context.node
        guard node.match.kind == .toolCall || explicitScope else { return }
        for widening in widenings where widening.workflow == context.workflow && widening.node == node.id && widening.field == "match.operation" {
            leaves(node.id, "granted to \(widening.tenant) although its legacy sandbox denies the tool (\(widening.legacyRule ?? "no sandbox"))")
        }
        if explicitScope {
            leaves(node.id, "the feared tool \(node.match.operation) is granted to \(context.tenants.joined(separator: ", "))")
        } else if node.match.operation.contains("*") {
            leaves(node.id, "match.operation contains *")
        } else {
            mitigated("explicit operation \(node.match.operation); any other tool is an unknown step (default deny)")
        }
    }

    /// Input grants from external content (tool results, retrieval) into the node's arguments whose
    /// origin admits them.
    func externalFlows(_ context: NodeContext, into selected: (String) -> Bool, role: String, mitigated: Mitigated, leaves: Leaves) {
        let node = context.node
        var openHere = false
        for grant in node.inputs {
            guard let kind = context.kinds[grant.from], Provenance.trust(of: kind).isExternal else { continue }
            for argument in grant.arguments where selected(argument) {
                let origin = node.allow.arguments?.first { $0.name == argument }?.origin
                // The origin denies that source before the grant is consulted.
                if let origin, !origin.contains(grant.from) { continue }
                openHere = true
                leaves("\(grant.from) -> \(node.id).\(argument)",
                       "external content (\(Provenance.trust(of: kind).rawValue)) is granted into argument \(argument) of \(role)")
            }
        }
        guard !openHere else { return }
        let origins = (node.allow.arguments ?? []).filter { $0.origin != nil }.map(\.name)
        mitigated("as \(role): inputs grant no external content" + (origins.isEmpty ? "" : "; origins on \(origins.joined(separator: ", "))"))
    }

    func poisonedEgress(_ context: NodeContext, mitigated: Mitigated, leaves: Leaves) {
        let node = context.node
        let egress = (node.allow.resources + (node.allow.resourceTenants ?? []).map(\.resource)).filter(CompiledNode.isEgress)
        guard node.match.kind != .llm, !egress.isEmpty else { return }
        if egress.contains("egress:*") { leaves("egress:*", "any destination the tenants' legacy egress rules allow") }
        let anyHost = egress.contains("egress:*")
        var flowsOpen = false
        externalFlows(context, into: Self.isURLArgument, role: "an egress node, as a URL", mitigated: { _ in }, leaves: { path, reason in
            flowsOpen = true
            leaves(path, reason)
        })
        if !anyHost && !flowsOpen { mitigated("explicit hosts (\(Set(egress).count)); no external content into URL arguments") }
    }

    static func isURLArgument(_ name: String) -> Bool {
        let lower = name.lowercased()
        return urlArgumentMarkers.contains { lower.contains($0) }
    }

    /// Sends: network-reaching nodes (other than model calls, whose egress is the model endpoint) and
    /// state-changing tools that write no resource (`email.send`).
    func isSend(_ node: NodePolicy) -> Bool {
        guard node.match.kind != .llm else { return false }
        let resources = node.allow.resources + (node.allow.resourceTenants ?? []).map(\.resource)
        if resources.contains(where: CompiledNode.isEgress) { return true }
        return node.match.kind == .toolCall && linter.isStateChanging(node) && !resources.contains { $0.hasSuffix(" [write]") }
    }

    func runawayCost(_ context: NodeContext, mitigated: Mitigated, leaves: Leaves) {
        let limits = context.node.limits
        // Outputs are the agent's reply: no model or tool call, and no legacy request budget.
        let needsRate = context.node.match.kind != .output
        if limits.perRun == nil { leaves(context.node.id, "no limits.perRun: unbounded steps in one run") }
        if needsRate, limits.perMinute == nil { leaves(context.node.id, "no limits.perMinute: unbounded steps per minute") }
        if limits.perRun != nil, !needsRate || limits.perMinute != nil {
            mitigated("perRun \(limits.perRun!)" + (limits.perMinute.map { ", perMinute \($0)" } ?? ""))
        }
    }
}
