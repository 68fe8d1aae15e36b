import Testing
@testable import NodewardCore

/// The exported text of a hand-built policy set: every rule kind, deterministic and sorted.
@Suite struct CedarExportTests {
    static let evidence = TaskGraph.Evidence(runs: 3, tenants: ["acme", "globex"], firstSeen: nil, lastSeen: nil, sampleRuns: [])

    static func set(nodes: [NodePolicy]) -> PolicySet {
        PolicySet(workflow: "support", agent: "helper", evidence: evidence, nodes: nodes)
    }

    static let send: NodePolicy = {
        var to = ArgumentConstraint(name: "to", pattern: "*@${tenant.id}.example", excluded: ["*@evil.example", "*@bad.example"],
                                    origin: ["tool_call.tickets.get"])
        to.patternTenants = ["globex", "acme"]
        return NodePolicy(
            id: "tool_call.email.send", match: .init(kind: .toolCall, operation: "email.send", resources: []),
            tenants: ["globex", "acme"],
            allow: .init(resources: ["egress:smtp.example:587", "egress:relay.example:587"],
                         resourceTenants: [.init(resource: "egress:relay.example:587", tenants: ["globex"])],
                         arguments: [ArgumentConstraint(name: "body", values: ["ok", "done"]), to]),
            inputs: [InputGrant(from: "tool_call.tickets.get", arguments: ["to"]), InputGrant(from: "request", arguments: ["ticket"])],
            limits: .init(perRun: 2, perMinute: 30), evidence: evidence)
    }()

    static let tickets = NodePolicy(
        id: "tool_call.tickets.get", match: .init(kind: .toolCall, operation: "tickets.get", resources: []), tenants: ["acme"],
        allow: .init(resources: ["memory:${tenant.memory}/tickets/*"]), inputs: [], limits: .init(), evidence: evidence)

    static let payments = NodePolicy(
        id: "tool_call.payments.transfer", match: .init(kind: .toolCall, operation: "payments.transfer", resources: []), tenants: [],
        allow: .init(resources: []), inputs: [], limits: .init(), evidence: evidence)

