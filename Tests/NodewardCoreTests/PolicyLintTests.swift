import Foundation
import Testing
@testable import NodewardCore

/// Hand-built policy files for the `policy check` suites: written as YAML and read back, so lints and
/// widenings carry real `file:line:col` positions.
enum PolicyCheckFixture {
    static let evidence = TaskGraph.Evidence(runs: 12, tenants: ["acme", "globex"], firstSeen: nil, lastSeen: nil, sampleRuns: [])

    static func node(_ id: String, kind: StepKind = .toolCall, operation: String? = nil, tenants: [String] = ["acme", "globex"],
                     match: [String] = [], allow: [String]? = nil, after: [String]? = nil, arguments: [ArgumentConstraint]? = nil,
                     inputs: [InputGrant] = [], limits: NodePolicy.Limits = .init(perRun: 2, perMinute: 60),
                     evidence: TaskGraph.Evidence = evidence) -> NodePolicy {
        NodePolicy(id: id, match: .init(kind: kind, operation: operation ?? id, resources: match, after: after), tenants: tenants,
                   allow: .init(resources: allow ?? match, arguments: arguments), inputs: inputs, limits: limits, evidence: evidence)
    }

    static func file(_ nodes: [NodePolicy], workflow: String = "wf") throws -> (file: PolicyFile, text: String) {
        let text = PolicySet(workflow: workflow, agent: "agent", evidence: evidence, nodes: nodes.sorted { $0.id < $1.id }).yaml()
        let (file, diagnostics) = PolicyReader.readFile(yaml: text, file: "\(workflow).yaml")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        return (try #require(file), text)
    }

    /// The 1-based line of the first line at or after `- id: <node>` that contains `needle`.
    static func line(of needle: String, inNode node: String, _ text: String) -> Int? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(where: { $0.hasSuffix("- id: \(node)") || $0.hasSuffix("- id: '\(node)'") }) else { return nil }
        return lines[start...].firstIndex { $0.contains(needle) }.map { $0 + 1 }
    }

    /// A small, well-formed workflow: a read, and a send whose arguments are constrained to the user's
    /// request (no external content), limits everywhere, evidence everywhere.
    static let clean: [NodePolicy] = [
        node("tool_call.tickets.get", operation: "tickets.get", inputs: [InputGrant(from: "request", arguments: ["id"])]),
        node("tool_call.email.send", operation: "email.send",
             arguments: [ArgumentConstraint(name: "body", origin: ["request"]),
                         ArgumentConstraint(name: "to", pattern: "*@${tenant.id}.example", origin: ["request"])],
             inputs: [InputGrant(from: "request", arguments: ["body", "to"])]),
        node("output.reply", kind: .output, operation: "reply", limits: .init(perRun: 2)),
    ]
}

@Suite struct PolicyLintTests {
    func lints(_ nodes: [NodePolicy], effects: [String: ToolEffect] = [:], graph: TaskGraph? = nil) throws -> [Diagnostic] {
        PolicyLinter(toolEffects: effects, graph: graph).lint(try PolicyCheckFixture.file(nodes).file)
    }

    func codes(_ diagnostics: [Diagnostic]) -> [String] {
        diagnostics.map { "\($0.code.rawValue) \($0.keyPath ?? "")" }.sorted()
    }

    @Test func aCleanWorkflowHasNoLints() throws {
        #expect(try lints(PolicyCheckFixture.clean).isEmpty)
    }

    @Test func aNodeGrantedToNoTenantIsUnreachableAtItsTenantsLine() throws {
        let nodes = PolicyCheckFixture.clean + [PolicyCheckFixture.node("tool_call.crm.delete", operation: "crm.delete", tenants: [])]
        let (file, text) = try PolicyCheckFixture.file(nodes)
        let found = PolicyLinter().lint(file)
        #expect(codes(found) == ["policy.lint.unreachable nodes.1.tenants"])
        let lint = try #require(found.first)
        #expect(lint.severity == .warning)
        #expect(lint.location?.file == "wf.yaml")
        #expect(lint.location?.line == PolicyCheckFixture.line(of: "tenants: []", inNode: "tool_call.crm.delete", text))
        #expect(lint.description.contains("wf.yaml:\(lint.location!.line):"))
    }

