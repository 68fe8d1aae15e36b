/// Config risks visible from the tenant sandboxes alone (no traces needed). Each check is documented in
/// docs/analyze.md with its severity and why it matters for a task-graph migration.
public enum ConfigRisks {
    public static func findings(for sandboxes: [TenantSandbox]) -> [Finding] {
        var findings: [Finding] = []
        for sandbox in sandboxes {
            findings += perTenant(sandbox)
            findings += unexpressible(sandbox)
        }
        findings += sharedCollections(sandboxes)
        findings += sharedMemoryNamespaces(sandboxes)
        findings += overlappingStoreScopes(sandboxes)
        return findings.sortedForReport()
    }

    static func finding(_ code: String, _ severity: FindingSeverity, _ tenants: [String], _ message: String, at location: SourceLocation?, subject: String? = nil) -> Finding {
        let sortedTenants = tenants.sorted()
        return Finding(
            id: "\(code):\(subject ?? sortedTenants.joined(separator: "+"))", code: code, severity: severity,
            tenants: sortedTenants, message: message, location: location?.description, samples: [], count: 1)
    }

    static func perTenant(_ sandbox: TenantSandbox) -> [Finding] {
        let tenant = sandbox.tenantId
        var findings: [Finding] = []
        if sandbox.tools.defaultEffect == .allow {
            findings.append(finding("risk.default-allow", .high, [tenant],
                "tools.default is allow: any tool not denied is callable by any step", at: sandbox.source))
        }
        for rule in sandbox.tools.allow where !rule.tool.isLiteral {
            let severity: FindingSeverity = rule.tool.matchesEverything ? .high : .medium
            findings.append(finding("risk.wildcard-tool", severity, [tenant],
                "tools.allow[\(rule.index)] grants the wildcard \(rule.tool.pattern)\(rule.args.isEmpty ? " with no argument constraints" : "")",
                at: rule.source ?? sandbox.source, subject: "\(tenant)/tools.allow[\(rule.index)]"))
        }
        if sandbox.network.egressDefault == .allow {
            findings.append(finding("risk.egress-default-allow", .high, [tenant],
                "network.egress.default is allow: steps may reach any host", at: sandbox.source))
        }
        if sandbox.audit?.sinkKind == nil && sandbox.audit?.sinkEndpoint == nil {
            findings.append(finding("risk.no-audit-sink", .medium, [tenant],
                "no audit sink: denied and allowed tool calls leave no audit trail", at: sandbox.source))
        }
        if let identity = sandbox.identity {
            if identity.issuers.isEmpty || identity.issuers.contains(where: { $0.tenantClaim == nil }) {
                findings.append(finding("risk.identity-no-tenant-claim", .high, [tenant],
                    "identity has an issuer without a tenant claim: a token of another tenant from the same issuer is accepted", at: sandbox.source))
            }
        } else {
            findings.append(finding("risk.identity-no-tenant-claim", .high, [tenant],
                "no identity section: steps are not bound to a tenant JWT claim", at: sandbox.source))
        }
        for store in sandbox.dataStores where store.scopePrefix == nil {
            findings.append(finding("risk.unscoped-store", .medium, [tenant],
                "dataStores[\(store.name)] has no scope: the tenant's steps can reach every schema or prefix of the store",
                at: sandbox.source, subject: "\(tenant)/\(store.name)"))
        }
        if sandbox.limits.requestsPerMinute == nil && sandbox.limits.tokensPerMinute == nil {
            findings.append(finding("risk.no-rate-limit", .low, [tenant],
                "no requestsPerMinute or tokensPerMinute: a runaway loop is not throttled", at: sandbox.source))
        }
        return findings
    }

