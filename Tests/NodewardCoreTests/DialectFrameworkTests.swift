import Foundation
import Testing
@testable import NodewardCore

/// The dialect layer: per-file detection, `--tenants` mixing dialects, forced dialects, tenant mapping,
/// the legacy fleet's lanes, bad input (Ingest/Dialects/, Legacy/LegacyLane.swift).
@Suite struct DialectFrameworkTests {
    typealias F = DialectFixtures

    @Test func aFolderMixesTenantAgentSandboxAndDialectFiles() throws {
        let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Samples/fleet/tenants/acme.yaml").path
        let read = SandboxReader().read(paths: [samples, try F.folder("claude-code/globex"), try F.folder("mcp-client/hooli")])
        // acme (TenantAgentSandbox), globex (Claude Code), hooli (MCP client).
        #expect(read.errors.isEmpty, "\(read.errors)")
        #expect(read.sandboxes.map { "\($0.tenantId):\($0.dialect?.dialect ?? "sandbox")" } == ["acme:sandbox", "globex:claude-code", "hooli:mcp-client"])
        var fleet = LegacyFleet(sandboxes: read.sandboxes)
        #expect(fleet.evaluators.keys.sorted() == ["acme"])
        #expect(fleet.ruleCatalog(of: "hooli")?.contains { $0.id == "hooli/mcp-client.servers" } == true)
        #expect(fleet.ruleCatalog(of: "nobody") == nil)
        #expect(fleet.evaluate(F.step("email.read", tenant: "acme")).rule == "acme/tools.allow[0]")
        #expect(fleet.evaluate(F.step("mcp__crm__list", tenant: "hooli")).rule == "hooli/mcp-client.mcpServers.crm")
        #expect(fleet.evaluate(F.step("x", tenant: "nobody")).rule == "fleet/unknown-tenant")
    }

