import Yams

/// The equivalent TenantAgentSandbox of a tenant's LiteLLM entities (docs/sandbox-config.md, "LiteLLM",
/// mapping table): MCP servers and tool permissions as `mcp__<server>__<tool>` and `<server>-<tool>`
/// tool rules, the one allowed vector store as `vectorIndex`, `models`, `rpm_limit`, `tpm_limit` and
/// `max_budget` as `limits`. Where entities differ the import takes their intersection.
enum LiteLLMImport {
    static func sandbox(tenant: String, policy: LiteLLMPolicy, files: [String]) -> TenantSandbox {
        var builder = SandboxImportBuilder(tenant: tenant, dialect: DialectName.liteLLM)
        let ll = DialectName.liteLLM
        let literal = SandboxImportBuilder.literal
        let document = policy.entities.first?.location ?? SourceLocation(file: "?", line: 1)
        func origin(_ entity: LiteLLMEntity, _ keyPath: String, _ location: SourceLocation) -> SandboxImportBuilder.Origin {
            .init(location: location, keyPath: keyPath, rulePath: "\(entity.rulePrefix).\(keyPath)")
        }
        // Servers: the intersection of every entity that lists them; nil when none does.
        var servers: Set<String>?
        var serverOrigin: [String: SandboxImportBuilder.Origin] = [:]
        for entity in policy.entities {
            if let listed = entity.mcpServers {
                servers = servers.map { $0.intersection(listed.value) } ?? Set(listed.value)
                for server in listed.value { serverOrigin[server] = origin(entity, listed.keyPath, listed.location) }
            }
            if let groups = entity.mcpAccessGroups, !groups.value.isEmpty {
                builder.note(origin(entity, groups.keyPath, groups.location),
                             "MCP access groups resolve to servers in the proxy's config; their servers are not imported (narrower)")
            }
        }
        let permitted = Set(policy.entities.flatMap { $0.mcpToolPermissions.keys })
        let restricts = servers != nil || !permitted.isEmpty || policy.entities.contains { !($0.mcpAccessGroups?.value.isEmpty ?? true) }
        if !restricts {
            builder.addTool(.allow, tool: "mcp__*", from: .init(location: document, keyPath: "object_permission", rulePath: "\(ll).mcp"))
        } else {
            if servers == nil, !permitted.isEmpty {
                builder.note(.init(location: document, keyPath: "object_permission", rulePath: "\(ll).mcp"),
                             "no entity lists mcp_servers, so every server is allowed; only the servers with tool permissions are imported (narrower)")
            }
            for server in (servers ?? permitted).sorted() {
                var tools: Set<String>?
                var toolOrigin = serverOrigin[server] ?? .init(location: document, keyPath: "object_permission", rulePath: "\(ll).mcp")
                for entity in policy.entities {
                    guard let listed = entity.mcpToolPermissions[server] else { continue }
                    tools = tools.map { $0.intersection(listed.value) } ?? Set(listed.value)
                    if servers == nil { toolOrigin = origin(entity, listed.keyPath, listed.location) }
                }
                for tool in tools.map({ $0.sorted() }) ?? ["*"] {
                    let name = tool == "*" ? "*" : literal(tool)
                    builder.addTool(.allow, tool: "mcp__\(literal(server))__\(name)", from: toolOrigin)
                    builder.addTool(.allow, tool: "\(literal(server))-\(name)", from: toolOrigin)
                }
            }
        }
        builder.tools.defaultEffect = .deny
        builder.source("tools.default", from: .init(location: document, keyPath: "object_permission", rulePath: "\(ll).mcp"))
        builder.note(.init(location: document, keyPath: "object_permission", rulePath: "\(ll).mcp"),
                     "a tool call that names no MCP server is unevaluable natively; the sandbox denies it")
        builder.network.egressDefault = .allow
        builder.source("network.egress.default", from: .init(location: document, keyPath: "object_permission", rulePath: "\(ll).unmediated"))
        builder.note(.init(location: document, keyPath: "object_permission", rulePath: "\(ll).unmediated"),
                     "LiteLLM does not mediate memory or data-store steps; the sandbox declares none and denies them")

        // Vector stores: the intersection of the entities that restrict them.
        var stores: [String]?
        var storeOrigin: SandboxImportBuilder.Origin?
        for entity in policy.entities {
            guard let listed = entity.vectorStores, !listed.value.isEmpty else { continue }
            // An empty store name names no collection a sandbox can hold.
            let named = listed.value.filter { !$0.isEmpty }
            stores = stores.map { current in current.filter(named.contains) } ?? named
            storeOrigin = origin(entity, listed.keyPath, listed.location)
        }
        var vectorIndex: VectorIndexConfig?
        if let stores, let first = stores.first, let storeOrigin {
            vectorIndex = VectorIndexConfig(collection: first, isolation: .collection)
            builder.source("vectorIndex", from: storeOrigin)
            if stores.count > 1 {
                builder.note(storeOrigin, "\(stores.count) vector stores: a sandbox names one collection; only the first is imported (narrower)")
            }
        } else {
            builder.note(.init(location: document, keyPath: "object_permission.vector_stores", rulePath: "\(ll).vector_stores"),
                         stores == nil ? "every vector store is allowed; a sandbox names one collection, so none is imported (narrower)"
                                       : "the entities share no vector store; none is imported")
        }

        // Limits: the smallest of each, models from the entities that restrict them.
        var limits = LimitsConfig()
        var modelLists: [(LiteLLMEntity, LiteLLMEntity.Field<[String]>)] = []
        for entity in policy.entities {
            if let rpm = entity.rpmLimit {
                limits.requestsPerMinute = min(limits.requestsPerMinute ?? .max, rpm.value)
                builder.source("limits.requestsPerMinute", from: origin(entity, rpm.keyPath, rpm.location))
            }
            if let tpm = entity.tpmLimit {
                limits.tokensPerMinute = min(limits.tokensPerMinute ?? .max, tpm.value)
                builder.source("limits.tokensPerMinute", from: origin(entity, tpm.keyPath, tpm.location))
            }
            for limit in [entity.rpmLimit?.keyPath, entity.tpmLimit?.keyPath].compactMap({ $0 }) {
                let location = limit == entity.rpmLimit?.keyPath ? entity.rpmLimit?.location : entity.tpmLimit?.location
                builder.note(origin(entity, limit, location ?? entity.location),
                             "imported as a sandbox limit; Nodeward's native LiteLLM evaluator keeps no request counters, so only the imported sandbox rate-limits")
            }
            if let budget = entity.maxBudget {
                if let period = entity.budgetDuration, !period.isEmpty {
                    let current = limits.budget?.maxUsd ?? .infinity
                    if budget.value < current { limits.budget = BudgetConfig(maxUsd: budget.value, period: period) }
                    builder.source("limits.budget", from: origin(entity, budget.keyPath, budget.location))
                } else {
                    builder.note(origin(entity, budget.keyPath, budget.location), "max_budget without budget_duration never resets; a sandbox budget needs a period, so it is not imported")
                }
            }
            if let models = entity.models, !models.value.isEmpty, !models.value.contains("all-proxy-models") { modelLists.append((entity, models)) }
            if let agents = entity.agents, !agents.value.isEmpty {
                builder.note(origin(entity, agents.keyPath, agents.location), "agents (A2A) have no TenantAgentSandbox counterpart")
            }
            for key in entity.unmodelled {
                builder.note(origin(entity, key.keyPath, key.location), "`\(key.value)` is not modelled by Nodeward; no TenantAgentSandbox counterpart")
            }
        }
        if let (entity, models) = modelLists.last {
            // A pattern that is no valid glob is matched literally, as the native evaluator does.
            limits.models = models.value.compactMap { (try? Glob($0)) ?? (try? Glob(SandboxImportBuilder.literal($0))) }
            builder.source("limits.models", from: origin(entity, models.keyPath, models.location))
            if modelLists.count > 1 {
                builder.note(origin(entity, models.keyPath, models.location), "several entities list models; the import keeps the most specific entity's list (the \(entity.kind.rawValue)'s)")
            }
        }
        var sandbox = builder.sandbox(source: document, files: files, policy: policy)
        sandbox.vectorIndex = vectorIndex
        sandbox.limits = limits
        return sandbox
    }
}

