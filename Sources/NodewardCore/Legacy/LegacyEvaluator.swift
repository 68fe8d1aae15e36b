/// One step's legacy decision plus the grants it exercised: every declared rule id (full, e.g.
/// `acme/tools.allow[1]`) that allowed part of an allowed step, sorted. Empty unless the step is allowed.
public struct LegacyEvaluation: Sendable, Hashable {
    public var decision: Decision
    public var exercised: [String]

    public init(decision: Decision, exercised: [String]) {
        self.decision = decision
        self.exercised = exercised
    }
}

/// The old enforcement: a faithful model of how one tenant sandbox decides a step (docs/legacy-model.md).
/// Stateful: the per-tenant rpm/tpm token buckets advance with step timestamps, so feed steps in
/// time order.
public struct LegacyEvaluator: Sendable {
    public let sandbox: TenantSandbox
    let ids: LegacyRuleIds
    let tools: LegacyToolRules
    let resources: LegacyResourceChecks
    let primaryGrants: PrimaryGrants
    var requests: LegacyTokenBucket?
    var tokens: LegacyTokenBucket?

    /// Allow grants of the primary checks that do not depend on the step, built once.
    struct PrimaryGrants: Sendable {
        let llm: LegacyGrant
        let output: LegacyGrant
    }

    public init(sandbox: TenantSandbox) {
        self.sandbox = sandbox
        let ids = LegacyRuleIds(tenant: sandbox.tenantId)
        self.ids = ids
        tools = LegacyToolRules(sandbox.tools, ids: ids)
        resources = LegacyResourceChecks(sandbox, ids: ids)
        primaryGrants = PrimaryGrants(
            llm: sandbox.limits.models == nil
                ? LegacyGrant(rule: ids.llm, reason: "any model is allowed (no limits.models)", declared: false)
                : LegacyGrant(rule: ids.limitsModels, reason: "model is listed in limits.models", declared: true),
            output: LegacyGrant(rule: ids.output, reason: "outputs are not restricted by a tenant sandbox", declared: false))
        requests = sandbox.limits.requestsPerMinute.map { LegacyTokenBucket(perMinute: $0) }
        tokens = sandbox.limits.tokensPerMinute.map { LegacyTokenBucket(perMinute: $0) }
    }

    public mutating func evaluate(_ step: Step) -> Decision {
        evaluate(step, collectingGrants: false).decision
    }

    /// Every rule id this sandbox can decide by, with a one-line description, sorted by id.
    public func rules() -> [(id: String, description: String)] {
        LegacyRuleCatalog.rules(of: sandbox).map { (id: $0.id, description: $0.description) }
    }

    /// The same list with each rule's kind (grant, restriction, limit, implicit).
    public var ruleCatalog: [LegacyRule] { LegacyRuleCatalog.rules(of: sandbox) }

    public mutating func evaluateDetailed(_ step: Step) -> LegacyEvaluation {
        evaluate(step, collectingGrants: true)
    }

    /// Without `collectingGrants` the exercised list stays empty (a decision alone needs no array).
    mutating func evaluate(_ step: Step, collectingGrants: Bool) -> LegacyEvaluation {
        var accumulator = LegacyAccumulator(collecting: collectingGrants)
        var primary: LegacyGrant?
        if let verdict = checkWithoutLimits(step, into: &accumulator, primary: &primary) {
            return Self.refused(verdict)
        }
        if let verdict = accumulator.unevaluable { return Self.refused(verdict) }
        guard let primary else {
            // Unreachable: every kind either sets its primary grant or fails. Kept as a value, not a trap.
            return Self.refused(.unevaluable(ids.dataStores, "no rule decided the step"))
        }
        if let verdict = consumeLimits(step) { return Self.refused(verdict) }
        var exercised = accumulator.exercised
        if exercised.count > 1 {
            exercised.sort()
            var unique: [String] = []
            unique.reserveCapacity(exercised.count)
            for rule in exercised where unique.last != rule { unique.append(rule) }
            exercised = unique
        }
        return LegacyEvaluation(
            decision: Decision(regime: .legacy, effect: .allow, rule: primary.rule, reason: primary.reason),
            exercised: exercised)
    }

    private static func refused(_ verdict: LegacyVerdict) -> LegacyEvaluation {
        LegacyEvaluation(
            decision: Decision(regime: .legacy, effect: verdict.effect, rule: verdict.rule, reason: verdict.reason),
            exercised: [])
    }

