import Yams

/// The equivalent TenantAgentSandbox of a tenant's MCP client configs (docs/sandbox-config.md,
/// "MCP client configs"): each server's tools as `mcp__<server>__<tool>` tool rules.
enum MCPClientImport {
    static func sandbox(tenant: String, policy: MCPClientPolicy) -> TenantSandbox {
        var builder = SandboxImportBuilder(tenant: tenant, dialect: DialectName.mcpClient)
        let literal = SandboxImportBuilder.literal
        let document = policy.files.first?.documentLocation ?? SourceLocation(file: "?", line: 1)
        for server in policy.servers {
            let origin = SandboxImportBuilder.Origin(location: server.location, keyPath: server.keyPath, rulePath: MCPClientPolicy.path(server))
            let prefix = "mcp__\(literal(server.name))__"
            for (index, tool) in server.blocked.enumerated() {
                builder.addTool(.deny, tool: prefix + literal(tool),
                                from: .init(location: server.location, keyPath: "\(server.blockedPath ?? server.keyPath)[\(index)]",
                                            rulePath: MCPClientPolicy.path(server, "blocked[\(index)]")))
            }
            let exposed: [String]? = server.allowed
            switch server.approval {
            case .never:
                if let exposed {
                    for tool in exposed where !server.blocked.contains(tool) { builder.addTool(.allow, tool: prefix + literal(tool), from: origin) }
                } else {
                    builder.addTool(.allow, tool: prefix + "*", from: origin)
                }
            case .always:
                builder.addTool(.ask, tool: prefix + "*",
                                from: .init(location: server.location, keyPath: server.approvalPath ?? "\(server.keyPath).require_approval",
                                            rulePath: MCPClientPolicy.path(server, "require_approval.ask")))
            case .perTool(let always, let never):
                let approvalPath = server.approvalPath ?? "\(server.keyPath).require_approval"
                for tool in always {
                    builder.addTool(.ask, tool: prefix + literal(tool),
                                    from: .init(location: server.location, keyPath: "\(approvalPath).always",
                                                rulePath: MCPClientPolicy.path(server, "require_approval.always.ask")))
                }
                for tool in never where !always.contains(tool) && !server.blocked.contains(tool) && (exposed?.contains(tool) ?? true) {
                    builder.addTool(.allow, tool: prefix + literal(tool),
                                    from: .init(location: server.location, keyPath: "\(approvalPath).never",
                                                rulePath: MCPClientPolicy.path(server, "require_approval.never")))
                }
                builder.note(.init(location: server.location, keyPath: approvalPath, rulePath: MCPClientPolicy.path(server, "require_approval.ask")),
                             "tools in neither approval list ask; tools.default has no ask, so they are imported as deny (same effect, not counted as an ask)")
            }
        }
        builder.tools.defaultEffect = .deny
        builder.source("tools.default", from: .init(location: document, keyPath: "mcpServers", rulePath: "\(DialectName.mcpClient).servers"))
        builder.network.egressDefault = .allow
        builder.source("network.egress.default", from: .init(location: document, keyPath: "mcpServers", rulePath: "\(DialectName.mcpClient).servers"))
        if !policy.servers.isEmpty {
            builder.note(.init(location: document, keyPath: "mcpServers", rulePath: "\(DialectName.mcpClient).servers"),
                         "a tool name without the mcp__<server>__<tool> form is that server's tool only when exactly one server lists it, else unevaluable; the imported rules match the prefixed form only and deny the rest")
        }
        var firstFile: [String: String] = [:]
        for file in policy.files {
            for server in file.servers {
                if let first = firstFile[server.name], first != file.file {
                    builder.note(.init(location: server.location, keyPath: server.keyPath, rulePath: MCPClientPolicy.path(server)),
                                 "server \(server.name) is already configured in \(first); this entry is not used")
                } else {
                    firstFile[server.name] = file.file
                }
            }
            for key in file.unmodelled {
                builder.note(.init(location: key.location, keyPath: key.keyPath, rulePath: "\(DialectName.mcpClient).\(key.keyPath)"),
                             "\(key.reason); no TenantAgentSandbox counterpart")
            }
        }
        return builder.sandbox(source: document, files: policy.files.map(\.file), policy: policy)
    }
}

/// MCP client configs: recognized by `mcpServers` or a `tools` list with `type: mcp` entries.
struct MCPClientReader: DialectReader {
    var name: String { DialectName.mcpClient }
    var variants: [String] { [] }

    func recognizes(_ root: Node, file: String) -> Bool { MCPClientDecoder.recognizes(root) }

    func read(_ root: Node, walker: SandboxNodeWalker, file: String, variant: String?, options: DialectOptions) -> [DialectFragment] {
        guard let config = MCPClientDecoder(walker: walker).decode(root) else { return [] }
        return [DialectFragment(dialect: name, file: file, tenant: nil, location: walker.location(root), payload: config)]
    }

    func build(tenant: String, fragments: [DialectFragment], options: DialectOptions) -> TenantSandbox {
        MCPClientImport.sandbox(tenant: tenant, policy: MCPClientPolicy(files: fragments.compactMap { $0.payload as? MCPClientConfigFile }))
    }
}
