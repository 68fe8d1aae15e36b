import Yams

/// Decodes an MCP client config document (any of the shapes of `MCPClientConfigFile`).
struct MCPClientDecoder {
    let walker: SandboxNodeWalker

    static func recognizes(_ root: Node) -> Bool {
        switch root {
        case .mapping(let mapping):
            for (key, value) in mapping {
                switch key.scalar?.string {
                case "mcpServers": return true
                case "tools": if isResponsesTools(value) { return true }
                default: continue
                }
            }
            return false
        case .sequence:
            return isResponsesTools(root)
        default:
            return false
        }
    }

    static func isResponsesTools(_ node: Node) -> Bool {
        guard case .sequence(let items) = node else { return false }
        return items.contains { $0.mapping?["type"]?.scalar?.string == "mcp" }
    }

    func decode(_ root: Node) -> MCPClientConfigFile? {
        var config = MCPClientConfigFile(file: walker.file, servers: [], unmodelled: [], documentLocation: walker.location(root))
        if case .sequence = root {
            responsesTools(root, "tools", into: &config)
        } else if let entries = walker.mapping(root, "") {
            for pair in entries.pairs {
                let path = entries.child(pair.key)
                switch pair.key {
                case "mcpServers": mcpServers(pair.value, path, into: &config)
                case "tools": responsesTools(pair.value, path, into: &config)
                default:
                    // Other keys of a Claude Desktop config or a Responses request (model, input, …) are no
                    // tool permission; read past them.
                    continue
                }
            }
        }
        var seen: [String: String] = [:]
        for server in config.servers {
            if let first = seen[server.name] {
                walker.error(.sandboxDuplicateKey, "the server is already configured at \(first)", at: server.location, server.keyPath)
            }
            seen[server.name] = server.keyPath
        }
        return walker.errorCount > 0 ? nil : config
    }

    private func mcpServers(_ node: Node, _ path: String, into config: inout MCPClientConfigFile) {
        guard let entries = walker.mapping(node, path) else { return }
        for pair in entries.pairs {
            let serverPath = entries.child(pair.key)
            guard !pair.key.isEmpty else {
                walker.error(.sandboxInvalidValue, "a server name must not be empty", pair.keyNode, serverPath)
                continue
            }
            guard let server = walker.mapping(pair.value, serverPath) else { continue }
            var entry = MCPClientServer(name: pair.key, location: walker.location(pair.keyNode), keyPath: serverPath,
                                        allowed: nil, blocked: [], approval: .never, shape: "mcpServers")
            for member in server.pairs {
                let memberPath = server.child(member.key)
                switch member.key {
                case "tool_filter":
                    guard let filter = walker.mapping(member.value, memberPath) else { continue }
                    for item in filter.pairs {
                        let itemPath = filter.child(item.key)
                        switch item.key {
                        case "allowed_tool_names":
                            entry.allowed = names(item.value, itemPath)
                            entry.allowedPath = itemPath
                        case "blocked_tool_names":
                            entry.blocked = names(item.value, itemPath) ?? []
                            entry.blockedPath = itemPath
                        default:
                            walker.warning(.sandboxUnknownKey, "unknown key (ignored); known keys: allowed_tool_names, blocked_tool_names", item.keyNode, itemPath)
                        }
                    }
                case "disabled":
                    if SandboxNodeWalker.tagName(member.value) == .bool, member.value.bool == true {
                        config.unmodelled.append(.init(keyPath: memberPath, location: walker.location(member.keyNode),
                                                       reason: "a disabled server is read as absent"))
                        entry.allowed = []
                    }
                case "autoApprove", "alwaysAllow", "disabledTools":
                    config.unmodelled.append(.init(keyPath: memberPath, location: walker.location(member.keyNode),
                                                   reason: "a client-specific approval list; client approval prompts are not in the standard config"))
                default:
                    // command, args, env, url, type, headers, cwd: how to start or reach the server.
                    continue
                }
            }
            config.servers.append(entry)
        }
    }

    private func responsesTools(_ node: Node, _ path: String, into config: inout MCPClientConfigFile) {
        guard let items = walker.list(node, path) else { return }
        for item in items {
            guard let tool = walker.mapping(item.node, item.path) else { continue }
            guard tool["type"]?.scalar?.string == "mcp" else { continue }
            guard let labelNode = walker.required(tool, "server_label"), let label = walker.nonEmptyString(labelNode, tool.child("server_label")) else { continue }
            // The API's default: every call needs an approval.
            var entry = MCPClientServer(name: label, location: walker.location(item.node), keyPath: item.path,
                                        allowed: nil, blocked: [], approval: .always, approvalPath: nil, shape: "Responses API mcp tool")
            for pair in tool.pairs {
                let memberPath = tool.child(pair.key)
                switch pair.key {
                case "allowed_tools":
                    if case .mapping = pair.value, let filter = walker.mapping(pair.value, memberPath) {
                        for member in filter.pairs {
                            switch member.key {
                            case "tool_names":
                                entry.allowed = names(member.value, filter.child(member.key))
                                entry.allowedPath = filter.child(member.key)
                            case "read_only":
                                config.unmodelled.append(.init(keyPath: filter.child(member.key), location: walker.location(member.keyNode),
                                                               reason: "read_only depends on the server's tool annotations, which steps do not record"))
                            default:
                                walker.warning(.sandboxUnknownKey, "unknown key (ignored); known keys: read_only, tool_names", member.keyNode, filter.child(member.key))
                            }
                        }
                    } else {
                        entry.allowed = names(pair.value, memberPath)
                        entry.allowedPath = memberPath
                    }
                case "require_approval":
                    entry.approvalPath = memberPath
                    if let text = pair.value.scalar?.string, SandboxNodeWalker.tagName(pair.value) == .str {
                        switch text {
                        case "always": entry.approval = .always
                        case "never": entry.approval = .never
                        default: walker.error(.sandboxInvalidValue, "expected always, never or {always, never}", pair.value, memberPath)
                        }
                    } else if let filter = walker.mapping(pair.value, memberPath) {
                        var always: [String] = []
                        var never: [String] = []
                        for member in filter.pairs {
                            let listPath = filter.child(member.key)
                            guard member.key == "always" || member.key == "never" else {
                                walker.warning(.sandboxUnknownKey, "unknown key (ignored); known keys: always, never", member.keyNode, listPath)
                                continue
                            }
                            guard let inner = walker.mapping(member.value, listPath) else { continue }
                            let toolNames = inner["tool_names"].flatMap { names($0, inner.child("tool_names")) } ?? []
                            if member.key == "always" { always = toolNames } else { never = toolNames }
                        }
                        entry.approval = .perTool(always: always, never: never)
                    }
                case "type", "server_label", "server_url", "server_description", "headers", "connector_id", "authorization":
                    continue
                default:
                    walker.warning(.sandboxUnknownKey, "unknown key of an mcp tool (ignored)", pair.keyNode, memberPath)
                }
            }
            config.servers.append(entry)
        }
    }

    private func names(_ node: Node, _ path: String) -> [String]? {
        guard let items = walker.list(node, path) else { return nil }
        return items.compactMap { walker.nonEmptyString($0.node, $0.path) }
    }
}
