// STUB: the legacy-evaluator helper replaces this file. The API below is the contract.

/// The old enforcement: a faithful model of how one tenant sandbox decides a step (docs/legacy-model.md).
/// Stateful: the per-tenant rpm/tpm token buckets advance with step timestamps, so feed steps in
/// time order.
public struct LegacyEvaluator: Sendable {
    public let sandbox: TenantSandbox

    public init(sandbox: TenantSandbox) {
        self.sandbox = sandbox
    }

    public mutating func evaluate(_ step: Step) -> Decision {
        evaluateDetailed(step).decision
    }

    public mutating func evaluateDetailed(_ step: Step) -> LegacyEvaluation {
        LegacyEvaluation(decision: Decision(regime: .legacy, effect: .allow, rule: "\(sandbox.tenantId)/stub", reason: "stub"), exercised: [])
    }

    public func rules() -> [(id: String, description: String)] { [] }
}

public struct LegacyEvaluation: Sendable, Hashable {
    public var decision: Decision
    public var exercised: [String]
}

/// Evaluators for a whole fleet, routed by `step.tenant`.
public struct LegacyFleet: Sendable {
    public private(set) var evaluators: [String: LegacyEvaluator]

    public init(sandboxes: [TenantSandbox]) {
        var evaluators: [String: LegacyEvaluator] = [:]
        for sandbox in sandboxes { evaluators[sandbox.tenantId] = LegacyEvaluator(sandbox: sandbox) }
        self.evaluators = evaluators
    }

    /// A step of a tenant without a sandbox is denied by rule `fleet/unknown-tenant`.
    public mutating func evaluate(_ step: Step) -> Decision {
        guard evaluators[step.tenant] != nil else {
            return Decision(regime: .legacy, effect: .deny, rule: "fleet/unknown-tenant",
                            reason: "no tenant sandbox declares tenant \"\(step.tenant)\"")
        }
        return evaluators[step.tenant]!.evaluate(step)
    }
}

public enum ToolEffectInference {
    public static func effect(of tool: String, declared: [String: ToolEffect]) -> ToolEffect {
        declared[tool] ?? .read
    }
}