    @Test func policiesCheckEveryRuleInTheEvaluatorsOrder() {
        let bundle = CedarExport.export([Self.set(nodes: [Self.tickets, Self.send, Self.payments])])
        let expected = CedarExport.header + #"""

            // support/tool_call.email.send
            @id("support/tool_call.email.send")
            permit (
              principal,
              action == Nodeward::Action::"step",
              resource == Nodeward::Node::"support/tool_call.email.send"
            )
            when {
              // tenants
              [Nodeward::Tenant::"acme", Nodeward::Tenant::"globex"].contains(principal) &&
              // resources
              context.resources.isEmpty() &&
              // resources (egress)
              ["egress:relay.example:587", "egress:smtp.example:587"].containsAll(context.egress) &&
              // resources: egress:relay.example:587 for some tenants
              (!context.egress.contains("egress:relay.example:587") || [Nodeward::Tenant::"globex"].contains(principal)) &&
              // tenant boundary
              context.tenantBoundary &&
              // arguments.body.values
              ["done", "ok"].containsAll(context.data.arguments["body"].texts) &&
              // arguments.to.excluded
              !context.data.arguments["to"].matchedExclusions.containsAny(["*@bad.example", "*@evil.example"]) &&
              // arguments.to.pattern
              (context.data.arguments["to"].matchedPatterns.contains("*@${tenant.id}.example") || ![Nodeward::Tenant::"acme", Nodeward::Tenant::"globex"].contains(principal)) &&
              // arguments.to.origin
              !context.data.flows.containsAny([{source: "request", argument: "to"}, {source: "(unmatched)", argument: "to"}, {source: "tool_call.email.send", argument: "to"}, {source: "tool_call.payments.transfer", argument: "to"}]) &&
              // inputs
              (if context has data then [{source: "request", argument: "ticket"}, {source: "tool_call.tickets.get", argument: "to"}].containsAll(context.data.flows) else true) &&
              // limits.perRun
              context.allowedInRun < 2 &&
              // limits.perMinute
              context.minuteToken
            };

            // support/tool_call.payments.transfer: granted to no tenant, so no permit.

            // support/tool_call.tickets.get
            @id("support/tool_call.tickets.get")
            permit (
              principal,
              action == Nodeward::Action::"step",
              resource == Nodeward::Node::"support/tool_call.tickets.get"
            )
            when {
              // tenants
              [Nodeward::Tenant::"acme"].contains(principal) &&
              // resources
              ["memory:${tenant.memory}/tickets/*"].containsAll(context.resources) &&
              // resources (egress)
              context.egress.isEmpty() &&
              // tenant boundary
              context.tenantBoundary &&
              // inputs
              (if context has data then context.data.flows.isEmpty() else true)
            };

            """#
        #expect(bundle.policies == expected)
        #expect(bundle.policyRules == ["support/tool_call.email.send", "support/tool_call.tickets.get"])
    }

    @Test func schemaDeclaresTheContextAndEveryArgumentWithValueParts() {
        let bundle = CedarExport.export([Self.set(nodes: [Self.send, Self.tickets])])
        #expect(bundle.schema.contains("""
                  data?: {
                    arguments: {
                      "body"?: Argument,
                      "to"?: Argument
                    },
                    flows: Set<Flow>
                  },
            """))
        #expect(bundle.schema.contains("resource: [Node, Workflow],"))
    }

    @Test func entitiesListTenantsWorkflowsAndNodesSorted() {
        let bundle = CedarExport.export([Self.set(nodes: [Self.tickets, Self.send])])
        #expect(bundle.entities == """
            [
              {"attrs":{},"parents":[],"uid":{"id":"acme","type":"Nodeward::Tenant"}},
              {"attrs":{},"parents":[],"uid":{"id":"globex","type":"Nodeward::Tenant"}},
              {"attrs":{"agent":"helper"},"parents":[],"uid":{"id":"support","type":"Nodeward::Workflow"}},
              {"attrs":{"kind":"tool_call","operation":"email.send"},"parents":[{"id":"support","type":"Nodeward::Workflow"}],"uid":{"id":"support/tool_call.email.send","type":"Nodeward::Node"}},
              {"attrs":{"kind":"tool_call","operation":"tickets.get"},"parents":[{"id":"support","type":"Nodeward::Workflow"}],"uid":{"id":"support/tool_call.tickets.get","type":"Nodeward::Node"}}
            ]

            """)
    }

    @Test func outputDoesNotDependOnInputOrderAndTheFirstSetOfAWorkflowWins() {
        var other = Self.set(nodes: [Self.tickets])
        other.workflow = "billing"
        let forward = CedarExport.export([Self.set(nodes: [Self.send, Self.tickets]), other])
        let backward = CedarExport.export([other, Self.set(nodes: [Self.tickets, Self.send])])
        #expect(forward == backward)
        #expect(forward.policyRules == ["billing/tool_call.tickets.get", "support/tool_call.email.send", "support/tool_call.tickets.get"])
        let duplicate = CedarExport.export([Self.set(nodes: [Self.tickets]), Self.set(nodes: [Self.send])])
        #expect(duplicate.policyRules == ["support/tool_call.tickets.get"])
    }

    /// Ids the file does not define resolve to nothing in the evaluator: no flow is granted through them,
    /// and a flow from a step that matched no node is never within an origin.
    @Test func undefinedSourcesGrantNothing() {
        var node = Self.tickets
        node.inputs = [InputGrant(from: "ghost", arguments: ["id"]), InputGrant(from: StepFacts.unmatchedSource, arguments: ["id"])]
        node.allow.arguments = [ArgumentConstraint(name: "id", origin: ["request", StepFacts.unmatchedSource])]
        let policies = CedarExport.export([Self.set(nodes: [node])]).policies
        #expect(policies.contains("(if context has data then context.data.flows.isEmpty() else true)"))
        #expect(policies.contains(#"!context.data.flows.containsAny([{source: "(unmatched)", argument: "id"}, {source: "tool_call.tickets.get", argument: "id"}])"#))
    }

    @Test func stringsAreEscapedForCedar() {
        #expect(CedarExport.quoted("a\"b\\c\nd\u{1}é") == #""a\"b\\c\nd\u{1}é""#)
        #expect(CedarExport.comment("x\ny") == "x y")
    }

    /// The facts path decides exactly as the hot path and leaves the same state behind.
    @Test func evaluateWithFactsDecidesAsEvaluate() {
        let set = CedarScenarioDifferentialTests.policies()
        let sandboxes = CedarScenarioDifferentialTests.sandboxes()
        var plain = PolicyScenario.evaluator([set], sandboxes: sandboxes)
        var withFacts = PolicyScenario.evaluator([set], sandboxes: sandboxes)
        for run in CedarScenarioDifferentialTests.runs() {
            var context = RunContext(run)
            let decisions = run.steps.map { withFacts.evaluateWithFacts($0, in: &context).decision }
            #expect(decisions == plain.evaluate(run), "\(run.runId)")
        }
    }
}
