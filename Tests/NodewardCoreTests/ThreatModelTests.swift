import Foundation
import Testing
@testable import NodewardCore

@Suite struct ThreatModelTests {
    func read(_ text: String) -> (ThreatModel?, [Diagnostic]) { ThreatModelReader.read(yaml: text, file: "threats.yaml") }

    func assess(_ kind: Threat.Kind, _ nodes: [NodePolicy], scope: Threat.Scope = Threat.Scope(), effects: [String: ToolEffect] = [:]) throws -> ThreatAssessment {
        let set = try PolicyCheckFixture.file(nodes).file.policies
        return ThreatAssessor(toolEffects: effects).assess(Threat(id: "T", kind: kind, scope: scope), policies: [set])
    }

    func open(_ assessment: ThreatAssessment) -> [String] { assessment.openPaths.map { "\($0.node) \($0.path)" } }

    // MARK: Reading

    @Test func theSampleThreatModelHasEveryKind() throws {
        let model = try PolicyCheckTests.sampleThreats()
        #expect(model.threats.map(\.id) == ["T1", "T2", "T3", "T4", "T5", "T6"])
        #expect(Set(model.threats.map(\.kind)) == Set(Threat.Kind.allCases))
        let tools = try #require(model.threats.first { $0.kind == .unauthorizedTool })
        #expect(tools.scope.tools == ["crm.delete", "payments.transfer", "tickets.escalate"])
        #expect(tools.location?.line == 7)
    }

