/// One tenant's MCP client configs merged: the servers of every file (a server configured twice keeps
/// the first file's entry, by path, and the repeat is reported). Tools appear in steps as
/// `mcp__<server>__<tool>` (Claude Code's naming, also written by the trace mappers); a plain tool name
/// is attributed to a server only when exactly one server lists it by name.
public struct MCPClientPolicy: DialectPolicy, Hashable {
    public var dialect: String { DialectName.mcpClient }
    public var files: [MCPClientConfigFile]
    public var servers: [MCPClientServer]

    public init(files: [MCPClientConfigFile]) {
        self.files = files.sorted { $0.file < $1.file }
        var servers: [MCPClientServer] = []
        for file in self.files {
            for server in file.servers where !servers.contains(where: { $0.name == server.name }) { servers.append(server) }
        }
        self.servers = servers
    }

    public func makeEvaluator(tenant: String) -> any DialectEvaluator {
        MCPClientEvaluator(policy: self, tenant: tenant)
    }

    /// `mcp-client.mcpServers.github`, `mcp-client.tools[0]`.
    static func path(_ server: MCPClientServer, _ suffix: String? = nil) -> String {
        "\(DialectName.mcpClient).\(server.keyPath)\(suffix.map { ".\($0)" } ?? "")"
    }
}

/// The MCP client's decision: the server must be configured; the tool must pass the server's allowlist
/// (`allowed_tool_names` / `allowed_tools`) and blocklist; then `require_approval` asks or allows.
struct MCPClientEvaluator: DialectEvaluator {
    let policy: MCPClientPolicy
    let decisions: DialectDecisions

    init(policy: MCPClientPolicy, tenant: String) {
        self.policy = policy
        decisions = DialectDecisions(tenant: tenant)
    }

    /// Grants are listed here and dropped by `evaluate` when it is not collecting them.
    private func decision(_ effect: Effect, _ path: String, _ reason: String, grant: Bool = false) -> LegacyEvaluation {
        decisions.decide(effect, path, reason, grant: grant, collecting: true)
    }

    mutating func evaluate(_ step: Step, collectingGrants: Bool) -> LegacyEvaluation {
        let mc = DialectName.mcpClient
        switch step.kind {
        case .llm: return decision(.allow, "\(mc).llm", "MCP client configs do not restrict models")
        case .output: return decision(.allow, "\(mc).output", "outputs are not restricted by MCP client configs")
        case .memoryRead, .memoryWrite: return decision(.deny, "\(mc).memory", "MCP client configs declare no memory namespace")
        case .retrieval: return decision(.deny, "\(mc).vectorIndex", "MCP client configs declare no vector index")
        case .dataWrite:
            guard step.resources.contains(where: { $0.scheme == .store }) else {
                return decision(.unevaluable, "\(mc).dataStores", "the step recorded no store resource")
            }
            return decision(.deny, "\(mc).dataStores", "MCP client configs declare no data stores")
        case .toolCall:
            let result = tool(step.operation)
            guard result.decision.effect == .allow else { return result }
            for resource in step.resources where resource.scheme != .egress {
                return decision(.deny, "\(mc).\(resource.scheme == .memory ? "memory" : resource.scheme == .vector ? "vectorIndex" : "dataStores")",
                                "MCP client configs declare no \(resource.scheme.rawValue) resources")
            }
            return collectingGrants ? result : LegacyEvaluation(decision: result.decision, exercised: [])
        }
    }

