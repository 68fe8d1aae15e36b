import Yams

/// agentgateway `config.yaml` as a legacy dialect (docs/sandbox-config.md, "agentgateway"): recognized by
/// its top-level `binds:` or `mcp:` key (or a `routes:` list whose entries have `backends`) in a document
/// that is no TenantAgentSandbox. Each MCP route is one tenant: the workspace `tenantFrom:` rule maps it
/// (`routeName`: the route's `name:`; `=TENANT`, `stem`, `folder`: one fixed tenant for the file's one
/// route; `auto`: the route's name, else the file's tenant as for other dialects).
struct AgentGatewayDialectReader: DialectReader {
    var name: String { DialectName.agentGateway }
    var variants: [String] { [] }

    func recognizes(_ root: Node, file: String) -> Bool {
        guard case .mapping(let mapping) = root else { return false }
        var shaped = false
        for (key, value) in mapping {
            switch key.scalar?.string {
            // A TenantAgentSandbox (or any Kubernetes-style document) is never agentgateway.
            case "kind", "apiVersion": return false
            case "binds", "mcp": shaped = true
            case "routes":
                if case .sequence(let routes) = value, routes.contains(where: { $0.mapping?["backends"] != nil }) { shaped = true }
            default: continue
            }
        }
        return shaped
    }

    func read(_ root: Node, walker: SandboxNodeWalker, file: String, variant: String?, options: DialectOptions) -> [DialectFragment] {
        let routes = AgentGatewayDecoder(walker: walker, celLimits: .default).decodeRoot(root)
        guard walker.errorCount == 0 else { return [] }
        guard !routes.isEmpty else {
            walker.warning(.agentGatewayNoRoutes, "no route has an MCP backend; nothing to evaluate (the file configures no tenant)", root, "")
            return []
        }
        let config = AgentGatewayConfig(file: file, routes: routes)
        let mapped = Self.mapping(options.tenantFrom, config: config).tenants(of: config)
        for diagnostic in mapped.diagnostics {
            walker.error(diagnostic.code, diagnostic.message, at: diagnostic.location ?? walker.location(root), diagnostic.keyPath ?? "")
        }
        return mapped.tenants.map {
            DialectFragment(dialect: name, file: file, tenant: $0.tenantId, location: $0.route.location, payload: $0)
        }
    }

    /// The workspace tenant rule as agentgateway's route mapping.
    static func mapping(_ rule: TenantFrom, config: AgentGatewayConfig) -> AgentGatewayTenantMapping {
        switch rule {
        case .routeName: return .routeName
        case .literal(let tenant): return .fixed(tenant)
        case .stem, .folder: return .fixed(rule.tenant(of: config.file))
        case .auto:
            if config.routes.count == 1, config.routes[0].name == nil { return .fixed(rule.tenant(of: config.file)) }
            return .routeName
        }
    }

    func build(tenant: String, fragments: [DialectFragment], options: DialectOptions) -> TenantSandbox {
        let routes = fragments.compactMap { $0.payload as? AgentGatewayTenant }.sorted { ($0.file, $0.route.keyPath) < ($1.file, $1.route.keyPath) }
        // The grouping only calls build with fragments it made, so `routes` is never empty; the fallback
        // keeps that an invariant of this file rather than a trap.
        guard let first = routes.first else {
            return TenantSandbox(name: tenant, tenantId: tenant, source: SourceLocation(file: "?", line: 1))
        }
        let chosen = AgentGatewayTenant(tenantId: tenant, file: first.file, route: first.route)
        let policy = AgentGatewayDialectPolicy(policy: AgentGatewayPolicy(tenant: chosen))
        let conversion = AgentGatewaySandboxConversion.convert(chosen)
        var unexpressible = conversion.unexpressible.map {
            UnexpressibleRule(tenant: tenant, dialect: name, location: $0.location, keyPath: $0.keyPath,
                              rule: policy.policy.ruleId($0.rulePath), reason: $0.reason)
        }
        for other in routes.dropFirst() {
            unexpressible.append(UnexpressibleRule(
                tenant: tenant, dialect: name, location: other.route.location, keyPath: other.route.keyPath,
                rule: policy.policy.ruleId("route"),
                reason: "the tenant is already configured by the route at \(first.route.location); one tenant, one route (this route is not used)"))
        }
        var sandbox = conversion.sandbox
        sandbox.labels = ["nodeward.dev/dialect": name]
        sandbox.dialect = DialectOrigin(dialect: name, files: Array(Set(routes.map(\.file))).sorted(), policy: policy,
                                        sources: Self.sources(sandbox, route: chosen.route, policy: policy.policy),
                                        unexpressible: unexpressible.sorted())
        return sandbox
    }