    /// Checks 1–4 (identity, context tags, the kind's primary check, resources). Returns the first deny;
    /// unevaluable results and grants collect in `accumulator`.
    private func checkWithoutLimits(_ step: Step, into accumulator: inout LegacyAccumulator, primary: inout LegacyGrant?) -> LegacyVerdict? {
        if let verdict = accumulator.absorb(checkIdentity(step)) { return verdict }
        if let verdict = accumulator.absorb(checkContextTags(step)) { return verdict }
        let primaryCheck = checkPrimary(step)
        if case .pass(let grant) = primaryCheck { primary = grant }
        if let verdict = accumulator.absorb(primaryCheck) { return verdict }

        // In sorted order; one or two resources (most steps) need no sorted copy.
        let all = step.resources
        switch all.count {
        case 0: return nil
        case 1: return checkResource(all[0], of: step, into: &accumulator, primary: &primary)
        case 2:
            let (first, second) = all[1] < all[0] ? (all[1], all[0]) : (all[0], all[1])
            if let verdict = checkResource(first, of: step, into: &accumulator, primary: &primary) { return verdict }
            return checkResource(second, of: step, into: &accumulator, primary: &primary)
        default:
            for resource in all.sorted() {
                if let verdict = checkResource(resource, of: step, into: &accumulator, primary: &primary) { return verdict }
            }
            return nil
        }
    }

    private func checkResource(_ resource: Resource, of step: Step, into accumulator: inout LegacyAccumulator,
                               primary: inout LegacyGrant?) -> LegacyVerdict? {
        // The kind's own resources were already checked by its primary check.
        if resource.scheme == .memory, step.kind == .memoryRead || step.kind == .memoryWrite { return nil }
        if resource.scheme == .vector, step.kind == .retrieval { return nil }
        let check = resources.check(resource)
        if case .pass(let grant) = check, resource.scheme == .store, step.kind == .dataWrite, primary == nil {
            primary = grant
        }
        return accumulator.absorb(check)
    }

    /// Identity and context tags are tenant-boundary checks (`TenantBoundary`, shared with the node regime).
    private func checkIdentity(_ step: Step) -> LegacyCheck {
        if let failure = resources.boundary.identity(step.principal) { return .fail(failure.verdict) }
        return .pass(nil)
    }

    private func checkContextTags(_ step: Step) -> LegacyCheck {
        if let failure = resources.boundary.contextTags(step.dataItems) { return .fail(failure.verdict) }
        return .pass(nil)
    }

    private func checkPrimary(_ step: Step) -> LegacyCheck {
        switch step.kind {
        case .toolCall:
            return tools.check(tool: step.operation, arguments: step.arguments)
        case .memoryRead, .memoryWrite:
            // The boundary's kind requirement: a declared namespace, and a memory resource to check.
            if let failure = resources.boundary.kindRequirement(step) { return .fail(failure.verdict) }
            return checkAll(step, .memory, check: resources.checkMemory)
        case .retrieval:
            if let failure = resources.boundary.kindRequirement(step) { return .fail(failure.verdict) }
            return checkAll(step, .vector, check: resources.checkVector)
        case .llm:
            if let models = sandbox.limits.models, !models.contains(where: { $0.matches(step.operation) }) {
                return .fail(.deny(ids.limitsModels, "model \(step.operation) is not in limits.models"))
            }
            return .pass(primaryGrants.llm)
        case .dataWrite:
            if let failure = resources.boundary.kindRequirement(step) { return .fail(failure.verdict) }
            // The primary grant is the first store resource's access rule, set by the resource checks.
            return .pass(nil)
        case .output:
            return .pass(primaryGrants.output)
        }
    }

    /// Checks every resource of one scheme (at least one: the kind requirement) in sorted order: the
    /// first failure decides, else the grant.
    private func checkAll(_ step: Step, _ scheme: Resource.Scheme, check: (Resource) -> LegacyCheck) -> LegacyCheck {
        var grant: LegacyGrant?
        var failure: (resource: Resource, verdict: LegacyVerdict)?
        for resource in step.resources where resource.scheme == scheme {
            switch check(resource) {
            case .pass(let passed): grant = passed
            case .fail(let verdict):
                // Prefer a deny over an unevaluable, then the smallest resource, so order never matters.
                if let current = failure {
                    let better = (verdict.effect == .deny && current.verdict.effect != .deny)
                        || (verdict.effect == current.verdict.effect && resource < current.resource)
                    if better { failure = (resource, verdict) }
                } else {
                    failure = (resource, verdict)
                }
            }
        }
        if let failure { return .fail(failure.verdict) }
        return .pass(grant)
    }

