import Foundation
import Testing

/// `nodeward generate --dialects …`: tenants configured in a mix of dialects, and `nodeward plan` on the
/// generated workspace deciding each tenant natively (docs/sandbox-config.md, "Generated dialect fleets").
@Suite struct GenerateDialectsCLITests {
    @Test func aMixedDialectFleetPlansEndToEnd() async throws {
        let root = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("fleet")
        let generated = try await CLI.run(["generate", "--out", out.path, "--runs", "120",
                                           "--dialects", "claude-code,mcp-client,agentgateway,tenant-agent-sandbox,litellm"])
        #expect(generated.status == 0, "\(generated.stderr)")
        let configs = generated.stdout.split(separator: "\n").filter { $0.contains("/tenants/") }.map { String($0.dropFirst(out.path.count + 1)) }
        #expect(configs == ["tenants/acme/.claude/settings.json", "tenants/globex/config.yaml", "tenants/hooli/team.json",
                            "tenants/initech/.mcp.json", "tenants/umbrella.yaml"])
        // Claude Code and MCP client tenants name their tools the MCP way, in the config and the traces.
        let acme = try String(contentsOf: out.appendingPathComponent("tenants/acme/.claude/settings.json"), encoding: .utf8)
        #expect(acme.contains(#""deny": ["mcp__crm__delete"]"#))
        #expect(acme.contains(#""ask": ["mcp__email__send"]"#), "an allow rule with an argument condition asks")
        let globex = try String(contentsOf: out.appendingPathComponent("tenants/globex/config.yaml"), encoding: .utf8)
        #expect(globex.contains(#"- allow: 'mcp.tool.name == "email.send" && mcp.tool.arguments["to"].endsWith("@globex.example")'"#))

        let plan = try await CLI.run(["plan", out.path, "--format", "json"])
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(plan.stderr.contains("read 5 tenant sandboxes"), "\(plan.stderr)")
        let json = try String(contentsOf: out.appendingPathComponent(".nodeward/reports/plan.json"), encoding: .utf8)
        for rule in ["acme/claude-code.project.permissions.", "initech/mcp-client.mcpServers.", "globex/agentgateway.policies.mcpAuthorization.rules[", "hooli/litellm.team."] {
            #expect(json.contains(rule), "no decision by \(rule)")
        }
        #expect(plan.stderr.contains("0 widened"), "\(plan.stderr)")

        let unknown = try await CLI.run(["generate", "--out", root.appendingPathComponent("bad").path, "--dialects", "claude-code,nope"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("--dialects: unknown dialect"))
    }
}
