import NodewardCore
import NodewardStore

/// The shadow self-test's canary: a step of the reserved workflow `nodeward-canary`, operation
/// `nodeward.canary`, of a reserved canary tenant, decided by built-in rules, never by the sandboxes or
/// policies: the legacy regime allows, the node regime denies (class `tightened`). So in shadow mode
/// the enforced decision is allow, and for a cut-over tenant it is deny. The reserved tenant
/// `nodeward-canary-cutover` counts as cut over, so the self-test can check both paths on any server.
/// Canary decisions are recorded under the policy version `nodeward-canary@builtin`, so reports can
/// leave them out.
///
/// The canary must not be forgeable: workflow names come from the agent's own telemetry, so a step
/// merely naming the canary workflow must never get its built-in allow. Only the exact canary step,
/// only for the reserved tenants, and only on a server started with the self-test enabled is a canary;
/// every other step that uses a reserved name (workflow or tenant) is refused (`reservedRule`).
public enum Canary {
    public static let workflow = "nodeward-canary"
    public static let shadowTenant = "nodeward-canary"
    public static let cutOverTenant = "nodeward-canary-cutover"
    static let tenants: Set<String> = [shadowTenant, cutOverTenant]
    public static let operation = "nodeward.canary"
    public static let version = PolicyVersion(workflow: workflow, contentHash: "builtin")
    public static let legacyRule = "nodeward-canary/legacy.allow"
    public static let nodeRule = "nodeward-canary/node.deny"

    public static let reservedRule = "nodeward-canary/reserved"

    enum Role: Equatable {
        /// Decided by the built-in canary rules.
        case canary
        /// Uses a reserved name without being the canary, or the canary while the self-test is off: refused.
        case reserved(reason: String)
        /// Not the canary's business: decided by the sandboxes and policies.
        case ordinary
    }

    static func role(of step: Step, selftestEnabled: Bool) -> Role {
        let reservedTenant = tenants.contains(step.tenant)
        let reservedWorkflow = step.workflow == workflow
        guard reservedTenant || reservedWorkflow else { return .ordinary }
        guard reservedTenant && reservedWorkflow && step.operation == operation else {
            return .reserved(reason: "the canary names (tenant \(shadowTenant), \(cutOverTenant); workflow \(workflow)) are reserved "
                             + "for the shadow self-test's canary step (operation \(operation)); any other use is denied")
        }
        guard selftestEnabled else {
            return .reserved(reason: "the shadow self-test is disabled on this server (start it with --enable-selftest); "
                             + "the canary step is denied")
        }
        return .canary
    }

    static func outcome(for step: Step) -> ShadowOutcome {
        ShadowOutcome(
            legacy: Decision(regime: .legacy, effect: .allow, rule: legacyRule, reason: "canary: the legacy regime allows by design"),
            node: Decision(regime: .node, effect: .deny, rule: nodeRule, reason: "canary: the node regime denies by design"),
            nodeId: nil, provenance: [])
    }

    /// A canary step in the request shape of `POST /v1/decisions` (JSON text).
    public static func requestBody(tenant: String, run: String) -> String {
        var body = "{\"v\":1,\"tenant\":"
        JSONValue.writeQuoted(tenant, into: &body)
        body += ",\"agent\":\"nodeward-canary\",\"workflow\":\"\(workflow)\",\"run\":"
        JSONValue.writeQuoted(run, into: &body)
        body += ",\"step\":\"canary\",\"time\":\"2026-01-01T00:00:00Z\",\"kind\":\"tool_call\",\"operation\":\"\(operation)\"}"
        return body
    }
}
