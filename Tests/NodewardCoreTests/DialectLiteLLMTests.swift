import Foundation
import Testing
@testable import NodewardCore

/// LiteLLM proxy entities (team, key, organization exports) as a legacy dialect
/// (Fixtures/dialects/litellm): MCP servers and tool permissions, vector stores, models and limits.
@Suite struct DialectLiteLLMTests {
    typealias F = DialectFixtures

    static func fleet() throws -> SandboxReadResult {
        let read = try F.read("litellm")
        #expect(read.errors.isEmpty, "\(read.errors)")
        return read
    }

    static func vector(_ store: String, tenant: String) -> Step {
        F.step(store, tenant: tenant, kind: .retrieval, resources: [Resource(scheme: .vector, container: store)])
    }

    static let golden: [(step: Step, effect: Effect, rule: String)] = [
        (F.step("mcp__github__get_file_contents", tenant: "acme"), .allow, "litellm.key.object_permission.mcp_servers"),
        (F.step("github-search_code", tenant: "acme"), .allow, "litellm.key.object_permission.mcp_servers"),
        (F.step("mcp__github__delete_repo", tenant: "acme"), .deny, "litellm.team.object_permission.mcp_tool_permissions.github"),
        (F.step("mcp__crm__lookup", tenant: "acme"), .deny, "litellm.key.object_permission.mcp_servers"),
        (F.step("mcp__jira__create_issue", tenant: "acme"), .deny, "litellm.team.object_permission.mcp_servers"),
        (F.step("search_code", tenant: "acme"), .unevaluable, "litellm.mcp"),
        (vector("vs_acme_docs", tenant: "acme"), .allow, "litellm.team.object_permission.vector_stores"),
        (vector("vs_globex_docs", tenant: "acme"), .deny, "litellm.team.object_permission.vector_stores"),
        (F.step("gpt-4o", tenant: "acme", kind: .llm), .allow, "litellm.models"),
        (F.step("openai/gpt-4.1", tenant: "acme", kind: .llm), .deny, "litellm.team.models"),
        (F.step("claude-sonnet-4", tenant: "acme", kind: .llm), .deny, "litellm.organization.models"),
        (F.step("notes", tenant: "acme", kind: .memoryRead), .allow, "litellm.unmediated"),
        (F.step("mcp__github__get_file_contents", tenant: "globex"), .unevaluable, "litellm.team.object_permission.mcp_access_groups"),
        (vector("vs_anything", tenant: "globex"), .allow, "litellm.vector_stores"),
        (F.step("gpt-4o", tenant: "globex", kind: .llm), .allow, "litellm.models"),
    ]

    @Test func everyEntityMustAllowAsTheProxyDecides() throws {
        let read = try Self.fleet()
        #expect(read.sandboxes.map { "\($0.tenantId):\($0.dialect?.dialect ?? "")" } == ["acme:litellm", "globex:litellm"])
        let acme = try #require(read.sandboxes.first?.dialect?.policy as? LiteLLMPolicy)
        #expect(acme.entities.map(\.kind) == [.organization, .team, .key])
        var fleet = LegacyFleet(sandboxes: read.sandboxes)
        for (step, effect, rule) in Self.golden {
            let decision = fleet.evaluate(step)
            #expect("\(decision.effect)|\(decision.rule)" == "\(effect)|\(step.tenant)/\(rule)", "\(step.tenant) \(step.operation)")
        }
    }

    @Test func vectorStoresAndLimitsMapOntoTheSandbox() throws {
        let acme = try F.sandbox("acme", in: try Self.fleet())
        #expect(acme.vectorIndex?.collection == "vs_acme_docs")
        #expect(acme.limits.requestsPerMinute == 60)
        #expect(acme.limits.tokensPerMinute == 200_000)
        #expect(acme.limits.budget == BudgetConfig(maxUsd: 500, period: "30d"))
        #expect(acme.limits.models?.map(\.pattern) == ["gpt-4o"])
        #expect(acme.tools.allow.map(\.tool.pattern) == ["mcp__github__get_file_contents", "github-get_file_contents", "mcp__github__search_code", "github-search_code"])
        let reasons = acme.dialect?.unexpressible.map { "\($0.keyPath): \($0.reason)" } ?? []
        #expect(reasons.contains { $0.hasPrefix("max_budget: max_budget without budget_duration") })
        let globex = try F.sandbox("globex", in: try Self.fleet())
        let globexNotes = globex.dialect?.unexpressible.map(\.keyPath) ?? []
        for key in ["object_permission.mcp_access_groups", "object_permission.agents", "object_permission.blocked_tools", "object_permission.vector_stores"] {
            #expect(globexNotes.contains(key), "\(key) not reported")
        }
        #expect(ConfigRisks.findings(for: [globex]).contains { $0.code == "dialect.unexpressible" })
    }

