/// The confinement rule: a node is granted to a tenant only if that tenant's legacy sandbox would allow
/// the node's operation and resources (docs/policy-language.md, "Confinement"). Decided by evaluating a
/// representative step (the node's templates bound to the tenant) with `LegacyEvaluator`; where only the
/// tool rules' argument globs are undecided, those globs are carried into the node as argument constraints.
struct PolicyConfinement {
    /// What one tenant's sandbox allows of one node.
    enum Verdict: Equatable {
        /// Allowed; argument constraints the node must add for this tenant (templated with `${tenant.id}`).
        case granted(ToolArgumentGlobs)
        /// Denied by this legacy rule id.
        case denied(rule: String)
        /// The sandbox lacks a value a `${tenant...}` template needs (no memory namespace, no such store).
        case unbound
    }

    /// Argument globs from the tool rules: `required` must match, `excluded` must not.
    struct ToolArgumentGlobs: Hashable, Comparable {
        var required: [String: String] = [:]
        /// Per required argument, the tenants whose rules constrain it (set when tenants are merged).
        var requiredTenants: [String: [String]] = [:]
        var excluded: [String: Set<String>] = [:]

        static func < (lhs: ToolArgumentGlobs, rhs: ToolArgumentGlobs) -> Bool {
            lhs.required.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                < rhs.required.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        }
    }

    static func verdict(for node: TaskGraph.Node, sandbox: TenantSandbox) -> Verdict {
        guard let step = representativeStep(node, sandbox: sandbox) else {
            return .unbound
        }
        var evaluator = LegacyEvaluator(sandbox: sandbox)
        let decision = evaluator.evaluate(step)
        switch decision.effect {
        case .allow:
            // Deny and ask rules with argument globs do not fire on a step without arguments; carry them.
            return node.kind == .toolCall ? toolGlobs(step.operation, sandbox: sandbox) : .granted(ToolArgumentGlobs())
        case .deny:
            return .denied(rule: decision.rule)
        case .unevaluable:
            // Only the tool rules' argument globs can leave a step without arguments undecided.
            let isToolRule = decision.rule.hasPrefix("\(sandbox.tenantId)/tools.")
            return node.kind == .toolCall && isToolRule ? toolGlobs(step.operation, sandbox: sandbox) : .denied(rule: decision.rule)
        }
    }

    /// The tool rules of one tool, read statically: an unconditional ask or deny rule denies; ask/deny
    /// rules with argument globs become exclusions; the first matching allow rule without globs allows,
    /// else the first with globs makes them required (narrower than legacy's "any allow rule", never
    /// wider); no matching allow rule falls back to `tools.default`.
    static func toolGlobs(_ tool: String, sandbox: TenantSandbox) -> Verdict {
        let ids = LegacyRuleIds(tenant: sandbox.tenantId)
        let rules = LegacyToolRules(sandbox.tools, ids: ids)
        var globs = ToolArgumentGlobs()
        for rule in rules.ask + rules.deny where rule.tool.matches(tool) {
            if rule.everyString == nil && rule.named.isEmpty { return .denied(rule: rule.id) }
            if let every = rule.everyString { globs.excluded["*", default: []].insert(template(every.pattern, sandbox)) }
            for (name, glob) in rule.named { globs.excluded[name, default: []].insert(template(glob.pattern, sandbox)) }
        }
        let matching = rules.allow.filter { $0.tool.matches(tool) }
        if matching.contains(where: { $0.everyString == nil && $0.named.isEmpty }) { return .granted(globs) }
        if let first = matching.first {
            if let every = first.everyString { globs.required["*"] = template(every.pattern, sandbox) }
            for (name, glob) in first.named { globs.required[name] = template(glob.pattern, sandbox) }
            return .granted(globs)
        }
        return rules.defaultEffect == .allow ? .granted(globs) : .denied(rule: rules.defaultRule)
    }

