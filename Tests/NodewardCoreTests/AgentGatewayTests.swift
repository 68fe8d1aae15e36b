import Foundation
import Testing
@testable import NodewardCore

/// The agentgateway dialect (issue 15, item 4): the reader on fixtures written from the public docs
/// (Fixtures/dialects/agentgateway/README.md), golden decisions on hand-built steps for every rule form,
/// bad input, unsupported CEL, and the conversion to a tenant sandbox.
@Suite struct AgentGatewayTests {
    static func fixture(_ name: String) throws -> String {
        let root = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return root.appendingPathComponent("dialects/agentgateway/\(name)").path
    }

    static func tenant(_ name: String, mapping: AgentGatewayTenantMapping = .routeName) throws -> AgentGatewayTenant {
        let result = AgentGatewayReader().read(file: try fixture(name))
        #expect(result.errors.isEmpty, "\(result.errors)")
        let config = try #require(result.config)
        let mapped = mapping.tenants(of: config)
        #expect(mapped.diagnostics.isEmpty)
        return try #require(mapped.tenants.first)
    }

    static func step(
        _ tool: String, tenant: String = "acme", arguments: [String: JSONValue] = [:], kind: StepKind = .toolCall,
        principal: Principal? = nil
    ) -> Step {
        Step(
            tenant: tenant, agent: "agent", workflow: "flow", runId: "r1", stepId: "s1", startNanos: 0, kind: kind,
            operation: tool, arguments: arguments, principal: principal, source: SourceLocation(file: "test", line: 1))
    }

    static func principal(_ subject: String = "someone", issuer: String = "idp.acme.example", audience: String = "mcp.acme.example",
                          claims: [String: String] = [:]) -> Principal {
        Principal(issuer: issuer, audience: audience, subject: subject, claims: claims)
    }

    @Test func readsRoutesJWTAuthAndRules() throws {
        let tenant = try Self.tenant("routes.yaml")
        #expect(tenant.tenantId == "acme")
        let route = tenant.route
        #expect(route.keyPath == "binds[0].listeners[0].routes[0]")
        #expect(route.jwtAuth?.issuer == "idp.acme.example")
        #expect(route.jwtAuth?.audiences == ["mcp.acme.example"])
        #expect(route.jwtAuth?.jwksSource == "file")
        #expect(route.jwtAuth?.mode == .strict)
        #expect(route.targets.map(\.name) == ["docs"])
        #expect(route.allRules.map(\.path) == (0..<3).map { "policies.mcpAuthorization.rules[\($0)]" })
        #expect(route.allRules.allSatisfy { $0.effect == .allow })
        #expect(route.allRules.first?.location.line == 18)
        #expect(route.allRules.first?.keyPath == "binds[0].listeners[0].routes[0].policies.mcpAuthorization.rules[0]")
    }

    @Test func goldenDecisionsOnPlainAllowRules() throws {
        let policy = AgentGatewayPolicy(tenant: try Self.tenant("routes.yaml"))
        func decide(_ tool: String, _ principal: Principal?, kind: StepKind = .toolCall) -> Decision {
            policy.decide(Self.step(tool, kind: kind, principal: principal))
        }
        let rule = { (index: Int) in "acme/agentgateway.policies.mcpAuthorization.rules[\(index)]" }
        #expect(decide("search", Self.principal()).effect == .allow)
        #expect(decide("search", Self.principal()).rule == rule(0))
        #expect(decide("export", Self.principal("analyst")).rule == rule(1))
        #expect(decide("export", Self.principal("intern")).effect == .deny)
        #expect(decide("export", Self.principal("intern")).rule == "acme/agentgateway.mcpAuthorization.default")
        #expect(decide("restart", Self.principal(claims: ["team.role": "ops"])).rule == rule(2))
        // A missing claim is a CEL error: the rule is false, as in agentgateway.
        #expect(decide("restart", Self.principal()).effect == .deny)
        #expect(decide("restart", Self.principal(claims: ["team.role": "dev"])).effect == .deny)
        #expect(decide("search", Self.principal(issuer: "idp.evil.example")).rule == "acme/agentgateway.policies.jwtAuth.issuer")
        #expect(decide("search", Self.principal(audience: "other")).rule == "acme/agentgateway.policies.jwtAuth.audiences")
        #expect(decide("search", nil).effect == .unevaluable)
        #expect(decide("search", nil).rule == "acme/agentgateway.policies.jwtAuth")
        #expect(decide("gpt-4o", Self.principal(), kind: .llm).effect == .allow)
        #expect(decide("gpt-4o", Self.principal(), kind: .llm).rule == "acme/agentgateway.unmediated")
        #expect(decide("search", Self.principal()).regime == .legacy)
        // Every decision names a rule of the catalog.
        let catalog = Set(policy.rules().map(\.id))
        for decision in [decide("search", Self.principal()), decide("export", Self.principal("intern")), decide("search", nil),
                         decide("search", Self.principal(issuer: "x")), decide("gpt-4o", nil, kind: .llm)] {
            #expect(catalog.contains(decision.rule), "\(decision.rule)")
        }
        #expect(policy.rules().map(\.id) == policy.rules().map(\.id).sorted())
    }

