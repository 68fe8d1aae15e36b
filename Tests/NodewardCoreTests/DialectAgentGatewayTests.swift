import Foundation
import Testing
@testable import NodewardCore

/// agentgateway `config.yaml` as a dialect of the framework (Fixtures/dialects/agentgateway): detection
/// by shape, tenants through `tenantFrom:`, the native lane, the import round trip, unexpressible rules
/// as analyze findings, confinement against its grants.
@Suite struct DialectAgentGatewayTests {
    typealias F = DialectFixtures

    static func read(_ file: String, _ tenantFrom: TenantFrom = .auto) throws -> SandboxReadResult {
        SandboxReader(dialects: DialectOptions(tenantFrom: tenantFrom)).read(paths: [try F.folder("agentgateway/\(file)")])
    }

    static func hooli(_ tool: String, _ arguments: [String: JSONValue] = [:], issuer: String = "idp.hooli.example") -> Step {
        AgentGatewayTests.step(tool, tenant: "hooli", arguments: arguments,
                               principal: Principal(issuer: issuer, audience: "mcp.hooli.example", subject: "dev"))
    }

    /// Steps over convertible.yaml with the native decision and rule each must get.
    static let golden: [(step: Step, effect: Effect, rule: String)] = [
        (hooli("search"), .allow, "policies.mcpAuthorization.rules[0]"),
        (hooli("stat"), .allow, "policies.mcpAuthorization.rules[1]"),
        (hooli("delete"), .deny, "mcpAuthorization.default"),
        (hooli("read_file", ["path": .string("/data/hooli/a.txt")]), .allow, "policies.mcpAuthorization.rules[2]"),
        (hooli("read_file", ["path": .string("/data/hooli/secret/a.txt")]), .deny, "policies.mcpAuthorization.rules[5]"),
        (hooli("read_file"), .unevaluable, "policies.mcpAuthorization.rules[5]"),
        (hooli("get_user"), .allow, "policies.mcpAuthorization.rules[3]"),
        (hooli("write_file", ["path": .string("notes.md"), "mode": .string("append")]), .allow, "policies.mcpAuthorization.rules[4]"),
        (hooli("write_file", ["path": .string("notes.txt"), "mode": .string("append")]), .deny, "mcpAuthorization.default"),
        (hooli("ping"), .allow, "policies.mcpAuthorization.rules[6]"),
        (hooli("search", issuer: "idp.other.example"), .deny, "policies.jwtAuth.issuer"),
        (AgentGatewayTests.step("search", tenant: "hooli"), .unevaluable, "policies.jwtAuth"),
    ]

    @Test func detectedByShapeAndDecidedNatively() throws {
        let read = try Self.read("convertible.yaml")
        #expect(read.errors.isEmpty, "\(read.errors)")
        let sandbox = try F.sandbox("hooli", in: read)
        #expect(sandbox.dialect?.dialect == "agentgateway")
        #expect(sandbox.labels == ["nodeward.dev/dialect": "agentgateway"])
        var fleet = LegacyFleet(sandboxes: read.sandboxes)
        #expect(fleet.evaluators.isEmpty)
        for (step, effect, rule) in Self.golden {
            let decision = fleet.evaluate(step)
            #expect("\(decision.effect)|\(decision.rule)" == "\(effect)|hooli/agentgateway.\(rule)", "\(step.operation) \(step.arguments)")
        }
        #expect(fleet.evaluate(AgentGatewayTests.step("x", tenant: "hooli", kind: .memoryRead)).rule == "hooli/agentgateway.unmediated")
        let catalog = try #require(fleet.ruleCatalog(of: "hooli"))
        #expect(catalog.first { $0.id == "hooli/agentgateway.policies.mcpAuthorization.rules[0]" }?.kind == .grant)
        #expect(catalog.first { $0.id == "hooli/agentgateway.policies.mcpAuthorization.rules[5]" }?.kind == .restriction)
        #expect(catalog.first { $0.id == "hooli/agentgateway.unmediated" }?.kind == .implicit)
    }

    @Test func aTenantAgentSandboxYAMLIsNeverTakenForAgentgateway() throws {
        let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Samples/fleet/tenants").path
        let read = SandboxReader().read(paths: [samples])
        #expect(read.errors.isEmpty, "\(read.errors)")
        #expect(!read.sandboxes.isEmpty && read.sandboxes.allSatisfy { $0.dialect == nil })
        // A Kubernetes-style document with a `binds:`-like key stays a TenantAgentSandbox document (and
        // fails as one), and a TenantAgentSandbox that mentions `mcp:` in a label is still one.
        let kinded = SandboxReader().parse(text: "apiVersion: v1\nkind: Other\nbinds: []\n", file: "t/x.yaml")
        #expect(kinded.sandboxes.isEmpty, "\(kinded.diagnostics)")
        #expect(kinded.diagnostics.allSatisfy { !$0.code.rawValue.hasPrefix("agentgateway") }, "\(kinded.diagnostics)")
        let sandbox = """
            apiVersion: nodeward.dev/v1alpha1
            kind: TenantAgentSandbox
            metadata: {name: acme, labels: {mcp: "yes"}}
            spec:
              tenant: {id: acme}
              tools: {default: deny, allow: [{tool: search}]}

            """
        let parsed = SandboxReader().parse(text: sandbox, file: "t/acme.yaml")
        #expect(parsed.errors.isEmpty, "\(parsed.errors)")
        #expect(parsed.sandboxes.map { $0.dialect == nil } == [true])
        // A routes list without backends is no agentgateway config either.
        let plain = DialectFileParser(limits: .default, options: .default).classify(text: "routes: [{name: a}]\n", file: "t/r.yaml")
        guard case .tenantAgentSandbox = plain else { Issue.record("routes without backends taken for agentgateway"); return }
    }

