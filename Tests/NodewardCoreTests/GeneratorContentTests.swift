import Foundation
import NodewardCore
import NodewardSamples
import Testing
import Yams

@Suite struct GeneratorContentTests {
    @Test func runAndStepCountsMatchTheOptionsAndTheSummary() throws {
        let fleet = try GeneratorFixture.generate(FleetOptions(runs: 400))
        defer { try? FileManager.default.removeItem(at: fleet.root) }
        let runs = try GeneratorFixture.index(fleet.root)
        #expect(runs.count == 400)
        #expect(fleet.summary.runs == 400)
        #expect(runs.values.reduce(0) { $0 + $1.steps.count } == fleet.summary.steps)
        #expect(runs.values.allSatisfy { $0.workflow != nil && !$0.steps.isEmpty })
        // Runs are spread evenly over the five tenants, each running 2–4 workflows.
        let perTenant = Dictionary(grouping: runs.values, by: \.tenant)
        #expect(perTenant.keys.sorted() == ["acme", "globex", "hooli", "initech", "umbrella"])
        #expect(perTenant.values.allSatisfy { $0.count == 80 })
        for (tenant, tenantRuns) in perTenant {
            let workflows = Set(tenantRuns.compactMap(\.workflow))
            #expect((2...4).contains(workflows.count), "\(tenant) runs \(workflows.count) workflows")
        }
        // Step ids are unique within their run.
        #expect(runs.values.allSatisfy { Set($0.steps.map(\.id)).count == $0.steps.count })
    }

    @Test func blockedStepsAreRecordedAsDeniedWithoutResults() throws {
        let fleet = try GeneratorFixture.generate(FleetOptions(runs: 400))
        defer { try? FileManager.default.removeItem(at: fleet.root) }
        let steps = try GeneratorFixture.index(fleet.root).values.flatMap(\.steps)
        #expect(steps.allSatisfy { $0.effect == "allow" || $0.effect == "deny" }, "every step records a legacy decision")
        let blocked = steps.filter { !$0.executed }
        #expect(!blocked.isEmpty)
        #expect(blocked.allSatisfy { $0.effect == "deny" && !$0.hasResult })
        #expect(steps.filter { $0.effect == "deny" }.count == blocked.count)
    }

