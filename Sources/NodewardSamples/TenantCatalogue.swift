import NodewardCore

/// The sample fleet's tenants: five hand-written tenant sandboxes with deliberately differing (and in
/// places risky) settings, plus deterministic synthesized tenants for larger fleets.
enum TenantCatalogue {
    static func tenants(count: Int) -> [TenantProfile] {
        let named = [acme, initech, globex, umbrella, hooli]
        if count <= named.count { return Array(named.prefix(max(count, 0))) }
        return named + (named.count..<count).map { synthesized(index: $0 + 1, template: named[($0 - named.count) % named.count]) }
    }

    // MARK: - Named tenants

    static var acme: TenantProfile {
        let sandbox = TenantSandbox(
            name: "acme", labels: ["tier": "enterprise"], tenantId: "acme",
            identity: identity("https://auth.acme.example/", audience: "agents", claim: "org_id", value: "org_4f2a"),
            runtime: RuntimeConfig(provider: "kubernetes", isolation: "gvisor", image: "registry.example/agent-runtime:1.4", cpu: "2", memory: "4Gi"),
            memory: MemoryConfig(namespace: "acme-memory"),
            vectorIndex: VectorIndexConfig(backend: "qdrant", collection: "shared-docs", isolation: .payload, tenantKeyField: "group_id", tenantKeyValue: "acme"),
            tools: ToolsConfig(
                defaultEffect: .deny,
                allow: rules(["email.read", "email.send", "email.archive", "crm.*", "web.fetch", "invoices.*", "payments.schedule"],
                             args: ["email.send": ["to": "*@acme.example"]]),
                deny: rules(["crm.delete"]),
                effects: ["email.send": .write, "email.archive": .write, "crm.update": .write, "payments.schedule": .write]),
            dataStores: [
                store("crm", "postgres", .readWrite, schema: "acme", index: 0),
                store("artifacts", "s3", .read, prefix: "s3://agent-artifacts/tenants/acme/", index: 1),
                store("ledger", "postgres", .readWrite, schema: "acme", index: 2),
            ],
            network: NetworkConfig(egressDefault: .deny, egressAllow: [
                fqdn("api.openai.com", ports: [443], index: 0), cidr("10.40.0.0/16", index: 1), fqdn("*.example", ports: [443], index: 2),
            ]),
            limits: LimitsConfig(requestsPerMinute: 600, tokensPerMinute: 200_000, budget: BudgetConfig(maxUsd: 500, period: "30d")),
            audit: AuditConfig(sinkKind: "otlp", sinkEndpoint: "https://otel.example.com:4317", events: ["tool_call", "tool_denied", "data_access"]),
            contextTagging: ContextTaggingConfig(scheme: "hmac-sha256", keyRef: "acme-context-key"),
            source: SourceLocation(file: "tenants/acme.yaml", line: 1))
        return TenantProfile(
            sandbox: sandbox, domain: "acme.example", model: "gpt-4.1", provider: "openai", modelHost: "api.openai.com",
            workflows: [.inboxTriage, .crmEnrichment, .invoiceProcessing], users: ["usr_acme_dana", "usr_acme_lee", "usr_acme_ravi", "usr_acme_jo"],
            crmSchema: "acme", artifactsPrefix: "s3://agent-artifacts/tenants/acme/", ledgerSchema: "acme", mixedFormat: .otlp)
    }

