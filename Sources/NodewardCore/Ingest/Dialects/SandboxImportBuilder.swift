/// Accumulates the equivalent `TenantSandbox` of a dialect tenant: tool rules with the source of each,
/// and the rules that cannot be expressed. Shared by every dialect's import.
struct SandboxImportBuilder {
    let tenant: String
    let dialect: String
    var tools = ToolsConfig()
    var network = NetworkConfig()
    var sources: [ImportedRuleSource] = []
    var unexpressible: [UnexpressibleRule] = []

    init(tenant: String, dialect: String) {
        self.tenant = tenant
        self.dialect = dialect
    }

    enum ToolList { case allow, deny, ask }

    /// Where a source rule is: its file location, key path in the file, and native rule path.
    struct Origin {
        var location: SourceLocation
        var keyPath: String
        var rulePath: String
    }

    mutating func addTool(_ list: ToolList, tool: String, args: [String: String] = [:], from origin: Origin) {
        guard let glob = try? Glob(tool) else {
            note(origin, "the tool pattern is not a valid TenantAgentSandbox glob; not imported")
            return
        }
        var argGlobs: [String: Glob] = [:]
        for (name, pattern) in args {
            guard let compiled = try? Glob(pattern) else {
                note(origin, "argument `\(name)` has no valid TenantAgentSandbox glob; not imported")
                return
            }
            argGlobs[name] = compiled
        }
        let name: String
        switch list {
        case .allow:
            tools.allow.append(ToolRule(tool: glob, args: argGlobs, index: tools.allow.count, source: origin.location))
            name = "tools.allow[\(tools.allow.count - 1)]"
        case .deny:
            tools.deny.append(ToolRule(tool: glob, args: argGlobs, index: tools.deny.count, source: origin.location))
            name = "tools.deny[\(tools.deny.count - 1)]"
        case .ask:
            tools.ask.append(ToolRule(tool: glob, args: argGlobs, index: tools.ask.count, source: origin.location))
            name = "tools.ask[\(tools.ask.count - 1)]"
        }
        sources.append(ImportedRuleSource(sandboxPath: name, location: origin.location, keyPath: origin.keyPath, rule: "\(tenant)/\(origin.rulePath)"))
    }

    mutating func addEgress(fqdn: String, from origin: Origin) {
        guard let glob = try? Glob(fqdn) else {
            note(origin, "the domain is not a valid TenantAgentSandbox glob; not imported")
            return
        }
        network.egressAllow.append(EgressRule(fqdn: glob, index: network.egressAllow.count))
        sources.append(ImportedRuleSource(sandboxPath: "network.egress.allow[\(network.egressAllow.count - 1)]",
                                          location: origin.location, keyPath: origin.keyPath, rule: "\(tenant)/\(origin.rulePath)"))
    }

    mutating func source(_ sandboxPath: String, from origin: Origin) {
        sources.append(ImportedRuleSource(sandboxPath: sandboxPath, location: origin.location, keyPath: origin.keyPath, rule: "\(tenant)/\(origin.rulePath)"))
    }

    mutating func note(_ origin: Origin, _ reason: String) {
        unexpressible.append(UnexpressibleRule(tenant: tenant, dialect: dialect, location: origin.location,
                                               keyPath: origin.keyPath, rule: "\(tenant)/\(origin.rulePath)", reason: reason))
    }

    func sandbox(source: SourceLocation, files: [String], policy: any DialectPolicy) -> TenantSandbox {
        let origin = DialectOrigin(dialect: dialect, files: files.sorted(), policy: policy,
                                   sources: sources, unexpressible: unexpressible.sorted())
        return TenantSandbox(name: tenant, labels: ["nodeward.dev/dialect": dialect], tenantId: tenant,
                             tools: tools, network: network, source: source, dialect: origin)
    }

    /// A literal tool or argument text as a glob (every wildcard character escaped).
    static func literal(_ text: String) -> String {
        var result = ""
        for character in text {
            if "*?[]\\".contains(character) { result.append("\\") }
            result.append(character)
        }
        return result
    }
}
