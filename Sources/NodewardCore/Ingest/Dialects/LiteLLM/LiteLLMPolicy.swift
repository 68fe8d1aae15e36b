/// One tenant's LiteLLM entities (at most one per kind: organization, team, key, customer) and
/// LiteLLM's decision over them (docs/sandbox-config.md, "LiteLLM"): every entity present must allow
/// (a key's servers must also be its team's; LiteLLM intersects the levels).
public struct LiteLLMPolicy: DialectPolicy, Hashable {
    public var dialect: String { DialectName.liteLLM }
    /// Sorted by kind (organization, team, key, customer).
    public var entities: [LiteLLMEntity]

    public init(entities: [LiteLLMEntity]) {
        let order = LiteLLMEntity.Kind.allCases
        self.entities = entities.sorted { (order.firstIndex(of: $0.kind) ?? 0, $0.file) < (order.firstIndex(of: $1.kind) ?? 0, $1.file) }
    }

    public func makeEvaluator(tenant: String) -> any DialectEvaluator { LiteLLMEvaluator(policy: self, tenant: tenant) }

}

/// LiteLLM's checks, per step kind: MCP tool calls against each entity's servers, access groups and
/// tool permissions; retrievals against `vector_stores`; model calls against `models`. LiteLLM does
/// not mediate memory, data stores or egress (allowed, `litellm.unmediated`). Rate limits and budgets
/// are enforced by the proxy's counters, which this evaluator does not keep (listed as unexpressible
/// by the import, so the difference is reported).
struct LiteLLMEvaluator: DialectEvaluator {
    let policy: LiteLLMPolicy
    let decisions: DialectDecisions
    /// Derived from the policy once per tenant, never per step (the decision path):
    /// every server any entity names, longest first (for splitting `server-tool` operations);
    let knownServers: [String]
    /// the entities that restrict MCP calls at all;
    let restricting: [LiteLLMEntity]
    /// each entity's `models` as compiled globs (a pattern that is no glob matches itself only).
    let modelPatterns: [[ModelPattern]]

    enum ModelPattern: Sendable {
        case glob(Glob)
        case literal(String)

        func matches(_ model: String) -> Bool {
            switch self {
            case .glob(let glob): return glob.matches(model)
            case .literal(let text): return text == model
            }
        }
    }

    init(policy: LiteLLMPolicy, tenant: String) {
        self.policy = policy
        decisions = DialectDecisions(tenant: tenant)
        knownServers = Array(Set(policy.entities.flatMap { ($0.mcpServers?.value ?? []) + Array($0.mcpToolPermissions.keys) }))
            .sorted { ($0.count, $0) > ($1.count, $1) }
        restricting = policy.entities.filter {
            $0.mcpServers != nil || $0.mcpAccessGroups.map { !$0.value.isEmpty } == true || !$0.mcpToolPermissions.isEmpty
        }
        modelPatterns = policy.entities.map { entity in
            (entity.models?.value ?? []).map { pattern in (try? Glob(pattern)).map(ModelPattern.glob) ?? .literal(pattern) }
        }
    }

    private func decide(_ effect: Effect, _ path: String, _ reason: String, grant: Bool = false, collecting: Bool) -> LegacyEvaluation {
        decisions.decide(effect, path, reason, grant: grant, collecting: collecting)
    }

    /// `mcp__server__tool`, or LiteLLM's own `server-tool` prefix form for a server an entity names.
    func split(_ operation: String) -> (server: String, tool: String)? {
        if let parts = ClaudeCodeRule.mcpParts(operation) {
            guard let tool = parts.tool, !tool.isEmpty else { return nil }
            return (parts.server, tool)
        }
        for server in knownServers where operation.hasPrefix(server + "-") && operation.count > server.count + 1 {
            return (server, String(operation.dropFirst(server.count + 1)))
        }
        return nil
    }