    /// Shares acme's qdrant collection, isolated only by a payload filter.
    static var initech: TenantProfile {
        let sandbox = TenantSandbox(
            name: "initech", labels: ["tier": "business"], tenantId: "initech",
            identity: identity("https://initech.us.auth0.com/", audience: "agents", claim: "org_id", value: "org_9c1e"),
            runtime: RuntimeConfig(provider: "kubernetes", isolation: "gvisor", image: "registry.example/agent-runtime:1.4", cpu: "1", memory: "2Gi"),
            memory: MemoryConfig(namespace: "initech-memory"),
            vectorIndex: VectorIndexConfig(backend: "qdrant", collection: "shared-docs", isolation: .payload, tenantKeyField: "group_id", tenantKeyValue: "initech"),
            tools: ToolsConfig(
                defaultEffect: .deny,
                allow: rules(["email.read", "email.send", "email.archive", "crm.search", "crm.update", "web.fetch", "tickets.get"],
                             args: ["email.send": ["to": "*@initech.example"]]),
                effects: ["email.send": .write, "email.archive": .write, "crm.update": .write]),
            dataStores: [
                store("crm", "postgres", .readWrite, schema: "initech", index: 0),
                store("artifacts", "s3", .readWrite, prefix: "s3://agent-artifacts/tenants/initech/", index: 1),
            ],
            network: NetworkConfig(egressDefault: .deny, egressAllow: [
                fqdn("api.anthropic.com", ports: [443], index: 0), fqdn("*.example", ports: [443], index: 1),
            ]),
            limits: LimitsConfig(requestsPerMinute: 300, tokensPerMinute: 150_000, budget: BudgetConfig(maxUsd: 200, period: "30d")),
            audit: AuditConfig(sinkKind: "otlp", sinkEndpoint: "https://otel.example.com:4317", events: ["tool_call", "tool_denied", "data_access"]),
            contextTagging: ContextTaggingConfig(scheme: "hmac-sha256", keyRef: "initech-context-key"),
            source: SourceLocation(file: "tenants/initech.yaml", line: 1))
        return TenantProfile(
            sandbox: sandbox, domain: "initech.example", model: "claude-sonnet-4-5", provider: "anthropic", modelHost: "api.anthropic.com",
            workflows: [.crmEnrichment, .supportTicketSummary, .inboxTriage], users: ["usr_initech_bill", "usr_initech_peter", "usr_initech_joanna"],
            crmSchema: "initech", artifactsPrefix: "s3://agent-artifacts/tenants/initech/", ledgerSchema: "initech", mixedFormat: .otlp)
    }

    /// Starter tier: pinecone namespace isolation, strict allowlist, low request rate, Entra `tid` claim.
    static var globex: TenantProfile {
        let tid = "3f6c2a9e-1b7d-4c1e-9a55-0d2f7b1c8e44"
        let sandbox = TenantSandbox(
            name: "globex", labels: ["tier": "starter"], tenantId: "globex",
            identity: identity("https://login.microsoftonline.com/\(tid)/v2.0", audience: "api://agents-platform", claim: "tid", value: tid),
            runtime: RuntimeConfig(provider: "e2b", isolation: "firecracker", image: "globex-analyst", cpu: "2", memory: "2Gi"),
            memory: MemoryConfig(namespace: "globex"),
            vectorIndex: VectorIndexConfig(backend: "pinecone", collection: "analyst-rag", isolation: .namespace, tenantKeyField: "namespace", tenantKeyValue: "globex"),
            tools: ToolsConfig(
                defaultEffect: .deny,
                allow: rules(["tickets.get", "invoices.list", "invoices.get", "payments.schedule", "email.send"],
                             args: ["email.send": ["to": "*@globex.example"]]),
                deny: rules(["shell"]),
                effects: ["payments.schedule": .write, "email.send": .write]),
            dataStores: [
                store("artifacts", "s3", .readWrite, prefix: "s3://uploads/globex/", index: 0),
                store("ledger", "postgres", .readWrite, schema: "globex", index: 1),
            ],
            network: NetworkConfig(egressDefault: .deny, egressAllow: [fqdn("api.openai.com", ports: [443], index: 0)]),
            limits: LimitsConfig(requestsPerMinute: 60, tokensPerMinute: 60_000, budget: BudgetConfig(maxUsd: 25, period: "30d")),
            audit: AuditConfig(sinkKind: "http", sinkEndpoint: "https://audit.example.com/ingest", events: ["tool_call", "tool_denied", "egress_denied"]),
            source: SourceLocation(file: "tenants/globex.yaml", line: 1))
        return TenantProfile(
            sandbox: sandbox, domain: "globex.example", model: "gpt-4.1-mini", provider: "openai", modelHost: "api.openai.com",
            workflows: [.supportTicketSummary, .invoiceProcessing], users: ["usr_globex_hank", "usr_globex_scorpio"],
            crmSchema: "globex", artifactsPrefix: "s3://uploads/globex/", ledgerSchema: "globex", mixedFormat: .jsonl)
    }

