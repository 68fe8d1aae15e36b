import Testing
@testable import NodewardCore

/// The tenant boundary stays (issue 16): for a cut-over tenant the node decision is enforced, so every
/// step the legacy sandbox denies for a boundary reason (identity, context tags, memory namespace,
/// vector partition, store scope) must be denied by the node regime too, even where a node policy
/// grants the resource. The policies here are the support scenario's, generated from benign runs, with
/// the resources hand-widened the way a careless edit would (the widening `policy check` reports).
@Suite struct TenantBoundaryTests {
    typealias S = PolicyScenario

    static let acmeIssuer = "https://auth.acme.example/"

    /// The scenario's sandboxes with identity, context tagging and a scoped store.
    static let sandboxes: [TenantSandbox] = S.sandboxes.map { base in
        var sandbox = base
        let tenant = sandbox.tenantId
        sandbox.identity = IdentityConfig(issuers: [
            IssuerConfig(issuer: "https://auth.\(tenant).example/", audience: "agents", tenantClaim: "org_id", tenantClaimValues: ["org_\(tenant)"]),
        ])
        sandbox.contextTagging = ContextTaggingConfig(scheme: "hmac-sha256")
        sandbox.dataStores = [DataStoreConfig(name: "crm", kind: "postgres", access: .readWrite, scopePrefix: "\(tenant).",
                                              scopeDescription: "schema=\(tenant)", index: 0)]
        return sandbox
    }

    static let writeNode = "data_write.crm.upsert"

    /// Generated policies, then widened: acme's memory node also grants globex's namespace, the retrieval
    /// globex's partition, and a CRM write node grants a path outside acme's scope and an undeclared store.
    static let policies: PolicySet = {
        var set = S.policies(S.benignRuns, sandboxes: sandboxes)
        for index in set.nodes.indices {
            switch set.nodes[index].id {
            case "memory_read.search_memory": set.nodes[index].allow.resources.append("memory:globex-mem/prefs/*")
            case "retrieval.${tenant.vectorIndex}": set.nodes[index].allow.resources.append("vector:${tenant.vectorIndex}#group_id=globex")
            default: break
            }
        }
        let resources = ["store:crm/${tenant.scope}contacts [write]", "store:crm/globex.contacts [write]", "store:ledger/books [write]"]
        set.nodes.append(NodePolicy(id: writeNode, match: .init(kind: .dataWrite, operation: "crm.upsert", resources: [resources[0]]),
                                    tenants: ["acme", "globex"], allow: .init(resources: resources), inputs: [],
                                    limits: .init(), evidence: set.evidence))
        return set
    }()

    static func principal(issuer: String = acmeIssuer, audience: String = "agents", claim: String? = "org_acme") -> Principal {
        Principal(issuer: issuer, audience: audience, subject: "usr_1", claims: claim.map { ["org_id": $0] } ?? [:])
    }

    static func write(_ path: String, store: String = "crm") -> S.StepSpec {
        S.StepSpec(kind: .dataWrite, operation: "crm.upsert", resources: [.store(store, path: path, access: .write)])
    }

    /// A benign acme run with every step under `principal` and carrying `items`, plus `extra` steps.
    static func run(_ id: String, principal: Principal = principal(), items: [DataItem] = [], extra: [S.StepSpec] = []) -> Run {
        let benign = S.benign("acme", 0)
        var run = S.run("acme", id, at: 0, request: benign.userRequest,
                        benign.steps.map { S.StepSpec(kind: $0.kind, operation: $0.operation, resources: $0.resources,
                                                      arguments: $0.arguments, result: $0.result) } + extra)
        for index in run.steps.indices {
            run.steps[index].principal = principal
            run.steps[index].dataItems = items
        }
        return run
    }

    func shadow() -> ShadowEvaluator { ShadowEvaluator(sandboxes: Self.sandboxes, policies: CompiledPolicySet([Self.policies])) }

    /// Each step's outcome under both regimes.
    func outcomes(_ run: Run) -> [ShadowOutcome] {
        var evaluator = shadow()
        return evaluator.evaluate(run)
    }

    /// The step is denied by legacy with `legacyRule`, and by the node regime (enforced at cut-over)
    /// with the node's boundary rule for `check`.
    func expectBoundaryDeny(_ outcome: ShadowOutcome, legacyRule: String, check: TenantBoundaryCheck,
                            sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        #expect(outcome.legacy.effect == .deny && outcome.legacy.rule == legacyRule, "\(outcome.legacy)", sourceLocation: sourceLocation)
        let enforced = outcome.authoritative(cutOver: true)
        #expect(enforced.regime == .node && enforced.effect == .deny, "\(enforced)", sourceLocation: sourceLocation)
        #expect(enforced.rule == "support/\(outcome.nodeId ?? "?")/boundary.\(check.rawValue)", "\(enforced)", sourceLocation: sourceLocation)
        #expect(NodeRuleIds.boundaryCheck(enforced) == check, sourceLocation: sourceLocation)
        #expect(outcome.comparison == .agreeDeny, sourceLocation: sourceLocation)
    }

