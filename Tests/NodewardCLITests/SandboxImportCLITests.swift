import Foundation
import Testing

/// `nodeward sandbox import` end to end on the dialect fixtures: one YAML per tenant with source
/// comments, unexpressible rules on stderr and in JSON, exit 1 when some exist, 0 when none, 2 on bad input.
@Suite struct SandboxImportCLITests {
    static let fixtures = CLI.packageRoot.appendingPathComponent("Tests/NodewardCoreTests/Fixtures/dialects")

    @Test func importsEveryTenantAndReportsWhatCannotBeExpressed() async throws {
        let out = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try await CLI.run(["sandbox", "import", Self.fixtures.appendingPathComponent("claude-code").path,
                                        Self.fixtures.appendingPathComponent("mcp-client/hooli").path, "--out", out.path, "--format", "json"])
        #expect(result.status == 1, "\(result.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let written = try #require(report["written"] as? [String]).map { ($0 as NSString).lastPathComponent }
        #expect(written == ["acme.yaml", "globex.yaml", "hooli.yaml"])
        let unexpressible = try #require(report["unexpressible"] as? [[String: Any]])
        #expect(unexpressible.contains { $0["keyPath"] as? String == "hooks" && $0["tenant"] as? String == "acme" })
        #expect(result.stderr.contains("user-settings.json:6:3: dialect.unexpressible [acme] hooks:"))
        let acme = try String(contentsOf: out.appendingPathComponent("acme.yaml"), encoding: .utf8)
        #expect(acme.contains("kind: TenantAgentSandbox"))
        #expect(acme.contains("# from \(Self.fixtures.path)/claude-code/acme/.claude/settings.json:4:7 permissions.allow[0] (acme/claude-code.project.permissions.allow[0])"))
    }

    @Test func aConfigWithNothingUnexpressibleExitsZero() async throws {
        let out = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let input = out.appendingPathComponent("initech.json")
        try Data(#"{"mcpServers": {}}"#.utf8).write(to: input)
        let result = try await CLI.run(["sandbox", "import", input.path, "--out", out.appendingPathComponent("out").path, "--tenant-from", "stem"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasSuffix("out/initech.yaml\n"))
        #expect(result.stderr.contains("1 tenant imported, 0 rule differences not expressible"))
        let empty = out.appendingPathComponent("empty.json")
        try Data(#"{"tools": []}"#.utf8).write(to: empty)
        let bad = try await CLI.run(["sandbox", "import", empty.path, "--out", out.appendingPathComponent("bad").path])
        #expect(bad.status == 2, "\(bad.stderr)")
        let usage = try await CLI.run(["sandbox", "import", input.path, "--out", out.path, "--dialect", "litellm"])
        #expect(usage.status == 64)
    }
}
