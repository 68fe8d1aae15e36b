import NodewardCore

/// Renders a `TenantSandbox` as `kind: TenantAgentSandbox` YAML (the short form of
/// /work/shared/reference/sandbox-configs.md section 8). The YAML is written from the same value the
/// simulation evaluates, so the config and the recorded legacy decisions cannot disagree by accident.
enum SandboxYAMLWriter {
    static func render(_ sandbox: TenantSandbox) -> String {
        var lines: [String] = []
        lines.append("apiVersion: \(scalar(sandbox.apiVersion))")
        lines.append("kind: TenantAgentSandbox")
        lines.append("metadata:")
        lines.append("  name: \(scalar(sandbox.name))")
        if !sandbox.labels.isEmpty { lines.append("  labels: \(flow(sandbox.labels.sorted { $0.key < $1.key }.map { ($0.key, scalar($0.value)) }))") }
        lines.append("spec:")
        lines.append("  tenant: {id: \(scalar(sandbox.tenantId))}")
        if let identity = sandbox.identity { lines += identityLines(identity) }
        if let runtime = sandbox.runtime { lines.append("  runtime: \(runtimeFlow(runtime))") }
        if let memory = sandbox.memory { lines.append("  memory: {namespace: \(scalar(memory.namespace))}") }
        if let vector = sandbox.vectorIndex { lines.append("  vectorIndex: \(vectorFlow(vector))") }
        lines += toolLines(sandbox.tools)
        if !sandbox.dataStores.isEmpty {
            lines.append("  dataStores:")
            for store in sandbox.dataStores.sorted(by: { $0.index < $1.index }) { lines.append("    - \(storeFlow(store))") }
        }
        lines += networkLines(sandbox.network)
        lines += limitLines(sandbox.limits)
        if let audit = sandbox.audit {
            var fields: [(String, String)] = []
            var sink: [(String, String)] = []
            if let kind = audit.sinkKind { sink.append(("kind", scalar(kind))) }
            if let endpoint = audit.sinkEndpoint { sink.append(("endpoint", scalar(endpoint))) }
            if !sink.isEmpty { fields.append(("sink", flow(sink))) }
            if !audit.events.isEmpty { fields.append(("events", list(audit.events.map(scalar)))) }
            lines.append("  audit: \(flow(fields))")
        }
        if let tagging = sandbox.contextTagging {
            var fields = [("scheme", scalar(tagging.scheme))]
            if let key = tagging.keyRef { fields.append(("keyRef", scalar(key))) }
            lines.append("  contextTagging: \(flow(fields))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func identityLines(_ identity: IdentityConfig) -> [String] {
        func fields(_ issuer: IssuerConfig) -> [(String, String)] {
            var fields = [("issuer", scalar(issuer.issuer))]
            if let audience = issuer.audience { fields.append(("audience", scalar(audience))) }
            if let claim = issuer.tenantClaim { fields.append(("tenantClaim", scalar(claim))) }
            if issuer.tenantClaimValues.count == 1 {
                fields.append(("tenantClaimValue", scalar(issuer.tenantClaimValues[0])))
            } else if !issuer.tenantClaimValues.isEmpty {
                fields.append(("tenantClaimValues", list(issuer.tenantClaimValues.map(scalar))))
            }
            return fields
        }
        if identity.issuers.count == 1 { return ["  identity: \(flow(fields(identity.issuers[0])))"] }
        return ["  identity:", "    issuers:"] + identity.issuers.map { "      - \(flow(fields($0)))" }
    }

    private static func runtimeFlow(_ runtime: RuntimeConfig) -> String {
        var fields: [(String, String)] = []
        if let provider = runtime.provider { fields.append(("provider", scalar(provider))) }
        if let namespace = runtime.namespace { fields.append(("namespace", scalar(namespace))) }
        if let isolation = runtime.isolation { fields.append(("isolation", scalar(isolation))) }
        if let image = runtime.image { fields.append(("image", scalar(image))) }
        var resources: [(String, String)] = []
        if let cpu = runtime.cpu { resources.append(("cpu", scalar(cpu))) }
        if let memory = runtime.memory { resources.append(("memory", scalar(memory))) }
        if !resources.isEmpty { fields.append(("resources", flow(resources))) }
        return flow(fields)
    }

    private static func vectorFlow(_ vector: VectorIndexConfig) -> String {
        var fields: [(String, String)] = []
        if let backend = vector.backend { fields.append(("backend", scalar(backend))) }
        // Pinecone calls its container an index; the reader accepts both words.
        fields.append((vector.backend == "pinecone" ? "index" : "collection", scalar(vector.collection)))
        fields.append(("isolation", vector.isolation.rawValue))
        if let field = vector.tenantKeyField, let value = vector.tenantKeyValue {
            fields.append(("tenantKey", field == "namespace" && vector.isolation == .namespace
                ? flow([("namespace", scalar(value))]) : flow([("field", scalar(field)), ("value", scalar(value))])))
        }
        return flow(fields)
    }

    private static func toolLines(_ tools: ToolsConfig) -> [String] {
        var lines = ["  tools:", "    default: \(tools.defaultEffect.rawValue)"]
        for (name, rules) in [("allow", tools.allow), ("deny", tools.deny), ("ask", tools.ask)] where !rules.isEmpty {
            lines.append("    \(name): \(list(rules.sorted { $0.index < $1.index }.map(ruleFlow)))")
        }
        if !tools.effects.isEmpty {
            lines.append("    effects: \(flow(tools.effects.sorted { $0.key < $1.key }.map { (scalar($0.key), $0.value.rawValue) }))")
        }
        return lines
    }

    private static func ruleFlow(_ rule: ToolRule) -> String {
        var fields = [("tool", scalar(rule.tool.pattern))]
        if !rule.args.isEmpty {
            fields.append(("args", flow(rule.args.sorted { $0.key < $1.key }.map { ($0.key, scalar($0.value.pattern)) })))
        }
        return flow(fields)
    }

    private static func storeFlow(_ store: DataStoreConfig) -> String {
        var fields = [("name", scalar(store.name)), ("kind", scalar(store.kind)), ("access", store.access.rawValue)]
        if let description = store.scopeDescription, let equals = description.firstIndex(of: "=") {
            let key = String(description[..<equals])
            let value = String(description[description.index(after: equals)...])
            fields.append(("scope", flow([(key, scalar(value))])))
        }
        return flow(fields)
    }

    private static func networkLines(_ network: NetworkConfig) -> [String] {
        func ruleFlow(_ rule: EgressRule) -> String {
            var fields: [(String, String)] = []
            if let fqdn = rule.fqdn { fields.append(("fqdn", scalar(fqdn.pattern))) }
            if let cidr = rule.cidr { fields.append(("cidr", scalar(cidr.text))) }
            if !rule.ports.isEmpty { fields.append(("ports", list(rule.ports.map(String.init)))) }
            return flow(fields)
        }
        var egress = [("default", network.egressDefault.rawValue)]
        if !network.egressAllow.isEmpty { egress.append(("allow", list(network.egressAllow.sorted { $0.index < $1.index }.map(ruleFlow)))) }
        if !network.egressDeny.isEmpty { egress.append(("deny", list(network.egressDeny.sorted { $0.index < $1.index }.map(ruleFlow)))) }
        return ["  network: {egress: \(flow(egress))}"]
    }

    private static func limitLines(_ limits: LimitsConfig) -> [String] {
        var fields: [(String, String)] = []
        if let rpm = limits.requestsPerMinute { fields.append(("requestsPerMinute", String(rpm))) }
        if let tpm = limits.tokensPerMinute { fields.append(("tokensPerMinute", String(tpm))) }
        if let budget = limits.budget {
            let usd = budget.maxUsd.rounded() == budget.maxUsd ? String(Int(budget.maxUsd)) : String(budget.maxUsd)
            fields.append(("budget", flow([("maxUsd", usd), ("period", scalar(budget.period))])))
        }
        if let models = limits.models { fields.append(("models", list(models.map { scalar($0.pattern) }))) }
        return fields.isEmpty ? [] : ["  limits: \(flow(fields))"]
    }

    // MARK: - Scalars and flow collections

    private static func flow(_ fields: [(String, String)]) -> String {
        "{" + fields.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + "}"
    }

    private static func list(_ items: [String]) -> String { "[" + items.joined(separator: ", ") + "]" }

    /// A string scalar, plain when YAML reads it back as the same string, double-quoted otherwise.
    static func scalar(_ text: String) -> String {
        let reserved: Set<String> = ["true", "false", "yes", "no", "on", "off", "null", "~", "y", "n"]
        let safe = !text.isEmpty && text.unicodeScalars.allSatisfy { scalar in
            (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9")
                || scalar == "-" || scalar == "_" || scalar == "." || scalar == "/"
        }
        let looksNumeric = Double(text) != nil || text.first.map { $0.isNumber || $0 == "-" || $0 == "." } == true
        if safe, !looksNumeric, !reserved.contains(text.lowercased()) { return text }
        var quoted = ""
        JSONValue.writeQuoted(text, into: &quoted)
        return quoted
    }
}