    @Test func badThreatFilesAreDiagnosedWithPositions() {
        let (model, diagnostics) = read("""
            version: 1
            threats:
              - id: T1
                kind: data-theft
              - id: T2
                kind: runaway-cost
                scpoe: {tools: [x]}
              - id: T3
                kind: exfiltration
                scope: {tools: ["[oops"]}
              - id: T1
                kind: exfiltration
            """)
        #expect(model == nil)
        #expect(diagnostics.map { "\($0.location?.line ?? 0) \($0.code.rawValue) \($0.keyPath ?? "")" } == [
            "4 threats.invalid threats.0.kind",
            "7 threats.unknown-key threats.1.scpoe",
            "10 threats.invalid threats.2.scope.tools",
        ])
        #expect(diagnostics[0].message.contains("expected one of: cross-tenant-access, unauthorized-tool"))
        let (_, duplicate) = read("threats:\n  - {id: T1, kind: exfiltration}\n  - {id: T1, kind: runaway-cost}\n")
        #expect(duplicate.map(\.code) == [.threatsDuplicateId])
        #expect(read("version: 1\n").1.map(\.code) == [.threatsInvalid])
        #expect(read("threats: [").1.map(\.code) == [.threatsSyntax])
    }

    // MARK: Boundaries, hand-built

    @Test func crossTenantAccessIsOpenWhereAResourceIsSharedByTenants() throws {
        let nodes = [
            PolicyCheckFixture.node("memory_read.prefs", kind: .memoryRead, operation: "search", match: ["memory:${tenant.memory}/prefs"]),
            PolicyCheckFixture.node("memory_read.shared", kind: .memoryRead, operation: "search", match: ["memory:team-shared/prefs"]),
            PolicyCheckFixture.node("memory_read.own", kind: .memoryRead, operation: "get", tenants: ["acme"], match: ["memory:acme-memory/prefs"]),
            PolicyCheckFixture.node("retrieval.unfiltered", kind: .retrieval, operation: "${tenant.vectorIndex}", match: ["vector:${tenant.vectorIndex}"]),
        ]
        let assessment = try assess(.crossTenantAccess, nodes)
        #expect(assessment.status == .open)
        #expect(open(assessment) == ["memory_read.shared memory:team-shared/prefs", "retrieval.unfiltered vector:${tenant.vectorIndex}"])
        #expect(assessment.mitigations.map(\.node) == ["memory_read.own", "memory_read.prefs"])
        // Scoped to one tenant, a shared namespace no longer spans tenants.
        #expect(try assess(.crossTenantAccess, nodes, scope: Threat.Scope(tenants: ["acme"])).status == .mitigated)
    }

    @Test func unauthorizedToolIsOpenWhileAFearedToolIsGranted() throws {
        let nodes = PolicyCheckFixture.clean + [PolicyCheckFixture.node("tool_call.crm.delete", operation: "crm.delete", tenants: [])]
        let scope = Threat.Scope(tools: ["crm.delete", "payments.*"])
        let withheld = try assess(.unauthorizedTool, nodes, scope: scope)
        #expect(withheld.status == .mitigated && withheld.nodesInScope == 1)
        let granted = try assess(.unauthorizedTool, nodes.map { var n = $0; n.tenants = ["acme"]; return n }, scope: scope)
        #expect(open(granted) == ["tool_call.crm.delete tool_call.crm.delete"])
        // Unscoped: every tool node names its operation, so default deny bounds the tools.
        let unscoped = try assess(.unauthorizedTool, PolicyCheckFixture.clean)
        #expect(unscoped.status == .mitigated && unscoped.mitigations.count == 2)
        #expect(try assess(.unauthorizedTool, [PolicyCheckFixture.node("x", operation: "payments.*")], scope: scope).status == .open)
    }

    @Test func poisoningWriteAndExfiltrationFollowExternalGrantsAndOrigins() throws {
        let send = PolicyCheckFixture.node("tool_call.email.send", operation: "email.send",
                                           arguments: [ArgumentConstraint(name: "to", origin: ["request"])],
                                           inputs: [InputGrant(from: "request", arguments: ["to"]), InputGrant(from: "retrieval.docs", arguments: ["body"])])
        let retrieval = PolicyCheckFixture.node("retrieval.docs", kind: .retrieval, operation: "${tenant.vectorIndex}", match: ["vector:${tenant.vectorIndex}#${tenant.vectorKey}"])
        for kind in [Threat.Kind.contextPoisoningWrite, .exfiltration] {
            let assessment = try assess(kind, [retrieval, send])
            #expect(open(assessment) == ["tool_call.email.send retrieval.docs -> tool_call.email.send.body"], "\(kind)")
        }
        // An origin that excludes the retrieval closes the path (the grant can no longer apply).
        var closed = send
        closed.allow.arguments! += [ArgumentConstraint(name: "body", origin: ["request"])]
        #expect(try assess(.contextPoisoningWrite, [retrieval, closed]).status == .mitigated)
        // A read is no write: nothing to poison.
        let read = try assess(.contextPoisoningWrite, [retrieval, PolicyCheckFixture.node("tool_call.crm.search", operation: "crm.search",
                                                                                             inputs: [InputGrant(from: "retrieval.docs", arguments: ["q"])])])
        #expect(read.status == .mitigated && read.mitigations.isEmpty)
    }

    @Test func poisonedEgressNeedsExplicitHostsAndNoExternalURL() throws {
        let search = PolicyCheckFixture.node("tool_call.crm.search", operation: "crm.search")
        let fetch = PolicyCheckFixture.node("tool_call.web.fetch", operation: "web.fetch", allow: ["egress:*"],
                                            inputs: [InputGrant(from: "tool_call.crm.search", arguments: ["url", "note"])])
        #expect(open(try assess(.contextPoisoningEgress, [search, fetch])) == [
            "tool_call.web.fetch egress:*", "tool_call.web.fetch tool_call.crm.search -> tool_call.web.fetch.url",
        ])
        var explicit = fetch
        explicit.allow.resources = ["egress:api.example.com:443"]
        explicit.inputs = [InputGrant(from: "request", arguments: ["url"])]
        let mitigated = try assess(.contextPoisoningEgress, [search, explicit])
        #expect(mitigated.status == .mitigated && mitigated.mitigations.map(\.node) == ["tool_call.web.fetch"])
    }

    @Test func runawayCostNeedsPerRunAndPerMinuteLimits() throws {
        let nodes = PolicyCheckFixture.clean + [PolicyCheckFixture.node("tool_call.crm.search", operation: "crm.search", limits: .init(perRun: 3))]
        let assessment = try assess(.runawayCost, nodes)
        #expect(assessment.openPaths.map(\.reason) == ["no limits.perMinute: unbounded steps per minute"])
        #expect(assessment.mitigations.count == 3)
    }

    // MARK: The sample fleet

    @Test func theSampleFleetPoliciesLeaveTheSeededIncidentPathsOpen() throws {
        let report = try PolicyCheckTests.sampleReport()
        let threats = Dictionary(uniqueKeysWithValues: try #require(report.threats).map { ($0.id, $0) })
        func paths(_ id: String) -> [String] { threats[id]!.openPaths.map { "\($0.workflow) \($0.path)" } }
        // T1: the one literal partition (acme's, seen in inc-003) is granted to acme and hooli.
        #expect(paths("T1") == ["crm-enrichment vector:${tenant.vectorIndex}#group_id=acme"])
        // T2: crm.delete is withheld from every tenant; tickets.escalate (inc-001) stays granted to hooli and umbrella.
        #expect(paths("T2") == ["support-ticket-summary tool_call.tickets.escalate"])
        #expect(threats["T2"]!.mitigations.map(\.node) == ["tool_call.crm.delete"])
        // T3: the fetched page into crm.update (inc-004) is granted.
        #expect(paths("T3").contains("crm-enrichment tool_call.web.fetch -> tool_call.crm.update.fields"))
        #expect(threats["T3"]!.mitigations.map(\.node).contains("memory_write.update_memory"))
        // T4: a CRM record can still choose the URL web.fetch calls; support's fetch of an outside host (inc-006) is withheld.
        #expect(paths("T4") == ["crm-enrichment tool_call.crm.search -> tool_call.web.fetch.url"])
        #expect(threats["T4"]!.mitigations.contains { $0.workflow == "support-ticket-summary" && $0.node == "tool_call.web.fetch" })
        // T5: a read e-mail can name the recipient of email.send.
        #expect(paths("T5").contains("inbox-triage tool_call.email.read -> tool_call.email.send.to"))
        #expect(!paths("T5").contains { $0.contains("retrieval") })
        // T6: every granted node has both limits.
        #expect(threats["T6"]!.status == .mitigated && threats["T6"]!.openPaths.isEmpty)
        #expect(report.openThreats.map(\.id) == ["T1", "T2", "T3", "T4", "T5"])
    }
}