    @Test func everyIncidentPointsAtARunAndStepsInTheTraces() throws {
        let fleet = try GeneratorFixture.generate(FleetOptions(runs: 2000))
        defer { try? FileManager.default.removeItem(at: fleet.root) }
        let runs = try GeneratorFixture.index(fleet.root)
        let incidents = try loadIncidents(fleet.root)
        #expect(incidents.count == fleet.summary.incidents)
        let kinds = Set(incidents.compactMap { $0["kind"] as? String })
        #expect(kinds == ["poisoned-retrieval-write", "cross-tenant-read", "rate-burst", "injected-call", "poisoned-tool-egress",
                          "denied-tool", "unlisted-tool", "config-drift"])
        for incident in incidents {
            let id = incident["id"] as? String ?? "?"
            let runId = try #require(incident["run"] as? String, "\(id) has no run")
            let run = try #require(runs[runId], "\(id) names run \(runId), which is not in the traces")
            #expect(run.tenant == incident["tenant"] as? String)
            #expect(run.workflow == incident["workflow"] as? String)
            let listed = try #require(incident["steps"] as? [Any], "\(id) has no steps")
            let stepIds = listed.map { "\($0)" }
            #expect(!stepIds.isEmpty)
            let known = Set(run.steps.map(\.id))
            #expect(stepIds.allSatisfy(known.contains), "\(id) names steps missing from run \(runId)")
            #expect(["allow", "deny"].contains(incident["expectLegacy"] as? String ?? ""))
        }
        // The legacy evaluator recorded what each incident expects, except config drift, which records a
        // stale deny for steps the current config allows.
        #expect(fleet.summary.unexpectedLegacy == 0)
        let drift = incidents.filter { $0["kind"] as? String == "config-drift" }
        #expect(drift.allSatisfy { $0["recordedLegacy"] as? String == "deny" && $0["expectLegacy"] as? String == "allow" })
        let driftSteps = drift.flatMap { ($0["steps"] as? [Any]) ?? [] }.count
        #expect((4...6).contains(driftSteps))
        let burst = try #require(incidents.first { $0["kind"] as? String == "rate-burst" })
        let burstRun = try #require(runs[burst["run"] as? String ?? ""])
        #expect(burstRun.steps.filter { $0.effect == "deny" && $0.rule == "globex/limits.requestsPerMinute" }.count >= 50)
        let crossTenant = try #require(incidents.first { $0["kind"] as? String == "cross-tenant-read" })
        let crossSteps = try #require(runs[crossTenant["run"] as? String ?? ""]).steps
        let readId = "\(((crossTenant["steps"] as? [Any]) ?? []).first ?? "")"
        #expect(crossSteps.first { $0.id == readId }.map { !$0.executed && $0.effect == "deny" } == true)
    }

    @Test func stepsCarryPrincipalsAndEachTenantsRunsFollowOneAnother() throws {
        let fleet = try GeneratorFixture.generate(FleetOptions(runs: 300))
        defer { try? FileManager.default.removeItem(at: fleet.root) }
        let runs = try GeneratorFixture.index(fleet.root)
        let claims = ["acme": "org_id", "initech": "org_id", "globex": "tid", "hooli": "team_id"]
        for run in runs.values {
            for step in run.steps {
                #expect(step.issuer != nil, "a step of \(run.tenant) has no issuer")
                if let claim = claims[run.tenant] { #expect(step.claims[claim] != nil, "a step of \(run.tenant) lacks claim \(claim)") }
            }
            #expect(zip(run.steps, run.steps.dropFirst()).allSatisfy { $0.end <= $1.start }, "steps of a run overlap")
        }
        for (tenant, tenantRuns) in Dictionary(grouping: runs.values, by: \.tenant) {
            let spans = tenantRuns.map { (start: $0.steps.map(\.start).min() ?? "", end: $0.steps.map(\.end).max() ?? "") }.sorted { $0.start < $1.start }
            #expect(zip(spans, spans.dropFirst()).allSatisfy { $0.end <= $1.start }, "runs of \(tenant) overlap in time")
        }
    }

    @Test func injectedValuesFlowFromAResultIntoALaterArgument() throws {
        let fleet = try GeneratorFixture.generate(FleetOptions(runs: 2000))
        defer { try? FileManager.default.removeItem(at: fleet.root) }
        let runs = try GeneratorFixture.index(fleet.root)
        let outsiders = ["billing-desk@exfil-mail.net", "billing-desk@invoice-verify.io", "billing@acme-payments-desk.net",
                         "billing@secure-billing-update.com", "status-check.leakybucket.io"]
        var checked = 0
        for incident in try loadIncidents(fleet.root) where ["poisoned-retrieval-write", "injected-call", "poisoned-tool-egress"].contains(incident["kind"] as? String) {
            let run = try #require(runs[incident["run"] as? String ?? ""])
            let ids = ((incident["steps"] as? [Any]) ?? []).map { "\($0)" }
            let steps = ids.compactMap { id in run.steps.first { $0.id == id } }
            try #require(steps.count == 2)
            let source = steps[0], sink = steps[1]
            let value = try #require(outsiders.first { (source.result ?? "").contains($0) }, "the source step's result has no outside value")
            #expect((sink.arguments ?? "").contains(value), "the outside value does not reach the later argument")
            #expect(source.start < sink.start)
            #expect(sink.executed && sink.effect == "allow")
            checked += 1
        }
        #expect(checked == 6)
        // Outside values appear nowhere but in incident runs.
        let incidentRuns = Set(try loadIncidents(fleet.root).compactMap { $0["run"] as? String })
        for (id, run) in runs where !incidentRuns.contains(id) {
            #expect(!run.steps.contains { step in outsiders.contains { (step.result ?? "").contains($0) || (step.arguments ?? "").contains($0) } })
        }
    }

    @Test func formatsChooseTheFiles() throws {
        let jsonl = try GeneratorFixture.generate(FleetOptions(runs: 50, format: .jsonl))
        let otlp = try GeneratorFixture.generate(FleetOptions(runs: 50, format: .otlp))
        let mixed = try GeneratorFixture.generate(FleetOptions(runs: 50))
        defer { for root in [jsonl.root, otlp.root, mixed.root] { try? FileManager.default.removeItem(at: root) } }
        #expect(jsonl.summary.files.filter { $0.hasPrefix("traces/") }.allSatisfy { $0.hasSuffix(".steps.jsonl") })
        #expect(otlp.summary.files.filter { $0.hasPrefix("traces/") && !$0.hasSuffix("-export.json") }.allSatisfy { $0.hasSuffix(".otlp.jsonl") })
        #expect(mixed.summary.files.filter { $0.hasPrefix("traces/") } == [
            "traces/acme.otlp.jsonl", "traces/globex.steps.jsonl", "traces/hooli.otlp.jsonl", "traces/initech-export.json",
            "traces/initech.otlp.jsonl", "traces/umbrella.steps.jsonl",
        ])
        for fleet in [jsonl, otlp, mixed] { #expect(try GeneratorFixture.index(fleet.root).count == 50) }
        // The export is one document whose first line is not complete JSON; OTLP line files split traces.
        let export = try String(contentsOf: mixed.root.appendingPathComponent("traces/initech-export.json"), encoding: .utf8)
        let firstLine = String(export.prefix { $0 != "\n" })
        #expect(throws: JSONParseFailure.self) { try FoundationJSONParser().parse(ArraySlice(Array(firstLine.utf8))) }
        let workspace = try String(contentsOf: mixed.root.appendingPathComponent("nodeward.yaml"), encoding: .utf8)
        let parsed = try #require(try Yams.load(yaml: workspace) as? [String: Any])
        #expect(parsed["labels"] as? String == "labels/incidents.yaml")
        #expect((parsed["attributes"] as? [String: Any])?["legacyDecision"] as? String == "nodeward.legacy.decision")
    }

    @Test func stepModeStopsAtTheRequestedStepCountWithIncidents() throws {
        let fleet = try GeneratorFixture.generate(FleetOptions(runs: 1, seed: 3, stepLimit: 20_000))
        defer { try? FileManager.default.removeItem(at: fleet.root) }
        let runs = try GeneratorFixture.index(fleet.root)
        #expect(fleet.summary.steps == 20_000)
        #expect(runs.values.reduce(0) { $0 + $1.steps.count } == 20_000)
        #expect(runs.count == fleet.summary.runs)
        #expect(fleet.summary.runs > 1000)
        let incidents = try loadIncidents(fleet.root)
        #expect(incidents.count >= 10)
        for incident in incidents {
            let run = try #require(runs[incident["run"] as? String ?? ""])
            let known = Set(run.steps.map(\.id))
            #expect(((incident["steps"] as? [Any]) ?? []).allSatisfy { known.contains("\($0)") })
        }
    }

    private func loadIncidents(_ root: URL) throws -> [[String: Any]] {
        let text = try String(contentsOf: root.appendingPathComponent("labels/incidents.yaml"), encoding: .utf8)
        let document = try #require(try Yams.load(yaml: text) as? [String: Any])
        return try #require(document["incidents"] as? [[String: Any]])
    }
}
