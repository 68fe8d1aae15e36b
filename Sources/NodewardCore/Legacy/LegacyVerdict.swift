/// A failed check: deny or unevaluable, with its full rule id (`acme/tools.deny[0]`) and a reason that
/// names fields and patterns, never payload values.
struct LegacyVerdict: Sendable, Hashable {
    var effect: Effect
    var rule: String
    var reason: String

    static func deny(_ rule: String, _ reason: String) -> LegacyVerdict {
        LegacyVerdict(effect: .deny, rule: rule, reason: reason)
    }

    static func unevaluable(_ rule: String, _ reason: String) -> LegacyVerdict {
        LegacyVerdict(effect: .unevaluable, rule: rule, reason: reason)
    }
}

/// A rule that allowed (part of) a step. `declared` is false for implicit allows (`llm`, `output`), which
/// are not grants a tenant sandbox wrote down and so are not reported as exercised.
struct LegacyGrant: Sendable, Hashable {
    let rule: String
    let reason: String
    let declared: Bool
}

/// The outcome of one check.
enum LegacyCheck: Sendable {
    case pass(LegacyGrant?)
    case fail(LegacyVerdict)
}

/// Combines checks with three-valued AND: a deny anywhere decides (the caller stops at the first one);
/// otherwise the first unevaluable check decides; otherwise every check passed.
struct LegacyAccumulator {
    var unevaluable: LegacyVerdict?
    var exercised: [String] = []
    /// False when the caller wants the decision only: grants are then not listed.
    var collecting = true

    /// Returns the verdict when the check denies, so the caller can stop.
    mutating func absorb(_ check: LegacyCheck) -> LegacyVerdict? {
        switch check {
        case .pass(let grant):
            if collecting, let grant, grant.declared { exercised.append(grant.rule) }
            return nil
        case .fail(let verdict):
            if verdict.effect == .deny { return verdict }
            if unevaluable == nil { unevaluable = verdict }
            return nil
        }
    }
}

/// Full rule ids of one sandbox, built once so that evaluating a step does not rebuild strings.
struct LegacyRuleIds: Sendable {
    let prefix: String
    let identityIssuer: String
    let identityAudience: String
    let identityTenantClaim: String
    let contextTagging: String
    let memory: String
    let memoryNamespace: String
    let vectorIndex: String
    let vectorCollection: String
    let vectorTenantKey: String
    let llm: String
    let limitsModels: String
    let dataStores: String
    let output: String
    let toolsDefault: String
    let egressDefault: String
    let requestsPerMinute: String
    let tokensPerMinute: String

    init(tenant: String) {
        prefix = "\(tenant)/"
        identityIssuer = prefix + "identity.issuer"
        identityAudience = prefix + "identity.audience"
        identityTenantClaim = prefix + "identity.tenantClaim"
        contextTagging = prefix + "contextTagging"
        memory = prefix + "memory"
        memoryNamespace = prefix + "memory.namespace"
        vectorIndex = prefix + "vectorIndex"
        vectorCollection = prefix + "vectorIndex.collection"
        vectorTenantKey = prefix + "vectorIndex.tenantKey"
        llm = prefix + "llm"
        limitsModels = prefix + "limits.models"
        dataStores = prefix + "dataStores"
        output = prefix + "output"
        toolsDefault = prefix + "tools.default"
        egressDefault = prefix + "network.egress.default"
        requestsPerMinute = prefix + "limits.requestsPerMinute"
        tokensPerMinute = prefix + "limits.tokensPerMinute"
    }

    func id(_ path: String) -> String { prefix + path }
}
