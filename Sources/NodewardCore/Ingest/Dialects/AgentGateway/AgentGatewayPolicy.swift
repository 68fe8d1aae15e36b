/// One tenant's agentgateway enforcement, reproducing its semantics (docs/sandbox-config.md,
/// "agentgateway"; agentgateway `RuleSets::validate` in `crates/agentgateway/src/http/authorization.rs`):
///
/// 1. Steps other than tool calls are not mediated by `mcpAuthorization`: allowed (`agentgateway.unmediated`).
/// 2. JWT authentication (every `jwtAuth`/`mcpAuthentication` on the way): a recorded issuer other than `issuer`, or a recorded audience outside
///    `audiences`, is denied; in `strict` mode a step without a recorded principal is unevaluable.
/// 3. The rule sets of the route, its MCP backend and the call's target are combined: no rules → allow;
///    any true deny → deny; any require not true → deny; any true allow → allow; otherwise deny if any
///    allow rule exists, allow if none does (deny-list semantics).
/// 4. A rule whose evaluation errors is false, as agentgateway's `eval_bool` makes it (so an erroring
///    allow does not allow and an erroring deny does not deny). A rule Nodeward cannot evaluate
///    (unsupported-cel, a limit, or data the trace did not record) makes the decision unevaluable when
///    its value could change the outcome, never an allow.
public struct AgentGatewayPolicy: Sendable {
    public let tenant: AgentGatewayTenant

    public init(tenant: AgentGatewayTenant) { self.tenant = tenant }

    var tenantId: String { tenant.tenantId }
    var route: AgentGatewayRoute { tenant.route }

    /// `acme/agentgateway.policies.mcpAuthorization.rules[2]`.
    public func ruleId(_ path: String) -> String { "\(tenantId)/agentgateway.\(path)" }

    /// Every rule id this policy can decide by, with a one-line description, sorted by id (the
    /// counterpart of `LegacyEvaluator.rules()`, for analyze's declared-versus-used view).
    public func rules() -> [(id: String, description: String)] {
        var rules: [(id: String, description: String)] = [
            (ruleId("unmediated"), "steps other than MCP tool calls pass (not mediated by mcpAuthorization)"),
            (ruleId("mcpAuthorization"), "no mcpAuthorization rules: every call is allowed"),
            (ruleId("mcpAuthorization.default"), "no allow rule matches"),
            (ruleId("mcpAuthorization.denylist"), "no deny rule matches and no allow rule exists"),
            (ruleId("targets"), "the call's target is not recorded and target-level rules differ"),
        ]
        for auth in route.authentications + route.targets.flatMap(\.authentications) {
            rules.append((ruleId(auth.path), "a valid JWT is required (\(auth.mode.rawValue))"))
            rules.append((ruleId("\(auth.path).issuer"), "the JWT issuer must be the configured one"))
            rules.append((ruleId("\(auth.path).audiences"), "the JWT audience must be a configured one"))
        }
        for rule in route.allRules {
            let state: String
            switch rule.program {
            case .success: state = "evaluated"
            case .failure(let issue): state = "not evaluated: \(issue.code.rawValue)"
            }
            rules.append((ruleId(rule.path), "\(rule.effect.rawValue) rule (\(state))"))
        }
        return rules.sorted { $0.id < $1.id }
    }

    private func decision(_ effect: Effect, _ path: String, _ reason: String) -> Decision {
        Decision(regime: .legacy, effect: effect, rule: ruleId(path), reason: reason)
    }

