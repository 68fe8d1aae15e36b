import Foundation

/// Claude Code's own permission decision for one step (docs/sandbox-config.md, "Claude Code settings"):
/// MCP server gates, then deny rules, then ask rules, then allow rules (first match wins in each list),
/// then `defaultMode`. An ask is a deny by an ask rule id (`LegacyAsk`). A rule that needs an argument
/// the step did not record makes the step unevaluable, as in the TenantAgentSandbox model.
struct ClaudeCodeEvaluator: DialectEvaluator {
    let policy: ClaudeCodePolicy
    let tenant: String
    let prefix: String

    init(policy: ClaudeCodePolicy, tenant: String) {
        self.policy = policy
        self.tenant = tenant
        prefix = "\(tenant)/"
    }

    enum Match {
        case matches
        case noMatch
        case unknown(String)
    }

    mutating func evaluate(_ step: Step, collectingGrants: Bool) -> LegacyEvaluation {
        let prefix = self.prefix
        let id = { (path: String) in prefix + path }
        let cc = DialectName.claudeCode
        switch step.kind {
        case .llm:
            return allow(id("\(cc).llm"), "Claude Code settings do not restrict models", exercised: [])
        case .output:
            return allow(id("\(cc).output"), "outputs are not restricted by Claude Code settings", exercised: [])
        case .memoryRead, .memoryWrite:
            return refuse(.deny, id("\(cc).memory"), "Claude Code settings declare no memory namespace")
        case .retrieval:
            return refuse(.deny, id("\(cc).vectorIndex"), "Claude Code settings declare no vector index")
        case .dataWrite:
            guard step.resources.contains(where: { $0.scheme == .store }) else {
                return refuse(.unevaluable, id("\(cc).dataStores"), "the step recorded no store resource")
            }
            return refuse(.deny, id("\(cc).dataStores"), "Claude Code settings declare no data stores")
        case .toolCall:
            let tool = toolDecision(step.operation, step.arguments)
            guard tool.decision.effect == .allow else { return tool }
            if let refused = checkResources(step) { return refused }
            return collectingGrants ? tool : LegacyEvaluation(decision: tool.decision, exercised: [])
        }
    }

    private func allow(_ rule: String, _ reason: String, exercised: [String]) -> LegacyEvaluation {
        LegacyEvaluation(decision: Decision(regime: .legacy, effect: .allow, rule: rule, reason: reason), exercised: exercised)
    }

    private func refuse(_ effect: Effect, _ rule: String, _ reason: String) -> LegacyEvaluation {
        LegacyEvaluation(decision: Decision(regime: .legacy, effect: effect, rule: rule, reason: reason), exercised: [])
    }

    /// Resources of an allowed tool call: a Bash command's egress against the sandbox network allowlist; memory, vector and
    /// store resources have no counterpart in Claude Code settings and are denied, as undeclared.
    private func checkResources(_ step: Step) -> LegacyEvaluation? {
        let cc = DialectName.claudeCode
        for resource in step.resources.sorted() {
            switch resource.scheme {
            case .egress:
                // The runtime sandbox confines Bash commands and their child processes; other tools'
                // network access (WebFetch, MCP servers) is governed by their permission rules.
                guard policy.sandboxEnabled, step.operation == "Bash" else { continue }
                let host = resource.container.lowercased()
                if policy.allowedDomains.contains(where: { Self.domain($0.domain, matches: host) }) { continue }
                return refuse(.deny, prefix + "\(cc).sandbox.network.ask",
                              "egress to \(host) is outside sandbox.network.allowedDomains; the sandbox asks the user, and traces have no approver")
            case .memory:
                return refuse(.deny, prefix + "\(cc).memory", "Claude Code settings declare no memory namespace")
            case .vector:
                return refuse(.deny, prefix + "\(cc).vectorIndex", "Claude Code settings declare no vector index")
            case .store:
                return refuse(.deny, prefix + "\(cc).dataStores", "Claude Code settings declare no data stores")
            }
        }
        return nil
    }

