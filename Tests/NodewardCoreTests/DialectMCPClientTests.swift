import Foundation
import Testing
@testable import NodewardCore

/// MCP client configs as a legacy dialect: `mcpServers` (Claude Desktop, `.mcp.json`, Cursor), the Agents
/// SDK static tool filter, the Responses API MCP tool (Fixtures/dialects/mcp-client).
@Suite struct DialectMCPClientTests {
    typealias F = DialectFixtures

    static func fleet() throws -> SandboxReadResult {
        let read = try F.read("mcp-client")
        #expect(read.errors.isEmpty, "\(read.errors)")
        return read
    }

    static let goldenSteps: [(tenant: String, tool: String, effect: Effect, rule: String)] = [
        ("initech", "mcp__filesystem__read_file", .allow, "mcp-client.mcpServers.filesystem"),
        ("initech", "mcp__github__create_issue", .allow, "mcp-client.mcpServers.github"),
        ("initech", "mcp__slack__post_message", .deny, "mcp-client.servers"),
        ("initech", "read_file", .unevaluable, "mcp-client.servers"),
        ("initech", "mcp__github", .unevaluable, "mcp-client.servers"),
        ("hooli", "mcp__filesystem__read_file", .allow, "mcp-client.mcpServers.filesystem"),
        ("hooli", "mcp__filesystem__write_file", .deny, "mcp-client.mcpServers.filesystem.blocked[0]"),
        ("hooli", "mcp__filesystem__delete_file", .deny, "mcp-client.mcpServers.filesystem.allowed"),
        ("hooli", "mcp__crm__delete_record", .deny, "mcp-client.mcpServers.crm.blocked[0]"),
        ("hooli", "mcp__crm__list_accounts", .allow, "mcp-client.mcpServers.crm"),
        ("umbrella", "mcp__deepwiki__ask_question", .allow, "mcp-client.tools[0]"),
        ("umbrella", "mcp__deepwiki__read_wiki_contents", .deny, "mcp-client.tools[0].allowed"),
        ("umbrella", "mcp__stripe__list_customers", .allow, "mcp-client.tools[1].require_approval.never"),
        ("umbrella", "mcp__stripe__create_refund", .deny, "mcp-client.tools[1].require_approval.always.ask"),
        ("umbrella", "mcp__stripe__get_balance", .deny, "mcp-client.tools[1].require_approval.ask"),
        ("umbrella", "mcp__shopify__search_catalog", .deny, "mcp-client.tools[2].require_approval.ask"),
        ("soylent", "mcp__linear__create_issue", .allow, "mcp-client.mcpServers.linear"),
    ]

    static func step(_ tenant: String, _ tool: String) -> Step { F.step(tool, tenant: tenant) }

    @Test func everyShapeDecidesAsItsClientDoes() throws {
        let read = try Self.fleet()
        #expect(read.sandboxes.map(\.tenantId) == ["hooli", "initech", "soylent", "umbrella"])
        var fleet = LegacyFleet(sandboxes: read.sandboxes)
        for (tenant, tool, effect, rule) in Self.goldenSteps {
            let decision = fleet.evaluate(Self.step(tenant, tool))
            #expect("\(decision.effect)|\(decision.rule)" == "\(effect)|\(tenant)/\(rule)", "\(tenant) \(tool)")
        }
    }

    @Test func approvalsAreAsks() throws {
        var fleet = LegacyFleet(sandboxes: try Self.fleet().sandboxes)
        let asks = Self.goldenSteps.filter { LegacyAsk.isAsk(fleet.evaluate(Self.step($0.tenant, $0.tool))) }.map(\.tool)
        #expect(asks == ["mcp__stripe__create_refund", "mcp__stripe__get_balance", "mcp__shopify__search_catalog"])
    }

    @Test func aPlainToolNameIsAttributedOnlyWhenOneServerListsIt() throws {
        let read = SandboxReader(dialects: DialectOptions(tenantFrom: .literal("t"))).parse(
            text: #"{"tools": [{"type": "mcp", "server_label": "wiki", "allowed_tools": ["ask"], "require_approval": "never"}]}"#, file: "responses.json")
        let sandbox = try #require(read.sandboxes.first, "\(read.diagnostics)")
        #expect(F.native(sandbox, F.step("ask", tenant: "t")).rule == "t/mcp-client.tools[0]")
        #expect(F.native(sandbox, F.step("Bash", tenant: "t")).effect == .deny)
    }

    @Test func theImportRoundTrips() throws {
        let read = try Self.fleet()
        for tenant in ["hooli", "initech", "soylent", "umbrella"] {
            let sandbox = try F.sandbox(tenant, in: read)
            let steps = Self.goldenSteps.filter { $0.tenant == tenant }.map { Self.step($0.tenant, $0.tool) }
            let agreed = try F.expectRoundTrip(sandbox, steps)
            // Plain names and server-only names are unevaluable natively and denied by the import.
            let unattributed = steps.filter { !$0.operation.hasPrefix("mcp__") || !$0.operation.dropFirst(5).contains("__") }.count
            #expect(agreed == steps.count - unattributed, "\(tenant)")
        }
    }

    @Test func aNodePolicyWiderThanTheClientConfigIsCaught() throws {
        let hooli = try F.sandbox("hooli", in: try Self.fleet())
        let (file, _) = try PolicyCheckFixture.file([
            PolicyCheckFixture.node("mcp__filesystem__write_file", tenants: ["hooli"]),
            PolicyCheckFixture.node("mcp__filesystem__read_file", tenants: ["hooli"]),
        ])
        let widenings = PolicyConfinementCheck.check(file, sandboxes: ["hooli": hooli])
        #expect(widenings.map(\.node) == ["mcp__filesystem__write_file"])
    }

    @Test func badInputNamesTheKeyPathAndNeverTheValue() throws {
        func errors(_ text: String) -> [String] {
            SandboxReader(dialects: DialectOptions(tenantFrom: .literal("t"))).parse(text: text, file: "mcp.json").errors.map(\.description)
        }
        #expect(errors(#"{"mcpServers": ["secret-server"]}"#) == [
            "mcp.json:1:16: error: mcpServers: expected a mapping, found a list [sandbox.type]",
        ])
        #expect(errors(#"{"tools": [{"type": "mcp", "server_url": "https://x"}]}"#) == [
            "mcp.json:1:12: error: tools[0].server_label: missing required field \"server_label\" [sandbox.missing-field]",
        ])
        let approval = errors(#"{"tools": [{"type": "mcp", "server_label": "s", "require_approval": "sometimes-secret"}]}"#)
        #expect(approval == ["mcp.json:1:69: error: tools[0].require_approval: expected always, never or {always, never} [sandbox.invalid-value]"])
        #expect(!approval.joined().contains("sometimes-secret"))
        #expect(errors(#"{"mcpServers": {"wiki": {}}, "tools": [{"type": "mcp", "server_label": "wiki"}]}"#) == [
            "mcp.json:1:40: error: tools[0]: the server is already configured at mcpServers.wiki [sandbox.duplicate-key]",
        ])
    }
}
