extension DiagnosticCode {
    /// A node no step can reach: granted to no tenant, or `match.after` admits no predecessor that can occur.
    public static let policyLintUnreachable: DiagnosticCode = "policy.lint.unreachable"
    /// A node the evaluator never chooses, or a rule (constraint part, grant) that can never apply.
    public static let policyLintShadowed: DiagnosticCode = "policy.lint.shadowed"
    /// `egress:*`, or a `*` where the evaluator matches exactly (operations, resource containers).
    public static let policyLintWildcard: DiagnosticCode = "policy.lint.wildcard"
    /// A state-changing node with arguments that no constraint covers.
    public static let policyLintUnconstrainedWrite: DiagnosticCode = "policy.lint.unconstrained-write"
    /// A state-changing node whose `inputs` grant data from external content (tool results, retrieval).
    public static let policyLintExternalToWrite: DiagnosticCode = "policy.lint.external-to-write"
    /// A node (or file) whose evidence has no runs.
    public static let policyLintNoEvidence: DiagnosticCode = "policy.lint.no-evidence"
}

/// Lints of one policy file (warnings): what a reviewer should look at although the file is valid.
/// Each names the node and field and points at its `file:line:col`. Pure: the policies, the tenants'
/// declared tool effects (for "state-changing"), and optionally the workflow's task graph (for the
/// argument names a node was seen with).
public struct PolicyLinter: Sendable {
    public var toolEffects: [String: ToolEffect]
    public var graph: TaskGraph?

    public init(toolEffects: [String: ToolEffect] = [:], graph: TaskGraph? = nil) {
        self.toolEffects = toolEffects
        self.graph = graph
    }

    /// The first declared effect of each tool, over the sandboxes in tenant order (as generation merges them).
    public static func toolEffects(of sandboxes: [TenantSandbox]) -> [String: ToolEffect] {
        sandboxes.sorted { $0.tenantId < $1.tenantId }.reduce(into: [:]) { merged, sandbox in
            merged.merge(sandbox.tools.effects) { first, _ in first }
        }
    }

    public func lint(_ file: PolicyFile) -> [Diagnostic] {
        var found: [Diagnostic] = []
        let set = file.policies
        let map = file.sourceMap
        func warn(_ code: DiagnosticCode, _ index: Int, _ field: [String], _ message: String) {
            found.append(.warning(code, message, at: map.location(node: index, field),
                                  keyPath: (["nodes", "\(index)"] + field).joined(separator: ".")))
        }
        if set.evidence.runs == 0 {
            found.append(.warning(.policyLintNoEvidence, "workflow \(set.workflow): the file's evidence has no runs", at: map.location(["evidence"]), keyPath: "evidence"))
        }
        let dead = Self.neverChosen(set.nodes)
        for (index, node) in set.nodes.enumerated() {
            if node.tenants.isEmpty {
                warn(.policyLintUnreachable, index, ["tenants"], "node \(node.id) is granted to no tenant: every step it matches is denied")
            }
            if let reason = dead[node.id] {
                warn(reason.code, index, reason.field, "node \(node.id) is never chosen: \(reason.text)")
            }
            lintRules(node, index: index, warn: warn)
            lintBreadth(node, index: index, in: set, warn: warn)
            if node.evidence.runs == 0 || node.evidence.tenants.isEmpty {
                warn(.policyLintNoEvidence, index, ["evidence"], "node \(node.id) has no evidence (no runs): nothing observed supports its grants")
            }
        }
        return found
    }

    struct DeadReason {
        var code: DiagnosticCode
        var field: [String]
        var text: String
    }

