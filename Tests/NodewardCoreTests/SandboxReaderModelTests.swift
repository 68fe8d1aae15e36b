import Foundation
import Testing
@testable import NodewardCore

@Suite struct SandboxReaderModelTests {
    private func parseOne(_ fixture: String, as file: String) throws -> (TenantSandbox, SandboxReadResult) {
        let result = SandboxReader().parse(text: try SandboxFixtures.text(fixture), file: file)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let sandbox = try #require(result.sandboxes.first)
        return (sandbox, result)
    }

    @Test func shortFormParsesIntoTheExactModel() throws {
        let (sandbox, result) = try parseOne("short-form.yaml", as: "acme.yaml")
        let at = { (line: Int, column: Int) in NodewardCore.SourceLocation(file: "acme.yaml", line: line, column: column) }
        #expect(result.sandboxes.count == 1)
        #expect(result.filesRead == 1)
        #expect(sandbox.name == "acme")
        #expect(sandbox.labels == ["tier": "enterprise"])
        #expect(sandbox.tenantId == "acme")
        #expect(sandbox.apiVersion == "agents.example.com/v1")
        #expect(sandbox.source == at(1, 1))
        #expect(sandbox.identity == IdentityConfig(issuers: [
            IssuerConfig(issuer: "https://auth.acme.example/", audience: "agents", tenantClaim: "org_id", tenantClaimValues: ["org_4f2a"]),
        ]))
        #expect(sandbox.runtime == RuntimeConfig(
            provider: "kubernetes", isolation: "gvisor", image: "registry.example/agent-runtime:1.4", namespace: nil,
            cpu: "2", memory: "4Gi"))
        #expect(sandbox.memory == MemoryConfig(namespace: "acme-memory"))
        #expect(sandbox.vectorIndex == VectorIndexConfig(
            backend: "qdrant", collection: "shared-docs", isolation: .payload, tenantKeyField: "group_id", tenantKeyValue: "acme"))
        let expectedTools = ToolsConfig(
            defaultEffect: .deny,
            allow: [
                ToolRule(tool: try Glob("email.read"), index: 0, source: at(13, 9)),
                ToolRule(tool: try Glob("email.send"), args: ["to": try Glob("*@acme.example")], index: 1, source: at(14, 9)),
                ToolRule(tool: try Glob("crm.*"), index: 2, source: at(15, 9)),
            ],
            deny: [ToolRule(tool: try Glob("crm.delete"), index: 0, source: at(16, 12))],
            ask: [],
            effects: ["email.send": .write, "crm.update": .write])
        #expect(sandbox.tools == expectedTools)
        #expect(sandbox.tools.allow.map(\.source) == expectedTools.allow.map(\.source))
        #expect(sandbox.tools.allow[1].args["to"]?.matches("bob@acme.example") == true)
        #expect(sandbox.dataStores == [
            DataStoreConfig(name: "crm", kind: "postgres", access: .readWrite, scopePrefix: "acme.", scopeDescription: "schema=acme", index: 0),
            DataStoreConfig(
                name: "artifacts", kind: "s3", access: .read, scopePrefix: "s3://agent-artifacts/tenants/acme/",
                scopeDescription: "prefix=s3://agent-artifacts/tenants/acme/", index: 1),
        ])
        #expect(sandbox.network == NetworkConfig(
            egressDefault: .deny,
            egressAllow: [
                EgressRule(fqdn: try Glob("api.openai.com"), ports: [443], index: 0),
                EgressRule(cidr: try SandboxFixtures.cidr("10.40.0.0/16"), index: 1),
            ],
            egressDeny: []))
        #expect(sandbox.limits == LimitsConfig(
            requestsPerMinute: 600, tokensPerMinute: 200_000, budget: BudgetConfig(maxUsd: 500, period: "30d"), models: nil))
        #expect(sandbox.audit == AuditConfig(
            sinkKind: "otlp", sinkEndpoint: "https://otel.example.com:4317", events: ["tool_call", "tool_denied", "data_access"]))
        #expect(sandbox.contextTagging == ContextTaggingConfig(scheme: "hmac-sha256", keyRef: "acme-context-key"))
    }

    @Test func proposalExampleParsesWithoutDiagnostics() throws {
        let result = SandboxReader().parse(text: try SandboxFixtures.text("proposal.yaml"), file: "proposal.yaml")
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map(\.description))")
        #expect(result.sandboxes.map(\.tenantId) == ["acme", "globex"])
        let acme = try #require(result.sandboxes.first)
        let globex = try #require(result.sandboxes.last)
        #expect(globex.source == NodewardCore.SourceLocation(file: "proposal.yaml", line: 82, column: 1))

        let issuer = try #require(acme.identity?.issuers.first)
        #expect(issuer == IssuerConfig(
            issuer: "https://acme.eu.auth0.com/", audience: "https://agents.example.com", tenantClaim: "org_id",
            tenantClaimValues: ["org_9f2Kx"]))
        #expect(acme.runtime == RuntimeConfig(
            provider: "agent-sandbox", isolation: "gvisor", image: "registry.example.com/agents/coder:1.8.2",
            namespace: "tenant-acme", cpu: "2", memory: "4Gi"))
        #expect(acme.memory == MemoryConfig(namespace: "acme"))

        // Explicit allow rules first, then the MCP server's allowed tools as `<server>.<tool>`.
        #expect(acme.tools.allow.map(\.tool.pattern) == [
            "Bash", "Read", "github.search_repositories", "github.get_file_contents", "github.create_pull_request",
        ])
        #expect(acme.tools.allow.map(\.index) == [0, 1, 2, 3, 4])
        #expect(acme.tools.allow[0].args == ["*": try Glob("npm run test *")])
        #expect(acme.tools.allow[2].source == NodewardCore.SourceLocation(file: "proposal.yaml", line: 48, column: 24))
        #expect(acme.tools.deny.map(\.tool.pattern) == ["Read", "Read", "Bash", "github.delete_repository"])
        #expect(acme.tools.deny.map { $0.args["*"]?.pattern } == ["./.env", "./secrets/**", "curl *", nil])
        #expect(acme.tools.ask.map(\.tool.pattern) == ["mcp__github__create_pull_request", "Bash"])
        #expect(acme.dataStores.map(\.scopePrefix) == ["acme.", "s3://agent-artifacts/tenants/acme/"])
        #expect(acme.dataStores.map(\.access) == [.read, .readWrite])
        #expect(acme.network.egressAllow.map(\.targetDescription) == ["api.openai.com", "*.github.com", "10.40.0.0/16"])
        #expect(acme.network.egressAllow.map(\.ports) == [[443], [443], [5432]])
        #expect(acme.network.egressDeny.map(\.targetDescription) == ["169.254.169.254/32"])
        #expect(acme.limits.models == [try Glob("gpt-4.1"), try Glob("claude-sonnet-4-5")])
        #expect(acme.audit?.events == ["tool_call", "tool_denied", "egress_denied", "data_access", "budget_exceeded"])

        #expect(globex.labels == ["tier": "starter"])
        #expect(globex.identity?.issuers.first?.tenantClaim == "tid")
        #expect(globex.runtime == RuntimeConfig(provider: "e2b", cpu: "2", memory: "2Gi"))
        #expect(globex.vectorIndex == VectorIndexConfig(
            backend: "pinecone", collection: "analyst-rag", isolation: .namespace, tenantKeyField: "namespace", tenantKeyValue: "globex"))
        #expect(globex.tools.allow.map(\.tool.pattern) == ["run_python", "read_csv"])
        #expect(globex.tools.deny.map(\.tool.pattern) == ["shell"])
        #expect(globex.limits == LimitsConfig(requestsPerMinute: 60, tokensPerMinute: 40_000, budget: BudgetConfig(maxUsd: 25, period: "30d")))
        #expect(globex.audit == AuditConfig(
            sinkKind: "http", sinkEndpoint: "https://audit.example.com/ingest",
            events: ["tool_call", "tool_denied", "egress_denied", "budget_exceeded"]))
    }

    @Test func shorthandFormsNormalize() throws {
        let text = """
            apiVersion: agents.example.com/v1
            kind: TenantAgentSandbox
            spec:
              tenant: {id: shorty}
              identity:
                issuer: https://a.example/
                issuers: [{issuer: https://b.example/, tenantClaim: tid, tenantClaimValue: t1, tenantClaimValues: [t2]}]
              vectorIndex: {index: docs, isolation: collection}
              tools:
                allow: [email.read, {tool: email.send, args: "*@shorty.example"}]
              dataStores: [{name: t, kind: postgres, access: write, scope: {table: shorty.orders}}]
              network: {egress: {default: allow, deny: [{cidr: 10.0.0.1, ports: 22}]}}
            """
        let result = SandboxReader().parse(text: text, file: "shorty.yaml")
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map(\.description))")
        let sandbox = try #require(result.sandboxes.first)
        #expect(sandbox.name == "shorty", "metadata.name defaults to the tenant id")
        #expect(sandbox.identity?.issuers == [
            IssuerConfig(issuer: "https://a.example/"),
            IssuerConfig(issuer: "https://b.example/", tenantClaim: "tid", tenantClaimValues: ["t1", "t2"]),
        ])
        #expect(sandbox.vectorIndex == VectorIndexConfig(collection: "docs", isolation: .collection))
        #expect(sandbox.tools.allow.map(\.tool.pattern) == ["email.read", "email.send"])
        #expect(sandbox.tools.allow[1].args == ["*": try Glob("*@shorty.example")])
        #expect(sandbox.tools.allow[0].source == NodewardCore.SourceLocation(file: "shorty.yaml", line: 10, column: 13))
        #expect(sandbox.dataStores.first?.scopePrefix == "shorty.orders")
        #expect(sandbox.dataStores.first?.scopeDescription == "table=shorty.orders")
        #expect(sandbox.network.egressDefault == .allow)
        #expect(sandbox.network.egressDeny == [EgressRule(cidr: try SandboxFixtures.cidr("10.0.0.1"), ports: [22], index: 0)])
    }

    @Test func readFindsYAMLRecursivelySortedByPath() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sandbox-read-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let tenants = root.appendingPathComponent("tenants/nested")
        try FileManager.default.createDirectory(at: tenants, withIntermediateDirectories: true)
        let doc = { (id: String) in "apiVersion: agents.example.com/v1\nkind: TenantAgentSandbox\nspec:\n  tenant: {id: \(id)}\n" }
        try doc("zeta").write(to: root.appendingPathComponent("tenants/a.yaml"), atomically: true, encoding: .utf8)
        try doc("alpha").write(to: tenants.appendingPathComponent("b.yml"), atomically: true, encoding: .utf8)
        try doc("ignored").write(to: tenants.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let explicit = root.appendingPathComponent("explicit.conf")
        try doc("mid").write(to: explicit, atomically: true, encoding: .utf8)

        let folder = root.appendingPathComponent("tenants").path
        let missing = root.appendingPathComponent("nope").path
        let result = SandboxReader().read(paths: [folder, explicit.path, missing])
        #expect(result.filesRead == 3)
        #expect(result.sandboxes.map(\.tenantId) == ["alpha", "mid", "zeta"])
        #expect(result.sandboxes.map(\.source.file) == ["\(folder)/nested/b.yml", explicit.path, "\(folder)/a.yaml"])
        #expect(result.diagnostics.map(\.code) == [.fileUnreadable])
        #expect(result.diagnostics.first?.location?.file == missing)
        #expect(result.diagnostics.first?.message == "no such file or folder")
    }
}
