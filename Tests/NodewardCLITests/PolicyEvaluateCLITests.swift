import Foundation
import Testing

/// `nodeward policy generate --evaluate` on the sample fleet: a table on stdout, no policy files written.
@Suite(.serialized) struct PolicyEvaluateCLITests {
    static let fleet = "Samples/fleet"

    @Test func evaluateTimeSplitPrintsEveryStrictnessAsJSONAndWritesNoPolicies() async throws {
        let policies = CLI.packageRoot.appendingPathComponent("Samples/fleet/policies")
        let existed = FileManager.default.fileExists(atPath: policies.path)
        let result = try await CLI.run(["policy", "generate", Self.fleet, "--evaluate", "--split", "time", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("read 5 tenant sandboxes, 2,000 runs, 16,324 steps, 16 incident labels"))
        #expect(FileManager.default.fileExists(atPath: policies.path) == existed)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let runs = try #require(report["runs"] as? [String: Any])
        #expect(runs["attack"] as? Int == 9)
        #expect(runs["benign"] as? Int == 1_984)
        let rows = try #require(report["rows"] as? [[String: Any]])
        #expect(rows.compactMap { $0["strictness"] as? String } == ["permissive", "balanced", "strict"])
        #expect(rows.allSatisfy { $0["split"] as? String == "time" && $0["benignRuns"] as? Int == 400 && $0["attackRuns"] as? Int == 9 })
        // Permissive has no false denies on tomorrow's runs; strict pays for its extra rules.
        #expect(rows[0]["falseDenies"] as? Int == 0)
        #expect((rows[2]["falseDenies"] as? Int ?? 0) > 0)
    }

    @Test func evaluateOneStrictnessAsTextAndRejectsGraphs() async throws {
        let text = try await CLI.run(["policy", "generate", Self.fleet, "--evaluate", "--split", "time", "--strictness", "balanced"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("Policy generalization on held-out runs"))
        #expect(text.stdout.contains("time   balanced"))
        #expect(!text.stdout.contains("permissive  "))
        let usage = try await CLI.run(["policy", "generate", Self.fleet, "--evaluate", "--graphs", "Samples/fleet/graphs"])
        #expect(usage.status == 64)
        #expect(usage.stderr.contains("--evaluate infers graphs per fold"))
    }
}
