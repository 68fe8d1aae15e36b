import Testing
@testable import NodewardCore

@Suite struct LegacyStoreTests {
    typealias F = LegacyFixture

    static let sandbox = F.sandbox(dataStores: [
        DataStoreConfig(name: "crm", kind: "postgres", access: .readWrite, scopePrefix: "acme.", scopeDescription: "schema=acme", index: 0),
        DataStoreConfig(name: "warehouse", kind: "bigquery", access: .read, index: 1),
        DataStoreConfig(name: "artifacts", kind: "s3", access: .write, scopePrefix: "s3://agent-artifacts/tenants/acme/", index: 2),
    ])

    func write(_ resources: [Resource]) -> Decision {
        F.decide(Self.sandbox, F.step(.dataWrite, "save", resources: resources))
    }

    @Test func dataWriteIsAllowedByTheStoreAccessRule() {
        #expect(write([.store("crm", path: "acme.contacts", access: .write)])
                == Decision(regime: .legacy, effect: .allow, rule: "acme/dataStores[crm].access",
                            reason: "store crm grants read-write access"))
        #expect(write([.store("artifacts", path: "s3://agent-artifacts/tenants/acme/x.pdf", access: .write)]).rule
                == "acme/dataStores[artifacts].access")
    }

    @Test func undeclaredStoreIsDenied() {
        #expect(write([.store("billing", path: "acme.invoices", access: .write)])
                == Decision(regime: .legacy, effect: .deny, rule: "acme/dataStores", reason: "store billing is not declared"))
    }

    @Test func accessModeMustBePermitted() {
        #expect(write([.store("warehouse", path: "events", access: .write)])
                == Decision(regime: .legacy, effect: .deny, rule: "acme/dataStores[warehouse].access",
                            reason: "store warehouse does not grant write access (access: read)"))
        let read = F.step(.toolCall, "report.build", resources: [.store("artifacts", path: "s3://agent-artifacts/tenants/acme/r", access: .read)])
        #expect(F.decide(F.sandbox(tools: ToolsConfig(defaultEffect: .allow), dataStores: Self.sandbox.dataStores), read).rule
                == "acme/dataStores[artifacts].access")
    }

    @Test func pathMustStayInsideTheScope() {
        let decision = write([.store("crm", path: "globex.contacts", access: .write)])
        #expect(decision == Decision(regime: .legacy, effect: .deny, rule: "acme/dataStores[crm].scope",
                                     reason: "path is outside the scope schema=acme of store crm"))
        #expect(write([.store("artifacts", path: "s3://agent-artifacts/tenants/globex/x", access: .write)]).rule
                == "acme/dataStores[artifacts].scope")
    }

    @Test func dataWriteWithoutAStoreResourceIsUnevaluable() {
        #expect(write([]) == Decision(regime: .legacy, effect: .unevaluable, rule: "acme/dataStores",
                                      reason: "the step recorded no store resource"))
    }

    @Test func everyStoreResourceIsCheckedInSortedOrder() {
        // Both are denied; the sorted-first resource (artifacts < crm) decides, whatever the input order.
        let resources: [Resource] = [.store("crm", path: "globex.x", access: .write), .store("artifacts", path: "s3://other/", access: .write)]
        #expect(write(resources).rule == "acme/dataStores[artifacts].scope")
        #expect(write(resources.reversed()).rule == "acme/dataStores[artifacts].scope")
    }
}

@Suite struct LegacyEgressTests {
    typealias F = LegacyFixture

    static let network = NetworkConfig(
        egressDefault: .deny,
        egressAllow: [
            EgressRule(fqdn: F.glob("*.openai.com"), ports: [443], index: 0),
            EgressRule(cidr: CIDRBlock("10.40.0.0/16"), ports: [5432], index: 1),
            EgressRule(fqdn: F.glob("imap.acme.example"), index: 2),
        ],
        egressDeny: [EgressRule(fqdn: F.glob("uploads.openai.com"), index: 0)])

    func call(_ host: String, _ port: Int?, network: NetworkConfig = network) -> Decision {
        let sandbox = F.sandbox(tools: ToolsConfig(defaultEffect: .allow), network: network)
        return F.decide(sandbox, F.step(.toolCall, "http.get", resources: [.egress(host, port: port)]))
    }

    func exercised(_ host: String, _ port: Int?) -> [String] {
        var evaluator = LegacyEvaluator(sandbox: F.sandbox(tools: ToolsConfig(defaultEffect: .allow), network: Self.network))
        return evaluator.evaluateDetailed(F.step(.toolCall, "http.get", resources: [.egress(host, port: port)])).exercised
    }

