import Foundation
import Testing

@Suite struct CLIUsageTests {
    @Test func missingInputsIsAUsageError() async throws {
        let result = try await CLI.run(["analyze"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("give a workspace folder, or both --tenants and --traces"))
        #expect(result.stdout.isEmpty)
    }

    @Test func missingWorkspaceIsBadInput() async throws {
        let result = try await CLI.run(["plan", "/nonexistent/workspace"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("error: workspace folder /nonexistent/workspace does not exist [workspace.missing]"))
    }

    @Test func brokenSandboxIsBadInputWithLocation() async throws {
        let folder = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try "apiVersion: agents.example.com/v1\nkind: TenantAgentSandbox\nmetadata: {name: acme}\nspec:\n  tenant: {id: acme}\n  limits: {requestsPerMinute: lots}\n"
            .write(to: folder.appendingPathComponent("acme.yaml"), atomically: true, encoding: .utf8)
        try "{\"tenant\":\"acme\",\"agent\":\"a\",\"run\":\"r1\",\"step\":\"s1\",\"time\":1,\"kind\":\"output\",\"operation\":\"o\"}\n"
            .write(to: folder.appendingPathComponent("steps.jsonl"), atomically: true, encoding: .utf8)
        let result = try await CLI.run(["analyze", "--tenants", folder.appendingPathComponent("acme.yaml").path,
                                        "--traces", folder.appendingPathComponent("steps.jsonl").path, "--format", "json"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("acme.yaml:6:31: error: spec.limits.requestsPerMinute: expected an integer, found a string of 4 characters [sandbox.type]"))
        #expect(result.stdout.contains("\"schemaVersion\" : 1"))
    }
}