    @Test func goldenDecisionsOnRuleObjectsArgumentsAndUnsupportedCEL() throws {
        let result = AgentGatewayReader().read(file: try Self.fixture("rule-forms.yaml"))
        let unsupported = result.diagnostics.filter { $0.code == .unsupportedCEL }
        #expect(unsupported.count == 1)
        #expect(unsupported.first?.keyPath == "binds[0].listeners[0].routes[0].policies.mcpAuthorization.rules[6].allow")
        #expect(unsupported.first?.location?.line == 18)
        #expect(unsupported.first?.message.contains("macro `exists`") == true)
        #expect(result.diagnostics.contains { $0.code == .agentGatewayUnmodelled && $0.keyPath == "binds[0].listeners[0].routes[0].policies.extAuthz" })
        let tenant = try Self.tenant("rule-forms.yaml")
        #expect(tenant.route.allRules.map(\.effect) == [.allow, .allow, .allow, .deny, .require, .allow, .allow])
        let policy = AgentGatewayPolicy(tenant: tenant)
        let rule = { (index: Int) in "globex/agentgateway.policies.mcpAuthorization.rules[\(index)]" }
        func decide(_ tool: String, _ arguments: [String: JSONValue] = [:], claims: [String: String] = [:]) -> Decision {
            policy.decide(Self.step(tool, tenant: "globex", arguments: arguments, principal: Self.principal(claims: claims)))
        }
        let report = decide("read_file", ["path": .string("/data/globex/q3.txt")])
        #expect(report.effect == .allow)
        #expect(report.rule == rule(0))
        #expect(decide("read_file", ["path": .string("/data/globex/id.key")]).rule == rule(3))
        #expect(decide("read_file", ["path": .string("/data/globex/id.key")]).effect == .deny)
        // Neither the allow nor the deny rule can be decided without the argument.
        #expect(decide("read_file").effect == .unevaluable)
        #expect(decide("read_file").rule == rule(3))
        #expect(decide("read_file", ["path": .string("/data/globex/q3.txt")], claims: ["suspended": "yes"]).rule == rule(4))
        #expect(decide("stat").rule == rule(1))
        #expect(decide("get_user").rule == rule(2))
        #expect(decide("grep", ["pattern": .string("invoice")]).rule == rule(5))
        // Not allowed by the supported rules: the unsupported macro could allow it, so it is unevaluable,
        // never a silent allow or deny.
        let blocked = decide("grep", ["pattern": .string("in voice")])
        #expect(blocked.effect == .unevaluable)
        #expect(blocked.rule == rule(6))
        #expect(blocked.reason.contains("unsupported-cel"))
        #expect(decide("delete_all").effect == .unevaluable)
    }

