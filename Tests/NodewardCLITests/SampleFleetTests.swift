import Foundation
import Testing

/// End to end on the bundled sample fleet: the README's main command and its siblings, run as a user
/// would, asserting stdout, stderr and exit codes. The fleet's incidents are labelled in
/// Samples/fleet/labels/incidents.yaml; analysis must surface them without reading the labels.
@Suite(.serialized) struct SampleFleetTests {
    static let fleet = "Samples/fleet"

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func analyzeJSONReportsTheSeededRisksAndIncidents() async throws {
        let result = try await CLI.run(["analyze", Self.fleet, "--format", "json"])
        #expect(result.status == 0)
        #expect(result.stderr.contains("read 5 tenant sandboxes, 2,000 runs, 16,324 steps from 6 trace files"))
        let report = try Self.json(result.stdout)
        let risks = try #require(report["risks"] as? [[String: Any]]).compactMap { $0["id"] as? String }
        for expected in ["risk.default-allow:umbrella", "risk.wildcard-tool:hooli/tools.allow[0]",
                         "risk.shared-collection-payload:qdrant/shared-docs", "risk.shared-memory-namespace:agents-memory",
                         "risk.no-audit-sink:umbrella", "risk.identity-no-tenant-claim:umbrella"] {
            #expect(risks.contains(expected), "missing \(expected)")
        }
        let observations = try #require(report["observations"] as? [[String: Any]]).compactMap { $0["id"] as? String }
        #expect(observations.contains("access.cross-tenant:initech"))
        #expect(observations.contains("limits.rate-limited:globex"))
        #expect(observations.contains("flow.rare-external-to-write:inbox-triage/UmbrellaDocs->email.send.to"))
        let incidents = try #require(report["incidents"] as? [[String: Any]])
        func surfaced(_ kind: String) -> Bool {
            incidents.filter { $0["kind"] as? String == kind }.allSatisfy { !(($0["surfacedBy"] as? [String]) ?? []).isEmpty }
        }
        for kind in ["poisoned-retrieval-write", "cross-tenant-read", "rate-burst", "poisoned-tool-egress", "denied-tool", "unlisted-tool", "config-drift"] {
            #expect(surfaced(kind), "incident kind \(kind) not surfaced")
        }
        let fidelity = try #require(report["fidelity"] as? [String: Any])
        #expect(fidelity["recorded"] as? Int == 16_324)
        #expect(fidelity["disagreementsTotal"] as? Int == 5)
        let traces = try #require(report["traces"] as? [String: Any])
        #expect(traces["skippedTotal"] as? Int == 0)
    }

