/// The equivalent TenantAgentSandbox of a tenant's merged Claude Code settings (mapping table in
/// docs/sandbox-config.md, "Claude Code settings"). Every imported rule records its source; every rule the
/// sandbox cannot express exactly is listed as unexpressible with what was written instead.
enum ClaudeCodeImport {
    static func sandbox(tenant: String, policy: ClaudeCodePolicy) -> TenantSandbox {
        var builder = SandboxImportBuilder(tenant: tenant, dialect: DialectName.claudeCode)
        let cc = DialectName.claudeCode
        let document = policy.files.first?.documentLocation ?? SourceLocation(file: "?", line: 1)
        func origin(_ rule: ClaudeCodeRule) -> SandboxImportBuilder.Origin {
            .init(location: rule.location, keyPath: rule.keyPath, rulePath: rule.path)
        }
        // MCP server gates.
        for (entry, path) in policy.deniedServers {
            let from = SandboxImportBuilder.Origin(location: entry.location, keyPath: entry.keyPath, rulePath: path)
            switch entry.matcher {
            case .name(let name):
                builder.addTool(.deny, tool: "mcp__\(SandboxImportBuilder.literal(name))", from: from)
                builder.addTool(.deny, tool: "mcp__\(SandboxImportBuilder.literal(name))__*", from: from)
            case .command, .url:
                builder.note(from, "a server matched by command or URL: steps name servers only, and a TenantAgentSandbox rule matches tool names; not imported")
            }
        }
        let allowedNames: [String]? = policy.allowedServers.map { list in
            list.compactMap { if case .name(let name) = $0.entry.matcher { return name } else { return nil } }
        }
        for (entry, path) in policy.allowedServers ?? [] {
            if case .name = entry.matcher { continue }
            builder.note(.init(location: entry.location, keyPath: entry.keyPath, rulePath: path),
                         "a server allowed by command or URL: not expressible by tool name; its tools are not imported as allowed")
        }
        for rule in policy.deny { addRule(rule, .deny, origin(rule), allowedServers: nil, into: &builder) }
        for rule in policy.ask { addRule(rule, .ask, origin(rule), allowedServers: nil, into: &builder) }
        for rule in policy.allow { addRule(rule, .allow, origin(rule), allowedServers: allowedNames, into: &builder) }

        // The mode: what a tool no rule matched gets.
        let modeOrigin = SandboxImportBuilder.Origin(location: policy.modeLocation ?? document, keyPath: "permissions.defaultMode", rulePath: policy.modePath)
        if policy.mode == .bypassPermissions {
            builder.tools.defaultEffect = .allow
            builder.source("tools.default", from: modeOrigin)
            if allowedNames != nil {
                builder.note(modeOrigin, "bypassPermissions with allowedMcpServers: tools.default allow also allows tools of servers outside the allowlist")
            }
        } else {
            builder.tools.defaultEffect = .deny
            builder.source("tools.default", from: modeOrigin)
            let readOnly = SandboxImportBuilder.Origin(location: policy.modeLocation ?? document, keyPath: "permissions.defaultMode", rulePath: "\(cc).readOnlyTools")
            for tool in ClaudeCodePolicy.readOnlyTools.sorted() { builder.addTool(.allow, tool: tool, from: readOnly) }
            if policy.mode == .acceptEdits {
                for tool in ClaudeCodePolicy.editTools.sorted() { builder.addTool(.allow, tool: tool, from: modeOrigin) }
            }
            if policy.mode == .default || policy.mode == .acceptEdits {
                builder.note(modeOrigin, "a tool no rule matches asks in defaultMode \(policy.mode.rawValue); tools.default has no ask, so it is imported as deny (same effect, not counted as an ask)")
            }
        }
        if policy.bypassDisabled {
            builder.note(modeOrigin, "bypassPermissions is disabled by disableBypassPermissionsMode: imported as defaultMode default")
        }

        // Egress: the runtime sandbox's network allowlist.
        let sandboxOrigin = SandboxImportBuilder.Origin(location: policy.files.first { $0.sandboxLocation != nil }?.sandboxLocation ?? document,
                                                        keyPath: "sandbox.enabled", rulePath: "\(cc).sandbox.network.ask")
        if policy.sandboxEnabled {
            builder.network.egressDefault = .deny
            builder.source("network.egress.default", from: sandboxOrigin)
            for domain in policy.allowedDomains {
                builder.addEgress(fqdn: domain.domain, from: .init(location: domain.location, keyPath: keyPath(of: domain.path), rulePath: domain.path))
            }
            builder.note(sandboxOrigin, "egress outside sandbox.network.allowedDomains asks the user; network.egress.default has no ask, so it is imported as deny")
            builder.note(sandboxOrigin, "the runtime sandbox confines Bash commands only; the imported egress rules apply to every step's egress (stricter for other tools)")
        } else {
            builder.network.egressDefault = .allow
            builder.source("network.egress.default", from: sandboxOrigin)
        }
        for file in policy.files {
            for entry in file.unmodelled {
                builder.note(.init(location: entry.location, keyPath: entry.keyPath, rulePath: "\(cc).\(file.scope.rawValue).\(entry.keyPath)"),
                             "\(entry.reason); no TenantAgentSandbox counterpart")
            }
        }
        return builder.sandbox(source: document, files: policy.files.map(\.file), policy: policy)
    }