    @Test func multiplexedTargetsAndOptionalAuthentication() throws {
        let tenant = try Self.tenant("multiplex.yaml", mapping: .fixed("initech"))
        #expect(tenant.route.keyPath == "mcp")
        #expect(tenant.route.jwtAuth?.mode == .optional)
        #expect(tenant.route.jwtAuth?.jwksSource == "url")
        let policy = AgentGatewayPolicy(tenant: tenant)
        let rule = { (index: Int) in "initech/agentgateway.policies.mcpAuthorization.rules[\(index)]" }
        let publicCall = policy.decide(Self.step("public.echo", tenant: "initech"))
        #expect(publicCall.effect == .allow)
        #expect(publicCall.rule == rule(0))
        #expect(policy.decide(Self.step("public_echo", tenant: "initech")).rule == rule(0))
        // Claims are strings in a Nodeward principal, so `"admin" in jwt.roles` is a CEL error: false.
        let admin = policy.decide(Self.step("admin_reset", tenant: "initech", principal: Principal(issuer: "https://login.initech.example", subject: "root", claims: ["roles": "admin"])))
        #expect(admin.effect == .deny)
        // No principal in optional mode: the jwt claims are not recorded, so the admin rule is unknown.
        #expect(policy.decide(Self.step("admin.reset", tenant: "initech")).effect == .unevaluable)
        // Without a target prefix the target of a multiplexed call is not recorded.
        #expect(policy.decide(Self.step("echo", tenant: "initech")).effect == .unevaluable)
        #expect(AgentGatewayTenantMapping.routeName.tenants(of: AgentGatewayConfig(file: "/x/multiplex.yaml", routes: [tenant.route])).tenants.first?.tenantId == "multiplex")
    }

    @Test func targetLevelRuleSets() throws {
        let tenant = try Self.tenant("target-policies.yaml")
        #expect(tenant.tenantId == "umbrella")
        let policy = AgentGatewayPolicy(tenant: tenant)
        let wiki = policy.decide(Self.step("wiki.page_read", tenant: "umbrella"))
        #expect(wiki.rule == "umbrella/agentgateway.backends[0].mcp.targets[0].policies.mcpAuthorization.rules[0]")
        #expect(wiki.effect == .allow)
        #expect(policy.decide(Self.step("billing.invoice_read", tenant: "umbrella")).effect == .allow)
        let refund = policy.decide(Self.step("billing.refund_all", tenant: "umbrella"))
        #expect(refund.effect == .deny)
        #expect(refund.rule == "umbrella/agentgateway.backends[0].mcp.targets[1].policies.mcpAuthorization.rules[1]")
        #expect(policy.decide(Self.step("billing.delete", tenant: "umbrella")).effect == .deny)
        #expect(policy.decide(Self.step("page_read", tenant: "umbrella")).rule == "umbrella/agentgateway.targets")
    }

    @Test func noRulesAndDenyOnlyRuleSetsAllow() throws {
        let text = """
            binds:
            - port: 1
              listeners:
              - routes:
                - name: open
                  backends:
                  - mcp: {targets: [{name: t, mcp: {host: "http://h"}}]}
                - name: denylist
                  policies:
                    mcpAuthorization:
                      rules:
                      - deny: 'mcp.tool.name == "drop"'
                  backends:
                  - mcp: {targets: [{name: t, mcp: {host: "http://h"}}]}
            """
        let result = AgentGatewayReader().parse(text: text, file: "inline.yaml")
        let config = try #require(result.config)
        let tenants = AgentGatewayTenantMapping.routeName.tenants(of: config).tenants
        #expect(tenants.map(\.tenantId) == ["open", "denylist"])
        let open = AgentGatewayPolicy(tenant: tenants[0]).decide(Self.step("anything", tenant: "open"))
        #expect(open.effect == .allow)
        #expect(open.rule == "open/agentgateway.mcpAuthorization")
        let denylist = AgentGatewayPolicy(tenant: tenants[1])
        #expect(denylist.decide(Self.step("drop", tenant: "denylist")).effect == .deny)
        #expect(denylist.decide(Self.step("keep", tenant: "denylist")).rule == "denylist/agentgateway.mcpAuthorization.denylist")
        #expect(AgentGatewayTenantMapping.fixed("one").tenants(of: config).diagnostics.first?.code == .agentGatewayTenant)
    }