    @Test func fqdnGlobWithPortAllows() {
        #expect(call("api.openai.com", 443).effect == .allow)
        #expect(exercised("api.openai.com", 443) == ["acme/network.egress.allow[0]", "acme/tools.default"])
    }

    @Test func wrongPortOrMissingPortFallsToTheDefault() {
        #expect(call("api.openai.com", 80) == Decision(regime: .legacy, effect: .deny, rule: "acme/network.egress.default",
                                                      reason: "egress to api.openai.com:80 matches no allow rule"))
        // A resource without a port matches only rules without ports.
        #expect(call("api.openai.com", nil).reason == "egress to api.openai.com matches no allow rule")
        #expect(call("imap.acme.example", nil).effect == .allow)
        #expect(call("imap.acme.example", 993).effect == .allow)
    }

    @Test func cidrBlockContainsTheHost() {
        #expect(exercised("10.40.1.9", 5432) == ["acme/network.egress.allow[1]", "acme/tools.default"])
        #expect(call("10.41.1.9", 5432).rule == "acme/network.egress.default")
    }

    @Test func denyRuleTakesPrecedenceOverAllow() {
        #expect(call("uploads.openai.com", 443) == Decision(regime: .legacy, effect: .deny, rule: "acme/network.egress.deny[0]",
                                                           reason: "egress to uploads.openai.com is denied by network.egress.deny[0] (uploads.openai.com)"))
    }

    @Test func defaultAllowLetsUnlistedHostsThrough() {
        let open = NetworkConfig(egressDefault: .allow, egressDeny: [EgressRule(cidr: CIDRBlock("169.254.169.254/32"), index: 0)])
        #expect(call("example.org", 443, network: open).effect == .allow)
        #expect(call("169.254.169.254", 80, network: open).rule == "acme/network.egress.deny[0]")
    }
}

@Suite struct LegacyMemoryAndVectorTests {
    typealias F = LegacyFixture

    static let memory = F.sandbox(memory: MemoryConfig(namespace: "acme-memory"))
    static let vector = F.sandbox(vectorIndex: VectorIndexConfig(collection: "shared-docs", isolation: .payload,
                                                                  tenantKeyField: "group_id", tenantKeyValue: "acme"))