    /// `claude-code.project.sandbox.network.allowedDomains[0]` → `sandbox.network.allowedDomains[0]`.
    static func keyPath(of rulePath: String) -> String {
        let parts = rulePath.split(separator: ".", maxSplits: 2)
        return parts.count == 3 ? String(parts[2]) : rulePath
    }

    static func addRule(_ rule: ClaudeCodeRule, _ list: SandboxImportBuilder.ToolList, _ origin: SandboxImportBuilder.Origin,
                        allowedServers: [String]?, into builder: inout SandboxImportBuilder) {
        let literal = SandboxImportBuilder.literal
        switch rule.matcher {
        case .tool(let name):
            if let allowedServers, let server = ClaudeCodeRule.mcpParts(name)?.server, !allowedServers.contains(server) { return }
            for tool in ClaudeCodeRule.pathTools(of: name) { builder.addTool(list, tool: literal(tool), from: origin) }
        case .bash(let pattern):
            builder.addTool(list, tool: "Bash", args: ["command": pattern.glob.pattern], from: origin)
            if let bare = pattern.barePrefix { builder.addTool(list, tool: "Bash", args: ["command": literal(bare)], from: origin) }
            if list == .allow {
                builder.note(origin, "a compound command (`a && b`) is allowed part by part by Claude Code; the imported glob matches the whole command, so it is wider")
            }
            builder.note(origin, "Claude Code also reads `full_command` (OpenTelemetry logs) when `command` is absent; the imported rule tests `command` only")
        case .path(let tool, let pattern):
            let (globs, exact) = pattern.sandboxGlobs()
            for target in ClaudeCodeRule.pathTools(of: tool) {
                let argument = ClaudeCodeRule.pathArgument(of: target)
                for glob in globs { builder.addTool(list, tool: literal(target), args: [argument: glob], from: origin) }
            }
            if pattern.isFloating {
                builder.note(origin, "the path is relative to a folder this file does not determine (project root or home); imported as matching at any depth")
            } else if !exact {
                builder.note(origin, "a TenantAgentSandbox glob's `*` also crosses `/`: the imported path globs are wider than the gitignore pattern")
            }
        case .webFetch(let domain):
            let host = domain.hasPrefix("*.") ? "*" + literal(String(domain.dropFirst(1))) : literal(domain)
            for scheme in ["http", "https"] {
                builder.addTool(list, tool: "WebFetch", args: ["url": "\(scheme)://\(host)"], from: origin)
                builder.addTool(list, tool: "WebFetch", args: ["url": "\(scheme)://\(host)/*"], from: origin)
            }
            if domain.hasPrefix("*.") {
                builder.note(origin, "a subdomain wildcard: the imported URL glob's `*` also matches `/`, so it is wider than the host match")
            }
        case .mcp(let server, let tool):
            let toolPart = tool?.pattern ?? "*"
            if let allowedServers, list == .allow {
                for name in allowedServers where server.matches(name) {
                    builder.addTool(list, tool: "mcp__\(literal(name))__\(toolPart)", from: origin)
                    if tool == nil { builder.addTool(list, tool: "mcp__\(literal(name))", from: origin) }
                }
                return
            }
            builder.addTool(list, tool: "mcp__\(server.pattern)__\(toolPart)", from: origin)
            if tool == nil { builder.addTool(list, tool: "mcp__\(server.pattern)", from: origin) }
        case .subagent(_, let type):
            for tool in ["Agent", "Task"] { builder.addTool(list, tool: tool, args: ["subagent_type": literal(type)], from: origin) }
        case .unmodelled(let tool):
            if list == .allow {
                builder.note(origin, "the specifier form is not modelled: not imported (the tool stays denied unless another rule allows it)")
            } else {
                builder.addTool(list, tool: literal(tool), from: origin)
                builder.note(origin, "the specifier form is not modelled: imported as applying to every call of the tool (stricter)")
            }
        }
    }
}