    @Test func inferIsDeterministicAndCompareSeesNoChange() async throws {
        let first = try CLI.temporaryDirectory(), second = try CLI.temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(at: first)
            try? FileManager.default.removeItem(at: second)
        }
        let one = try await CLI.run(["infer", Self.fleet, "--graphs", first.path, "--format", "mermaid"])
        #expect(one.status == 0)
        #expect(one.stdout.hasPrefix("%% crm-enrichment\nflowchart TD\n"))
        #expect(one.stderr.contains("held-out fitness"))
        let two = try await CLI.run(["infer", Self.fleet, "--graphs", second.path, "--format", "json", "--compare", first.path, "--fail-on-change"])
        #expect(two.status == 0)
        #expect(two.stdout.contains("\"workflows\" : [\n\n  ]") || two.stdout.contains("\"workflows\" : []"))
        for name in try FileManager.default.contentsOfDirectory(atPath: first.path) {
            let a = try Data(contentsOf: first.appendingPathComponent(name))
            let b = try Data(contentsOf: second.appendingPathComponent(name))
            #expect(a == b, "\(name) differs between two runs")
        }
        // A graph with one node fewer shows as a change, and the gate fails.
        let edited = first.appendingPathComponent("inbox-triage.yaml")
        let text = try String(contentsOf: edited, encoding: .utf8)
        try text.replacingOccurrences(of: "workflow: inbox-triage", with: "workflow: inbox-triage-old").write(to: edited, atomically: true, encoding: .utf8)
        let three = try await CLI.run(["infer", Self.fleet, "--no-write", "--compare", first.path, "--fail-on-change"])
        #expect(three.status == 1)
        #expect(three.stdout.contains("inbox-triage (new)"))
        #expect(three.stdout.contains("inbox-triage-old (vanished)"))
    }

    @Test func inferredGraphsFlagTheSeededIncidentsAsRare() async throws {
        let result = try await CLI.run(["infer", Self.fleet, "--no-write", "--format", "json"])
        #expect(result.status == 0)
        let graphs = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(graphs.compactMap { $0["workflow"] as? String } == ["crm-enrichment", "inbox-triage", "invoice-processing", "support-ticket-summary"])
        func graph(_ name: String) throws -> [String: Any] { try #require(graphs.first { $0["workflow"] as? String == name }) }
        for graph in graphs {
            let conformance = try #require(graph["conformance"] as? [String: Any])
            #expect((conformance["fitness"] as? Double ?? 0) > 0.95)
            #expect(conformance["method"] as? String == "kfold-5")
        }
        // The poisoned retrieval that drives an e-mail to an outside address: a rare external-to-write edge.
        let inboxEdges = try #require(try graph("inbox-triage")["dataEdges"] as? [[String: Any]])
        let poisoned = try #require(inboxEdges.first { $0["trust"] as? String == "retrieval" && $0["to"] as? String == "tool_call.email.send" && $0["argument"] as? String == "to" })
        #expect(poisoned["flags"] as? [String] == ["external-to-write", "low-support", "rare"])
        #expect((poisoned["sampleRuns"] as? [String])?.contains("umbrella/run-umbrella-00031") == true)
        // The cross-tenant read: a retrieval role on another tenant's partition, rare and kept.
        let crmNodes = try #require(try graph("crm-enrichment")["nodes"] as? [[String: Any]])
        let foreign = try #require(crmNodes.first { ($0["resources"] as? [String])?.contains("vector:${tenant.vectorIndex}#group_id=acme") == true })
        #expect((foreign["flags"] as? [String])?.contains("rare") == true)
        #expect(foreign["blocked"] as? Int == 2)
        // The same role in four tenants is one node: the CRM update with the tenant's scope.
        let update = try #require(crmNodes.first { $0["id"] as? String == "tool_call.crm.update" })
        #expect((update["evidence"] as? [String: Any])?["tenants"] as? [String] == ["acme", "hooli", "initech", "umbrella"])
    }

    /// The committed graphs are a byte-exact snapshot of inference on the sample; after an intended change
    /// to inference, re-record them with `swift run nodeward infer Samples/fleet`.
    @Test func committedSampleGraphsMatchAFreshInference() async throws {
        let fresh = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: fresh) }
        let result = try await CLI.run(["infer", Self.fleet, "--graphs", fresh.path, "--compare", "Samples/fleet/graphs", "--fail-on-change"])
        #expect(result.status == 0, "graphs changed; re-record with `swift run nodeward infer Samples/fleet`:\n\(result.stdout)")
        #expect(result.stdout.contains("No changes"))
        let committed = CLI.packageRoot.appendingPathComponent("Samples/fleet/graphs")
        let names = try FileManager.default.contentsOfDirectory(atPath: committed.path).sorted()
        #expect(names == (try FileManager.default.contentsOfDirectory(atPath: fresh.path).sorted()))
        for name in names {
            let same = try Data(contentsOf: committed.appendingPathComponent(name)) == Data(contentsOf: fresh.appendingPathComponent(name))
            #expect(same, "Samples/fleet/graphs/\(name) is stale; re-record with `swift run nodeward infer Samples/fleet`")
        }
    }

    @Test func policyGenerateWritesFilesThatCheckClean() async throws {
        let out = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let generated = try await CLI.run(["policy", "generate", Self.fleet, "--policies", out.path])
        #expect(generated.status == 0)
        #expect(generated.stdout.split(separator: "\n").map { String($0.split(separator: "/").last!) }
                == ["crm-enrichment.yaml", "inbox-triage.yaml", "invoice-processing.yaml", "support-ticket-summary.yaml"])
        let checked = try await CLI.run(["policy", "check", out.path])
        #expect(checked.status == 0)
        #expect(checked.stdout.hasPrefix("4 policy files, "))
        // A policy that names an unknown upstream node is rejected with its location.
        let file = out.appendingPathComponent("inbox-triage.yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
        try text.replacingOccurrences(of: "- from: tool_call.email.read", with: "- from: tool_call.email.reed").write(to: file, atomically: true, encoding: .utf8)
        let broken = try await CLI.run(["policy", "check", out.path])
        #expect(broken.status == 2)
        #expect(broken.stderr.contains("inbox-triage.yaml:"))
        #expect(broken.stderr.contains("[policy.unknown-node]"))
    }

    @Test func policyDiffGatesOnWidening() async throws {
        let balanced = try CLI.temporaryDirectory(), permissive = try CLI.temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(at: balanced)
            try? FileManager.default.removeItem(at: permissive)
        }
        let graphs = "Samples/fleet/graphs"
        #expect(try await CLI.run(["policy", "generate", Self.fleet, "--graphs", graphs, "--policies", balanced.path]).status == 0)
        #expect(try await CLI.run(["policy", "generate", Self.fleet, "--graphs", graphs, "--policies", permissive.path, "--strictness", "permissive"]).status == 0)
        let same = try await CLI.run(["policy", "diff", balanced.path, balanced.path, "--fail-on-widen"])
        #expect(same.status == 0)
        #expect(same.stdout.contains("No changes to any grant."))
        let wider = try await CLI.run(["policy", "diff", balanced.path, permissive.path, "--fail-on-widen", "--format", "markdown"])
        #expect(wider.status == 1)
        #expect(wider.stdout.contains("| widened |"))
        let narrower = try await CLI.run(["policy", "diff", permissive.path, balanced.path, "--fail-on-widen"])
        #expect(narrower.status == 0)
    }

    @Test func policyExplainShowsTheDecisionPathOfThePoisonedSend() async throws {
        let out = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        #expect(try await CLI.run(["policy", "generate", Self.fleet, "--graphs", "Samples/fleet/graphs", "--policies", out.path]).status == 0)
        let result = try await CLI.run(["policy", "explain", "tool_call.email.send", Self.fleet, "--policies", out.path,
                                        "--run", "run-umbrella-00031", "--step", "s7", "--format", "json"])
        #expect(result.status == 0)
        let explanation = try Self.json(result.stdout)
        #expect(explanation["workflow"] as? String == "inbox-triage")
        let step = try #require(explanation["step"] as? [String: Any])
        #expect(step["matchedNode"] as? String == "tool_call.email.send")
        #expect((step["provenance"] as? [String])?.contains("to <- s4 (retrieval.${tenant.vectorIndex})") == true)
        #expect((step["nodeDecision"] as? [String: Any])?["effect"] as? String == "deny")
        #expect((step["legacyDecision"] as? [String: Any])?["effect"] as? String == "allow")
        let unknown = try await CLI.run(["policy", "explain", "tool_call.nope", Self.fleet, "--policies", out.path])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no node tool_call.nope"))
    }
}