    @Test func theImportRoundTrips() throws {
        let read = try Self.fleet()
        for tenant in ["acme", "globex"] {
            let steps = Self.golden.filter { $0.step.tenant == tenant }.map(\.step)
            let agreed = try F.expectRoundTrip(try F.sandbox(tenant, in: read), steps)
            #expect(agreed >= steps.count - 3, "\(tenant): \(agreed) of \(steps.count)")
        }
        let yaml = SandboxImportWriter.yaml(for: try F.sandbox("acme", in: read))
        #expect(yaml.contains("  vectorIndex: {collection: \"vs_acme_docs\", isolation: collection}  # from "))
        #expect(yaml.contains("    requestsPerMinute: 60  # from "))
    }

    @Test func aNodePolicyWiderThanTheProxyIsCaught() throws {
        let acme = try F.sandbox("acme", in: try Self.fleet())
        let (file, _) = try PolicyCheckFixture.file([
            PolicyCheckFixture.node("mcp__crm__lookup", tenants: ["acme"]),
            PolicyCheckFixture.node("mcp__github__search_code", tenants: ["acme"]),
        ])
        let widenings = PolicyConfinementCheck.check(file, sandboxes: ["acme": acme])
        #expect(widenings.map(\.node) == ["mcp__crm__lookup"])
    }

    @Test func badInputNamesTheKeyPathAndNeverTheValue() {
        func errors(_ text: String) -> [String] {
            SandboxReader(dialects: DialectOptions(tenantFrom: .literal("t"))).parse(text: text, file: "team.json").errors
                .map { "\($0.location?.line ?? 0):\($0.location?.column ?? 0) \($0.keyPath ?? "") \($0.code)" }
        }
        #expect(errors(#"{"team_id": "t", "rpm_limit": "sekrit-value"}"#) == ["1:31 rpm_limit sandbox.type"])
        #expect(errors("{\"team_id\": \"t\",\n \"object_permission\": []}") == ["2:23 object_permission sandbox.type"])
        #expect(errors(#"{"team_id": "t", "object_permission": {"mcp_tool_permissions": {"github": {"tools": 1}}}}"#)
                == ["1:75 object_permission.mcp_tool_permissions.github sandbox.type"])
        // Values the imported sandbox could not hold are errors here, not a sandbox that fails to read back.
        #expect(errors(#"{"team_id": "t", "max_budget": -5}"#) == ["1:32 max_budget sandbox.invalid-value"])
        #expect(errors(#"{"team_id": "t", "tpm_limit": 0}"#).map { $0.hasPrefix("1:31 tpm_limit ") } == [true])
        let messages = SandboxReader(dialects: DialectOptions(tenantFrom: .literal("t")))
            .parse(text: #"{"team_id": "t", "rpm_limit": "sekrit-value"}"#, file: "team.json").errors.map(\.description)
        #expect(!messages.joined().contains("sekrit"))
        // Two teams for one tenant: the second is reported, not merged.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nodeward-litellm-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try? Data(#"{"team_id": "a", "models": ["gpt-4o"]}"#.utf8).write(to: folder.appendingPathComponent("a.json"))
        try? Data(#"{"team_id": "b", "models": []}"#.utf8).write(to: folder.appendingPathComponent("b.json"))
        let twice = SandboxReader(dialects: DialectOptions(tenantFrom: .literal("t"))).read(paths: [folder.path])
        #expect(twice.sandboxes.first?.dialect?.unexpressible.contains { $0.reason.contains("a second team") } == true)
    }
}