    @Test func theBenignRunUnderTheTenantsOwnIdentityIsAllowedByBoth() {
        let result = outcomes(Self.run("ok", items: [DataItem(id: "doc-1", tenantTag: "acme")], extra: [Self.write("acme.contacts")]))
        #expect(result.allSatisfy { $0.comparison == .agreeAllow }, "\(result.map { ($0.legacy.rule, $0.node.rule) })")
        #expect(result.allSatisfy { $0.authoritative(cutOver: true).effect == .allow })
    }

    @Test func anotherIssuerIsDeniedAtCutOver() {
        let result = outcomes(Self.run("iss", principal: Self.principal(issuer: "https://auth.globex.example/")))
        #expect(result.count == 5)
        for outcome in result { expectBoundaryDeny(outcome, legacyRule: "acme/identity.issuer", check: .identityIssuer) }
        #expect(result[0].node.reason == "outside the tenant boundary: the JWT issuer is not accepted by the tenant (legacy rule acme/identity.issuer)")
    }

    @Test func anotherAudienceIsDeniedAtCutOver() {
        for outcome in outcomes(Self.run("aud", principal: Self.principal(audience: "billing"))) {
            expectBoundaryDeny(outcome, legacyRule: "acme/identity.audience", check: .identityAudience)
        }
    }

    @Test func theWrongOrAMissingTenantClaimIsDeniedAtCutOver() {
        for claim in ["org_globex", nil] {
            for outcome in outcomes(Self.run("claim", principal: Self.principal(claim: claim))) {
                expectBoundaryDeny(outcome, legacyRule: "acme/identity.tenantClaim", check: .identityTenantClaim)
            }
        }
    }

    @Test func aContextItemTaggedForAnotherTenantIsDeniedAtCutOver() {
        let result = outcomes(Self.run("tag", items: [DataItem(id: "doc-1", tenantTag: "acme"), DataItem(id: "doc-2", tenantTag: "globex")]))
        for outcome in result { expectBoundaryDeny(outcome, legacyRule: "acme/contextTagging", check: .contextTagging) }
        // The reason names the check, not the tag.
        #expect(!result[0].node.reason.contains("globex"))
    }

    @Test func anotherTenantsMemoryNamespaceIsDeniedAtCutOverThoughTheNodeGrantsIt() {
        let result = outcomes(Self.run("mem", extra: [S.StepSpec(kind: .memoryRead, operation: "search_memory",
                                                                 resources: [.memory("globex-mem", key: "prefs/user-42")])]))
        #expect(result[5].nodeId == "memory_read.search_memory")
        expectBoundaryDeny(result[5], legacyRule: "acme/memory.namespace", check: .memoryNamespace)
        #expect(!result[5].node.reason.contains("globex"))
    }

    @Test func anotherTenantsVectorPartitionIsDeniedAtCutOverThoughTheNodeGrantsIt() {
        let result = outcomes(Self.run("vec", extra: [S.retrieve("globex")]))
        #expect(result[5].nodeId == "retrieval.${tenant.vectorIndex}")
        expectBoundaryDeny(result[5], legacyRule: "acme/vectorIndex.tenantKey", check: .vectorTenantKey)
    }

    @Test func aStorePathOutsideTheTenantsScopeOrAnUndeclaredStoreIsDeniedAtCutOver() {
        let result = outcomes(Self.run("store", extra: [Self.write("acme.contacts"), Self.write("globex.contacts"),
                                                        Self.write("books", store: "ledger")]))
        #expect(result[5].comparison == .agreeAllow)
        expectBoundaryDeny(result[6], legacyRule: "acme/dataStores[crm].scope", check: .dataStoreScope)
        expectBoundaryDeny(result[7], legacyRule: "acme/dataStores", check: .dataStores)
    }

    @Test func aRetrievalWithoutAPartitionFilterIsUnevaluableInBothRegimes() {
        var set = Self.policies
        let index = set.nodes.firstIndex { $0.id == "retrieval.${tenant.vectorIndex}" }!
        set.nodes[index].allow.resources.append("vector:${tenant.vectorIndex}")
        var evaluator = ShadowEvaluator(sandboxes: Self.sandboxes, policies: CompiledPolicySet([set]))
        let unfiltered = S.StepSpec(kind: .retrieval, operation: "shared-docs", resources: [Resource(scheme: .vector, container: "shared-docs")])
        let outcome = evaluator.evaluate(Self.run("nofilter", extra: [unfiltered]))[5]
        #expect(outcome.legacy.effect == .unevaluable && outcome.legacy.rule == "acme/vectorIndex.tenantKey")
        #expect(outcome.node.effect == .unevaluable && outcome.node.rule == "support/retrieval.${tenant.vectorIndex}/boundary.vectorIndex.tenantKey")
        #expect(outcome.authoritative(cutOver: true).effect != .allow)
    }

