import Yams

extension SandboxNodeWalker {
    func decodeTools(_ node: Node, _ path: String) -> ToolsConfig? {
        guard let entries = mapping(node, path) else { return nil }
        checkKeys(entries, known: ["default", "allow", "deny", "ask", "effects", "mcpServers"])
        var tools = ToolsConfig()
        if let defaultNode = entries["default"],
            let effect = oneOf(defaultNode, entries.child("default"), [DefaultEffect.deny, .allow])
        {
            tools.defaultEffect = effect
        }
        var allow = entries["allow"].map { decodeRules($0, entries.child("allow")) } ?? []
        var deny = entries["deny"].map { decodeRules($0, entries.child("deny")) } ?? []
        tools.ask = entries["ask"].map { decodeRules($0, entries.child("ask")) } ?? []
        // MCP server tools come after the explicit rules so explicit rules keep their indexes.
        if let servers = entries["mcpServers"].flatMap({ list($0, entries.child("mcpServers")) }) {
            for server in servers {
                let (allowed, blocked) = decodeMCPServer(server.node, server.path)
                for (glob, source) in allowed { allow.append(ToolRule(tool: glob, index: allow.count, source: source)) }
                for (glob, source) in blocked { deny.append(ToolRule(tool: glob, index: deny.count, source: source)) }
            }
        }
        tools.allow = allow
        tools.deny = deny
        if let effects = entries["effects"].flatMap({ mapping($0, entries.child("effects")) }) {
            for pair in effects.pairs {
                if let effect = oneOf(pair.value, effects.child(pair.key), [ToolEffect.read, .write]) {
                    tools.effects[pair.key] = effect
                }
            }
        }
        return tools
    }

    private func decodeRules(_ node: Node, _ path: String) -> [ToolRule] {
        guard let items = list(node, path) else { return [] }
        var rules: [ToolRule] = []
        for item in items {
            if let rule = decodeRule(item.node, item.path, index: item.index) { rules.append(rule) }
        }
        return rules
    }

    /// `- email.read`, `- {tool: email.send, args: {to: "*@acme.example"}}`, or `- {tool: Bash, args: "npm *"}`
    /// (a string `args` is stored under `"*"`: every string argument must match).
    private func decodeRule(_ node: Node, _ path: String, index: Int) -> ToolRule? {
        if case .scalar = node {
            guard let tool = glob(node, path) else { return nil }
            return ToolRule(tool: tool, index: index, source: location(node))
        }
        guard let entries = mapping(node, path) else { return nil }
        checkKeys(entries, known: ["tool", "args", "syntax"])
        let tool = required(entries, "tool").flatMap { glob($0, entries.child("tool")) }
        if let syntax = entries["syntax"] { _ = string(syntax, entries.child("syntax")) }
        var args: [String: Glob] = [:]
        var argsValid = true
        if let argsNode = entries["args"] {
            let argsPath = entries.child("args")
            if case .scalar = argsNode {
                if let pattern = glob(argsNode, argsPath) { args["*"] = pattern } else { argsValid = false }
            } else if let argEntries = mapping(argsNode, argsPath) {
                for pair in argEntries.pairs {
                    if let pattern = glob(pair.value, argEntries.child(pair.key)) { args[pair.key] = pattern } else { argsValid = false }
                }
            } else {
                argsValid = false
            }
        }
        guard let tool, argsValid else { return nil }
        return ToolRule(tool: tool, args: args, index: index, source: location(node))
    }

    /// Returns the server's allowed and blocked tools as `<server>.<tool>` globs.
    private func decodeMCPServer(_ node: Node, _ path: String) -> (allowed: [(Glob, SourceLocation)], blocked: [(Glob, SourceLocation)]) {
        guard let entries = mapping(node, path) else { return ([], []) }
        checkKeys(entries, known: ["name", "allowedTools", "blockedTools", "transport", "url", "headersFrom"])
        for key in ["transport", "url"] {
            if let value = entries[key] { _ = string(value, entries.child(key)) }
        }
        if let headers = entries["headersFrom"] { _ = mapping(headers, entries.child("headersFrom")) }
        guard let nameNode = required(entries, "name"), let name = nonEmptyString(nameNode, entries.child("name")) else {
            return ([], [])
        }
        func tools(_ key: String) -> [(Glob, SourceLocation)] {
            guard let listNode = entries[key], let items = list(listNode, entries.child(key)) else { return [] }
            return items.compactMap { item -> (Glob, SourceLocation)? in
                guard let tool = string(item.node, item.path) else { return nil }
                do throws(Glob.SyntaxError) {
                    return (try Glob("\(name).\(tool)"), location(item.node))
                } catch {
                    self.error(.sandboxInvalidGlob, "invalid glob: \(error.message)", item.node, item.path)
                    return nil
                }
            }
        }
        return (tools("allowedTools"), tools("blockedTools"))
    }
}