    /// `example.com` matches that host; `*.example.com` its subdomains.
    static func domain(_ pattern: String, matches host: String) -> Bool {
        if pattern.hasPrefix("*.") { return host.hasSuffix(String(pattern.dropFirst(1))) }
        if pattern.contains("*") { return (try? Glob(pattern))?.matches(host) ?? false }
        return pattern == host
    }

    func toolDecision(_ tool: String, _ arguments: [String: JSONValue]) -> LegacyEvaluation {
        var unknown: (rule: String, reason: String)?
        if let gate = serverGate(tool) {
            switch gate {
            case .deny(let rule, let reason): return refuse(.deny, prefix + rule, reason)
            case .unknown(let rule, let reason): unknown = (rule, reason)
            }
        }
        for rule in policy.deny {
            switch match(rule, tool, arguments, wholeOrAnyPart: true) {
            case .matches: return refuse(.deny, prefix + rule.path, "tool \(tool) is denied by \(rule.keyPath) (\(rule.scope.rawValue) settings)")
            case .unknown(let reason): if unknown == nil { unknown = (rule.path, reason) }
            case .noMatch: break
            }
        }
        for rule in policy.ask {
            switch match(rule, tool, arguments, wholeOrAnyPart: true) {
            case .matches:
                // An unknown deny before it changes nothing: the effect is deny either way.
                return refuse(.deny, prefix + rule.path, "tool \(tool) asks for approval by \(rule.keyPath) (\(rule.scope.rawValue) settings); traces have no approver")
            case .unknown(let reason): if unknown == nil { unknown = (rule.path, reason) }
            case .noMatch: break
            }
        }
        if let unknown { return refuse(.unevaluable, prefix + unknown.rule, unknown.reason) }
        var unknownAllow: (rule: String, reason: String)?
        for rule in policy.allow {
            switch match(rule, tool, arguments, wholeOrAnyPart: false) {
            case .matches:
                return allow(prefix + rule.path, "allowed by \(rule.keyPath) (\(rule.scope.rawValue) settings)", exercised: [prefix + rule.path])
            case .unknown(let reason): if unknownAllow == nil { unknownAllow = (rule.path, reason) }
            case .noMatch: break
            }
        }
        if tool == "Bash", let compound = compoundAllow(arguments) { return compound }
        if let unknownAllow { return refuse(.unevaluable, prefix + unknownAllow.rule, unknownAllow.reason) }
        return fallback(tool)
    }

    /// A compound command is allowed when every part is allowed by some allow rule.
    private func compoundAllow(_ arguments: [String: JSONValue]) -> LegacyEvaluation? {
        guard let command = Self.command(arguments) else { return nil }
        let parts = BashCommandSplit.subcommands(command)
        guard parts.count > 1 else { return nil }
        var used: [String] = []
        for part in parts {
            guard let rule = policy.allow.first(where: { rule in
                guard case .bash(let pattern) = rule.matcher else { return rule.matcher == .tool("Bash") }
                return pattern.matches(part)
            }) else { return nil }
            used.append(prefix + rule.path)
        }
        let exercised = Array(Set(used)).sorted()
        guard let first = used.first else { return nil }
        return allow(first, "every part of the compound command is allowed (\(exercised.count) rule\(exercised.count == 1 ? "" : "s"))", exercised: exercised)
    }