    /// The default-allow tenant: no audit sink, an identity without a tenant claim, a shared memory namespace.
    static var umbrella: TenantProfile {
        let sandbox = TenantSandbox(
            name: "umbrella", labels: ["tier": "legacy"], tenantId: "umbrella",
            identity: IdentityConfig(issuers: [IssuerConfig(issuer: "https://sso.umbrella.example/", audience: "agents")]),
            runtime: RuntimeConfig(provider: "docker", isolation: "runc", image: "registry.example/agent-runtime:1.2"),
            memory: MemoryConfig(namespace: "agents-memory"),
            vectorIndex: VectorIndexConfig(backend: "weaviate", collection: "UmbrellaDocs", isolation: .tenant, tenantKeyField: "tenant", tenantKeyValue: "umbrella"),
            tools: ToolsConfig(defaultEffect: .allow),
            dataStores: [
                store("crm", "postgres", .readWrite, schema: "umbrella", index: 0),
                store("artifacts", "s3", .readWrite, prefix: "s3://agent-artifacts/tenants/umbrella/", index: 1),
                store("ledger", "postgres", .readWrite, schema: "umbrella", index: 2),
            ],
            network: NetworkConfig(egressDefault: .allow),
            limits: LimitsConfig(requestsPerMinute: 1200),
            source: SourceLocation(file: "tenants/umbrella.yaml", line: 1))
        return TenantProfile(
            sandbox: sandbox, domain: "umbrella.example", model: "gpt-4o", provider: "openai", modelHost: "api.openai.com",
            workflows: Workflow.allCases, users: ["usr_umbrella_alice", "usr_umbrella_chris", "usr_umbrella_jill"],
            crmSchema: "umbrella", artifactsPrefix: "s3://agent-artifacts/tenants/umbrella/", ledgerSchema: "umbrella", mixedFormat: .jsonl)
    }

    /// A wildcard allow with a short deny list; the same memory namespace as umbrella; an s3 scope that
    /// contains umbrella's.
    static var hooli: TenantProfile {
        let sandbox = TenantSandbox(
            name: "hooli", labels: ["tier": "enterprise"], tenantId: "hooli",
            identity: identity("https://hooli.okta.example/oauth2/default", audience: "api://agents", claim: "team_id", value: "team_hooli_7"),
            runtime: RuntimeConfig(provider: "modal", isolation: "gvisor", image: "registry.example/agent-runtime:1.4", cpu: "4", memory: "8Gi"),
            memory: MemoryConfig(namespace: "agents-memory"),
            vectorIndex: VectorIndexConfig(backend: "qdrant", collection: "hooli-kb", isolation: .collection),
            tools: ToolsConfig(defaultEffect: .deny, allow: rules(["*"]), deny: rules(["crm.delete", "payments.*"])),
            dataStores: [
                store("crm", "postgres", .readWrite, schema: "hooli", index: 0),
                store("artifacts", "s3", .readWrite, prefix: "s3://agent-artifacts/tenants/", index: 1),
            ],
            network: NetworkConfig(egressDefault: .allow, egressDeny: [cidr("169.254.169.254/32", index: 0)]),
            limits: LimitsConfig(requestsPerMinute: 900, tokensPerMinute: 400_000),
            audit: AuditConfig(sinkKind: "otlp", sinkEndpoint: "https://otel.hooli.example:4317", events: ["tool_call", "tool_denied"]),
            source: SourceLocation(file: "tenants/hooli.yaml", line: 1))
        return TenantProfile(
            sandbox: sandbox, domain: "hooli.example", model: "gemini-2.5-pro", provider: "gcp.gemini", modelHost: "generativelanguage.googleapis.com",
            workflows: [.supportTicketSummary, .inboxTriage, .crmEnrichment], users: ["usr_hooli_gavin", "usr_hooli_denpok", "usr_hooli_jared"],
            crmSchema: "hooli", artifactsPrefix: "s3://agent-artifacts/tenants/hooli/", ledgerSchema: "hooli", mixedFormat: .otlp)
    }