    /// Rules of a dialect config (Claude Code settings, MCP client configs, agentgateway, LiteLLM) that the equivalent
    /// TenantAgentSandbox cannot express exactly: the legacy regime decides them natively, but generation
    /// and confinement work on the equivalent sandbox, so each difference is a finding.
    static func unexpressible(_ sandbox: TenantSandbox) -> [Finding] {
        guard let origin = sandbox.dialect else { return [] }
        var findings: [Finding] = []
        var seen: [String: Int] = [:]
        for rule in origin.unexpressible {
            // One rule may have several differences: number the repeats so every id is unique and stable.
            let base = "\(rule.rule)@\(rule.location.line)"
            let count = seen[base, default: 0]
            seen[base] = count + 1
            findings.append(finding("dialect.unexpressible", .medium, [sandbox.tenantId],
                "\(origin.dialect) \(rule.keyPath): \(rule.reason)", at: rule.location,
                subject: count == 0 ? base : "\(base)#\(count + 1)"))
        }
        return findings
    }

    /// Two or more tenants in one vector collection where isolation rests on a payload filter alone.
    static func sharedCollections(_ sandboxes: [TenantSandbox]) -> [Finding] {
        var byCollection: [String: [TenantSandbox]] = [:]
        for sandbox in sandboxes {
            guard let index = sandbox.vectorIndex else { continue }
            byCollection["\(index.backend ?? "")/\(index.collection)", default: []].append(sandbox)
        }
        var findings: [Finding] = []
        for (key, members) in byCollection where members.count > 1 {
            let weak = members.filter { [.payload, .partitionKey].contains($0.vectorIndex!.isolation) }
            guard !weak.isEmpty else { continue }
            let collection = members[0].vectorIndex!.collection
            findings.append(finding("risk.shared-collection-payload", .high, members.map(\.tenantId),
                "vector collection \(collection) is shared by \(members.count) tenants and isolated by a payload filter only: one missing or wrong filter reads another tenant's documents",
                at: weak.map(\.source).min { $0.file < $1.file }, subject: key))
        }
        return findings
    }

    static func sharedMemoryNamespaces(_ sandboxes: [TenantSandbox]) -> [Finding] {
        var byNamespace: [String: [TenantSandbox]] = [:]
        for sandbox in sandboxes {
            if let namespace = sandbox.memory?.namespace { byNamespace[namespace, default: []].append(sandbox) }
        }
        return byNamespace.filter { $0.value.count > 1 }.map { namespace, members in
            finding("risk.shared-memory-namespace", .high, members.map(\.tenantId),
                "memory namespace \(namespace) is used by \(members.count) tenants: memory written for one is readable by the other",
                at: members.map(\.source).min { $0.file < $1.file }, subject: namespace)
        }
    }

    /// Stores of the same kind whose scopes overlap across tenants (one prefix contains the other).
    static func overlappingStoreScopes(_ sandboxes: [TenantSandbox]) -> [Finding] {
        struct Scope { let tenant: String; let store: DataStoreConfig; let source: SourceLocation }
        var scopes: [Scope] = []
        for sandbox in sandboxes {
            for store in sandbox.dataStores { scopes.append(Scope(tenant: sandbox.tenantId, store: store, source: sandbox.source)) }
        }
        var findings: [Finding] = []
        for (i, first) in scopes.enumerated() {
            for second in scopes[(i + 1)...] where first.tenant != second.tenant && first.store.kind == second.store.kind {
                guard let a = first.store.scopePrefix, let b = second.store.scopePrefix, a.hasPrefix(b) || b.hasPrefix(a) else { continue }
                let pair = [first, second].sorted { $0.tenant < $1.tenant }
                findings.append(finding("risk.overlapping-store-scope", .medium, [first.tenant, second.tenant],
                    "\(pair[0].tenant)'s \(pair[0].store.name) scope \(pair[0].store.scopeDescription ?? pair[0].store.scopePrefix!) overlaps \(pair[1].tenant)'s \(pair[1].store.name) scope \(pair[1].store.scopeDescription ?? pair[1].store.scopePrefix!)",
                    at: pair[0].source, subject: "\(pair[0].tenant)/\(pair[0].store.name)+\(pair[1].tenant)/\(pair[1].store.name)"))
            }
        }
        return findings
    }
}

extension Array where Element == Finding {
    /// Highest severity first, then by id: the order every report uses.
    public func sortedForReport() -> [Finding] {
        sorted { $0.severity != $1.severity ? $0.severity > $1.severity : $0.id < $1.id }
    }
}
