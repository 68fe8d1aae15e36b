import Testing
@testable import NodewardCore

/// Egress destinations are node facts: each is granted only to the node's tenants whose legacy egress
/// rules allow it, so one tenant's destination never becomes another's.
@Suite struct PolicyEgressTests {
    typealias S = PolicyScenario

    static func sandbox(_ tenant: String, egress: [String]) -> TenantSandbox {
        var sandbox = S.sandbox(tenant, memory: "\(tenant)-memory")
        sandbox.network = NetworkConfig(egressDefault: .deny,
                                        egressAllow: egress.enumerated().map { EgressRule(fqdn: S.glob($0.element), ports: [443], index: $0.offset) })
        return sandbox
    }

    static func call(_ host: String) -> S.StepSpec {
        S.StepSpec(kind: .llm, operation: "model", resources: [.egress(host, port: 443)])
    }

    @Test func eachDestinationIsGrantedOnlyToTenantsWhoseLegacyAllowsIt() throws {
        let sandboxes = [Self.sandbox("acme", egress: ["api.openai.com"]), Self.sandbox("globex", egress: ["api.anthropic.com"])]
        let runs = (0..<6).map { index -> Run in
            let tenant = index % 2 == 0 ? "acme" : "globex"
            return S.run(tenant, "r\(index)", at: Int64(index) * 1_000_000_000, [Self.call(tenant == "acme" ? "api.openai.com" : "api.anthropic.com")])
        }
        let set = S.policies(runs, sandboxes: sandboxes)
        let model = try #require(set.nodes.first { $0.match.kind == .llm })
        #expect(model.tenants == ["acme", "globex"])
        #expect(model.allow.resourceTenants == [
            NodePolicy.ResourceTenants(resource: "egress:api.anthropic.com:443", tenants: ["globex"]),
            NodePolicy.ResourceTenants(resource: "egress:api.openai.com:443", tenants: ["acme"]),
        ])
        var evaluator = S.evaluator([set], sandboxes: sandboxes)
        #expect(evaluator.evaluate(S.run("acme", "x1", at: 0, [Self.call("api.openai.com")]))[0].effect == .allow)
        // globex's legacy egress does not reach OpenAI, so neither does its node policy.
        #expect(evaluator.evaluate(S.run("globex", "x2", at: 0, [Self.call("api.openai.com")]))[0].rule.hasSuffix("/resources"))
        // The restriction survives the file round trip.
        #expect(PolicyReader.read(yaml: set.yaml(), file: "support.yaml").policies == set)
        // Lifting it is a widening in the diff.
        var lifted = set
        lifted.nodes = lifted.nodes.map { node in
            var copy = node
            copy.allow.resourceTenants = nil
            return copy
        }
        let diff = PolicyDiff(old: [set], new: [lifted])
        #expect(diff.changes.map(\.detail) == ["+ egress:api.anthropic.com:443 for acme, egress:api.openai.com:443 for globex"])
        #expect(diff.widened.count == 1)
    }

    @Test func anyEgressStaysWithinTheTenantsLegacyEgress() {
        let evidence = TaskGraph.Evidence(runs: 20, tenants: ["acme"], firstSeen: nil, lastSeen: nil, sampleRuns: [])
        let node = NodePolicy(id: "tool_call.web.fetch", match: .init(kind: .toolCall, operation: "web.fetch", resources: []),
                               tenants: ["acme"], allow: .init(resources: ["egress:*"]), inputs: [], limits: .init(), evidence: evidence)
        let set = PolicySet(workflow: "support", agent: "agent", evidence: evidence, nodes: [node])
        let sandboxes = [Self.sandbox("acme", egress: ["*.partner.example"])]
        var evaluator = S.evaluator([set], sandboxes: sandboxes)
        func fetch(_ host: String) -> Decision {
            evaluator.evaluate(S.run("acme", "f-\(host)", at: 0, [S.StepSpec(kind: .toolCall, operation: "web.fetch", resources: [.egress(host, port: 443)])]))[0]
        }
        #expect(fetch("docs.partner.example").effect == .allow)
        #expect(fetch("exfil.evil.example").rule == "support/tool_call.web.fetch/resources")
    }
}