    @Test func aNodeAfterOnlyDeadNodesIsUnreachable() throws {
        // `b` repeats `a` exactly, so `choose` always returns `a`; `c` may only follow `b`.
        let nodes = [
            PolicyCheckFixture.node("a", operation: "crm.search", match: ["store:crm/${tenant.scope}accounts"]),
            PolicyCheckFixture.node("b", operation: "crm.search", match: ["store:crm/${tenant.scope}accounts"]),
            PolicyCheckFixture.node("c", operation: "crm.get", after: ["b"]),
            PolicyCheckFixture.node("d", operation: "crm.get", match: ["store:crm/${tenant.scope}x"], after: []),
            PolicyCheckFixture.node("e", operation: "crm.get", match: ["store:crm/${tenant.scope}y"], after: ["a", "start"]),
        ]
        let found = try lints(nodes)
        #expect(codes(found) == ["policy.lint.shadowed nodes.1.match", "policy.lint.unreachable nodes.2.match.after", "policy.lint.unreachable nodes.3.match.after"])
        #expect(found.contains { $0.message.contains("node b is never chosen: a comes first") })
    }

    @Test func aNodeWithWiderResourcesOrNarrowerAfterIsNotShadowed() throws {
        let nodes = [
            PolicyCheckFixture.node("a", operation: "crm.search", match: ["store:crm/${tenant.scope}accounts"], after: ["start"]),
            // Chosen when its predecessor is not `start`.
            PolicyCheckFixture.node("b", operation: "crm.search", match: ["store:crm/${tenant.scope}accounts"]),
            // Allows more than `a`: it can be the covering node.
            PolicyCheckFixture.node("c", operation: "crm.search", match: ["store:crm/${tenant.scope}accounts"],
                                    allow: ["store:crm/${tenant.scope}accounts", "store:crm/${tenant.scope}leads"]),
        ]
        #expect(PolicyLinter.neverChosen(nodes).isEmpty)
    }

