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
        let usage = try await CLI.run(["sandbox", "import", input.path, "--out", out.path, "--dialect", "nope"])
        #expect(usage.status == 64)
    }

    /// A workspace whose tenants are Claude Code settings and MCP client configs plans end to end: the
    /// legacy regime decides natively (Claude Code rule ids), asks get their own row, unexpressible rules
    /// are findings.
    @Test func aPlanRunsOnDialectTenants() async throws {
        let root = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let traces = CLI.packageRoot.appendingPathComponent("Tests/NodewardCoreTests/Fixtures/traces/claude-code/session.jsonl").path
        try Data("""
            version: 1
            tenants: [\(Self.fixtures.appendingPathComponent("claude-code").path), \(Self.fixtures.appendingPathComponent("mcp-client").path)]
            traces: [\(traces)]
            attributes: {claudeTenant: "=acme", claudeWorkflow: "=coding"}
            outputs: {reports: reports/, store: store.sqlite}

            """.utf8).write(to: root.appendingPathComponent("nodeward.yaml"))
        let plan = try await CLI.run(["plan", root.path, "--allow-outside-workspace"])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stderr.contains("read 6 tenant sandboxes, 1 runs, 4 steps"))
        let markdown = try String(contentsOf: root.appendingPathComponent("reports/plan.md"), encoding: .utf8)
        #expect(markdown.contains("| of which legacy asks | 0 | 0 | 0 | 0 | 1 | 0 | 1 |"))
        #expect(markdown.contains("`dialect.unexpressible:acme/claude-code."))
        let json = try String(contentsOf: root.appendingPathComponent("reports/plan.json"), encoding: .utf8)
        #expect(json.contains("claude-code hooks: hooks (PreToolUse and others) can change a decision at run time"))
        #expect(json.contains(#""rule" : "acme/claude-code.local.permissions.defaultMode.ask""#))
    }

    /// agentgateway through the framework: `sandbox import` writes the route's rules with their source, and
    /// a workspace whose tenant is an agentgateway route plans end to end with agentgateway rule ids.
    @Test func agentgatewayImportsAndPlans() async throws {
        let root = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let imported = try await CLI.run(["sandbox", "import", Self.fixtures.appendingPathComponent("agentgateway/convertible.yaml").path,
                                          "--out", root.appendingPathComponent("imported").path])
        #expect(imported.status == 1, "\(imported.stderr)")
        #expect(imported.stderr.contains("dialect.unexpressible [hooli] binds[0].listeners[0].routes[0]:"))
        let hooli = try String(contentsOf: root.appendingPathComponent("imported/hooli.yaml"), encoding: .utf8)
        #expect(hooli.contains("# Imported by `nodeward sandbox import` from agentgateway:"))
        #expect(hooli.contains("(hooli/agentgateway.policies.mcpAuthorization.rules[5])"))

        let tenants = root.appendingPathComponent("tenants/acme")
        try FileManager.default.createDirectory(at: tenants, withIntermediateDirectories: true)
        try Data("""
            mcp:
              policies:
                mcpAuthorization:
                  rules:
                  - 'mcp.tool.name in ["Bash", "mcp__github__get_file_contents"]'
              targets:
              - name: tools
                mcp: {host: http://localhost:3001/mcp}

            """.utf8).write(to: tenants.appendingPathComponent("config.yaml"))
        let traces = CLI.packageRoot.appendingPathComponent("Tests/NodewardCoreTests/Fixtures/traces/claude-code/session.jsonl").path
        try Data("""
            version: 1
            tenants: [tenants]
            traces: [\(traces)]
            attributes: {claudeTenant: "=acme", claudeWorkflow: "=coding"}
            outputs: {reports: reports/, store: store.sqlite}

            """.utf8).write(to: root.appendingPathComponent("nodeward.yaml"))
        let plan = try await CLI.run(["plan", root.path, "--allow-outside-workspace"])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stderr.contains("read 1 tenant sandboxes, 1 runs, 4 steps"), "\(plan.stderr)")
        let json = try String(contentsOf: root.appendingPathComponent("reports/plan.json"), encoding: .utf8)
        // Bash and the MCP call are allowed by the one rule (exercised, so no unused grant), Edit is denied.
        #expect(json.contains(#""agreeDeny" : 1"#) && json.contains(#""widened" : 0"#))
        #expect(json.contains(#""id" : "legacy.denied:acme/agentgateway.mcpAuthorization.default""#))
        #expect(!json.contains(#""rule" : "acme/agentgateway.mcpAuthorization""#), "a grant the route cannot use is listed as unused")
        let markdown = try String(contentsOf: root.appendingPathComponent("reports/plan.md"), encoding: .utf8)
        #expect(markdown.contains("`dialect.unexpressible:acme/agentgateway.unmediated"), "\(markdown)")
        #expect(json.contains("agentgateway does not mediate memory"))
    }
}
