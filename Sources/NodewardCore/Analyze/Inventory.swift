extension TenantInventory {
    /// A tenant sandbox's controls at a glance, as short strings for tables.
    public init(sandbox: TenantSandbox) {
        let identity: String
        if let issuers = sandbox.identity?.issuers, !issuers.isEmpty {
            identity = issuers.map { issuer in
                issuer.tenantClaim.map { "\(issuer.issuer) (\($0))" } ?? "\(issuer.issuer) (no tenant claim)"
            }.joined(separator: ", ")
        } else {
            identity = "none"
        }
        let runtime = [sandbox.runtime?.provider, sandbox.runtime?.isolation].compactMap { $0 }.joined(separator: "/")
        let vector = sandbox.vectorIndex.map { index -> String in
            var text = "\(index.backend.map { "\($0):" } ?? "")\(index.collection) (\(index.isolation.rawValue)"
            if let field = index.tenantKeyField, let value = index.tenantKeyValue { text += " \(field)=\(value)" }
            return text + ")"
        }
        let allowCount = sandbox.network.egressAllow.count
        self.init(
            tenant: sandbox.tenantId,
            name: sandbox.name,
            source: sandbox.source.description,
            tier: sandbox.labels["tier"],
            identity: identity,
            runtime: runtime.isEmpty ? "unspecified" : runtime,
            memoryNamespace: sandbox.memory?.namespace,
            vectorIndex: vector,
            toolsDefault: sandbox.tools.defaultEffect.rawValue,
            toolAllowRules: sandbox.tools.allow.count,
            toolDenyRules: sandbox.tools.deny.count + sandbox.tools.ask.count,
            wildcardTools: sandbox.tools.allow.filter { !$0.tool.isLiteral }.map(\.tool.pattern).sorted(),
            dataStores: sandbox.dataStores.map { "\($0.name):\($0.access.rawValue)" }.sorted(),
            egress: "default \(sandbox.network.egressDefault.rawValue), \(allowCount) allow rule\(allowCount == 1 ? "" : "s")",
            requestsPerMinute: sandbox.limits.requestsPerMinute,
            tokensPerMinute: sandbox.limits.tokensPerMinute,
            budget: sandbox.limits.budget.map { "$\(Int($0.maxUsd))/\($0.period)" },
            auditSink: sandbox.audit?.sinkKind,
            contextTagging: sandbox.contextTagging?.scheme)
    }
}
