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
}