    public func decide(_ step: Step) -> Decision {
        guard step.kind == .toolCall else {
            return decision(.allow, "unmediated", "agentgateway's mcpAuthorization mediates MCP tool calls only; a \(step.kind.rawValue) step passes")
        }
        let call = AgentGatewayCall(step: step, targets: route.targets.map(\.name))
        let target = call.target.flatMap { name in route.targets.first { $0.name == name } }
        // Every authentication policy on the way applies: the route's, the MCP backend's, the target's.
        for auth in route.authentications + (target?.authentications ?? []) {
            if let refused = checkJWT(step, auth: auth) { return refused }
        }
        var sets = route.ruleSets
        if let target {
            sets += target.ruleSets
        } else if route.targets.contains(where: { !$0.ruleSets.isEmpty }) {
            return decision(.unevaluable, "targets", "the step's MCP target is not recorded and target-level rules differ")
        }
        let rules = sets.flatMap(\.rules)
        guard !rules.isEmpty else {
            return decision(.allow, "mcpAuthorization", "no mcpAuthorization rules: every call is allowed")
        }
        let activation = call.activation(principal: step.principal)
        var denied: AgentGatewayRule?
        var failedRequire: AgentGatewayRule?
        var unknownDenial: AgentGatewayRule?
        var unknownAllow: AgentGatewayRule?
        var allowed: AgentGatewayRule?
        for rule in rules {
            let value = Self.evaluate(rule, activation)
            switch (rule.effect, value) {
            case (.deny, true?): if denied == nil { denied = rule }
            case (.require, false?): if failedRequire == nil { failedRequire = rule }
            case (.deny, nil), (.require, nil): if unknownDenial == nil { unknownDenial = rule }
            case (.allow, true?): if allowed == nil { allowed = rule }
            case (.allow, nil): if unknownAllow == nil { unknownAllow = rule }
            case (.deny, false?), (.require, true?), (.allow, false?): break
            }
        }
        // agentgateway's order: deny rules, then require rules, then allow rules.
        if let rule = denied {
            return decision(.deny, rule.path, "tool \(step.operation) is denied by \(rule.path)")
        }
        if let rule = failedRequire {
            return decision(.deny, rule.path, "tool \(step.operation) fails \(rule.path) (require)")
        }
        if let rule = unknownDenial {
            return decision(.unevaluable, rule.path, "\(rule.path) cannot be evaluated on this step (\(Self.why(rule, activation)))")
        }
        if let rule = allowed {
            return decision(.allow, rule.path, "tool \(step.operation) is allowed by \(rule.path)")
        }
        if let rule = unknownAllow {
            return decision(.unevaluable, rule.path, "\(rule.path) cannot be evaluated on this step (\(Self.why(rule, activation)))")
        }
        guard rules.contains(where: { $0.effect == .allow }) else {
            return decision(.allow, "mcpAuthorization.denylist", "no deny rule matches and no allow rule exists (deny-list semantics)")
        }
        return decision(.deny, "mcpAuthorization.default", "tool \(step.operation) matches no allow rule")
    }

    /// true, false, or nil when Nodeward cannot tell. Errors are false (agentgateway's `eval_bool`).
    static func evaluate(_ rule: AgentGatewayRule, _ activation: CELActivation) -> Bool? {
        guard case .success(let program) = rule.program else { return nil }
        switch program.evaluate(activation) {
        case .value(.bool(let flag)): return flag
        case .value, .error: return false
        case .unknown: return nil
        }
    }

    static func why(_ rule: AgentGatewayRule, _ activation: CELActivation) -> String {
        switch rule.program {
        case .failure(let issue): return issue.description
        case .success(let program):
            if case .unknown(let unknown) = program.evaluate(activation) { return unknown.description }
            return "unknown"
        }
    }

    private func checkJWT(_ step: Step, auth: AgentGatewayJWTAuth) -> Decision? {
        guard let principal = step.principal else {
            if auth.mode == .strict {
                return decision(.unevaluable, auth.path, "the route requires a valid JWT and the step recorded no principal")
            }
            return nil
        }
        if auth.mode == .permissive { return nil }
        if let expected = auth.issuer, let issuer = principal.issuer, issuer != expected {
            return decision(.deny, "\(auth.path).issuer", "JWT issuer is not the issuer of \(auth.path)")
        }
        if !auth.audiences.isEmpty, let audience = principal.audience, !auth.audiences.contains(audience) {
            return decision(.deny, "\(auth.path).audiences", "JWT audience is not one of the audiences of \(auth.path)")
        }
        return nil
    }
}