    /// Nodes the evaluator's `choose` never returns: shadowed by an earlier node (by id) that matches
    /// every step they would, or split by a `match.after` that no chosen node (nor `start`) satisfies.
    /// A fixed point, since a node whose only predecessors are never chosen is never chosen either.
    static func neverChosen(_ nodes: [NodePolicy]) -> [String: DeadReason] {
        let sorted = nodes.sorted { $0.id < $1.id }
        var dead: [String: DeadReason] = [:]
        for (position, node) in sorted.enumerated() {
            if let earlier = sorted[..<position].first(where: { shadows($0, node) }) {
                dead[node.id] = DeadReason(code: .policyLintShadowed, field: ["match"],
                                           text: "\(earlier.id) comes first (by id) and matches every step it would, with the same match and at least its resources")
            }
        }
        let ids = Set(nodes.map(\.id))
        var changed = true
        while changed {
            changed = false
            for node in sorted where dead[node.id] == nil {
                guard let after = node.match.after, !after.contains(TaskGraph.start),
                      after.allSatisfy({ dead[$0] != nil || !ids.contains($0) }) else { continue }
                let text = after.isEmpty ? "match.after is empty, so no predecessor admits it"
                    : "match.after names only nodes that are never chosen (\(after.sorted().joined(separator: ", ")))"
                dead[node.id] = DeadReason(code: .policyLintUnreachable, field: ["match", "after"], text: text)
                changed = true
            }
        }
        return dead
    }

    /// Whether `first` (earlier by id) takes every step `second` would be chosen for (NodeEvaluator.choose):
    /// same kind and operation, the same match resources, an `after` at least as wide, and allowed
    /// resources covering `second`'s for every tenant.
    static func shadows(_ first: NodePolicy, _ second: NodePolicy) -> Bool {
        guard first.id != second.id, first.match.kind == second.match.kind, first.match.operation == second.match.operation,
              Set(first.match.resources) == Set(second.match.resources) else { return false }
        if let wide = first.match.after {
            guard let narrow = second.match.after, Set(narrow).isSubset(of: wide) else { return false }
        }
        let tenants = Set(first.tenants + second.tenants + (first.allow.resourceTenants ?? []).flatMap(\.tenants)
            + (second.allow.resourceTenants ?? []).flatMap(\.tenants) + [""])
        return tenants.allSatisfy { tenant in
            let wide = Set(PolicyConfinementCheck.grantedResources(first, tenant: tenant).map(\.template))
            return Set(PolicyConfinementCheck.grantedResources(second, tenant: tenant).map(\.template)).isSubset(of: wide)
        }
    }

    /// Constraint parts and grants that can never apply.
    func lintRules(_ node: NodePolicy, index: Int, warn: (DiagnosticCode, Int, [String], String) -> Void) {
        let tenants = Set(node.tenants)
        let grants = Set(node.inputs.flatMap { grant in grant.arguments.map { "\(grant.from)\u{0}\($0)" } })
        for (position, constraint) in (node.allow.arguments ?? []).enumerated() {
            let path = ["allow", "arguments", "\(position)"]
            let name = constraint.name
            if let bound = constraint.patternTenants, constraint.pattern != nil, tenants.isDisjoint(with: bound) {
                warn(.policyLintShadowed, index, path + ["patternTenants"], "argument \(name): the pattern binds no tenant of node \(node.id), so it never applies")
            }
            if let pattern = constraint.pattern, pattern == "*" || pattern == "**" {
                warn(.policyLintShadowed, index, path + ["pattern"], "argument \(name): pattern \(pattern) admits every value, so it never denies")
            }
            if let values = constraint.values {
                let pattern = constraint.pattern.flatMap { $0.contains("${") ? nil : try? Glob($0) }
                let excluded = (constraint.excluded ?? []).filter { !$0.contains("${") }.compactMap { try? Glob($0) }
                for (offset, value) in values.enumerated() where pattern.map({ !$0.matches(value) }) ?? false || excluded.contains(where: { $0.matches(value) }) {
                    warn(.policyLintShadowed, index, path + ["values", "\(offset)"], "argument \(name): allowed value \(offset + 1) fails the pattern or an excluded glob, so it can never pass")
                }
            }
            for (offset, source) in (constraint.origin ?? []).enumerated() where !grants.contains("\(source)\u{0}\(name)") {
                warn(.policyLintShadowed, index, path + ["origin", "\(offset)"],
                     "argument \(name): origin \(source) has no input grant (\(source) -> \(name)), so inputs deny that flow anyway")
            }
        }
        for (position, grant) in node.inputs.enumerated() {
            for argument in grant.arguments {
                guard let origin = node.allow.arguments?.first(where: { $0.name == argument })?.origin, !origin.contains(grant.from) else { continue }
                warn(.policyLintShadowed, index, ["inputs", "\(position)"],
                     "input grant \(grant.from) -> \(argument) never applies: the origin of argument \(argument) does not list \(grant.from)")
            }
        }
        for (position, entry) in (node.allow.resourceTenants ?? []).enumerated() {
            let outside = entry.tenants.filter { !tenants.contains($0) }
            if !outside.isEmpty {
                warn(.policyLintShadowed, index, ["allow", "resourceTenants", "\(position)"],
                     "resource \(entry.resource) names tenants the node is not granted to (\(outside.joined(separator: ", "))), so that part never applies")
            }
        }
    }