    /// Check 5: rate limits, only for steps that passed every other check. Denied steps consume nothing
    /// (refilling only advances a bucket's clock, so keeping it on a deny changes no later decision).
    private mutating func consumeLimits(_ step: Step) -> LegacyVerdict? {
        let requestCost: UInt64 = step.kind == .output ? 0 : 1
        let tokenCost: UInt64 = step.kind == .llm ? UInt64(max(0, step.tokens?.total ?? 0)) : 0
        var requestBucket = requests
        var tokenBucket = tokens
        requestBucket?.refill(at: step.startNanos)
        tokenBucket?.refill(at: step.startNanos)
        requests = requestBucket
        tokens = tokenBucket
        if let bucket = requestBucket, !bucket.canTake(requestCost) {
            return .deny(ids.requestsPerMinute, "tenant \(sandbox.tenantId) exceeded \(bucket.perMinute) requests per minute")
        }
        if let bucket = tokenBucket, !bucket.canTake(tokenCost) {
            let reason = tokenCost > bucket.perMinute
                ? "the step's tokens exceed the whole tokensPerMinute capacity (\(bucket.perMinute)) of tenant \(sandbox.tenantId)"
                : "tenant \(sandbox.tenantId) exceeded \(bucket.perMinute) tokens per minute"
            return .deny(ids.tokensPerMinute, reason)
        }
        requests?.take(requestCost)
        tokens?.take(tokenCost)
        return nil
    }
}

/// Evaluators for a whole fleet, routed by `step.tenant`: a `LegacyEvaluator` per TenantAgentSandbox
/// tenant, a native dialect evaluator per tenant read from another platform's config (LegacyLane.swift).
public struct LegacyFleet: Sendable {
    /// Evaluators in arrays behind a tenant index: a dictionary's optional-chained mutation moved the
    /// whole evaluator out and back per step, which was most of a legacy decision's cost.
    private var lanes: LegacyLanes

    /// The TenantAgentSandbox evaluators by tenant (dialect tenants have native evaluators instead).
    public var evaluators: [String: LegacyEvaluator] {
        lanes.laneOfTenant.compactMapValues { lane in
            if case .sandbox(let index) = lane { return lanes.sandboxes[index] }
            return nil
        }
    }

    public init(sandboxes: [TenantSandbox]) {
        lanes = LegacyLanes(sandboxes)
    }

    /// The rule catalog of one tenant's legacy regime; nil for a tenant without a sandbox.
    public func ruleCatalog(of tenant: String) -> [LegacyRule]? {
        switch lanes.laneOfTenant[tenant] {
        case .sandbox(let index)?: return lanes.sandboxes[index].ruleCatalog
        case .dialect(let index)?: return lanes.dialects[index].ruleCatalog
        case nil: return nil
        }
    }

    /// A step of a tenant without a sandbox is denied by rule `fleet/unknown-tenant`.
    public mutating func evaluate(_ step: Step) -> Decision {
        evaluate(step, collectingGrants: false).decision
    }

    public mutating func evaluateDetailed(_ step: Step) -> LegacyEvaluation {
        evaluate(step, collectingGrants: true)
    }

    /// The detailed decision of a step of a tenant with a sandbox; nil (and nothing evaluated) otherwise.
    public mutating func evaluateDetailedIfKnown(_ step: Step) -> LegacyEvaluation? {
        guard let lane = lanes.laneOfTenant[step.tenant] else { return nil }
        return evaluate(step, in: lane, collectingGrants: true)
    }

    mutating func evaluate(_ step: Step, collectingGrants: Bool) -> LegacyEvaluation {
        guard let lane = lanes.laneOfTenant[step.tenant] else {
            return LegacyEvaluation(
                decision: Decision(regime: .legacy, effect: .deny, rule: "fleet/unknown-tenant",
                                   reason: "no tenant sandbox declares tenant \"\(step.tenant)\""),
                exercised: [])
        }
        return evaluate(step, in: lane, collectingGrants: collectingGrants)
    }

    private mutating func evaluate(_ step: Step, in lane: LegacyLane, collectingGrants: Bool) -> LegacyEvaluation {
        // The array element is mutated in place (its buckets advance).
        switch lane {
        case .sandbox(let index): return lanes.sandboxes[index].evaluate(step, collectingGrants: collectingGrants)
        case .dialect(let index): return lanes.dialects[index].evaluate(step, collectingGrants: collectingGrants)
        }
    }
}