    /// A route `jwtAuth` and a backend `mcpAuthentication` both apply.
    @Test func everyAuthenticationPolicyApplies() throws {
        let text = """
            routes:
            - name: twice
              policies:
                jwtAuth: {issuer: idp.one, audiences: [a]}
              backends:
              - mcp:
                  policies:
                    mcpAuthentication: {issuer: idp.one, audiences: [b]}
                  targets: [{name: s, mcp: {host: "http://h"}}]
            """
        let config = try #require(AgentGatewayReader().parse(text: text, file: "twice.yaml").config)
        let tenant = try #require(AgentGatewayTenantMapping.routeName.tenants(of: config).tenants.first)
        #expect(tenant.route.authentications.map(\.keyPath) == ["routes[0].policies.jwtAuth", "routes[0].backends[0].mcp.policies.mcpAuthentication"])
        let policy = AgentGatewayPolicy(tenant: tenant)
        let first = policy.decide(Self.step("echo", tenant: "twice", principal: Principal(issuer: "idp.one", audience: "a")))
        #expect(first.rule == "twice/agentgateway.backends[0].mcp.policies.mcpAuthentication.audiences")
        #expect(policy.decide(Self.step("echo", tenant: "twice", principal: Principal(issuer: "idp.one"))).effect == .allow)
        let conversion = AgentGatewaySandboxConversion.convert(tenant)
        #expect(conversion.unexpressible.contains { $0.keyPath.hasSuffix("mcpAuthentication") })
    }

    /// agentgateway's `eval_bool` reads an erroring rule as false: an erroring deny does not deny, an
    /// erroring require fails, an erroring allow does not allow.
    @Test func erroringRulesAreFalse() throws {
        func policy(_ rules: String) throws -> AgentGatewayPolicy {
            let text = """
                routes:
                - name: t
                  policies:
                    mcpAuthorization:
                      rules:
                \(rules)
                  backends:
                  - mcp: {targets: [{name: s, mcp: {host: "http://h"}}]}
                """
            let result = AgentGatewayReader().parse(text: text, file: "t.yaml")
            #expect(result.errors.isEmpty, "\(result.errors)")
            let config = try #require(result.config)
            let tenant = try #require(AgentGatewayTenantMapping.routeName.tenants(of: config).tenants.first)
            return AgentGatewayPolicy(tenant: tenant)
        }
        let step = Self.step("echo", tenant: "t", principal: Self.principal())
        let erroringDeny = try policy("      - deny: 'jwt.missing == \"x\"'\n      - 'true'")
        #expect(erroringDeny.decide(step).effect == .allow)
        #expect(erroringDeny.decide(step).rule == "t/agentgateway.policies.mcpAuthorization.rules[1]")
        let erroringRequire = try policy("      - require: 'jwt.missing == \"x\"'\n      - 'true'")
        #expect(erroringRequire.decide(step).effect == .deny)
        #expect(erroringRequire.decide(step).rule == "t/agentgateway.policies.mcpAuthorization.rules[0]")
        let erroringAllow = try policy("      - 'jwt.missing == \"x\"'")
        #expect(erroringAllow.decide(step).rule == "t/agentgateway.mcpAuthorization.default")
    }

