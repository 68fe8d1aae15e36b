import Foundation
import NodewardCore

/// `nodeward generate --dialects …`: tenant i is configured in dialect i mod N, written from the same
/// `TenantSandbox` the simulation evaluates, so each config says what its sandbox says as far as the
/// dialect can (docs/sandbox-config.md, "Generated dialect fleets"). Claude Code, MCP client and LiteLLM
/// configs name MCP tools `mcp__<server>__<tool>`, so those tenants' tools are renamed that way everywhere (the
/// sandbox the simulation evaluates and the traces): `email.read` is `mcp__email__read`.
enum DialectConfigWriter {
    static let supported = [DialectName.tenantAgentSandbox, DialectName.claudeCode, DialectName.mcpClient, DialectName.agentGateway, DialectName.liteLLM]

    /// Whether the dialect needs MCP tool names.
    static func usesMCPNames(_ dialect: String) -> Bool {
        dialect == DialectName.claudeCode || dialect == DialectName.mcpClient || dialect == DialectName.liteLLM
    }

    /// `email.read` → `mcp__email__read`; a name without a dot is the server's every tool.
    static func mcpName(_ tool: String) -> String {
        guard let dot = tool.firstIndex(of: ".") else { return "mcp__\(tool)" }
        return "mcp__\(tool[..<dot])__\(tool[tool.index(after: dot)...])"
    }

    /// The sandbox with MCP tool names (rules and declared effects), for the simulation and the writers.
    static func withMCPNames(_ sandbox: TenantSandbox) -> TenantSandbox {
        var sandbox = sandbox
        func rename(_ rules: [ToolRule]) -> [ToolRule] {
            rules.map { rule in
                var renamed = rule
                if let glob = try? Glob(mcpName(rule.tool.pattern)) { renamed.tool = glob }
                return renamed
            }
        }
        sandbox.tools.allow = rename(sandbox.tools.allow)
        sandbox.tools.deny = rename(sandbox.tools.deny)
        sandbox.tools.ask = rename(sandbox.tools.ask)
        sandbox.tools.effects = Dictionary(sandbox.tools.effects.map { (mcpName($0.key), $0.value) }, uniquingKeysWith: { first, _ in first })
        return sandbox
    }

    /// The file (relative to the workspace) and its text.
    static func render(_ sandbox: TenantSandbox, dialect: String) -> (path: String, text: String) {
        switch dialect {
        case DialectName.claudeCode: return ("tenants/\(sandbox.tenantId)/.claude/settings.json", claudeCode(sandbox))
        case DialectName.mcpClient: return ("tenants/\(sandbox.tenantId)/.mcp.json", mcpClient(sandbox))
        case DialectName.agentGateway: return ("tenants/\(sandbox.tenantId)/config.yaml", agentGateway(sandbox))
        case DialectName.liteLLM: return ("tenants/\(sandbox.tenantId)/team.json", liteLLM(sandbox))
        default: return ("tenants/\(sandbox.tenantId).yaml", SandboxYAMLWriter.render(sandbox))
        }
    }

    static func quoted(_ text: String) -> String {
        var out = ""
        JSONValue.writeQuoted(text, into: &out)
        return out
    }

    /// Claude Code settings: allow rules as `mcp__server__tool` rules (argument conditions cannot be
    /// said for MCP tools, so those tools ask), deny and ask rules as such, egress hosts as
    /// `sandbox.network.allowedDomains`, the default as `defaultMode` (`dontAsk` denies the rest).
    static func claudeCode(_ sandbox: TenantSandbox) -> String {
        let tools = sandbox.tools
        let allow = tools.allow.filter { $0.args.isEmpty }.map(\.tool.pattern)
        let ask = tools.ask.map(\.tool.pattern) + tools.allow.filter { !$0.args.isEmpty }.map(\.tool.pattern)
        let deny = tools.deny.map(\.tool.pattern)
        let domains = sandbox.network.egressAllow.compactMap { $0.fqdn?.pattern }
        func list(_ items: [String]) -> String { "[" + items.map(quoted).joined(separator: ", ") + "]" }
        return """
            {
              "permissions": {
                "allow": \(list(allow)),
                "ask": \(list(ask)),
                "deny": \(list(deny)),
                "defaultMode": \(quoted(tools.defaultEffect == .allow ? "bypassPermissions" : "dontAsk"))
              },
              "sandbox": {"network": {"allowedDomains": \(list(domains))}}
            }

            """
    }