    @Test func memoryInTheNamespaceIsAllowed() {
        let step = F.step(.memoryRead, "search_memory", resources: [.memory("acme-memory", key: "inbox")])
        #expect(F.decide(Self.memory, step) == Decision(regime: .legacy, effect: .allow, rule: "acme/memory.namespace",
                                                        reason: "memory namespace acme-memory belongs to tenant acme"))
    }

    @Test func memoryOutsideTheNamespaceIsDenied() {
        let step = F.step(.memoryWrite, "create_memory", resources: [.memory("acme-memory", key: "a", access: .write),
                                                                      .memory("globex-memory", key: "b", access: .write)])
        #expect(F.decide(Self.memory, step) == Decision(regime: .legacy, effect: .deny, rule: "acme/memory.namespace",
                                                        reason: "memory namespace globex-memory is not acme-memory"))
    }

    @Test func memoryWithoutConfigOrResource() {
        let step = F.step(.memoryRead, "search_memory", resources: [.memory("acme-memory")])
        #expect(F.decide(F.sandbox(), step) == Decision(regime: .legacy, effect: .deny, rule: "acme/memory",
                                                        reason: "tenant acme declares no memory namespace"))
        #expect(F.decide(Self.memory, F.step(.memoryRead, "search_memory")) == Decision(
            regime: .legacy, effect: .unevaluable, rule: "acme/memory.namespace", reason: "the step recorded no memory resource"))
    }

    @Test func memoryResourceOnAToolCallIsChecked() {
        let sandbox = F.sandbox(memory: MemoryConfig(namespace: "acme-memory"), tools: ToolsConfig(defaultEffect: .allow))
        let step = F.step(.toolCall, "notes.sync", resources: [.memory("globex-memory")])
        #expect(F.decide(sandbox, step).rule == "acme/memory.namespace")
        #expect(F.decide(F.sandbox(tools: ToolsConfig(defaultEffect: .allow)), step).rule == "acme/memory")
    }

    @Test func retrievalWithTheTenantKeyIsAllowed() {
        let step = F.step(.retrieval, "shared-docs", resources: [.vector("shared-docs", field: "group_id", value: "acme")])
        #expect(F.decide(Self.vector, step) == Decision(regime: .legacy, effect: .allow, rule: "acme/vectorIndex.tenantKey",
                                                        reason: "query filters group_id for tenant acme"))
    }

    @Test func crossTenantPartitionIsDenied() {
        let step = F.step(.retrieval, "shared-docs", resources: [.vector("shared-docs", field: "group_id", value: "globex")])
        let decision = F.decide(Self.vector, step)
        #expect(decision == Decision(regime: .legacy, effect: .deny, rule: "acme/vectorIndex.tenantKey",
                                     reason: "query filters group_id for another tenant"))
        #expect(!decision.reason.contains("globex"))
        let otherField = F.step(.retrieval, "shared-docs", resources: [.vector("shared-docs", field: "owner", value: "acme")])
        #expect(F.decide(Self.vector, otherField).reason == "query filters owner, not the tenant key group_id")
    }

    @Test func retrievalFromAnotherCollectionIsDenied() {
        let step = F.step(.retrieval, "x", resources: [.vector("private-docs", field: "group_id", value: "acme")])
        #expect(F.decide(Self.vector, step) == Decision(regime: .legacy, effect: .deny, rule: "acme/vectorIndex.collection",
                                                        reason: "collection private-docs is not shared-docs"))
    }

    @Test func retrievalUnevaluableAndUnconfigured() {
        let noPartition = F.step(.retrieval, "shared-docs", resources: [Resource(scheme: .vector, container: "shared-docs")])
        #expect(F.decide(Self.vector, noPartition) == Decision(regime: .legacy, effect: .unevaluable, rule: "acme/vectorIndex.tenantKey",
                                                               reason: "query recorded no partition filter"))
        #expect(F.decide(Self.vector, F.step(.retrieval, "shared-docs")) == Decision(
            regime: .legacy, effect: .unevaluable, rule: "acme/vectorIndex", reason: "the step recorded no vector resource"))
        #expect(F.decide(F.sandbox(), noPartition) == Decision(regime: .legacy, effect: .deny, rule: "acme/vectorIndex",
                                                               reason: "tenant acme declares no vector index"))
    }

    @Test func collectionIsolationNeedsNoPartition() {
        let sandbox = F.sandbox(vectorIndex: VectorIndexConfig(collection: "acme-docs", isolation: .collection))
        let step = F.step(.retrieval, "acme-docs", resources: [Resource(scheme: .vector, container: "acme-docs")])
        #expect(F.decide(sandbox, step).rule == "acme/vectorIndex.collection")
        #expect(F.decide(sandbox, step).effect == .allow)
    }

    @Test func aDenyAmongVectorResourcesBeatsAnUnevaluableOne() {
        let step = F.step(.retrieval, "shared-docs", resources: [Resource(scheme: .vector, container: "shared-docs"),
                                                                 .vector("shared-docs", field: "group_id", value: "globex")])
        #expect(F.decide(Self.vector, step).effect == .deny)
    }
}

@Suite struct LegacyPrimaryKindTests {
    typealias F = LegacyFixture

    @Test func llmModelsListAllowsAndDenies() {
        let sandbox = F.sandbox(limits: LimitsConfig(models: [F.glob("gpt-4.1*"), F.glob("claude-*")]))
        #expect(F.decide(sandbox, F.step(.llm, "gpt-4.1-mini")) == Decision(regime: .legacy, effect: .allow, rule: "acme/limits.models",
                                                                            reason: "model is listed in limits.models"))
        #expect(F.decide(sandbox, F.step(.llm, "gpt-5")) == Decision(regime: .legacy, effect: .deny, rule: "acme/limits.models",
                                                                     reason: "model gpt-5 is not in limits.models"))
        #expect(F.decide(F.sandbox(), F.step(.llm, "anything")).rule == "acme/llm")
    }

    @Test func outputsAreNotRestricted() {
        #expect(F.decide(F.sandbox(), F.step(.output, "reply")) == Decision(regime: .legacy, effect: .allow, rule: "acme/output",
                                                                            reason: "outputs are not restricted by a tenant sandbox"))
    }

    @Test func llmEgressIsCheckedToo() {
        let step = F.step(.llm, "gpt-4.1", resources: [.egress("api.openai.com", port: 443)])
        #expect(F.decide(F.sandbox(), step).rule == "acme/network.egress.default")
        let allowed = F.sandbox(network: NetworkConfig(egressAllow: [EgressRule(fqdn: F.glob("api.openai.com"), index: 0)]))
        #expect(F.decide(allowed, step).rule == "acme/llm")
    }
}
