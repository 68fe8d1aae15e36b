import NodewardCore
import NodewardStore

/// The shadow self-test's canary: steps of the reserved workflow `nodeward-canary` are decided by
/// built-in rules, never by the sandboxes or policies: the legacy regime allows, the node regime denies
/// (class `tightened`). So in shadow mode the enforced decision is allow, and for a cut-over tenant it
/// is deny. The reserved tenant `nodeward-canary-cutover` counts as cut over for canary steps only, so
/// the self-test can check both paths on any server. Canary decisions are recorded under the policy
/// version `nodeward-canary@builtin`, so reports can leave them out.
public enum Canary {
    public static let workflow = "nodeward-canary"
    public static let shadowTenant = "nodeward-canary"
    public static let cutOverTenant = "nodeward-canary-cutover"
    static let tenants: Set<String> = [shadowTenant, cutOverTenant]
    public static let version = PolicyVersion(workflow: workflow, contentHash: "builtin")
    public static let legacyRule = "nodeward-canary/legacy.allow"
    public static let nodeRule = "nodeward-canary/node.deny"

    static func isCanary(_ step: Step) -> Bool { step.workflow == workflow }

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
        body += ",\"step\":\"canary\",\"time\":\"2026-01-01T00:00:00Z\",\"kind\":\"tool_call\",\"operation\":\"nodeward.canary\"}"
        return body
    }
}
