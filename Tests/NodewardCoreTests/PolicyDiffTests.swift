import Testing
@testable import NodewardCore

@Suite struct PolicyDiffTests {
    static let evidence = TaskGraph.Evidence(runs: 1, tenants: ["acme"], firstSeen: nil, lastSeen: nil, sampleRuns: [])

    static func node(_ id: String, tenants: [String] = ["acme"], resources: [String] = ["store:crm/${tenant.scope}accounts [write]"],
                     arguments: [ArgumentConstraint]? = nil, inputs: [InputGrant] = [], perRun: Int? = 2) -> NodePolicy {
        NodePolicy(id: id, match: .init(kind: .toolCall, operation: id, resources: []), tenants: tenants,
                   allow: .init(resources: resources, arguments: arguments), inputs: inputs,
                   limits: .init(perRun: perRun), evidence: evidence)
    }

    static func set(_ nodes: [NodePolicy], workflow: String = "wf") -> PolicySet {
        PolicySet(workflow: workflow, agent: "agent", evidence: evidence, nodes: nodes)
    }

    func describe(_ diff: PolicyDiff) -> [String] {
        diff.changes.map { "\($0.direction.rawValue) \($0.node ?? "-") \($0.aspect): \($0.detail)" }
    }

    @Test func identicalSetsHaveNoChanges() {
        let policies = Self.set([Self.node("crm.update")])
        #expect(PolicyDiff(old: [policies], new: [policies]).changes.isEmpty)
        #expect(PolicyDiff(old: [policies], new: [policies]).document().plainText().contains("No changes to any grant."))
    }

    @Test func widerAndNarrowerGrantsAreTold() {
        let old = Self.set([
            Self.node("crm.update", arguments: [ArgumentConstraint(name: "owner", origin: ["request"])],
                      inputs: [InputGrant(from: "crm.search", arguments: ["accountId"])]),
            Self.node("email.send", arguments: [ArgumentConstraint(name: "to", pattern: "*@${tenant.id}.example")]),
            Self.node("web.fetch"),
        ])
        let new = Self.set([
            Self.node("crm.update", tenants: ["acme", "globex"],
                      arguments: [ArgumentConstraint(name: "owner", origin: ["request", "web.fetch"])],
                      inputs: [InputGrant(from: "crm.search", arguments: ["accountId"]), InputGrant(from: "web.fetch", arguments: ["owner"])],
                      perRun: 10),
            Self.node("email.send", arguments: []),
            Self.node("payments.transfer"),
        ])
        #expect(describe(PolicyDiff(old: [old], new: [new])) == [
            "widened crm.update tenants: + globex",
            "widened crm.update inputs: + web.fetch -> owner",
            "widened crm.update arguments.owner.origin: + web.fetch",
            "widened crm.update limits.perRun: 2 -> 10",
            "widened email.send arguments.to: constraint removed",
            "widened payments.transfer node: new node granted to acme",
            "narrowed web.fetch node: node removed: its steps become unknown",
        ])
        #expect(PolicyDiff(old: [old], new: [new]).widened.count == 6)
    }

    @Test func aNodeGrantedToNoTenantOnlyReportsTheTenants() {
        let diff = PolicyDiff(old: [Self.set([Self.node("crm.delete", perRun: 2)])],
                              new: [Self.set([Self.node("crm.delete", tenants: [], perRun: nil)])])
        #expect(describe(diff) == ["narrowed crm.delete tenants: - acme"])
    }

    @Test func workflowsAddedAndRemoved() {
        let diff = PolicyDiff(old: [Self.set([Self.node("a")], workflow: "old")], new: [Self.set([Self.node("a")], workflow: "new")])
        #expect(describe(diff) == ["widened - workflow: new workflow with 1 nodes", "narrowed - workflow: workflow removed (1 nodes): its steps become unknown"])
    }

    @Test func aPatternBindingFewerTenantsIsWider() {
        let everyone = ArgumentConstraint(name: "to", pattern: "*@${tenant.id}.example")
        var onlyAcme = everyone
        onlyAcme.patternTenants = ["acme"]
        let diff = PolicyDiff(old: [Self.set([Self.node("email.send", arguments: [everyone])])],
                              new: [Self.set([Self.node("email.send", arguments: [onlyAcme])])])
        #expect(describe(diff) == ["widened email.send arguments.to.patternTenants: all -> acme"])
    }
}