    @Test func aTenantWithoutASandboxIsOutsideEveryBoundary() {
        var set = Self.policies
        for index in set.nodes.indices { set.nodes[index].tenants.append("initech") }
        var evaluator = ShadowEvaluator(sandboxes: Self.sandboxes, policies: CompiledPolicySet([set]))
        let outcome = evaluator.evaluate(S.run("initech", "stranger", at: 0, [S.reply]))[0]
        #expect(outcome.legacy.rule == "fleet/unknown-tenant")
        #expect(outcome.node.effect == .deny && outcome.node.rule == "support/output.reply/boundary.sandbox")
    }

    /// The same steps through offline replay (`ShadowReplay`, what `shadow replay` runs): every
    /// boundary deny of legacy is a node deny, so enforcing the node decision for acme denies them all.
    @Test func replayAtCutOverDeniesEveryStepLegacyDeniesForABoundaryReason() {
        let runs = [
            Self.run("r-ok"),
            Self.run("r-iss", principal: Self.principal(issuer: "https://auth.globex.example/")),
            Self.run("r-aud", principal: Self.principal(audience: "billing")),
            Self.run("r-claim", principal: Self.principal(claim: "org_globex")),
            Self.run("r-tag", items: [DataItem(id: "d", tenantTag: "globex")]),
            Self.run("r-res", extra: [S.StepSpec(kind: .memoryRead, operation: "search_memory", resources: [.memory("globex-mem", key: "prefs/user-42")]),
                                      S.retrieve("globex"), Self.write("globex.contacts")]),
        ].enumerated().map { offset, run in
            var shifted = run
            for index in shifted.steps.indices { shifted.steps[index].startNanos += Int64(offset) * 60_000_000_000 }
            shifted.startNanos += Int64(offset) * 60_000_000_000
            return shifted
        }
        var replay = ShadowReplay(sandboxes: Self.sandboxes, policies: CompiledPolicySet([Self.policies]))
        var checked: [String: Int] = [:]
        var allowed = 0
        func take(_ step: Step, _ outcome: ShadowOutcome) {
            let enforced = outcome.authoritative(cutOver: true)
            if enforced.effect == .allow { allowed += 1 }
            guard outcome.legacy.effect == .deny else { return }
            #expect(enforced.effect == .deny, "\(step.runId)/\(step.stepId): legacy \(outcome.legacy.rule), node \(enforced.rule)")
            if let check = NodeRuleIds.boundaryCheck(enforced) { checked[check.rawValue, default: 0] += 1 }
        }
        for run in runs { replay.consume(run, emit: take) }
        replay.finish(emit: take)
        #expect(allowed == 5 + 5, "the benign run and the resource run's benign steps")
        #expect(checked == ["identity.issuer": 5, "identity.audience": 5, "identity.tenantClaim": 5, "contextTagging": 5,
                            "memory.namespace": 1, "vectorIndex.tenantKey": 1, "dataStores.scope": 1])
        #expect(replay.tally.summary().totals.widened == 0)
    }
}

/// The boundary component on its own: the legacy regime's decisions are its verdicts.
@Suite struct TenantBoundaryComponentTests {
    @Test func everyFailureCarriesTheLegacyRuleOfItsCheck() throws {
        let sandbox = try #require(TenantBoundaryTests.sandboxes.first)
        let boundary = TenantBoundary(sandbox, ids: LegacyRuleIds(tenant: "acme"))
        let cases: [(TenantBoundaryFailure?, TenantBoundaryCheck, String)] = [
            (boundary.identity(Principal(issuer: "https://evil.example/")), .identityIssuer, "acme/identity.issuer"),
            (boundary.identity(Principal(issuer: TenantBoundaryTests.acmeIssuer, audience: "x")), .identityAudience, "acme/identity.audience"),
            (boundary.identity(Principal(issuer: TenantBoundaryTests.acmeIssuer, claims: ["org_id": "org_globex"])), .identityTenantClaim, "acme/identity.tenantClaim"),
            (boundary.contextTags([DataItem(id: "d", tenantTag: "globex")]), .contextTagging, "acme/contextTagging"),
            (boundary.resource(.memory("globex-mem")), .memoryNamespace, "acme/memory.namespace"),
            (boundary.resource(.vector("other-docs", field: "group_id", value: "acme")), .vectorCollection, "acme/vectorIndex.collection"),
            (boundary.resource(.vector("shared-docs", field: "tenant", value: "acme")), .vectorTenantKey, "acme/vectorIndex.tenantKey"),
            (boundary.resource(.store("crm", path: "globex.x", access: .read)), .dataStoreScope, "acme/dataStores[crm].scope"),
            (boundary.resource(.store("ledger", path: "acme.x", access: .read)), .dataStores, "acme/dataStores"),
        ]
        for (failure, check, rule) in cases {
            #expect(failure?.check == check && failure?.verdict.rule == rule && failure?.verdict.effect == .deny, "\(check): \(String(describing: failure))")
        }
        #expect(boundary.identity(Principal(issuer: TenantBoundaryTests.acmeIssuer, audience: "agents", claims: ["org_id": "org_acme"])) == nil)
        #expect(boundary.resource(.store("crm", path: "acme.contacts", access: .write)) == nil)
        #expect(boundary.resource(.egress("evil.example", port: 443)) == nil, "egress is a grant, not a boundary")
    }
}