    @Test func detectionIsByShapeAndAForcedDialectWins() throws {
        let both = #"{"mcpServers": {"github": {"command": "gh"}}, "permissions": {"allow": ["Read"]}}"#
        let auto = SandboxReader(dialects: DialectOptions(tenantFrom: .literal("t"))).parse(text: both, file: "odd.json")
        #expect(auto.sandboxes.first?.dialect?.dialect == "claude-code")
        let forced = SandboxReader(dialects: DialectOptions(tenantFrom: .literal("t"), forced: ["odd.json": "mcp-client"])).parse(text: both, file: "odd.json")
        #expect(forced.sandboxes.first?.dialect?.dialect == "mcp-client")
        let scoped = SandboxReader(dialects: DialectOptions(tenantFrom: .literal("t"), forced: ["*.json": "claude-code:managed"])).parse(text: both, file: "odd.json")
        #expect((scoped.sandboxes.first?.dialect?.policy as? ClaudeCodePolicy)?.files.map(\.scope) == [.managed])
        let unknown = SandboxReader(dialects: DialectOptions(forced: ["*": "nope"])).parse(text: both, file: "odd.json")
        #expect(unknown.errors.map(\.code) == [.dialectUnknownName])
        let nothing = SandboxReader().parse(text: #"{"model": "x"}"#, file: "t/other.json")
        #expect(nothing.errors.map(\.description) == [
            "t/other.json:1:1: error: neither a TenantAgentSandbox nor a known dialect (claude-code, mcp-client, agentgateway, litellm); force one with the workspace key `dialects:` [dialect.unrecognized]",
        ])
    }

    @Test func aStrayJSONFileInAFolderIsACountedSkip() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nodeward-dialects-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let stray = folder.appendingPathComponent("package.json")
        try Data(#"{"name": "x"}"#.utf8).write(to: stray)
        let found = SandboxReader().read(paths: [folder.path])
        #expect(found.errors.isEmpty)
        #expect(found.diagnostics.map { "\($0.severity) \($0.code)" } == ["warning dialect.unrecognized"])
        #expect(SandboxReader().read(paths: [stray.path]).errors.map(\.code) == [.dialectUnrecognized])
    }

    @Test func tenantsComeFromTheFileWhereTheFileSaysNone() {
        #expect(TenantFrom.auto.tenant(of: "fleet/acme/.claude/settings.local.json") == "acme")
        #expect(TenantFrom.auto.tenant(of: "fleet/soylent/.cursor/mcp.json") == "soylent")
        #expect(TenantFrom.auto.tenant(of: "fleet/teams/initech.json") == "initech")
        #expect(TenantFrom.stem.tenant(of: "fleet/acme/settings.json") == "settings")
        #expect(TenantFrom.folder.tenant(of: "fleet/acme/initech.json") == "acme")
        #expect(TenantFrom.literal("acme").tenant(of: "x/y.json") == "acme")
        #expect(TenantFrom(spec: "=globex") == .literal("globex"))
        #expect(TenantFrom(spec: "path") == nil)
        let none = SandboxReader().parse(text: #"{"permissions": {}}"#, file: "settings.json")
        #expect(none.errors.map(\.code) == [.dialectNoTenant])
    }

    @Test func oneTenantIsConfiguredInOneDialect() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nodeward-dialects-\(UUID().uuidString)/acme")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder.deletingLastPathComponent()) }
        try Data(#"{"permissions": {"allow": ["Read"]}}"#.utf8).write(to: folder.appendingPathComponent("settings.json"))
        try Data(#"{"mcpServers": {}}"#.utf8).write(to: folder.appendingPathComponent("mcp.json"))
        let read = SandboxReader().read(paths: [folder.path])
        #expect(read.sandboxes.map { $0.dialect?.dialect } == ["mcp-client"])
        #expect(read.errors.map(\.code) == [.dialectMixedTenant])
        #expect(read.errors.first?.location?.file.hasSuffix("acme/settings.json") == true)
    }

    @Test func theWorkspaceSetsTheTenantRuleAndForcedDialects() throws {
        let workspace = try Workspace.parse(
            text: "tenants: [tenants]\ntraces: [traces]\ntenantFrom: folder\ndialects: {\"tenants/org/*.json\": \"claude-code:managed\"}\nattributes: {claudeProjectRoot: /srv/app}\n",
            file: "nodeward.yaml", folder: "/w")
        #expect(workspace.dialectOptions == DialectOptions(tenantFrom: .folder, forced: ["tenants/org/*.json": "claude-code:managed"], projectRoot: "/srv/app"))
        #expect(throws: Diagnostic.self) { try Workspace.parse(text: "tenantFrom: everywhere\n", file: "nodeward.yaml", folder: "/w") }
        do {
            _ = try Workspace.parse(text: "dialects: {\"*.json\": nope}\n", file: "nodeward.yaml", folder: "/w")
            Issue.record("an unknown dialect was accepted")
        } catch {
            #expect(error.description == "nodeward.yaml:1:22: error: dialects.*.json: unknown dialect (known: tenant-agent-sandbox, claude-code, mcp-client, agentgateway, litellm) [workspace.invalid]")
        }
    }

    @Test func badClaudeCodeSettingsNameTheKeyPathAndNeverTheValue() throws {
        func errors(_ text: String) -> [String] {
            SandboxReader(dialects: DialectOptions(tenantFrom: .literal("t"))).parse(text: text, file: "settings.json").errors.map(\.description)
        }
        let rule = errors(#"{"permissions": {"allow": ["Bash(npm-secret"]}}"#)
        #expect(rule == ["settings.json:1:28: error: permissions.allow[0]: invalid permission rule: the specifier does not end with `)` [dialect.invalid-rule]"])
        #expect(!rule.joined().contains("npm-secret"))
        #expect(errors(#"{"permissions": {"deny": "Bash"}}"#) == ["settings.json:1:26: error: permissions.deny: expected a list, found a string of 4 characters [sandbox.type]"])
        #expect(errors("{\n  \"permissions\": {\"defaultMode\": \"yolo-secret\"}\n}") == [
            "settings.json:2:34: error: permissions.defaultMode: expected one of default, acceptEdits, plan, bypassPermissions, dontAsk; found a string of 11 characters [sandbox.invalid-value]",
        ])
        #expect(errors(#"{"deniedMcpServers": [{"serverName": "a", "serverUrl": "b"}]}"#) == [
            "settings.json:1:23: error: deniedMcpServers[0]: an entry has exactly one of serverName, serverCommand, serverUrl [sandbox.invalid-value]",
        ])
        #expect(errors(#"{"permissions": {"allow": ["mcp__"]}}"#).count == 1)
        #expect(errors(#"{"permissions": {"allow": ["Read(//a/../etc)"]}}"#).count == 1)
        let syntax = errors("{\"permissions\": {\"allow\": [\"Read\",]\n")
        #expect(syntax.count == 1 && syntax[0].hasPrefix("settings.json:"))
        #expect(errors(#"{"sandbox": {"enabled": "yes"}}"#) == ["settings.json:1:25: error: sandbox.enabled: expected true or false, found a string of 3 characters [sandbox.type]"])
    }

    @Test func theReaderKeepsTheSandboxLimits() {
        var limits = SandboxLimits()
        limits.maxFileBytes = 64
        let big = SandboxReader(limits: limits, dialects: DialectOptions(tenantFrom: .literal("t")))
            .parse(text: "{\"permissions\": {\"allow\": [" + String(repeating: "\"Read\", ", count: 20) + "\"Read\"]}}", file: "settings.json")
        #expect(big.errors.map(\.code) == [.fileTooLarge])
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        let nested = SandboxReader(dialects: DialectOptions(tenantFrom: .literal("t"))).parse(text: "{\"permissions\": " + deep + "}", file: "settings.json")
        #expect(nested.errors.count == 1)
    }
}