    mutating func evaluate(_ step: Step, collectingGrants: Bool) -> LegacyEvaluation {
        let ll = DialectName.liteLLM
        switch step.kind {
        case .toolCall: return tool(step.operation, collecting: collectingGrants)
        case .retrieval:
            let stores = step.resources.filter { $0.scheme == .vector }.map(\.container)
            guard !stores.isEmpty else { return decide(.unevaluable, "\(ll).vector_stores", "the step recorded no vector store", collecting: collectingGrants) }
            for entity in policy.entities {
                guard let allowed = entity.vectorStores, !allowed.value.isEmpty else { continue }
                if let store = stores.first(where: { !allowed.value.contains($0) }) {
                    return decide(.deny, "\(entity.rulePrefix).\(allowed.keyPath)", "vector store \(store) is not allowed for the \(entity.kind.rawValue)", collecting: collectingGrants)
                }
            }
            let granting = policy.entities.last { !($0.vectorStores?.value.isEmpty ?? true) }
            return decide(.allow, granting.map { "\($0.rulePrefix).\($0.vectorStores?.keyPath ?? "")" } ?? "\(ll).vector_stores",
                          "the vector store is allowed", grant: true, collecting: collectingGrants)
        case .llm:
            for (entity, patterns) in zip(policy.entities, modelPatterns) {
                guard let models = entity.models, !models.value.isEmpty, !models.value.contains("all-proxy-models") else { continue }
                if !patterns.contains(where: { $0.matches(step.operation) }) {
                    return decide(.deny, "\(entity.rulePrefix).\(models.keyPath)", "model \(step.operation) is not in the \(entity.kind.rawValue)'s models", collecting: collectingGrants)
                }
            }
            return decide(.allow, "\(ll).models", "the model is allowed", grant: true, collecting: collectingGrants)
        case .memoryRead, .memoryWrite, .dataWrite, .output:
            return decide(.allow, "\(ll).unmediated", "LiteLLM does not mediate \(step.kind.rawValue) steps", collecting: collectingGrants)
        }
    }

    func tool(_ operation: String, collecting: Bool) -> LegacyEvaluation {
        let ll = DialectName.liteLLM
        guard !restricting.isEmpty else {
            return decide(.allow, "\(ll).mcp", "no entity restricts MCP servers", grant: true, collecting: collecting)
        }
        guard let (server, tool) = split(operation) else {
            return decide(.unevaluable, "\(ll).mcp", "the step does not name its MCP server (expected mcp__<server>__<tool> or <server>-<tool>)", collecting: collecting)
        }
        var unknownGroup: LiteLLMEntity?
        var grant = "\(ll).mcp"
        for entity in restricting {
            if let servers = entity.mcpServers {
                if servers.value.contains(server) {
                    grant = "\(entity.rulePrefix).\(servers.keyPath)"
                } else if let groups = entity.mcpAccessGroups, !groups.value.isEmpty {
                    if unknownGroup == nil { unknownGroup = entity }
                } else {
                    return decide(.deny, "\(entity.rulePrefix).\(servers.keyPath)", "MCP server \(server) is not allowed for the \(entity.kind.rawValue)", collecting: collecting)
                }
            } else if let groups = entity.mcpAccessGroups, !groups.value.isEmpty {
                if unknownGroup == nil { unknownGroup = entity }
            }
            if let tools = entity.mcpToolPermissions[server], !tools.value.contains(tool) {
                return decide(.deny, "\(entity.rulePrefix).\(tools.keyPath)", "tool \(tool) is not among the \(entity.kind.rawValue)'s tools of server \(server)", collecting: collecting)
            }
        }
        if let entity = unknownGroup, let groups = entity.mcpAccessGroups {
            return decide(.unevaluable, "\(entity.rulePrefix).\(groups.keyPath)",
                          "server \(server) may come from an MCP access group, which the proxy's config resolves", collecting: collecting)
        }
        return decide(.allow, grant, "tool \(tool) of MCP server \(server) is allowed", grant: true, collecting: collecting)
    }

    var ruleCatalog: [LegacyRule] {
        let ll = DialectName.liteLLM
        var rules: [LegacyRule] = []
        func add(_ path: String, _ description: String, _ kind: LegacyRule.Kind) {
            rules.append(LegacyRule(id: decisions.id(path), description: description, kind: kind))
        }
        for entity in policy.entities {
            let name = entity.kind.rawValue
            if let servers = entity.mcpServers { add("\(entity.rulePrefix).\(servers.keyPath)", "MCP servers of the \(name)", .grant) }
            if let groups = entity.mcpAccessGroups, !groups.value.isEmpty { add("\(entity.rulePrefix).\(groups.keyPath)", "MCP access groups of the \(name) (resolved by the proxy)", .restriction) }
            for (_, tools) in entity.mcpToolPermissions { add("\(entity.rulePrefix).\(tools.keyPath)", "the only tools of a server the \(name) may call", .restriction) }
            if let stores = entity.vectorStores, !stores.value.isEmpty { add("\(entity.rulePrefix).\(stores.keyPath)", "vector stores of the \(name)", .grant) }
            if let models = entity.models, !models.value.isEmpty { add("\(entity.rulePrefix).\(models.keyPath)", "models of the \(name)", .restriction) }
        }
        add("\(ll).mcp", "MCP tool calls where no entity restricts servers; steps that name no server", .grant)
        add("\(ll).vector_stores", "every vector store (no entity restricts them)", .grant)
        add("\(ll).models", "a model every entity allows", .grant)
        add("\(ll).unmediated", "memory, store, output steps: not mediated by LiteLLM", .implicit)
        var unique: [LegacyRule] = []
        for rule in rules.sorted() where unique.last?.id != rule.id { unique.append(rule) }
        return unique
    }
}