    /// Where each imported rule came from: a tool rule is traced to the `mcpAuthorization` rule at its
    /// source location; the default and the identity to the route and its authentication policy.
    static func sources(_ sandbox: TenantSandbox, route: AgentGatewayRoute, policy: AgentGatewayPolicy) -> [ImportedRuleSource] {
        var sources: [ImportedRuleSource] = []
        let rules = route.allRules
        for (list, entries) in [("allow", sandbox.tools.allow), ("deny", sandbox.tools.deny)] {
            for entry in entries {
                guard let rule = rules.first(where: { $0.location == entry.source }) else { continue }
                sources.append(ImportedRuleSource(sandboxPath: "tools.\(list)[\(entry.index)]", location: rule.location,
                                                  keyPath: rule.keyPath, rule: policy.ruleId(rule.path)))
            }
        }
        let defaultRule = sandbox.tools.defaultEffect == .deny ? "mcpAuthorization.default" : "mcpAuthorization.denylist"
        sources.append(ImportedRuleSource(sandboxPath: "tools.default", location: route.location, keyPath: route.keyPath,
                                          rule: policy.ruleId(defaultRule)))
        if let auth = route.jwtAuth ?? route.targets.first?.jwtAuth, sandbox.identity != nil {
            sources.append(ImportedRuleSource(sandboxPath: "identity", location: auth.location, keyPath: auth.keyPath, rule: policy.ruleId(auth.path)))
        }
        return sources
    }
}

/// The native agentgateway policy of one tenant, as the framework carries it. Identity is the route it
/// was read from (file, key path, location) and its rule catalog: the compiled CEL programs themselves
/// are not comparable values.
struct AgentGatewayDialectPolicy: DialectPolicy {
    let policy: AgentGatewayPolicy
    var dialect: String { DialectName.agentGateway }

    func makeEvaluator(tenant: String) -> any DialectEvaluator { AgentGatewayEvaluator(policy: policy) }

    private var identity: [String] {
        let route = policy.tenant.route
        return [policy.tenantId, policy.tenant.file, route.keyPath, route.location.description]
            + policy.rules().map { "\($0.id)=\($0.description)" }
    }

    func isEqual(to other: any DialectPolicy) -> Bool {
        guard let other = other as? AgentGatewayDialectPolicy else { return false }
        return identity == other.identity
    }

    func hash(into hasher: inout Hasher) { hasher.combine(identity) }
}

/// agentgateway's decision (`AgentGatewayPolicy.decide`) as a legacy evaluation: an allow by an allow
/// rule, or by a route without rules or with deny rules only, is a grant that was exercised.
struct AgentGatewayEvaluator: DialectEvaluator {
    let policy: AgentGatewayPolicy
    let grants: Set<String>

    init(policy: AgentGatewayPolicy) {
        self.policy = policy
        // Only the grants this route can decide by: "no rules" and "deny-list" are grants of routes of
        // that shape, never unused grants of the others.
        let rules = policy.route.allRules
        var grants: Set<String> = []
        if rules.isEmpty { grants.insert(policy.ruleId("mcpAuthorization")) }
        if !rules.isEmpty, !rules.contains(where: { $0.effect == .allow }) { grants.insert(policy.ruleId("mcpAuthorization.denylist")) }
        for rule in rules where rule.effect == .allow { grants.insert(policy.ruleId(rule.path)) }
        self.grants = grants
    }

    mutating func evaluate(_ step: Step, collectingGrants: Bool) -> LegacyEvaluation {
        let decision = policy.decide(step)
        let exercised = collectingGrants && decision.effect == .allow && grants.contains(decision.rule) ? [decision.rule] : []
        return LegacyEvaluation(decision: decision, exercised: exercised)
    }

    var ruleCatalog: [LegacyRule] {
        var rules: [LegacyRule] = []
        for (id, description) in policy.rules() where rules.last?.id != id {
            let kind: LegacyRule.Kind = grants.contains(id) ? .grant
                : (id == policy.ruleId("unmediated") ? .implicit : .restriction)
            rules.append(LegacyRule(id: id, description: description, kind: kind))
        }
        return rules
    }
}