/// A Nodeward step seen as an agentgateway MCP call: the tool name split from its target, and the CEL
/// activation (`jwt`, `mcp.tool.{name, target, arguments}`; `source` and agentgateway's other
/// variables are not recorded, so reading them is unknown).
struct AgentGatewayCall {
    var tool: String
    var target: String?
    var arguments: [String: JSONValue]

    /// With one target, agentgateway does not rename tools: the operation is the tool and the target is
    /// that target. With several it multiplexes them as `target_tool`; Nodeward's MCP naming is
    /// `target.tool`: either splits (the longest target name wins). An operation without a target
    /// prefix on a multi-target route is the tool, with its target not recorded.
    init(step: Step, targets: [String]) {
        arguments = step.arguments
        let split = Self.split(step.operation, targets: targets)
        tool = split.tool
        target = split.target ?? (targets.count == 1 ? targets[0] : nil)
    }

    static func split(_ operation: String, targets: [String]) -> (target: String?, tool: String) {
        guard targets.count > 1 else { return (nil, operation) }
        for target in targets.sorted(by: { $0.count > $1.count }) {
            for separator in [".", "_"] where operation.hasPrefix(target + separator) && operation.count > target.count + 1 {
                return (target, String(operation.dropFirst(target.count + 1)))
            }
        }
        return (nil, operation)
    }

    static let platformVariables: Set<String> = [
        "request", "response", "proxy", "env", "apiKey", "basicAuth", "llm", "llmRequest", "source", "destination",
        "backend", "extauthz", "extproc", "mcpGuardrails", "metadata",
    ]

    func activation(principal: Principal?) -> CELActivation {
        var tool: [String: CELValue] = ["name": .string(self.tool)]
        if let target { tool["target"] = .string(target) }
        // Arguments a trace records may be partial: a missing one is unknown, as in the legacy tool rules.
        tool["arguments"] = .map(CELMap(strings: arguments.mapValues(CELValue.init(json:)), isComplete: false))
        let mcp = CELValue.map(CELMap(strings: ["tool": .map(CELMap(strings: tool, isComplete: target != nil))]))
        var variables: [String: CELValue] = ["mcp": mcp]
        var unrecorded = Self.platformVariables
        if let principal {
            variables["jwt"] = .map(Self.claims(principal))
        } else {
            unrecorded.insert("jwt")
        }
        return CELActivation(variables, unrecordedNames: unrecorded)
    }

    /// The principal's claims as a JWT claims map: `sub`, `iss`, `aud` from the principal, and claim names
    /// with dots (`nested.key`) as nested maps, so `jwt.nested.key` reads them.
    static func claims(_ principal: Principal) -> CELMap {
        var root: [String: CELValue] = [:]
        func insert(_ path: [Substring], _ value: String, into map: inout [String: CELValue]) {
            guard let first = path.first else { return }
            let key = String(first)
            if path.count == 1 {
                if map[key] == nil { map[key] = .string(value) }
                return
            }
            var inner: [String: CELValue] = [:]
            if case .map(let existing)? = map[key] {
                for (entryKey, entryValue) in existing.entries {
                    if case .string(let text) = entryKey.storage { inner[text.text] = entryValue }
                }
            } else if map[key] != nil {
                return
            }
            insert(Array(path.dropFirst()), value, into: &inner)
            map[key] = .map(CELMap(strings: inner))
        }
        for (name, value) in principal.claims.sorted(by: { $0.key < $1.key }) {
            insert(name.split(separator: ".", omittingEmptySubsequences: false), value, into: &root)
        }
        if let subject = principal.subject, root["sub"] == nil { root["sub"] = .string(subject) }
        if let issuer = principal.issuer, root["iss"] == nil { root["iss"] = .string(issuer) }
        if let audience = principal.audience, root["aud"] == nil { root["aud"] = .string(audience) }
        return CELMap(strings: root)
    }
}
