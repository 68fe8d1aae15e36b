import Testing
@testable import NodewardCore

/// Builders for sandboxes and steps as Swift values, shared by the Legacy*Tests suites.
enum LegacyFixture {
    static let source = SourceLocation(file: "acme.yaml", line: 1)
    static let t0: Int64 = 1_762_074_843_000_000_000
    static let second: Int64 = 1_000_000_000

    /// Test patterns are literals known to parse; a typo should crash the test loudly.
    static func glob(_ pattern: String) -> Glob { try! Glob(pattern) }

    static func rule(_ tool: String, _ args: [String: String] = [:], index: Int) -> ToolRule {
        ToolRule(tool: glob(tool), args: args.mapValues(glob), index: index)
    }

    static func sandbox(
        tenant: String = "acme", identity: IdentityConfig? = nil, memory: MemoryConfig? = nil,
        vectorIndex: VectorIndexConfig? = nil, tools: ToolsConfig = ToolsConfig(),
        dataStores: [DataStoreConfig] = [], network: NetworkConfig = NetworkConfig(),
        limits: LimitsConfig = LimitsConfig(), contextTagging: ContextTaggingConfig? = nil
    ) -> TenantSandbox {
        TenantSandbox(
            name: "\(tenant)-sandbox", tenantId: tenant, identity: identity, memory: memory,
            vectorIndex: vectorIndex, tools: tools, dataStores: dataStores, network: network, limits: limits,
            contextTagging: contextTagging, source: source)
    }

    static func step(
        _ kind: StepKind, _ operation: String, tenant: String = "acme", at nanos: Int64 = t0,
        resources: [Resource] = [], arguments: [String: JSONValue] = [:], tokens: TokenUsage? = nil,
        items: [DataItem] = [], principal: Principal? = nil, executed: Bool = true
    ) -> Step {
        Step(
            tenant: tenant, agent: "agent", workflow: "wf", runId: "r-1", stepId: "s1", startNanos: nanos,
            kind: kind, operation: operation, resources: resources, arguments: arguments, tokens: tokens,
            dataItems: items, principal: principal, executed: executed, source: source)
    }

    /// Evaluates one step against a fresh evaluator.
    static func decide(_ sandbox: TenantSandbox, _ step: Step) -> Decision {
        var evaluator = LegacyEvaluator(sandbox: sandbox)
        return evaluator.evaluate(step)
    }

    /// A sandbox that uses every section, for listing and exercised-grant tests.
    static var full: TenantSandbox {
        sandbox(
            identity: IdentityConfig(issuers: [IssuerConfig(issuer: "https://idp.acme.example", audience: "agents",
                                                            tenantClaim: "org_id", tenantClaimValues: ["org_4f2a"])]),
            memory: MemoryConfig(namespace: "acme-memory"),
            vectorIndex: VectorIndexConfig(collection: "shared-docs", isolation: .payload, tenantKeyField: "group_id", tenantKeyValue: "acme"),
            tools: ToolsConfig(
                allow: [rule("email.read", index: 0), rule("email.send", ["to": "*@acme.example"], index: 1), rule("crm.*", index: 2)],
                deny: [rule("crm.export", index: 0)], ask: [rule("payments.*", index: 0)]),
            dataStores: [DataStoreConfig(name: "crm", kind: "postgres", access: .readWrite, scopePrefix: "acme.", scopeDescription: "schema=acme", index: 0)],
            network: NetworkConfig(egressAllow: [EgressRule(fqdn: glob("api.openai.com"), ports: [443], index: 0)]),
            limits: LimitsConfig(requestsPerMinute: 600, tokensPerMinute: 100_000, models: [glob("gpt-4.1*")]),
            contextTagging: ContextTaggingConfig(scheme: "hmac"))
    }
}

@Suite struct LegacyRuleListingTests {
    @Test func rulesListEveryIdSortedWithDescriptions() {
        let evaluator = LegacyEvaluator(sandbox: LegacyFixture.full)
        let rules = evaluator.rules()
        #expect(rules.map(\.id) == [
            "acme/contextTagging",
            "acme/dataStores",
            "acme/dataStores[crm].access",
            "acme/dataStores[crm].scope",
            "acme/identity.audience",
            "acme/identity.issuer",
            "acme/identity.tenantClaim",
            "acme/limits.models",
            "acme/limits.requestsPerMinute",
            "acme/limits.tokensPerMinute",
            "acme/memory.namespace",
            "acme/network.egress.allow[0]",
            "acme/network.egress.default",
            "acme/output",
            "acme/tools.allow[0]",
            "acme/tools.allow[1]",
            "acme/tools.allow[2]",
            "acme/tools.ask[0]",
            "acme/tools.default",
            "acme/tools.deny[0]",
            "acme/vectorIndex",
            "acme/vectorIndex.collection",
            "acme/vectorIndex.tenantKey",
        ])
        let descriptions = Dictionary(uniqueKeysWithValues: rules.map { ($0.id, $0.description) })
        #expect(descriptions["acme/tools.allow[1]"] == "allow tool email.send, to=*@acme.example")
        #expect(descriptions["acme/network.egress.allow[0]"] == "allow egress to api.openai.com ports 443")
        #expect(descriptions["acme/dataStores[crm].scope"] == "store crm only within schema=acme")
        let grants = evaluator.ruleCatalog.filter { $0.kind == .grant }.map(\.id)
        #expect(grants == [
            "acme/dataStores[crm].access", "acme/limits.models", "acme/memory.namespace",
            "acme/network.egress.allow[0]", "acme/tools.allow[0]", "acme/tools.allow[1]", "acme/tools.allow[2]",
            "acme/vectorIndex.tenantKey",
        ])
    }

    @Test func minimalSandboxListsImplicitAndDefaultRules() {
        let rules = LegacyEvaluator(sandbox: LegacyFixture.sandbox()).ruleCatalog
        #expect(rules.map(\.id) == [
            "acme/dataStores", "acme/llm", "acme/memory", "acme/network.egress.default", "acme/output",
            "acme/tools.default", "acme/vectorIndex",
        ])
        #expect(rules.first { $0.id == "acme/llm" }?.kind == .implicit)
        #expect(rules.first { $0.id == "acme/tools.default" }?.kind == .restriction)
    }
}