    func tool(_ operation: String) -> LegacyEvaluation {
        let mc = DialectName.mcpClient
        let server: MCPClientServer
        let toolName: String
        if let parts = ClaudeCodeRule.mcpParts(operation) {
            guard let configured = policy.servers.first(where: { $0.name == parts.server }) else {
                return decision(.deny, "\(mc).servers", "MCP server \(parts.server) is not configured")
            }
            guard let name = parts.tool, !name.isEmpty else {
                return decision(.unevaluable, "\(mc).servers", "the step names server \(configured.name) but no tool (expected mcp__<server>__<tool>)")
            }
            server = configured
            toolName = name
        } else {
            let listing = policy.servers.filter { $0.allowed?.contains(operation) == true }
            let open = policy.servers.filter { $0.allowed == nil && !$0.blocked.contains(operation) }
            if listing.count == 1, open.isEmpty, let only = listing.first {
                server = only
                toolName = operation
            } else if listing.isEmpty && open.isEmpty {
                return decision(.deny, "\(mc).servers", "no configured MCP server exposes tool \(operation)")
            } else {
                return decision(.unevaluable, "\(mc).servers", "the step does not name the MCP server of tool \(operation) (expected mcp__<server>__<tool>)")
            }
        }
        if let allowed = server.allowed, !allowed.contains(toolName) {
            return decision(.deny, MCPClientPolicy.path(server, "allowed") , "tool \(toolName) is not in the allowed tools of server \(server.name)")
        }
        if let index = server.blocked.firstIndex(of: toolName) {
            return decision(.deny, MCPClientPolicy.path(server, "blocked[\(index)]"), "tool \(toolName) is blocked for server \(server.name)")
        }
        switch server.approval {
        case .never:
            return decision(.allow, MCPClientPolicy.path(server), "server \(server.name) is configured (\(server.shape))", grant: true)
        case .always:
            return decision(.deny, MCPClientPolicy.path(server, "require_approval.ask"),
                            "tools of server \(server.name) require approval; traces have no approver")
        case .perTool(let always, let never):
            if always.contains(toolName) {
                return decision(.deny, MCPClientPolicy.path(server, "require_approval.always.ask"),
                                "tool \(toolName) requires approval; traces have no approver")
            }
            if never.contains(toolName) {
                return decision(.allow, MCPClientPolicy.path(server, "require_approval.never"), "tool \(toolName) needs no approval", grant: true)
            }
            return decision(.deny, MCPClientPolicy.path(server, "require_approval.ask"),
                            "tool \(toolName) is in neither approval list, so it requires approval; traces have no approver")
        }
    }

    var ruleCatalog: [LegacyRule] {
        let mc = DialectName.mcpClient
        var rules: [LegacyRule] = []
        func add(_ path: String, _ description: String, _ kind: LegacyRule.Kind) {
            rules.append(LegacyRule(id: decisions.id(path), description: description, kind: kind))
        }
        for server in policy.servers {
            if server.allowed != nil { add(MCPClientPolicy.path(server, "allowed"), "only the listed tools of server \(server.name)", .restriction) }
            for (index, tool) in server.blocked.enumerated() { add(MCPClientPolicy.path(server, "blocked[\(index)]"), "block tool \(tool) of server \(server.name)", .restriction) }
            switch server.approval {
            case .never: add(MCPClientPolicy.path(server), "allow the tools of server \(server.name)", .grant)
            case .always: add(MCPClientPolicy.path(server, "require_approval.ask"), "ask (denied: no approver) for the tools of server \(server.name)", .restriction)
            case .perTool:
                add(MCPClientPolicy.path(server, "require_approval.always.ask"), "ask (denied: no approver) for the listed tools of server \(server.name)", .restriction)
                add(MCPClientPolicy.path(server, "require_approval.never"), "allow the listed tools of server \(server.name) without approval", .grant)
                add(MCPClientPolicy.path(server, "require_approval.ask"), "ask (denied: no approver) for the other tools of server \(server.name)", .restriction)
            }
        }
        add("\(mc).servers", "tools of servers that are not configured are denied", .restriction)
        add("\(mc).llm", "any model", .implicit)
        add("\(mc).output", "outputs are not restricted", .implicit)
        add("\(mc).memory", "no memory namespace: memory access is denied", .restriction)
        add("\(mc).vectorIndex", "no vector index: retrieval is denied", .restriction)
        add("\(mc).dataStores", "no data stores: store access is denied", .restriction)
        var unique: [LegacyRule] = []
        for rule in rules.sorted() where unique.last?.id != rule.id { unique.append(rule) }
        return unique
    }
}
