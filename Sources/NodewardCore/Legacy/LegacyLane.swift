/// Where the legacy fleet finds a tenant's evaluator. TenantAgentSandbox tenants (the common case and the
/// hot path) index an array of concrete `LegacyEvaluator`s mutated in place; tenants read from another
/// platform's config (Ingest/Dialects/) index an array of native dialect evaluators, an existential that
/// the hot path never touches.
enum LegacyLane: Sendable, Hashable {
    case sandbox(Int)
    case dialect(Int)
}

/// The lanes of a fleet, built from its sandboxes: a sandbox that carries a `DialectOrigin` gets its
/// dialect's native evaluator, every other one a `LegacyEvaluator`.
struct LegacyLanes: Sendable {
    var sandboxes: [LegacyEvaluator] = []
    var dialects: [any DialectEvaluator] = []
    var laneOfTenant: [String: LegacyLane] = [:]

    init(_ sandboxes: [TenantSandbox]) {
        for sandbox in sandboxes {
            // The last sandbox of a tenant wins, as the dictionary assignment did.
            switch (laneOfTenant[sandbox.tenantId], sandbox.dialect) {
            case (.sandbox(let index)?, nil):
                self.sandboxes[index] = LegacyEvaluator(sandbox: sandbox)
            case (.dialect(let index)?, let origin?):
                dialects[index] = origin.policy.makeEvaluator(tenant: sandbox.tenantId)
            case (_, nil):
                laneOfTenant[sandbox.tenantId] = .sandbox(self.sandboxes.count)
                self.sandboxes.append(LegacyEvaluator(sandbox: sandbox))
            case (_, let origin?):
                laneOfTenant[sandbox.tenantId] = .dialect(dialects.count)
                dialects.append(origin.policy.makeEvaluator(tenant: sandbox.tenantId))
            }
        }
    }
}

/// How "ask" is modelled (docs/legacy-model.md, "Ask"): a rule that needs a human approval is a deny
/// without an approver, since traces have none; its rule id names an ask rule so that shadow summaries
/// and the plan count asks on their own. One test for every dialect: the deciding rule's key path has an
/// `ask` list (`tools.ask[0]`, `claude-code.project.permissions.ask[1]`) or ends in `.ask`
/// (`claude-code.permissions.defaultMode.ask`, `mcp-client.tools[0].require_approval.ask`), and it is a deny.
public enum LegacyAsk {
    public static func isAsk(_ decision: Decision) -> Bool {
        decision.regime == .legacy && decision.effect == .deny && isAskRule(decision.rule)
    }

    public static func isAskRule(_ rule: String) -> Bool {
        rule.contains(".ask[") || rule.hasSuffix(".ask")
    }
}