    @Test func tenantsFollowTheWorkspaceRule() throws {
        // auto: a named route is its tenant; an unnamed one is the file's tenant (config.yaml → folder).
        #expect(try Self.read("routes.yaml").sandboxes.map(\.tenantId) == ["acme"])
        #expect(try Self.read("routes.yaml", .literal("initech")).sandboxes.map(\.tenantId) == ["initech"])
        let unnamed = "mcp:\n  targets:\n  - name: t\n    mcp: {host: http://localhost:1/mcp}\n"
        let auto = SandboxReader().parse(text: unnamed, file: "fleet/globex/config.yaml")
        #expect(auto.sandboxes.map(\.tenantId) == ["globex"], "\(auto.diagnostics)")
        let two = """
            binds:
            - port: 3000
              listeners:
              - routes:
                - name: acme
                  backends: [{mcp: {targets: [{name: a, mcp: {host: http://localhost:1/mcp}}]}}]
                - name: globex
                  backends: [{mcp: {targets: [{name: b, mcp: {host: http://localhost:2/mcp}}]}}]

            """
        let byName = SandboxReader(dialects: DialectOptions(tenantFrom: .routeName)).parse(text: two, file: "gw.yaml")
        #expect(byName.errors.isEmpty, "\(byName.errors)")
        #expect(byName.sandboxes.map(\.tenantId) == ["acme", "globex"])
        let fixed = SandboxReader(dialects: DialectOptions(tenantFrom: .literal("acme"))).parse(text: two, file: "gw.yaml")
        #expect(fixed.errors.map { "\($0.code) \($0.location?.line ?? 0) \($0.keyPath ?? "")" } == ["agentgateway.tenant 7 binds[0].listeners[0].routes[1]"])
        #expect(fixed.sandboxes.isEmpty)
        // Two files configuring one tenant: the first route (by path) decides, the other is reported.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nodeward-ag-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(unnamed.utf8).write(to: folder.appendingPathComponent("a.yaml"))
        try Data(unnamed.utf8).write(to: folder.appendingPathComponent("b.yaml"))
        let twice = SandboxReader(dialects: DialectOptions(tenantFrom: .literal("acme"))).read(paths: [folder.path])
        let origin = try #require(twice.sandboxes.first?.dialect)
        #expect(origin.unexpressible.contains { $0.location.file.hasSuffix("b.yaml") && $0.reason.contains("one tenant, one route") })
    }

    @Test func theImportRoundTrips() throws {
        let sandbox = try F.sandbox("hooli", in: try Self.read("convertible.yaml"))
        let steps = Self.golden.map(\.step)
        // The one step without a principal is unevaluable natively (strict jwtAuth) and reported.
        #expect(try F.expectRoundTrip(sandbox, steps) == steps.count - 1)
        let yaml = SandboxImportWriter.yaml(for: sandbox)
        #expect(yaml.contains("issuers:\n      - {issuer: \"idp.hooli.example\", audience: \"mcp.hooli.example\"}"))
        #expect(yaml.contains("convertible.yaml:14:13 binds[0].listeners[0].routes[0].policies.mcpAuthorization.rules[0] (hooli/agentgateway.policies.mcpAuthorization.rules[0])"))
        // Every rule form of rule-forms.yaml: each step agrees or the deciding rule was reported.
        let forms = try Self.read("rule-forms.yaml")
        for other in forms.sandboxes {
            let probes = ["read_file", "write_file", "delete", "search", "admin_reset"].map {
                AgentGatewayTests.step($0, tenant: other.tenantId, arguments: ["path": .string("/tmp/x")],
                                       principal: Principal(issuer: "https://idp.example", audience: "mcp", subject: "dev"))
            }
            _ = try F.expectRoundTrip(other, probes)
        }
    }

    @Test func unexpressibleRulesAreAnalyzeFindings() throws {
        let read = try Self.read("rule-forms.yaml")
        #expect(read.errors.isEmpty, "\(read.errors)")
        let findings = ConfigRisks.findings(for: read.sandboxes).filter { $0.code == "dialect.unexpressible" }
        #expect(!findings.isEmpty)
        let origin = try #require(read.sandboxes.first?.dialect)
        // Every rule of the file that did not convert is named by its native rule id.
        #expect(origin.unexpressible.allSatisfy { $0.rule.hasPrefix("\(origin.unexpressible[0].tenant)/agentgateway.") })
        #expect(origin.unexpressible.contains { $0.keyPath.hasSuffix("extAuthz") || $0.reason.contains("extAuthz") })
    }

    @Test func aNodePolicyWiderThanTheGatewayIsCaught() throws {
        let hooli = try F.sandbox("hooli", in: try Self.read("convertible.yaml"))
        let (file, _) = try PolicyCheckFixture.file([
            PolicyCheckFixture.node("delete", tenants: ["hooli"]),
            PolicyCheckFixture.node("search", tenants: ["hooli"]),
        ])
        let widenings = PolicyConfinementCheck.check(file, sandboxes: ["hooli": hooli])
        #expect(widenings.map(\.node) == ["delete"])
    }
}
