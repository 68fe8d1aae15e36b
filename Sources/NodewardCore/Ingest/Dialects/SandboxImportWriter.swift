/// Writes the equivalent TenantAgentSandbox YAML of a dialect tenant (`nodeward sandbox import`), each
/// imported rule followed by a comment naming its source (`file:line:col key.path`, native rule id).
/// Strings are written JSON-quoted, which YAML reads as double-quoted scalars.
public enum SandboxImportWriter {
    public static func yaml(for sandbox: TenantSandbox) -> String {
        var sources: [String: ImportedRuleSource] = [:]
        for source in sandbox.dialect?.sources ?? [] where sources[source.sandboxPath] == nil { sources[source.sandboxPath] = source }
        func comment(_ path: String) -> String {
            guard let source = sources[path] else { return "" }
            return "  # from \(source.location) \(source.keyPath) (\(source.rule))"
        }
        var out = ""
        if let origin = sandbox.dialect {
            out += "# Imported by `nodeward sandbox import` from \(origin.dialect): \(origin.files.joined(separator: ", "))\n"
            out += "# Decided natively by \(origin.dialect); this is the equivalent TenantAgentSandbox (docs/sandbox-config.md).\n"
            if !origin.unexpressible.isEmpty {
                out += "# \(origin.unexpressible.count) rule difference\(origin.unexpressible.count == 1 ? "" : "s") cannot be expressed here:\n"
                for rule in origin.unexpressible { out += "#   \(rule.location) \(rule.keyPath): \(rule.reason)\n" }
            }
        }
        out += "apiVersion: \(quoted(sandbox.apiVersion))\nkind: TenantAgentSandbox\nmetadata:\n  name: \(quoted(sandbox.name))\n"
        if !sandbox.labels.isEmpty {
            out += "  labels:\n"
            for (key, value) in sandbox.labels.sorted(by: { $0.key < $1.key }) { out += "    \(quoted(key)): \(quoted(value))\n" }
        }
        out += "spec:\n  tenant: {id: \(quoted(sandbox.tenantId))}\n"
        if let identity = sandbox.identity, !identity.issuers.isEmpty {
            out += "  identity:\(comment("identity"))\n    issuers:\n"
            for issuer in identity.issuers {
                var entry = "{issuer: \(quoted(issuer.issuer))"
                if let audience = issuer.audience { entry += ", audience: \(quoted(audience))" }
                if let claim = issuer.tenantClaim {
                    entry += ", tenantClaim: \(quoted(claim)), tenantClaimValues: [" + issuer.tenantClaimValues.map(quoted).joined(separator: ", ") + "]"
                }
                out += "      - \(entry)}\n"
            }
        }
        if let vector = sandbox.vectorIndex {
            out += "  vectorIndex: {collection: \(quoted(vector.collection)), isolation: \(vector.isolation.rawValue)}\(comment("vectorIndex"))\n"
        }
        out += "  tools:\n"
        out += "    default: \(sandbox.tools.defaultEffect.rawValue)\(comment("tools.default"))\n"
        for (name, rules) in [("allow", sandbox.tools.allow), ("deny", sandbox.tools.deny), ("ask", sandbox.tools.ask)] where !rules.isEmpty {
            out += "    \(name):\n"
            for rule in rules {
                var entry = "{tool: \(quoted(rule.tool.pattern))"
                if !rule.args.isEmpty {
                    entry += ", args: {" + rule.args.sorted { $0.key < $1.key }.map { "\(quoted($0.key)): \(quoted($0.value.pattern))" }.joined(separator: ", ") + "}"
                }
                out += "      - \(entry)}\(comment("tools.\(name)[\(rule.index)]"))\n"
            }
        }
        out += "  network:\n    egress:\n      default: \(sandbox.network.egressDefault.rawValue)\(comment("network.egress.default"))\n"
        if !sandbox.network.egressAllow.isEmpty {
            out += "      allow:\n"
            for rule in sandbox.network.egressAllow {
                out += "        - {fqdn: \(quoted(rule.fqdn?.pattern ?? ""))}\(comment("network.egress.allow[\(rule.index)]"))\n"
            }
        }
        let limits = sandbox.limits
        if limits.requestsPerMinute != nil || limits.tokensPerMinute != nil || limits.budget != nil || limits.models != nil {
            out += "  limits:\n"
            if let rpm = limits.requestsPerMinute { out += "    requestsPerMinute: \(rpm)\(comment("limits.requestsPerMinute"))\n" }
            if let tpm = limits.tokensPerMinute { out += "    tokensPerMinute: \(tpm)\(comment("limits.tokensPerMinute"))\n" }
            if let budget = limits.budget {
                out += "    budget: {maxUsd: \(budget.maxUsd), period: \(quoted(budget.period))}\(comment("limits.budget"))\n"
            }
            if let models = limits.models {
                out += "    models: [" + models.map { quoted($0.pattern) }.joined(separator: ", ") + "]\(comment("limits.models"))\n"
            }
        }
        return out
    }

    static func quoted(_ text: String) -> String {
        var out = ""
        JSONValue.writeQuoted(text, into: &out)
        return out
    }
}
