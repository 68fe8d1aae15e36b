import Testing
@testable import NodewardCore

/// agentgateway → TenantAgentSandbox: for rules that convert, the legacy evaluator on the converted
/// sandbox decides every step as the agentgateway policy does; rules that do not convert are listed with
/// their location, key path and reason.
@Suite struct AgentGatewayConversionTests {
    static func hooli(_ tool: String, _ arguments: [String: JSONValue] = [:], issuer: String = "idp.hooli.example") -> Step {
        AgentGatewayTests.step(
            tool, tenant: "hooli", arguments: arguments,
            principal: Principal(issuer: issuer, audience: "mcp.hooli.example", subject: "dev"))
    }

    @Test func convertibleRulesDecideTheSameUnderTheLegacyEvaluator() throws {
        let tenant = try AgentGatewayTests.tenant("convertible.yaml")
        let conversion = AgentGatewaySandboxConversion.convert(tenant)
        // Only the route-wide note on unmediated step kinds and the strict token check: every rule converted.
        #expect(conversion.unexpressible.map(\.rulePath) == ["policies.jwtAuth", "unmediated"], "\(conversion.unexpressible)")
        let sandbox = conversion.sandbox
        #expect(sandbox.tenantId == "hooli")
        #expect(sandbox.tools.defaultEffect == .deny)
        #expect(sandbox.identity?.issuers.first?.issuer == "idp.hooli.example")
        #expect(sandbox.tools.allow.map(\.tool.pattern) == ["search", "fetch", "list", "stat", "read_file", "get_*", "write_file", "ping"])
        #expect(sandbox.tools.allow[4].args["path"]?.pattern == "/data/hooli/*")
        #expect(sandbox.tools.deny.map(\.tool.pattern) == ["read_file"])
        #expect(sandbox.tools.deny[0].args["path"]?.pattern == "*secret*")
        #expect(sandbox.tools.allow[0].source?.line == 14)
        let policy = AgentGatewayPolicy(tenant: tenant)
        var legacy = LegacyEvaluator(sandbox: sandbox)
        let steps = [
            Self.hooli("search"), Self.hooli("fetch"), Self.hooli("list"), Self.hooli("stat"), Self.hooli("delete"),
            Self.hooli("read_file", ["path": .string("/data/hooli/a.txt")]),
            Self.hooli("read_file", ["path": .string("/data/hooli/secret/a.txt")]),
            Self.hooli("read_file", ["path": .string("/etc/passwd")]),
            Self.hooli("read_file"),
            Self.hooli("get_user"), Self.hooli("getuser"),
            Self.hooli("write_file", ["path": .string("notes.md"), "mode": .string("append")]),
            Self.hooli("write_file", ["path": .string("notes.md"), "mode": .string("truncate")]),
            Self.hooli("write_file", ["path": .string("notes.txt"), "mode": .string("append")]),
            Self.hooli("write_file", ["path": .string("notes.md")]),
            Self.hooli("ping"), Self.hooli("search", issuer: "idp.other.example"),
        ]
        var effects: [Effect: Int] = [:]
        for step in steps {
            let native = policy.decide(step)
            let imported = legacy.evaluate(step)
            #expect(native.effect == imported.effect, "\(step.operation) \(step.arguments): \(native) vs \(imported)")
            effects[native.effect, default: 0] += 1
        }
        // The steps exercise every effect.
        #expect(effects[.allow, default: 0] >= 5 && effects[.deny, default: 0] >= 5 && effects[.unevaluable, default: 0] >= 2)
    }

    @Test func targetScopedRulesConvertWithTargetPrefixes() throws {
        let tenant = try AgentGatewayTests.tenant("target-policies.yaml")
        let conversion = AgentGatewaySandboxConversion.convert(tenant)
        #expect(conversion.sandbox.tools.allow.map(\.tool.pattern) == ["wiki.*", "wiki_*", "billing.invoice_read", "billing_invoice_read"])
        #expect(conversion.sandbox.tools.deny.map(\.tool.pattern) == ["billing.refund*", "billing_refund*"])
        let policy = AgentGatewayPolicy(tenant: tenant)
        var legacy = LegacyEvaluator(sandbox: conversion.sandbox)
        for tool in ["wiki.page", "wiki_page", "billing.invoice_read", "billing_refund_all", "billing.refund", "billing.delete"] {
            let step = AgentGatewayTests.step(tool, tenant: "umbrella")
            #expect(policy.decide(step).effect == legacy.evaluate(step).effect, "\(tool)")
        }
    }