    /// No rule matched: the mode decides. Read-only tools need no approval in any mode.
    private func fallback(_ tool: String) -> LegacyEvaluation {
        let cc = DialectName.claudeCode
        let modeRule = prefix + policy.modePath
        if ClaudeCodePolicy.readOnlyTools.contains(tool) && policy.mode != .bypassPermissions {
            return allow(prefix + "\(cc).readOnlyTools", "tool \(tool) is read-only and needs no approval", exercised: [])
        }
        switch policy.mode {
        case .bypassPermissions:
            return allow(modeRule, "defaultMode bypassPermissions allows tool \(tool)", exercised: [modeRule])
        case .acceptEdits where ClaudeCodePolicy.editTools.contains(tool):
            return allow(modeRule, "defaultMode acceptEdits accepts file edits", exercised: [modeRule])
        case .plan:
            return refuse(.deny, modeRule, "defaultMode plan does not run tool \(tool)")
        case .dontAsk:
            return refuse(.deny, modeRule, "defaultMode dontAsk denies tool \(tool): no allow rule matches")
        case .default, .acceptEdits:
            return refuse(.deny, modeRule + ".ask", "tool \(tool) matches no rule; defaultMode \(policy.mode.rawValue) asks the user, and traces have no approver")
        }
    }

    enum Gate {
        case deny(String, String)
        case unknown(String, String)
    }

    /// `deniedMcpServers` first (it wins over the allowlist), then `allowedMcpServers` when set.
    private func serverGate(_ tool: String) -> Gate? {
        guard let server = ClaudeCodeRule.mcpParts(tool)?.server else { return nil }
        var unknown: Gate?
        for (entry, path) in policy.deniedServers {
            switch entry.matcher {
            case .name(let name) where name == server:
                return .deny(path, "MCP server \(server) is in deniedMcpServers")
            case .name: break
            case .command, .url:
                if unknown == nil { unknown = .unknown(path, "the server's command and URL are not recorded in steps") }
            }
        }
        guard let allowed = policy.allowedServers else { return unknown }
        if allowed.contains(where: { if case .name(let name) = $0.entry.matcher { return name == server } else { return false } }) { return unknown }
        if let other = allowed.first(where: { if case .name = $0.entry.matcher { return false } else { return true } }) {
            return unknown ?? .unknown(other.path, "the server's command and URL are not recorded in steps")
        }
        let path = allowed.first?.path.components(separatedBy: "[").first ?? "\(DialectName.claudeCode).allowedMcpServers"
        return .deny(path, "MCP server \(server) is not in allowedMcpServers")
    }

    static func command(_ arguments: [String: JSONValue]) -> String? {
        if case .string(let text)? = arguments["command"] { return text }
        if case .string(let text)? = arguments["full_command"] { return text }
        return nil
    }

    func match(_ rule: ClaudeCodeRule, _ tool: String, _ arguments: [String: JSONValue], wholeOrAnyPart: Bool) -> Match {
        switch rule.matcher {
        case .tool(let name):
            return ClaudeCodeRule.pathTools(of: name).contains(tool) || name == tool ? .matches : .noMatch
        case .bash(let pattern):
            guard tool == "Bash" else { return .noMatch }
            guard let command = Self.command(arguments) else { return .unknown("argument `command` was not recorded") }
            let parts = BashCommandSplit.subcommands(command)
            if wholeOrAnyPart {
                // Deny and ask: the whole command (a rule may name a pipeline) or any part of it.
                let whole = BashCommandSplit.stripWrappers(command.trimmingCharacters(in: .whitespaces))
                return pattern.matches(whole) || parts.contains(where: pattern.matches) ? .matches : .noMatch
            }
            // Allow: one simple command; a compound one is allowed part by part (compoundAllow).
            guard parts.count == 1, let only = parts.first else { return .noMatch }
            return pattern.matches(only) ? .matches : .noMatch
        case .path(let ruleTool, let pattern):
            guard ClaudeCodeRule.pathTools(of: ruleTool).contains(tool) else { return .noMatch }
            let argument = ClaudeCodeRule.pathArgument(of: tool)
            guard case .string(let raw)? = arguments[argument] else { return .unknown("argument `\(argument)` was not recorded") }
            let path = raw.hasPrefix("/") ? raw : policy.projectRoot.map { "\($0)/\(raw)" } ?? raw
            return pattern.matches(path) ? .matches : .noMatch
        case .webFetch(let domain):
            guard tool == "WebFetch" else { return .noMatch }
            guard case .string(let url)? = arguments["url"] else { return .unknown("argument `url` was not recorded") }
            guard let host = URLComponents(string: url)?.host?.lowercased(), !host.isEmpty else {
                return .unknown("argument `url` has no host")
            }
            return Self.domain(domain, matches: host) ? .matches : .noMatch
        case .mcp(let server, let toolGlob):
            guard let parts = ClaudeCodeRule.mcpParts(tool), server.matches(parts.server) else { return .noMatch }
            guard let toolGlob else { return .matches }
            guard let name = parts.tool else { return .noMatch }
            return toolGlob.matches(name) ? .matches : .noMatch
        case .subagent(let ruleTool, let type):
            guard tool == ruleTool || (["Task", "Agent"].contains(tool) && ["Task", "Agent"].contains(ruleTool)) else { return .noMatch }
            guard case .string(let recorded)? = arguments["subagent_type"] else { return .unknown("argument `subagent_type` was not recorded") }
            return recorded == type ? .matches : .noMatch
        case .unmodelled(let ruleTool):
            return tool == ruleTool ? .unknown("the rule's specifier form is not modelled by Nodeward") : .noMatch
        }
    }