    @Test func badInputIsReportedWithLocationAndKeyPath() throws {
        let result = AgentGatewayReader().read(file: try Self.fixture("bad/bad-rules.yaml"))
        let found = result.diagnostics.map { "\($0.code) \($0.location?.line ?? 0):\($0.location?.column ?? 0) \($0.keyPath ?? "")" }
        let rules = "binds[0].listeners[0].routes[0].policies.mcpAuthorization.rules"
        #expect(found.contains("agentgateway.cel 9:13 \(rules)[0]"), "\(found)")
        #expect(found.contains("sandbox.invalid-value 10:13 \(rules)[1]"), "\(found)")
        #expect(found.contains("sandbox.type 12:13 \(rules)[2]"), "\(found)")
        #expect(found.contains("sandbox.unknown-key 13:13 \(rules)[3].permit"), "\(found)")
        #expect(found.contains("sandbox.invalid-value 13:13 \(rules)[3]"), "\(found)")
        #expect(found.contains("sandbox.invalid-value 16:17 binds[0].listeners[0].routes[0].policies.jwtAuth.mode"), "\(found)")
        #expect(found.contains("sandbox.missing-field 20:13 binds[0].listeners[0].routes[0].backends[0].mcp.targets[0].name"), "\(found)")
        for diagnostic in result.diagnostics {
            #expect(!diagnostic.message.contains("mcp.tool.name"), "\(diagnostic)")
            #expect(!diagnostic.message.contains("sometimes"), "\(diagnostic)")
        }
        let notMapping = AgentGatewayReader().read(file: try Self.fixture("bad/not-a-mapping.yaml"))
        #expect(notMapping.errors.first?.code == .sandboxType)
        #expect(notMapping.errors.first?.location?.line == 1)
        let syntax = AgentGatewayReader().read(file: try Self.fixture("bad/syntax.yaml"))
        #expect(syntax.errors.first?.code == .yamlSyntax)
        #expect((syntax.errors.first?.location?.line ?? 0) >= 3)
        let noMCP = AgentGatewayReader().read(file: try Self.fixture("bad/no-mcp.yaml"))
        #expect(noMCP.diagnostics.map(\.code) == [.agentGatewayNoRoutes])
        for empty in ["", "# only a comment\n", "---\n"] {
            let read = AgentGatewayReader().parse(text: empty, file: "empty.yaml")
            #expect(!read.diagnostics.isEmpty, "an empty file was read silently")
            #expect(read.config?.routes.isEmpty ?? true)
        }
        let deep = String(repeating: "[", count: 10_000)
        #expect(AgentGatewayReader().parse(text: "binds: \(deep)", file: "deep.yaml").errors.first?.code == .yamlTooDeep)
        var small = SandboxLimits()
        small.maxFileBytes = 10
        #expect(AgentGatewayReader(limits: small).parse(text: "binds: []\n# padding", file: "big.yaml").errors.first?.code == .fileTooLarge)
    }
}

/// Byte-level mutations of every fixture (seeded SplitMix64): the reader, the tenant mapping, the policy
/// and the conversion never trap, and reading is deterministic.
@Suite struct AgentGatewayMutationTests {
    @Test func mutatedConfigsNeverTrapAndReadDeterministically() throws {
        let root = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent("dialects/agentgateway")
        let names = ["routes.yaml", "rule-forms.yaml", "multiplex.yaml", "target-policies.yaml", "convertible.yaml"]
        var random = SplitMix64(state: 0xA6_E417)
        let alphabet = Array("-:{}[]'\"# \n&*!|>aZ0.".utf8)
        var decided = 0
        for name in names {
            let original = Array(try String(contentsOf: root.appendingPathComponent(name), encoding: .utf8).utf8)
            for _ in 0..<150 {
                var bytes = original
                for _ in 0..<(1 + Int(random.next() % 4)) {
                    let position = Int(random.next() % UInt64(bytes.count))
                    switch random.next() % 3 {
                    case 0: bytes.remove(at: position)
                    case 1: bytes.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: position)
                    default: bytes[position] = alphabet[Int(random.next() % UInt64(alphabet.count))]
                    }
                }
                let text = String(decoding: bytes, as: UTF8.self)
                let first = AgentGatewayReader().parse(text: text, file: name)
                let second = AgentGatewayReader().parse(text: text, file: name)
                #expect(first.diagnostics == second.diagnostics)
                guard let config = first.config else { continue }
                for tenant in AgentGatewayTenantMapping.routeName.tenants(of: config).tenants {
                    let policy = AgentGatewayPolicy(tenant: tenant)
                    for tool in ["search", "read_file", "public.echo", "billing_refund", "x"] {
                        _ = policy.decide(AgentGatewayTests.step(tool, tenant: tenant.tenantId, arguments: ["path": .string("/data/a")],
                                                                 principal: AgentGatewayTests.principal()))
                        decided += 1
                    }
                    _ = AgentGatewaySandboxConversion.convert(tenant, tenantClaim: "org")
                }
            }
        }
        #expect(decided > 1000)
    }
}