    /// Over-broad grants: wildcards, unconstrained writes, and writes fed by external content.
    func lintBreadth(_ node: NodePolicy, index: Int, in set: PolicySet, warn: (DiagnosticCode, Int, [String], String) -> Void) {
        if node.match.operation.contains("*") {
            warn(.policyLintWildcard, index, ["match", "operation"],
                 "match.operation of \(node.id) contains *, but operations match exactly: the node matches only an operation literally named so")
        }
        for (position, resource) in node.allow.resources.enumerated() {
            if resource == "egress:*" {
                warn(.policyLintWildcard, index, ["allow", "resources", "\(position)"],
                     "node \(node.id) allows egress:*, any destination its tenants' legacy egress rules allow; list the hosts instead")
            } else if let container = Resource(parsing: resource.replacing(" [write]", with: ""))?.container, container.contains("*") {
                warn(.policyLintWildcard, index, ["allow", "resources", "\(position)"],
                     "resource \(resource) of \(node.id) has a * in its \(Self.containerName(resource)), which matches only a literal *")
            }
        }
        guard !node.tenants.isEmpty, isStateChanging(node) else { return }
        let constrained = Set((node.allow.arguments ?? []).map(\.name))
        var arguments = Set(node.inputs.flatMap(\.arguments)).subtracting(["*"])
        if let graphNode = graph?.nodes.first(where: { $0.id == node.id }) { arguments.formUnion(graphNode.arguments) }
        let open = constrained.contains("*") ? [] : arguments.subtracting(constrained).sorted()
        if !open.isEmpty {
            warn(.policyLintUnconstrainedWrite, index, node.allow.arguments == nil ? ["allow"] : ["allow", "arguments"],
                 "state-changing node \(node.id) has arguments without a constraint: \(open.joined(separator: ", "))")
        }
        let kinds = Dictionary(set.nodes.map { ($0.id, $0.match.kind) }, uniquingKeysWith: { first, _ in first })
        for (position, grant) in node.inputs.enumerated() {
            guard let kind = kinds[grant.from], Provenance.trust(of: kind).isExternal else { continue }
            warn(.policyLintExternalToWrite, index, ["inputs", "\(position)"],
                 "state-changing node \(node.id) is granted data from external content \(grant.from) (\(Provenance.trust(of: kind).rawValue)) into \(grant.arguments.joined(separator: ", "))")
        }
    }

    /// The one definition of a state-changing step, asked of a node policy: egress makes it reach the
    /// network, a ` [write]` resource makes it write.
    public func isStateChanging(_ node: NodePolicy) -> Bool {
        let resources = node.allow.resources + (node.allow.resourceTenants ?? []).map(\.resource)
        return StateChange.isStateChanging(kind: node.match.kind, operation: node.match.operation, declaredEffects: toolEffects,
                                           reachesNetwork: resources.contains(where: CompiledNode.isEgress),
                                           writesResource: resources.contains { $0.hasSuffix(" [write]") })
    }

    static func containerName(_ resource: String) -> String {
        switch resource.prefix(while: { $0 != ":" }) {
        case "memory": return "namespace"
        case "vector": return "collection"
        case "store": return "store name"
        default: return "host"
        }
    }
}
