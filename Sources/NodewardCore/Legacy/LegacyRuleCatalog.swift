/// One rule id a tenant sandbox can decide by, with a one-line description (patterns and names only).
public struct LegacyRule: Sendable, Hashable, Comparable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// Allows something the sandbox declared (a tool allow rule, a store, an egress allow rule, …);
        /// reported in `LegacyEvaluation.exercised` when used. Never-exercised grants are unused grants.
        case grant
        /// Denies or constrains (deny/ask rules, identity, tags, scopes, undeclared resources).
        case restriction
        /// A rate limit.
        case limit
        /// An allow the sandbox did not write down (`llm` without `limits.models`, `output`).
        case implicit
    }

    public var id: String
    public var description: String
    public var kind: Kind

    public init(id: String, description: String, kind: Kind) {
        self.id = id
        self.description = description
        self.kind = kind
    }

    public static func < (lhs: LegacyRule, rhs: LegacyRule) -> Bool { lhs.id < rhs.id }
}

enum LegacyRuleCatalog {
    /// Every rule id the evaluator can return for `sandbox`, sorted by id.
    static func rules(of sandbox: TenantSandbox) -> [LegacyRule] {
        let ids = LegacyRuleIds(tenant: sandbox.tenantId)
        var rules: [LegacyRule] = []
        func add(_ id: String, _ description: String, _ kind: LegacyRule.Kind) {
            rules.append(LegacyRule(id: id, description: description, kind: kind))
        }
        if let identity = sandbox.identity {
            let issuers = identity.issuers.map(\.issuer).joined(separator: ", ")
            add(ids.identityIssuer, "the JWT issuer must be one of: \(issuers)", .restriction)
            if identity.issuers.contains(where: { $0.audience != nil }) {
                add(ids.identityAudience, "the JWT audience must equal its issuer's audience", .restriction)
            }
            let claims = Set(identity.issuers.compactMap(\.tenantClaim)).sorted()
            if !claims.isEmpty {
                add(ids.identityTenantClaim, "claim \(claims.joined(separator: "/")) must be bound to tenant \(sandbox.tenantId)", .restriction)
            }
        }
        if let tagging = sandbox.contextTagging {
            add(ids.contextTagging, "context items must not be tagged for another tenant (\(tagging.scheme))", .restriction)
        }
        for rule in sandbox.tools.allow {
            add(ids.id("tools.allow[\(rule.index)]"), "allow tool \(CompiledToolRule.summary(rule))", .grant)
        }
        for rule in sandbox.tools.deny {
            add(ids.id("tools.deny[\(rule.index)]"), "deny tool \(CompiledToolRule.summary(rule))", .restriction)
        }
        for rule in sandbox.tools.ask {
            add(ids.id("tools.ask[\(rule.index)]"), "ask (denied: no approver) tool \(CompiledToolRule.summary(rule))", .restriction)
        }
        switch sandbox.tools.defaultEffect {
        case .allow: add(ids.toolsDefault, "allow tools that match no allow rule", .grant)
        case .deny: add(ids.toolsDefault, "deny tools that match no allow rule", .restriction)
        }
        if let memory = sandbox.memory {
            add(ids.memoryNamespace, "memory access only in namespace \(memory.namespace)", .grant)
        } else {
            add(ids.memory, "no memory namespace: memory access is denied", .restriction)
        }
        if let index = sandbox.vectorIndex {
            add(ids.vectorIndex, "retrieval must record a vector resource", .restriction)
            if index.isolation == .collection {
                add(ids.vectorCollection, "retrieval only from collection \(index.collection)", .grant)
            } else {
                add(ids.vectorCollection, "retrieval only from collection \(index.collection)", .restriction)
                add(ids.vectorTenantKey, "retrieval must filter \(index.tenantKeyField ?? "?") for this tenant", .grant)
            }
        } else {
            add(ids.vectorIndex, "no vector index: retrieval is denied", .restriction)
        }
        add(ids.dataStores, "stores must be declared", .restriction)
        for store in sandbox.dataStores {
            add(ids.id("dataStores[\(store.name)].access"), "store \(store.name) grants \(store.access.rawValue) access", .grant)
            if let prefix = store.scopePrefix {
                add(ids.id("dataStores[\(store.name)].scope"), "store \(store.name) only within \(store.scopeDescription ?? prefix)", .restriction)
            }
        }
        for rule in sandbox.network.egressAllow {
            add(ids.id("network.egress.allow[\(rule.index)]"), "allow egress to \(egressSummary(rule))", .grant)
        }
        for rule in sandbox.network.egressDeny {
            add(ids.id("network.egress.deny[\(rule.index)]"), "deny egress to \(egressSummary(rule))", .restriction)
        }
        switch sandbox.network.egressDefault {
        case .allow: add(ids.egressDefault, "allow egress that matches no allow rule", .grant)
        case .deny: add(ids.egressDefault, "deny egress that matches no allow rule", .restriction)
        }
        if let models = sandbox.limits.models {
            add(ids.limitsModels, "models: \(models.map(\.pattern).joined(separator: ", "))", .grant)
        } else {
            add(ids.llm, "any model (no limits.models)", .implicit)
        }
        if let rpm = sandbox.limits.requestsPerMinute {
            add(ids.requestsPerMinute, "at most \(rpm) requests per minute", .limit)
        }
        if let tpm = sandbox.limits.tokensPerMinute {
            add(ids.tokensPerMinute, "at most \(tpm) LLM tokens per minute", .limit)
        }
        add(ids.output, "outputs are not restricted by a tenant sandbox", .implicit)
        // A repeated store name yields one id (the evaluator uses the first such store).
        var unique: [LegacyRule] = []
        for rule in rules.sorted() where unique.last?.id != rule.id { unique.append(rule) }
        return unique
    }

    static func egressSummary(_ rule: EgressRule) -> String {
        rule.ports.isEmpty ? rule.targetDescription : "\(rule.targetDescription) ports \(rule.ports.map(String.init).joined(separator: ","))"
    }
}