    /// `tenant-06`, … : a named tenant's shape under a new id, with ids, namespaces, scopes and claims
    /// rewritten so the synthesized tenant stands alone (shared collections stay shared, by design).
    static func synthesized(index: Int, template: TenantProfile) -> TenantProfile {
        let id = "tenant-" + (index < 10 ? "0\(index)" : "\(index)")
        let old = template.id
        func swap(_ text: String) -> String { text.replacingOccurrences(of: old, with: id) }
        var profile = template
        var sandbox = template.sandbox
        sandbox.name = id
        sandbox.tenantId = id
        sandbox.source = SourceLocation(file: "tenants/\(id).yaml", line: 1)
        sandbox.labels["template"] = old
        if var identity = sandbox.identity {
            identity.issuers = identity.issuers.map { issuer in
                var issuer = issuer
                issuer.issuer = swap(issuer.issuer)
                issuer.tenantClaimValues = issuer.tenantClaimValues.map { "\($0)-\(index)" }
                return issuer
            }
            sandbox.identity = identity
        }
        if let memory = sandbox.memory, memory.namespace != "agents-memory" { sandbox.memory = MemoryConfig(namespace: swap(memory.namespace)) }
        if var vector = sandbox.vectorIndex {
            vector.tenantKeyValue = vector.tenantKeyValue.map(swap)
            vector.collection = swap(vector.collection)
            sandbox.vectorIndex = vector
        }
        sandbox.tools.allow = sandbox.tools.allow.map { rule in
            var rule = rule
            rule.args = rule.args.mapValues { pattern($0.pattern.replacingOccurrences(of: template.domain, with: "\(id).example")) }
            return rule
        }
        sandbox.dataStores = sandbox.dataStores.map { store in
            var store = store
            store.scopePrefix = store.scopePrefix.map(swap)
            store.scopeDescription = store.scopeDescription.map(swap)
            return store
        }
        if let context = sandbox.contextTagging { sandbox.contextTagging = ContextTaggingConfig(scheme: context.scheme, keyRef: context.keyRef.map(swap)) }
        profile.sandbox = sandbox
        profile.domain = "\(id).example"
        profile.users = template.users.map(swap)
        profile.crmSchema = swap(template.crmSchema)
        profile.ledgerSchema = swap(template.ledgerSchema)
        profile.artifactsPrefix = swap(template.artifactsPrefix)
        profile.mixedFormat = index % 2 == 0 ? .otlp : .jsonl
        return profile
    }

    // MARK: - Building blocks

    static func pattern(_ text: String) -> Glob {
        do { return try Glob(text) } catch { preconditionFailure("catalogue pattern \(text) does not parse: \(error.message)") }
    }

    static func rules(_ tools: [String], args: [String: [String: String]] = [:]) -> [ToolRule] {
        tools.enumerated().map { index, tool in
            ToolRule(tool: pattern(tool), args: (args[tool] ?? [:]).mapValues(pattern), index: index)
        }
    }

    static func identity(_ issuer: String, audience: String, claim: String, value: String) -> IdentityConfig {
        IdentityConfig(issuers: [IssuerConfig(issuer: issuer, audience: audience, tenantClaim: claim, tenantClaimValues: [value])])
    }

    static func store(_ name: String, _ kind: String, _ access: StoreAccess, schema: String, index: Int) -> DataStoreConfig {
        DataStoreConfig(name: name, kind: kind, access: access, scopePrefix: "\(schema).", scopeDescription: "schema=\(schema)", index: index)
    }

    static func store(_ name: String, _ kind: String, _ access: StoreAccess, prefix: String, index: Int) -> DataStoreConfig {
        DataStoreConfig(name: name, kind: kind, access: access, scopePrefix: prefix, scopeDescription: "prefix=\(prefix)", index: index)
    }

    static func fqdn(_ host: String, ports: [Int] = [], index: Int) -> EgressRule {
        EgressRule(fqdn: pattern(host), ports: ports, index: index)
    }

    static func cidr(_ block: String, index: Int) -> EgressRule {
        guard let parsed = CIDRBlock(block) else { preconditionFailure("catalogue CIDR \(block) does not parse") }
        return EgressRule(cidr: parsed, index: index)
    }
}