    static func template(_ pattern: String, _ sandbox: TenantSandbox) -> String {
        ResourceTemplating.replacingTenant(pattern, tenant: sandbox.tenantId)
    }

    /// The node's templates bound to one tenant, as a step without arguments, identity or context items.
    /// Nil when a binding the templates need is missing from the sandbox.
    static func representativeStep(_ node: TaskGraph.Node, sandbox: TenantSandbox) -> Step? {
        guard let operation = node.kind == .llm ? model(for: node, sandbox: sandbox) : bind(node.operation, sandbox: sandbox, store: nil)
        else { return nil }
        var resources: [Resource] = []
        for template in node.resources {
            let isWrite = template.hasSuffix(" [write]")
            let text = isWrite ? String(template.dropLast(" [write]".count)) : template
            let store = text.hasPrefix("store:") ? text.dropFirst("store:".count).split(separator: "/").first.map(String.init) : nil
            guard let bound = bind(text, sandbox: sandbox, store: store),
                  let resource = Resource(parsing: bound, access: isWrite ? .write : .read) else { return nil }
            resources.append(resource)
        }
        return Step(tenant: sandbox.tenantId, agent: "", workflow: "", runId: "", stepId: "", startNanos: 0,
                    kind: node.kind, operation: operation, resources: resources, source: sandbox.source)
    }

    /// The tenants (of `tenants`) whose legacy egress rules allow each egress destination of the node,
    /// for the destinations some tenant may not reach. One tenant's destination must not become
    /// another's: a node is never wider than any of its tenants' sandboxes.
    static func egressTenants(_ node: TaskGraph.Node, tenants: [String], sandboxes: [String: TenantSandbox]) -> [String: [String]] {
        var limited: [String: [String]] = [:]
        for template in node.egress where template != "egress:*" {
            let allowed = tenants.filter { tenant in
                guard let sandbox = sandboxes[tenant], let bound = bind(template, sandbox: sandbox, store: nil),
                      let resource = Resource(parsing: bound) else { return false }
                let checks = LegacyResourceChecks(sandbox, ids: LegacyRuleIds(tenant: tenant))
                if case .pass = checks.check(resource) { return true }
                return false
            }
            if allowed.count < tenants.count { limited[template] = allowed }
        }
        return limited
    }

    /// `${tenant.model}` binds to an observed model the tenant's `limits.models` admits (any, without
    /// the limit); a tenant none of whose models were seen gets the first, which its legacy then judges.
    static func model(for node: TaskGraph.Node, sandbox: TenantSandbox) -> String {
        guard let allowed = sandbox.limits.models else { return node.models.first ?? node.operation }
        return node.models.first { model in allowed.contains { $0.matches(model) } } ?? node.models.first ?? node.operation
    }

    /// Replaces `${tenant...}` bindings with the sandbox's values.
    static func bind(_ template: String, sandbox: TenantSandbox, store: String?) -> String? {
        guard template.contains("${") else { return template }
        var text = template
        let vector = sandbox.vectorIndex
        // Under collection isolation the collection itself is the partition: the key binds to nothing.
        if vector?.isolation == .collection { text = text.replacing("#${tenant.vectorKey}", with: "") }
        let bindings: [(String, String?)] = [
            ("${tenant.memory}", sandbox.memory?.namespace),
            ("${tenant.vectorIndex}", vector?.collection),
            ("${tenant.vectorKey}", vector.flatMap { index in index.tenantKeyField.flatMap { field in index.tenantKeyValue.map { "\(field)=\($0)" } } }),
            ("${tenant.scope}", store.flatMap { name in sandbox.dataStores.first { $0.name == name }?.scopePrefix }),
            ("${tenant.id}", sandbox.tenantId),
        ]
        for (name, value) in bindings where text.contains(name) {
            guard let value else { return nil }
            text = text.replacing(name, with: value)
        }
        return text.contains("${") ? nil : text
    }
}
