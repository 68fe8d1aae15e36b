/// How one tool rule relates to one tool call.
enum ToolRuleMatch: Sendable, Hashable {
    /// The tool glob does not match the tool name.
    case otherTool
    case matches
    /// The tool matched, but a recorded argument fails its glob: the rule certainly does not apply.
    case argumentMismatch(argument: String, pattern: String)
    /// Every recorded argument the rule tests matched, but one it needs was not recorded (`*`: the step
    /// recorded no arguments at all), so whether the rule applies is unknown.
    case unrecorded(argument: String)
}

/// A `tools.allow`/`deny`/`ask` entry compiled once per sandbox.
struct CompiledToolRule: Sendable {
    let path: String
    let id: String
    let tool: Glob
    /// The `"*"` key: every string-valued argument must match.
    let everyString: Glob?
    /// Named argument globs, sorted by argument name so the reported failure is deterministic.
    let named: [(name: String, glob: Glob)]
    /// Precomputed allow reason (no payload: the rule's patterns only).
    let grantReason: String

    init(_ rule: ToolRule, list: String, ids: LegacyRuleIds) {
        path = "tools.\(list)[\(rule.index)]"
        id = ids.id(path)
        tool = rule.tool
        everyString = rule.args["*"]
        named = rule.args.filter { $0.key != "*" }.sorted { $0.key < $1.key }.map { (name: $0.key, glob: $0.value) }
        grantReason = "allowed by \(path) (\(CompiledToolRule.summary(rule)))"
    }

    /// `email.send, to=*@acme.example`: the rule's patterns, for reasons and rule descriptions.
    static func summary(_ rule: ToolRule) -> String {
        var text = rule.tool.pattern
        for (key, glob) in rule.args.sorted(by: { $0.key < $1.key }) { text += ", \(key)=\(glob.pattern)" }
        return text
    }

    func match(tool name: String, arguments: [String: JSONValue]) -> ToolRuleMatch {
        guard tool.matches(name) else { return .otherTool }
        var missing: String?
        if let everyString {
            if arguments.isEmpty {
                missing = "*"
            } else {
                // The smallest failing key, found without sorting the keys.
                var failing: String?
                for (key, value) in arguments {
                    guard case .string(let text) = value, !everyString.matches(text) else { continue }
                    if failing.map({ key < $0 }) ?? true { failing = key }
                }
                if let failing { return .argumentMismatch(argument: failing, pattern: everyString.pattern) }
            }
        }
        for (argument, glob) in named {
            guard let value = arguments[argument] else {
                if missing == nil { missing = argument }
                continue
            }
            if !CompiledToolRule.value(value, matches: glob) {
                return .argumentMismatch(argument: argument, pattern: glob.pattern)
            }
        }
        if let missing { return .unrecorded(argument: missing) }
        return .matches
    }

    /// String → the string; array → every element (recursively); anything else → its canonical text.
    static func value(_ value: JSONValue, matches glob: Glob) -> Bool {
        switch value {
        case .string(let text): return glob.matches(text)
        case .array(let items): return items.allSatisfy { CompiledToolRule.value($0, matches: glob) }
        default: return glob.matches(value.canonicalText)
        }
    }
}

/// The tool check of a `tool_call` step: ask, then deny, then the first matching allow, then the default.
struct LegacyToolRules: Sendable {
    let allow: [CompiledToolRule]
    let deny: [CompiledToolRule]
    let ask: [CompiledToolRule]
    let defaultEffect: DefaultEffect
    let defaultRule: String

    init(_ tools: ToolsConfig, ids: LegacyRuleIds) {
        allow = tools.allow.map { CompiledToolRule($0, list: "allow", ids: ids) }
        deny = tools.deny.map { CompiledToolRule($0, list: "deny", ids: ids) }
        ask = tools.ask.map { CompiledToolRule($0, list: "ask", ids: ids) }
        defaultEffect = tools.defaultEffect
        defaultRule = ids.toolsDefault
    }

    func check(tool: String, arguments: [String: JSONValue]) -> LegacyCheck {
        // A certain deny (ask or deny rule) wins over an unknown one: the effect is deny either way.
        var unknownDeny: LegacyVerdict?
        for rule in ask {
            switch rule.match(tool: tool, arguments: arguments) {
            case .matches:
                return .fail(.deny(rule.id, "tool \(tool) needs human approval (\(rule.path)); traces have no approver"))
            case .unrecorded(let argument):
                if unknownDeny == nil { unknownDeny = .unevaluable(rule.id, Self.unrecordedReason(argument)) }
            case .otherTool, .argumentMismatch:
                break
            }
        }
        for rule in deny {
            switch rule.match(tool: tool, arguments: arguments) {
            case .matches:
                return .fail(.deny(rule.id, "tool \(tool) is denied by \(rule.path)"))
            case .unrecorded(let argument):
                if unknownDeny == nil { unknownDeny = .unevaluable(rule.id, Self.unrecordedReason(argument)) }
            case .otherTool, .argumentMismatch:
                break
            }
        }
        var unknownAllow: LegacyVerdict?
        var firstMismatch: String?
        for rule in allow {
            switch rule.match(tool: tool, arguments: arguments) {
            case .matches:
                if let unknownDeny { return .fail(unknownDeny) }
                return .pass(LegacyGrant(rule: rule.id, reason: rule.grantReason, declared: true))
            case .unrecorded(let argument):
                if unknownAllow == nil { unknownAllow = .unevaluable(rule.id, Self.unrecordedReason(argument)) }
            case .argumentMismatch(let argument, let pattern):
                if firstMismatch == nil { firstMismatch = "argument `\(argument)` does not match \(pattern) (\(rule.path))" }
            case .otherTool:
                break
            }
        }
        if let unknownDeny { return .fail(unknownDeny) }
        if let unknownAllow { return .fail(unknownAllow) }
        switch defaultEffect {
        case .allow:
            return .pass(LegacyGrant(rule: defaultRule, reason: "tool \(tool) matches no allow rule; tools.default is allow", declared: true))
        case .deny:
            return .fail(.deny(defaultRule, firstMismatch ?? "tool \(tool) matches no allow rule"))
        }
    }

    static func unrecordedReason(_ argument: String) -> String {
        argument == "*" ? "arguments were not recorded" : "argument `\(argument)` was not recorded"
    }
}