    @Test func unexpressibleRulesAreListedWithLocationAndReason() throws {
        let tenant = try AgentGatewayTests.tenant("rule-forms.yaml")
        let conversion = AgentGatewaySandboxConversion.convert(tenant)
        let rules = "binds[0].listeners[0].routes[0].policies.mcpAuthorization.rules"
        let listed = Dictionary(conversion.unexpressible.map { ($0.keyPath, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(listed["\(rules)[2]"]?.reason.contains("jwt") == true)
        #expect(listed["\(rules)[4].require"]?.reason.contains("require") == true)
        #expect(listed["\(rules)[5].allow"] != nil)
        #expect(listed["\(rules)[6].allow"]?.reason.contains("CEL subset") == true)
        #expect(listed["\(rules)[2]"]?.location.line == 14)
        #expect(listed["binds[0].listeners[0].routes[0].policies.extAuthz"] != nil)
        // The convertible rules are kept: read_file with a path glob, the listed tools, the deny.
        #expect(conversion.sandbox.tools.allow.map(\.tool.pattern) == ["read_file", "list_dir", "stat"])
        #expect(conversion.sandbox.tools.deny.first?.args["path"]?.pattern == "*.key")
        let claims = try AgentGatewayTests.tenant("multiplex.yaml", mapping: .fixed("initech"))
        let multiplexed = AgentGatewaySandboxConversion.convert(claims)
        #expect(multiplexed.sandbox.tools.allow.map(\.tool.pattern) == ["public.*", "public_*"])
        #expect(multiplexed.unexpressible.contains { $0.keyPath.hasSuffix("rules[1]") && $0.reason.contains("jwt") })
        #expect(multiplexed.unexpressible.contains { $0.keyPath.hasSuffix("mcpAuthentication.mode") })
    }

    /// `&&` over `||` converts through the disjunctive normal form: one sandbox entry per alternative.
    @Test func nestedAlternativesConvertToOneEntryEach() throws {
        let text = """
            routes:
            - name: dnf
              policies:
                mcpAuthorization:
                  rules:
                  - 'mcp.tool.name in ["read_file", "stat"] && (mcp.tool.arguments.path.startsWith("/a/") || mcp.tool.arguments.path.startsWith("/b/"))'
                  - deny: '(mcp.tool.name == "stat" || mcp.tool.name == "read_file") && mcp.tool.arguments.path.endsWith(".key")'
              backends:
              - mcp: {targets: [{name: s, mcp: {host: "http://h"}}]}
            """
        let config = try #require(AgentGatewayReader().parse(text: text, file: "dnf.yaml").config)
        let tenant = try #require(AgentGatewayTenantMapping.routeName.tenants(of: config).tenants.first)
        let conversion = AgentGatewaySandboxConversion.convert(tenant)
        let allowed = conversion.sandbox.tools.allow.map { "\($0.tool.pattern) \($0.args["path"]?.pattern ?? "")" }
        #expect(allowed == ["read_file /a/*", "stat /a/*", "read_file /b/*", "stat /b/*"])
        #expect(conversion.sandbox.tools.deny.map(\.tool.pattern) == ["stat", "read_file"])
        let policy = AgentGatewayPolicy(tenant: tenant)
        var legacy = LegacyEvaluator(sandbox: conversion.sandbox)
        for (tool, path) in [("read_file", "/a/x"), ("stat", "/b/y"), ("read_file", "/c/z"), ("stat", "/a/k.key"), ("list", "/a/x"), ("read_file", nil)] {
            let step = AgentGatewayTests.step(tool, tenant: "dnf", arguments: path.map { ["path": .string($0)] } ?? [:])
            #expect(policy.decide(step).effect == legacy.evaluate(step).effect, "\(tool) \(path ?? "-")")
        }
    }

    @Test func tenantClaimConditionsBecomeTheIdentityBinding() throws {
        let text = """
            binds:
            - port: 1
              listeners:
              - routes:
                - name: acme
                  policies:
                    jwtAuth: {issuer: idp.example, audiences: [mcp]}
                    mcpAuthorization:
                      rules:
                      - 'jwt.org == "acme" && mcp.tool.name == "search"'
                  backends:
                  - mcp: {targets: [{name: t, mcp: {host: "http://h"}}]}
            """
        let config = try #require(AgentGatewayReader().parse(text: text, file: "acme.yaml").config)
        let tenant = try #require(AgentGatewayTenantMapping.routeName.tenants(of: config).tenants.first)
        let withClaim = AgentGatewaySandboxConversion.convert(tenant, tenantClaim: "org")
        #expect(withClaim.sandbox.identity?.issuers.first?.tenantClaim == "org")
        #expect(withClaim.sandbox.identity?.issuers.first?.tenantClaimValues == ["acme"])
        #expect(withClaim.sandbox.tools.allow.map(\.tool.pattern) == ["search"])
        let without = AgentGatewaySandboxConversion.convert(tenant)
        #expect(without.sandbox.tools.allow.isEmpty)
        #expect(without.unexpressible.contains { $0.reason.contains("jwt.org") })
        // Two values of the tenant claim in one file: neither rule converts (one sandbox, one tenant).
        let twoOrgs = text.replacingOccurrences(
            of: "      - 'jwt.org == \"acme\" && mcp.tool.name == \"search\"'",
            with: "      - 'jwt.org == \"acme\" && mcp.tool.name == \"search\"'\n          - 'jwt.org == \"globex\" && mcp.tool.name == \"delete\"'")
        let twoConfig = try #require(AgentGatewayReader().parse(text: twoOrgs, file: "acme.yaml").config)
        let twoTenant = try #require(AgentGatewayTenantMapping.routeName.tenants(of: twoConfig).tenants.first)
        #expect(twoTenant.route.allRules.count == 2)
        let split = AgentGatewaySandboxConversion.convert(twoTenant, tenantClaim: "org")
        #expect(split.sandbox.tools.allow.isEmpty)
        #expect(split.sandbox.identity?.issuers.first?.tenantClaim == nil)
        #expect(split.unexpressible.filter { $0.reason.contains("several values") }.count == 2)
        let policy = AgentGatewayPolicy(tenant: tenant)
        var legacy = LegacyEvaluator(sandbox: withClaim.sandbox)
        for org in ["acme", "globex"] {
            let step = AgentGatewayTests.step("search", principal: Principal(issuer: "idp.example", audience: "mcp", subject: "u", claims: ["org": org]))
            #expect(policy.decide(step).effect == legacy.evaluate(step).effect, "\(org)")
        }
    }
}
