/// The confinement rule: a node is granted to a tenant only if that tenant's legacy sandbox would allow
/// the node's operation and resources (docs/policy-language.md, "Confinement"). Decided by evaluating a
/// representative step (the node's templates bound to the tenant) with `LegacyEvaluator`; where only the
/// tool rules' argument globs are undecided, those globs are carried into the node as argument constraints.
/// Generation asks it of task-graph nodes (to write `tenants:`), `policy check` of committed node
/// policies (to prove them still confined): both through `Subject`.
struct PolicyConfinement {
    /// What the representative step needs of a node: its kind, operation, identity resource templates
    /// (with ` [write]`), and the models an LLM node stands for (nil: not known, see `model(for:)`).
    /// Egress destinations are checked one by one (`resourceDenial`), not as part of the step.
    struct Subject: Sendable, Hashable {
        var kind: StepKind
        var operation: String
        var resources: [String]
        var models: [String]?

        init(kind: StepKind, operation: String, resources: [String], models: [String]? = nil) {
            self.kind = kind
            self.operation = operation
            self.resources = resources
            self.models = models
        }

        init(_ node: TaskGraph.Node) {
            self.init(kind: node.kind, operation: node.operation, resources: node.resources, models: node.models)
        }
    }

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
        verdict(for: Subject(node), sandbox: sandbox)
    }

    static func verdict(for node: Subject, sandbox: TenantSandbox) -> Verdict {
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
        let reading = toolRules(tool, sandbox: sandbox)
        if case .denied(let rule) = reading { return .denied(rule: rule) }
        return .granted(reading.globs)
    }

    /// One argument glob of a tenant's tool rules and the rule id it comes from.
    struct RuleGlob: Hashable, Comparable {
        var argument: String
        /// Templated with `${tenant.id}`.
        var pattern: String
        var rule: String

        static func < (lhs: RuleGlob, rhs: RuleGlob) -> Bool {
            (lhs.argument, lhs.pattern, lhs.rule) < (rhs.argument, rhs.pattern, rhs.rule)
        }
    }

    /// The static reading of one tool's rules, keeping each glob's rule id (for `policy check`'s reports).
    enum ToolRuleReading {
        case granted(required: [RuleGlob], excluded: [RuleGlob])
        case denied(rule: String)

        var globs: ToolArgumentGlobs {
            guard case .granted(let required, let excluded) = self else { return ToolArgumentGlobs() }
            var globs = ToolArgumentGlobs()
            for glob in required { globs.required[glob.argument] = glob.pattern }
            for glob in excluded { globs.excluded[glob.argument, default: []].insert(glob.pattern) }
            return globs
        }
    }

    static func toolRules(_ tool: String, sandbox: TenantSandbox) -> ToolRuleReading {
        let ids = LegacyRuleIds(tenant: sandbox.tenantId)
        let rules = LegacyToolRules(sandbox.tools, ids: ids)
        var excluded: [RuleGlob] = []
        func globs(of rule: CompiledToolRule) -> [RuleGlob] {
            (rule.everyString.map { [RuleGlob(argument: "*", pattern: template($0.pattern, sandbox), rule: rule.id)] } ?? [])
                + rule.named.map { RuleGlob(argument: $0.name, pattern: template($0.glob.pattern, sandbox), rule: rule.id) }
        }
        for rule in rules.ask + rules.deny where rule.tool.matches(tool) {
            if rule.everyString == nil && rule.named.isEmpty { return .denied(rule: rule.id) }
            excluded += globs(of: rule)
        }
        let matching = rules.allow.filter { $0.tool.matches(tool) }
        if matching.contains(where: { $0.everyString == nil && $0.named.isEmpty }) { return .granted(required: [], excluded: excluded.sorted()) }
        if let first = matching.first { return .granted(required: globs(of: first).sorted(), excluded: excluded.sorted()) }
        return rules.defaultEffect == .allow ? .granted(required: [], excluded: excluded.sorted()) : .denied(rule: rules.defaultRule)
    }

    static func template(_ pattern: String, _ sandbox: TenantSandbox) -> String {
        ResourceTemplating.replacingTenant(pattern, tenant: sandbox.tenantId)
    }

    /// The node's templates bound to one tenant, as a step without arguments, identity or context items.
    /// Nil when a binding the templates need is missing from the sandbox.
    static func representativeStep(_ node: Subject, sandbox: TenantSandbox) -> Step? {
        guard let operation = node.kind == .llm ? model(for: node, sandbox: sandbox) : bind(node.operation, sandbox: sandbox, store: nil)
        else { return nil }
        var resources: [Resource] = []
        for template in node.resources {
            guard let resource = bindResource(template, sandbox: sandbox) else { return nil }
            resources.append(resource)
        }
        return Step(tenant: sandbox.tenantId, agent: "", workflow: "", runId: "", stepId: "", startNanos: 0,
                    kind: node.kind, operation: operation, resources: resources, source: sandbox.source)
    }

    /// A resource template (` [write]` marks write access) bound to one tenant. Nil when a binding is
    /// missing from the sandbox or the bound text is not a resource.
    static func bindResource(_ template: String, sandbox: TenantSandbox) -> Resource? {
        let isWrite = template.hasSuffix(" [write]")
        let text = isWrite ? String(template.dropLast(" [write]".count)) : template
        let store = text.hasPrefix("store:") ? text.dropFirst("store:".count).split(separator: "/").first.map(String.init) : nil
        guard let bound = bind(text, sandbox: sandbox, store: store) else { return nil }
        return Resource(parsing: bound, access: isWrite ? .write : .read)
    }

    /// Why a tenant's legacy sandbox denies a resource template: the legacy rule id, and the tenant-boundary
    /// check when the template falls outside the tenant's boundary (another namespace, partition, store
    /// or scope) rather than outside a grant (an access mode, an egress rule).
    struct ResourceDenial: Sendable, Hashable {
        var rule: String
        var boundary: TenantBoundaryCheck?
    }

    /// The legacy rule that denies one resource template to one tenant (nil: allowed). A template the
    /// sandbox cannot bind is denied by the rule that would have granted it.
    static func resourceDenial(_ template: String, sandbox: TenantSandbox) -> String? {
        resourceDenialDetail(template, sandbox: sandbox)?.rule
    }

    /// `resourceDenial`, with the boundary check. A boundary failure is reported before a grant's (a
    /// path outside the store's scope, not the store's access mode): it is the one the node regime
    /// enforces whatever the node grants.
    static func resourceDenialDetail(_ template: String, sandbox: TenantSandbox) -> ResourceDenial? {
        let ids = LegacyRuleIds(tenant: sandbox.tenantId)
        guard let resource = bindResource(template, sandbox: sandbox) else {
            switch template.prefix(while: { $0 != ":" }) {
            case "memory":
                return sandbox.memory == nil ? ResourceDenial(rule: ids.memory, boundary: .memory)
                    : ResourceDenial(rule: ids.memoryNamespace, boundary: .memoryNamespace)
            case "vector":
                return sandbox.vectorIndex == nil ? ResourceDenial(rule: ids.vectorIndex, boundary: .vectorIndex)
                    : ResourceDenial(rule: ids.vectorTenantKey, boundary: .vectorTenantKey)
            case "store":
                let name = template.dropFirst("store:".count).prefix { $0 != "/" && $0 != " " }
                return sandbox.dataStores.contains { $0.name == name }
                    ? ResourceDenial(rule: ids.id("dataStores[\(name)].scope"), boundary: .dataStoreScope)
                    : ResourceDenial(rule: ids.dataStores, boundary: .dataStores)
            default: return ResourceDenial(rule: ids.id("network.egress"), boundary: nil)
            }
        }
        let checks = LegacyResourceChecks(sandbox, ids: ids)
        if let failure = checks.boundary.resource(resource) { return ResourceDenial(rule: failure.verdict.rule, boundary: failure.check) }
        if case .fail(let verdict) = checks.check(resource) { return ResourceDenial(rule: verdict.rule, boundary: nil) }
        return nil
    }

    /// The tenants (of `tenants`) whose legacy egress rules allow each egress destination of the node,
    /// for the destinations some tenant may not reach. One tenant's destination must not become
    /// another's: a node is never wider than any of its tenants' sandboxes.
    static func egressTenants(_ node: TaskGraph.Node, tenants: [String], sandboxes: [String: TenantSandbox]) -> [String: [String]] {
        var limited: [String: [String]] = [:]
        for template in node.egress where template != "egress:*" {
            let allowed = tenants.filter { tenant in
                guard let sandbox = sandboxes[tenant] else { return false }
                return resourceDenial(template, sandbox: sandbox) == nil
            }
            if allowed.count < tenants.count { limited[template] = allowed }
        }
        return limited
    }

    /// `${tenant.model}` binds to an observed model the tenant's `limits.models` admits (any, without
    /// the limit); a tenant none of whose models were seen gets the first, which its legacy then judges.
    /// Models not known (a node policy checked without its graph): the tenant's first `limits.models`
    /// pattern, so only a tenant that admits no model at all is denied.
    static func model(for node: Subject, sandbox: TenantSandbox) -> String {
        guard let models = node.models else { return sandbox.limits.models?.first?.pattern ?? node.operation }
        guard let allowed = sandbox.limits.models else { return models.first ?? node.operation }
        return models.first { model in allowed.contains { $0.matches(model) } } ?? models.first ?? node.operation
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