/// LiteLLM per-team / per-key / organization / customer exports: recognized by an entity id field with
/// an `object_permission` or limit field. Teams and keys map to the tenant of their `team_alias` (or
/// `team_id`) under `tenantFrom: auto`; other rules, and organizations and customers, use `tenantFrom`.
struct LiteLLMReader: DialectReader {
    var name: String { DialectName.liteLLM }
    var variants: [String] { [] }

    func recognizes(_ root: Node, file: String) -> Bool { LiteLLMDecoder.recognizes(root) }

    func read(_ root: Node, walker: SandboxNodeWalker, file: String, variant: String?, options: DialectOptions) -> [DialectFragment] {
        guard let entity = LiteLLMDecoder(walker: walker).decode(root) else { return [] }
        let tenant = options.tenantFrom == .auto ? entity.team : nil
        return [DialectFragment(dialect: name, file: file, tenant: tenant, location: entity.location, payload: entity)]
    }

    func build(tenant: String, fragments: [DialectFragment], options: DialectOptions) -> TenantSandbox {
        var entities: [LiteLLMEntity] = []
        var repeated: [LiteLLMEntity] = []
        for entity in fragments.compactMap({ $0.payload as? LiteLLMEntity }).sorted(by: { $0.file < $1.file }) {
            if entities.contains(where: { $0.kind == entity.kind }) { repeated.append(entity) } else { entities.append(entity) }
        }
        let policy = LiteLLMPolicy(entities: entities)
        var sandbox = LiteLLMImport.sandbox(tenant: tenant, policy: policy, files: fragments.map(\.file))
        for entity in repeated {
            let first = entities.first { $0.kind == entity.kind }?.file ?? "?"
            sandbox.dialect?.unexpressible.append(UnexpressibleRule(
                tenant: tenant, dialect: name, location: entity.location, keyPath: "",
                rule: "\(tenant)/\(entity.rulePrefix)",
                reason: "a second \(entity.kind.rawValue) of the tenant (the first is \(first)); steps do not record which one a request used, so this one is not used"))
            sandbox.dialect?.unexpressible.sort()
        }
        return sandbox
    }
}