    @Test func rulesThatCanNeverApplyAreShadowed() throws {
        let nodes = [
            PolicyCheckFixture.node("tool_call.tickets.get", operation: "tickets.get"),
            PolicyCheckFixture.node(
                "tool_call.tickets.comment", operation: "tickets.comment",
                arguments: [
                    // Binds only a tenant the node is not granted to.
                    { var c = ArgumentConstraint(name: "author", pattern: "*@initech.example"); c.patternTenants = ["initech"]; return c }(),
                    ArgumentConstraint(name: "body", pattern: "*"),
                    ArgumentConstraint(name: "kind", values: ["note", "spam"], excluded: ["spam"]),
                    // The origin lists tickets.get, but no input grant lets it through.
                    ArgumentConstraint(name: "ticket", origin: ["request", "tool_call.tickets.get"]),
                ],
                inputs: [InputGrant(from: "request", arguments: ["ticket"]),
                         // Granted, but the origin of `ticket` does not list it... through `body` it is fine.
                         InputGrant(from: "tool_call.tickets.get", arguments: ["body"])]),
            PolicyCheckFixture.node("tool_call.tickets.close", operation: "tickets.close",
                                    arguments: [ArgumentConstraint(name: "id", origin: ["request"])],
                                    inputs: [InputGrant(from: "request", arguments: ["id"]), InputGrant(from: "tool_call.tickets.get", arguments: ["id"])]),
        ]
        let found = try lints(nodes).filter { $0.code == .policyLintShadowed }
        #expect(codes(found) == [
            "policy.lint.shadowed nodes.1.allow.arguments.0.patternTenants",
            "policy.lint.shadowed nodes.1.allow.arguments.1.pattern",
            "policy.lint.shadowed nodes.1.allow.arguments.2.values.1",
            "policy.lint.shadowed nodes.1.allow.arguments.3.origin.1",
            "policy.lint.shadowed nodes.0.inputs.1",
        ].sorted())
        #expect(found.contains { $0.message == "input grant tool_call.tickets.get -> id never applies: the origin of argument id does not list tool_call.tickets.get" })
    }

    @Test func wildcardsAreOverBroad() throws {
        let nodes = PolicyCheckFixture.clean + [
            PolicyCheckFixture.node("tool_call.web.fetch", operation: "web.fetch", allow: ["egress:*"],
                                    arguments: [ArgumentConstraint(name: "url", origin: ["request"])], inputs: [InputGrant(from: "request", arguments: ["url"])]),
            PolicyCheckFixture.node("memory_read.any", kind: .memoryRead, operation: "search", match: ["memory:*/prefs"]),
            PolicyCheckFixture.node("tool_call.crm", operation: "crm.*"),
        ]
        let found = try lints(nodes).filter { $0.code == .policyLintWildcard }
        #expect(codes(found) == ["policy.lint.wildcard nodes.0.allow.resources.0", "policy.lint.wildcard nodes.2.match.operation", "policy.lint.wildcard nodes.5.allow.resources.0"])
    }

    @Test func unconstrainedAndExternallyFedWritesAreOverBroad() throws {
        let nodes = [
            PolicyCheckFixture.node("retrieval.docs", kind: .retrieval, operation: "${tenant.vectorIndex}", match: ["vector:${tenant.vectorIndex}#${tenant.vectorKey}"]),
            PolicyCheckFixture.node("tool_call.crm.update", operation: "crm.update", match: ["store:crm/${tenant.scope}accounts [write]"],
                                    arguments: [ArgumentConstraint(name: "id", origin: ["request"])],
                                    inputs: [InputGrant(from: "request", arguments: ["id"]), InputGrant(from: "retrieval.docs", arguments: ["notes"])]),
            // Not state-changing (a read), so neither lint applies.
            PolicyCheckFixture.node("tool_call.crm.search", operation: "crm.search", inputs: [InputGrant(from: "retrieval.docs", arguments: ["q"])]),
        ]
        let graph = TaskGraph(workflow: "wf", agent: "agent", evidence: PolicyCheckFixture.evidence, nodes: [
            TaskGraph.Node(id: "tool_call.crm.update", kind: .toolCall, operation: "crm.update", resources: [], disambiguator: nil,
                           arguments: ["id", "notes", "owner"], egress: [], models: [], share: 1, optional: false, blocked: 0,
                           steps: 12, maxPerRun: 1, evidence: PolicyCheckFixture.evidence, flags: []),
        ], controlEdges: [], dataEdges: [])
        let found = try lints(nodes, graph: graph)
        #expect(codes(found) == ["policy.lint.external-to-write nodes.2.inputs.1", "policy.lint.unconstrained-write nodes.2.allow.arguments"])
        #expect(found.contains { $0.message.hasSuffix("without a constraint: notes, owner") })
        // Without the graph only the arguments the inputs name are known.
        #expect(try lints(nodes).contains { $0.message.hasSuffix("without a constraint: notes") })
        // A tool the sandboxes declare read-only is not a write, whatever its name.
        #expect(try lints(nodes.map { var n = $0; n.allow.resources = []; n.match.resources = []; return n }, effects: ["crm.update": .read]).isEmpty)
    }

    @Test func nodesWithoutEvidenceAreTold() throws {
        let none = TaskGraph.Evidence(runs: 0, tenants: [], firstSeen: nil, lastSeen: nil, sampleRuns: [])
        let found = try lints(PolicyCheckFixture.clean + [PolicyCheckFixture.node("tool_call.tickets.merge", operation: "tickets.merge", evidence: none)])
        #expect(codes(found) == ["policy.lint.no-evidence nodes.3.evidence"])
    }

    @Test func generatedSampleFleetPoliciesLintAsObserved() throws {
        let report = try PolicyCheckTests.sampleReport()
        // Generated policies are never shadowed, wildcarded or without evidence; balanced leaves the
        // low-support writes to no tenant, and grants the tool results the workflows really feed in.
        let byCode = Dictionary(grouping: report.lints, by: \.code.rawValue).mapValues(\.count)
        #expect(byCode["policy.lint.shadowed"] == nil && byCode["policy.lint.wildcard"] == nil && byCode["policy.lint.no-evidence"] == nil)
        #expect(report.lints.filter { $0.code == .policyLintUnreachable }.map(\.message).sorted() == [
            "node tool_call.crm.delete is granted to no tenant: every step it matches is denied",
            "node tool_call.web.fetch is granted to no tenant: every step it matches is denied",
        ])
        #expect(report.lints.contains { $0.code == .policyLintExternalToWrite && $0.message.contains("tool_call.crm.update is granted data from external content tool_call.web.fetch") })
        #expect(report.lints.allSatisfy { $0.severity == .warning && $0.location != nil })
    }
}
