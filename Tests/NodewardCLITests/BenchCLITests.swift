import Foundation
import Testing

/// `nodeward bench` end to end on the sample fleet.
@Suite struct BenchCLITests {
    @Test func onAWorkspaceTheDefaultWorkloadsReadItsOwnTraces() async throws {
        let result = try await CLI.run(["bench", "Samples/fleet", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(rows.map { $0["workload"] as? String } == ["ingest", "infer"])
        // The sample fleet's 16,324 steps, not a million generated ones.
        #expect(rows.map { $0["steps"] as? Int } == [16_324, 16_324])
    }

    @Test func ingestAdaptersReadsEachAdaptersFixtureCopiedToTheSameNumberOfSteps() async throws {
        let result = try await CLI.run(["bench", "--workloads", "ingest-adapters", "--steps", "500", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(rows.map { $0["workload"] as? String } == [
            "ingest-chat-transcripts", "ingest-claude-code", "ingest-openai-agents", "ingest-openinference", "ingest-otel-genai",
        ])
        for row in rows {
            // Whole copies of the fixture: at least the steps asked for, less than one more copy (≤ 294 steps).
            let steps = try #require(row["steps"] as? Int)
            #expect(steps >= 500 && steps < 800, "\(row)")
            // Every copy is runs of its own, not one run growing.
            #expect((row["runs"] as? Int ?? 0) > 1 && (row["bytes"] as? Int ?? 0) > 0, "\(row)")
        }
        #expect(rows.first { $0["workload"] as? String == "ingest-claude-code" }?["runs"] as? Int == 125)
    }
}