    /// A LiteLLM team export: servers and tool permissions from the MCP-named allow rules (a wildcard
    /// rule: every tool of the server; rules with argument conditions are left out, narrower), the
    /// vector index's collection as `vector_stores`, `limits` as `models`, `rpm_limit`, `tpm_limit`,
    /// `max_budget` + `budget_duration`. Deny rules inside an allowed server cannot be said.
    static func liteLLM(_ sandbox: TenantSandbox) -> String {
        var tools: [String: Set<String>] = [:]
        var open: Set<String> = []
        for rule in sandbox.tools.allow where rule.args.isEmpty {
            let pattern = rule.tool.pattern
            guard pattern.hasPrefix("mcp__") else { continue }
            let parts = pattern.dropFirst(5).components(separatedBy: "__")
            guard parts.count >= 2, let server = parts.first, !server.contains("*") else { continue }
            let tool = parts.dropFirst().joined(separator: "__")
            if tool.contains("*") || tool.contains("?") { open.insert(server) } else { tools[server, default: []].insert(tool) }
        }
        for server in open { tools[server] = nil }
        let servers = Set(tools.keys).union(open).sorted()
        func list(_ items: [String]) -> String { "[" + items.map(quoted).joined(separator: ", ") + "]" }
        let permissions = tools.keys.sorted().map { "\(quoted($0)): \(list((tools[$0] ?? []).sorted()))" }.joined(separator: ", ")
        var fields = [
            "  \"team_id\": \(quoted("team-" + sandbox.tenantId))",
            "  \"team_alias\": \(quoted(sandbox.tenantId))",
            "  \"models\": \(list(sandbox.limits.models?.map(\.pattern) ?? []))",
        ]
        if let rpm = sandbox.limits.requestsPerMinute { fields.append("  \"rpm_limit\": \(rpm)") }
        if let tpm = sandbox.limits.tokensPerMinute { fields.append("  \"tpm_limit\": \(tpm)") }
        if let budget = sandbox.limits.budget {
            fields.append("  \"max_budget\": \(budget.maxUsd)")
            fields.append("  \"budget_duration\": \(quoted(budget.period))")
        }
        let stores = list(sandbox.vectorIndex.map { [$0.collection] } ?? [])
        fields.append("  \"object_permission\": {\"mcp_servers\": \(list(servers)), \"mcp_tool_permissions\": {\(permissions)}, \"vector_stores\": \(stores)}")
        return "{\n" + fields.joined(separator: ",\n") + "\n}\n"
    }

