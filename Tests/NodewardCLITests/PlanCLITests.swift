import Foundation
import Testing

/// `nodeward plan` and `nodeward report` on the sample fleet: outputs, gate exit codes, snapshots, and
/// the PR-comment size limit on a large generated fleet.
@Suite struct PlanCLITests {
    static let fleet = "Samples/fleet"
    static let snapshots = CLI.packageRoot.appendingPathComponent("Tests/NodewardCLITests/Snapshots")

    static func plan(_ extra: [String]) async throws -> (CLIResult, URL) {
        let out = try CLI.temporaryDirectory()
        let result = try await CLI.run(["plan", fleet, "--out", out.path, "--no-store"] + extra)
        return (result, out)
    }

    static func text(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

    /// Compares with the committed snapshot; `NODEWARD_RECORD_SNAPSHOTS=1 swift test --filter PlanCLITests` re-records.
    static func expectSnapshot(_ actual: String, _ name: String) throws {
        let url = snapshots.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["NODEWARD_RECORD_SNAPSHOTS"] == "1" {
            try Data(actual.utf8).write(to: url)
            return
        }
        let expected = try text(url)
        #expect(actual == expected, "\(name) differs from its snapshot; re-record with NODEWARD_RECORD_SNAPSHOTS=1 if the change is intended")
    }

    @Test func planWritesEveryReportMatchesTheSnapshotsAndReportRendersTheSame() async throws {
        let (result, out) = try await Self.plan(["--format", "markdown"])
        defer { try? FileManager.default.removeItem(at: out) }
        #expect(result.status == 0, "\(result.stderr)")
        let written = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(written == ["graphs", "plan.html", "plan.json", "plan.md", "plan.sarif", "policies"])
        let markdown = try Self.text(out.appendingPathComponent("plan.md"))
        #expect(result.stdout == markdown)
        #expect(markdown.hasPrefix("# Nodeward plan: Samples/fleet\n\n**"))
        #expect(markdown.contains("No gate set (--fail-on)."))
        #expect(markdown.components(separatedBy: "```mermaid").count == 5)
        #expect(markdown.utf8.count < 65_536)
        #expect(result.stderr.contains("generated 4 policy files (balanced)"))
        try Self.expectSnapshot(markdown, "plan.md")
        let json = try Self.text(out.appendingPathComponent("plan.json"))
        try Self.expectSnapshot(json, "plan.json")

        // The poisoned send is a finding that points at its node's line in the generated policy file.
        let sarif = try #require(try JSONSerialization.jsonObject(with: Data(try Self.text(out.appendingPathComponent("plan.sarif")).utf8)) as? [String: Any])
        let results = try #require(((sarif["runs"] as? [[String: Any]])?.first?["results"]) as? [[String: Any]])
        let send = try #require(results.first { ($0["message"] as? [String: Any])?["text"].map { "\($0)".contains("inbox-triage / tool_call.email.send") } ?? false })
        let location = try #require(((send["locations"] as? [[String: Any]])?.first?["physicalLocation"]) as? [String: Any])
        let uri = try #require((location["artifactLocation"] as? [String: Any])?["uri"] as? String)
        let line = try #require((location["region"] as? [String: Any])?["startLine"] as? Int)
        // Generated policies outside the workspace are named relative to the reports folder.
        #expect(uri == "policies/inbox-triage.yaml")
        let policyLines = try Self.text(out.appendingPathComponent(uri)).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(policyLines[line - 1] == "- id: tool_call.email.send")

        // `report` renders the written plan.json into the same Markdown.
        let report = try await CLI.run(["report", "--from", out.appendingPathComponent("plan.json").path, "--format", "markdown"])
        #expect(report.status == 0)
        #expect(report.stdout == markdown)
        let missing = try await CLI.run(["report", "--from", out.appendingPathComponent("nope.json").path])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("run `nodeward plan` first"))
    }

    @Test func theGateFailsOnlyOnConditionsThatOccur() async throws {
        let (pass, out1) = try await Self.plan(["--fail-on", "unknown-step", "--format", "json"])
        defer { try? FileManager.default.removeItem(at: out1) }
        #expect(pass.status == 0, "\(pass.stderr)")
        let verdict = try #require((try JSONSerialization.jsonObject(with: Data(pass.stdout.utf8)) as? [String: Any])?["verdict"] as? [String: Any])
        #expect(verdict["status"] as? String == "pass")
        #expect(verdict["gate"] as? [String] == ["unknown-step"])

        let (fail, out2) = try await Self.plan(["--fail-on", "widened,risk", "--format", "text"])
        defer { try? FileManager.default.removeItem(at: out2) }
        #expect(fail.status == 1)
        #expect(fail.stderr.contains("Gate (widened, risk): FAIL on widened, risk."))
        // The failing plan still wrote its report, so CI can post it.
        #expect(FileManager.default.fileExists(atPath: out2.appendingPathComponent("plan.md").path))
        let check = try await CLI.run(["report", "--from", out2.appendingPathComponent("plan.json").path, "--check", "--format", "text"])
        #expect(check.status == 1)

        let usage = try await CLI.run(["plan", Self.fleet, "--fail-on", "widened,sideways"])
        #expect(usage.status == 64)
        #expect(usage.stderr.contains("unknown --fail-on condition sideways"))
        let bad = try await CLI.run(["plan", "/nonexistent/workspace"])
        #expect(bad.status == 2)
    }

    @Test func aBaselineWithNarrowerPoliciesGatesOnPolicyWidened() async throws {
        let baseline = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: baseline) }
        let strict = try await CLI.run(["policy", "generate", Self.fleet, "--strictness", "strict", "--policies", baseline.path])
        #expect(strict.status == 0, "\(strict.stderr)")
        let (result, out) = try await Self.plan(["--baseline", baseline.path, "--fail-on", "policy-widened", "--format", "markdown"])
        defer { try? FileManager.default.removeItem(at: out) }
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout.contains("## Policy changes against the baseline"))
        #expect(result.stdout.contains("| widened |"))
    }

    @Test func theMarkdownOfALargeFleetStaysUnderTheCommentLimit() async throws {
        let fleet = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: fleet) }
        let generated = try await CLI.run(["generate", "--out", fleet.path, "--runs", "3000", "--tenants", "400", "--format", "jsonl", "--force"])
        #expect(generated.status == 0, "\(generated.stderr)")
        let result = try await CLI.run(["plan", fleet.path, "--no-store", "--format", "markdown"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.utf8.count <= 60_000)
        #expect(result.stdout.contains("more tenants in plan.html and plan.json (the most disputed are shown)."))
        #expect(result.stdout.contains("## Top findings"))
        #expect(result.stdout.components(separatedBy: "```mermaid").count == 5, "the graphs fit once the tenant tables are cut")
    }
}