    var ruleCatalog: [LegacyRule] {
        let cc = DialectName.claudeCode
        var rules: [LegacyRule] = []
        func add(_ path: String, _ description: String, _ kind: LegacyRule.Kind) {
            rules.append(LegacyRule(id: prefix + path, description: description, kind: kind))
        }
        for rule in policy.allow { add(rule.path, "allow \(rule.text)", .grant) }
        for rule in policy.ask { add(rule.path, "ask (denied: no approver) \(rule.text)", .restriction) }
        for rule in policy.deny { add(rule.path, "deny \(rule.text)", .restriction) }
        for (entry, path) in policy.deniedServers { add(path, "deny MCP server \(Self.describe(entry.matcher))", .restriction) }
        for (entry, path) in policy.allowedServers ?? [] { add(path, "allow MCP server \(Self.describe(entry.matcher))", .restriction) }
        switch policy.mode {
        case .bypassPermissions: add(policy.modePath, "allow tools that match no rule (bypassPermissions)", .grant)
        case .acceptEdits:
            add(policy.modePath, "accept file edits that match no rule (acceptEdits)", .grant)
            add(policy.modePath + ".ask", "ask (denied: no approver) for other tools that match no rule", .restriction)
        case .default: add(policy.modePath + ".ask", "ask (denied: no approver) for tools that match no rule", .restriction)
        case .plan, .dontAsk: add(policy.modePath, "deny tools that match no allow rule (\(policy.mode.rawValue))", .restriction)
        }
        add("\(cc).readOnlyTools", "read-only tools need no approval", .implicit)
        add("\(cc).llm", "any model", .implicit)
        add("\(cc).output", "outputs are not restricted", .implicit)
        add("\(cc).memory", "no memory namespace: memory access is denied", .restriction)
        add("\(cc).vectorIndex", "no vector index: retrieval is denied", .restriction)
        add("\(cc).dataStores", "no data stores: store access is denied", .restriction)
        if policy.sandboxEnabled {
            for domain in policy.allowedDomains { add(domain.path, "sandbox egress to \(domain.domain)", .grant) }
            add("\(cc).sandbox.network.ask", "ask (denied: no approver) for egress outside allowedDomains", .restriction)
        }
        var unique: [LegacyRule] = []
        for rule in rules.sorted() where unique.last?.id != rule.id { unique.append(rule) }
        return unique
    }

    static func describe(_ matcher: ClaudeCodeServerMatcher) -> String {
        switch matcher {
        case .name(let name): return "named \(name)"
        case .command: return "by command"
        case .url(let url): return "by URL pattern \(url)"
        }
    }
}