    /// `.mcp.json`: one server per tool prefix; exact tools as `allowed_tool_names`, a wildcard rule as
    /// the server's every tool, deny rules as `blocked_tool_names`. Argument conditions cannot be said,
    /// so those tools are left out (narrower).
    static func mcpClient(_ sandbox: TenantSandbox) -> String {
        var allowed: [String: Set<String>] = [:]
        var open: Set<String> = []
        var blocked: [String: Set<String>] = [:]
        func split(_ pattern: String) -> (server: String, tool: String)? {
            guard pattern.hasPrefix("mcp__") else { return nil }
            let parts = pattern.dropFirst(5).components(separatedBy: "__")
            guard parts.count >= 2, let server = parts.first, !server.contains("*") else { return nil }
            return (server, parts.dropFirst().joined(separator: "__"))
        }
        for rule in sandbox.tools.allow where rule.args.isEmpty {
            guard let (server, tool) = split(rule.tool.pattern) else { continue }
            if tool.contains("*") || tool.contains("?") { open.insert(server) } else { allowed[server, default: []].insert(tool) }
        }
        for rule in sandbox.tools.deny {
            guard let (server, tool) = split(rule.tool.pattern), !tool.contains("*") else { continue }
            blocked[server, default: []].insert(tool)
        }
        let servers = Set(allowed.keys).union(open).sorted()
        var entries: [String] = []
        for server in servers {
            var filter: [String] = []
            if !open.contains(server) { filter.append("\"allowed_tool_names\": [" + (allowed[server] ?? []).sorted().map(quoted).joined(separator: ", ") + "]") }
            if let names = blocked[server], !names.isEmpty { filter.append("\"blocked_tool_names\": [" + names.sorted().map(quoted).joined(separator: ", ") + "]") }
            var fields = ["\"url\": \(quoted("https://mcp.\(sandbox.tenantId).example/\(server)"))"]
            if !filter.isEmpty { fields.append("\"tool_filter\": {" + filter.joined(separator: ", ") + "}") }
            entries.append("    \(quoted(server)): {" + fields.joined(separator: ", ") + "}")
        }
        return "{\n  \"mcpServers\": {\n" + entries.joined(separator: ",\n") + "\n  }\n}\n"
    }

    /// agentgateway: one route named after the tenant; the identity's issuer and audience as `jwtAuth`,
    /// allow rules as allow rules (tool and argument globs as `==`/`startsWith`/`endsWith`/`contains`),
    /// deny rules as `deny:` rules. A glob of another shape has no CEL counterpart here and is left out.
    static func agentGateway(_ sandbox: TenantSandbox) -> String {
        var lines = ["binds:", "- port: 3000", "  listeners:", "  - routes:", "    - name: \(quoted(sandbox.tenantId))", "      policies:"]
        if let issuer = sandbox.identity?.issuers.first {
            lines += ["        jwtAuth:", "          issuer: \(quoted(issuer.issuer))"]
            if let audience = issuer.audience { lines.append("          audiences: [\(quoted(audience))]") }
            lines += ["          jwks:", "            url: \(quoted(issuer.issuer + (issuer.issuer.hasSuffix("/") ? "" : "/") + ".well-known/jwks.json"))"]
        }
        var rules: [String] = []
        for (effect, list) in [("allow", sandbox.tools.allow), ("deny", sandbox.tools.deny)] {
            for rule in list {
                var conditions: [String] = []
                guard let tool = condition("mcp.tool.name", rule.tool.pattern) else { continue }
                conditions.append(tool)
                var expressible = true
                for (name, glob) in rule.args.sorted(by: { $0.key < $1.key }) {
                    guard let argument = condition("mcp.tool.arguments[\(quoted(name))]", glob.pattern) else { expressible = false; break }
                    conditions.append(argument)
                }
                guard expressible, !conditions.isEmpty else { continue }
                // YAML single quotes: the CEL string literals use double quotes, a `'` is doubled.
                let expression = conditions.joined(separator: " && ").replacingOccurrences(of: "'", with: "''")
                rules.append("          - \(effect): '\(expression)'")
            }
        }
        if !rules.isEmpty || sandbox.tools.defaultEffect == .deny {
            // No allow rule at all would make agentgateway allow every call: a default-deny sandbox
            // without allow rules keeps one that is never true.
            if !sandbox.tools.allow.contains(where: { condition("mcp.tool.name", $0.tool.pattern) != nil }), sandbox.tools.defaultEffect == .deny {
                rules.append("          - allow: 'false'")
            }
            lines += ["        mcpAuthorization:", "          rules:"] + rules
        }
        lines += ["      backends:", "      - mcp:", "          targets:", "          - name: tools",
                  "            mcp:", "              host: \(quoted("https://mcp.\(sandbox.tenantId).example/mcp"))"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// A glob as one CEL string condition: `x`, `x*`, `*x`, `*x*`, `*`; nil for any other shape.
    static func condition(_ subject: String, _ pattern: String) -> String? {
        if pattern == "*" { return "true" }
        let special: Set<Character> = ["*", "?", "[", "]", "\\"]
        let body = pattern.trimmingCharacters(in: CharacterSet(charactersIn: "*"))
        guard !body.isEmpty, !body.contains(where: special.contains) else { return nil }
        let literal = quoted(body)
        switch (pattern.hasPrefix("*"), pattern.hasSuffix("*")) {
        case (false, false): return "\(subject) == \(literal)"
        case (false, true): return "\(subject).startsWith(\(literal))"
        case (true, false): return "\(subject).endsWith(\(literal))"
        case (true, true): return "\(subject).contains(\(literal))"
        }
    }
}
