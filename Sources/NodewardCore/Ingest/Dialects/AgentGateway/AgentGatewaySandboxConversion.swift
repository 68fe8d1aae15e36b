/// A rule (or setting) of an agentgateway route that a `TenantAgentSandbox` cannot express.
public struct AgentGatewayUnexpressible: Sendable, Hashable {
    public var keyPath: String
    public var location: SourceLocation
    public var reason: String
    /// The route-relative path of the native rule whose decisions the difference affects
    /// (`policies.mcpAuthorization.rules[2]`, `unmediated`), so reports name the rule id.
    public var rulePath: String
}

/// The closest `TenantSandbox` to one agentgateway tenant, and what it leaves out.
public struct AgentGatewayConversion: Sendable {
    public var sandbox: TenantSandbox
    public var unexpressible: [AgentGatewayUnexpressible]
}

/// Converts an agentgateway tenant to a sandbox (docs/sandbox-config.md, "agentgateway", mapping table):
/// allow rules → `tools.allow`, deny rules → `tools.deny`, the default is deny when an allow rule exists
/// (allow-list) and allow otherwise (deny-list); `jwtAuth` → `identity`. A rule converts when it is a
/// combination with `&&` and `||` (converted through its disjunctive normal form) of conditions on `mcp.tool.name` (`==`, `in` a list,
/// `startsWith`, `endsWith`, `contains`), `mcp.tool.target ==`, string conditions on
/// `mcp.tool.arguments.<name>` (`==`, `startsWith`, `endsWith`, `contains`), `true`, and
/// `jwt.iss == <the issuer>` or `jwt.<tenantClaim> == <value>`. Everything else is listed, with why.
/// An unexpressible allow rule is left out (the sandbox is narrower); an unexpressible deny or require
/// rule is left out too, and its entry says the sandbox is wider there.
public enum AgentGatewaySandboxConversion {
    public static func convert(_ tenant: AgentGatewayTenant, tenantClaim: String? = nil) -> AgentGatewayConversion {
        var converter = Converter(tenant: tenant, tenantClaim: tenantClaim)
        return converter.run()
    }

    /// One condition set of a converted rule: a tool glob and argument globs.
    struct Grant {
        var tools: [Glob]
        var args: [String: Glob]
    }

    struct Unsupported: Error {
        var reason: String
    }

    struct Converter {
        let tenant: AgentGatewayTenant
        let tenantClaim: String?
        var unexpressible: [AgentGatewayUnexpressible] = []
        var tenantClaimValues: Set<String> = []
        var targets: [String] { tenant.route.targets.map(\.name) }

        /// The one value the rules compare the tenant claim with; nil when they name none or several (one
        /// sandbox is one tenant: several values would let each value's callers use every value's grants).
        let tenantClaimValue: String?
        /// Converted allow rules that do not test the tenant claim (the binding narrows them).
        var allowRulesWithoutClaim = 0
        var ruleTestedClaim = false

        init(tenant: AgentGatewayTenant, tenantClaim: String?) {
            self.tenant = tenant
            self.tenantClaim = tenantClaim
            var values: Set<String> = []
            if let tenantClaim {
                for rule in tenant.route.allRules {
                    guard case .success(let program) = rule.program else { continue }
                    let tree = program.tree
                    for node in tree.nodes {
                        guard case .binary(.equal, let left, let right) = node.kind else { continue }
                        for (side, other) in [(left, right), (right, left)] where Self.path(tree, side) == ["jwt", tenantClaim] {
                            if case .literal(.string(let text)) = tree[other].kind { values.insert(text) }
                        }
                    }
                }
            }
            tenantClaimValue = values.count == 1 ? values.first : nil
        }

        mutating func note(_ keyPath: String, _ location: SourceLocation, _ reason: String, rule rulePath: String) {
            unexpressible.append(AgentGatewayUnexpressible(keyPath: keyPath, location: location, reason: reason, rulePath: rulePath))
        }

        mutating func run() -> AgentGatewayConversion {
            let route = tenant.route
            var tools = ToolsConfig()
            let routeRules = route.ruleSets.flatMap(\.rules)
            for rule in routeRules { convert(rule, scopedTo: nil, into: &tools) }
            // Target-level rules apply to their target only: each converts scoped by the target prefix.
            for target in route.targets {
                for rule in target.ruleSets.flatMap(\.rules) { convert(rule, scopedTo: target.name, into: &tools) }
            }
            let hasAllowRule = route.allRules.contains { $0.effect == .allow }
            let targetAllows = route.targets.filter { $0.ruleSets.flatMap(\.rules).contains { $0.effect == .allow } }
            if !routeRules.contains(where: { $0.effect == .allow }), !targetAllows.isEmpty, targetAllows.count < route.targets.count {
                note(route.keyPath, route.location,
                     "allow rules on some targets only: agentgateway allows every tool of the other targets (deny-list), the sandbox's one default denies them", rule: "mcpAuthorization.denylist")
            }
            tools.defaultEffect = hasAllowRule ? .deny : .allow
            tools.allow = tools.allow.enumerated().map { ToolRule(tool: $1.tool, args: $1.args, index: $0, source: $1.source) }
            tools.deny = tools.deny.enumerated().map { ToolRule(tool: $1.tool, args: $1.args, index: $0, source: $1.source) }
            if !tenantClaimValues.isEmpty, allowRulesWithoutClaim > 0 {
                note(route.keyPath, route.location,
                     "the tenant-claim binding applies to every rule in a sandbox; \(allowRulesWithoutClaim) allow rule(s) without the claim condition are narrower there", rule: "mcpAuthorization")
            }
            var identity: IdentityConfig?
            let authentications = route.authentications + route.targets.flatMap(\.authentications)
            if let auth = authentications.first {
                identity = convertIdentity(auth)
            }
            for extra in authentications.dropFirst() {
                note(extra.keyPath, extra.location, "a second authentication policy: a sandbox accepts any of its issuers, agentgateway requires each; only the first is converted", rule: extra.path)
            }
            for unmodelled in route.unmodelled {
                note(unmodelled.keyPath, unmodelled.location, "agentgateway policy `\(unmodelled.policy)` has no counterpart in a tenant sandbox", rule: "unmodelled.\(unmodelled.policy)")
            }
            note(route.keyPath, route.location,
                 "agentgateway does not mediate memory, retrieval, data-store or egress steps; the sandbox denies those it declares nothing for", rule: "unmediated")
            let sandbox = TenantSandbox(
                name: tenant.tenantId, labels: ["nodeward.dev/imported-from": "agentgateway"], tenantId: tenant.tenantId,
                identity: identity, tools: tools, source: route.location)
            return AgentGatewayConversion(sandbox: sandbox, unexpressible: unexpressible)
        }

        mutating func convertIdentity(_ auth: AgentGatewayJWTAuth) -> IdentityConfig? {
            guard let issuer = auth.issuer else {
                note(auth.keyPath, auth.location, "jwtAuth without an issuer: a tenant sandbox identity needs one", rule: auth.path)
                return nil
            }
            if auth.audiences.count > 1 {
                note(auth.keyPath + ".audiences", auth.location, "several audiences: a sandbox issuer has one; the first is kept", rule: "\(auth.path).audiences")
            }
            if auth.mode == .strict {
                note(auth.keyPath, auth.location, "agentgateway refuses a call without a valid token; a sandbox checks recorded principals only, so a step without one is not refused there", rule: auth.path)
            } else {
                note(auth.keyPath + ".mode", auth.location, "jwtAuth mode \(auth.mode.rawValue) has no counterpart: a sandbox checks recorded principals only", rule: auth.path)
            }
            let values = tenantClaimValues.sorted()
            return IdentityConfig(issuers: [IssuerConfig(
                issuer: issuer, audience: auth.audiences.first, tenantClaim: values.isEmpty ? nil : tenantClaim, tenantClaimValues: values)])
        }

        mutating func convert(_ rule: AgentGatewayRule, scopedTo target: String?, into tools: inout ToolsConfig) {
            if rule.effect == .require {
                note(rule.keyPath, rule.location, "require rules have no counterpart in a tenant sandbox; the sandbox is wider here", rule: rule.path)
                return
            }
            guard case .success(let program) = rule.program else {
                note(rule.keyPath, rule.location, "the rule is outside the CEL subset; it is left out", rule: rule.path)
                return
            }
            do {
                ruleTestedClaim = false
                let converted = try grants(program.tree, program.tree.root, target: target)
                if rule.effect == .allow, !ruleTestedClaim { allowRulesWithoutClaim += 1 }
                for grant in converted {
                    for tool in grant.tools {
                        let entry = ToolRule(tool: tool, args: grant.args, index: 0, source: rule.location)
                        if rule.effect == .allow { tools.allow.append(entry) } else { tools.deny.append(entry) }
                    }
                }
            } catch {
                let consequence = rule.effect == .allow ? "it is left out (the sandbox is narrower)" : "it is left out (the sandbox is wider here)"
                note(rule.keyPath, rule.location, "\(error.reason); \(consequence)", rule: rule.path)
            }
        }

        /// The grants a condition allows: its disjunctive normal form, one grant set per conjunction.
        mutating func grants(_ tree: CELSyntaxTree, _ index: Int, target: String?) throws(Unsupported) -> [Grant] {
            var result: [Grant] = []
            for conjunction in try Self.disjunctiveNormalForm(tree, index) {
                var conditions = Conditions(targetConstraint: target)
                for atom in conjunction { try collect(tree, atom, into: &conditions) }
                result += try conditions.grants(targets: targets)
            }
            return result
        }

        /// `a && (b || c)` → [[a, b], [a, c]]: conjunctions of atoms (nodes that are neither `&&` nor `||`).
        /// Bounded: a rule that expands past 64 conjunctions is not converted.
        static func disjunctiveNormalForm(_ tree: CELSyntaxTree, _ index: Int) throws(Unsupported) -> [[Int]] {
            switch tree[index].kind {
            case .binary(.or, let left, let right):
                let forms = try disjunctiveNormalForm(tree, left) + disjunctiveNormalForm(tree, right)
                guard forms.count <= 64 else { throw Unsupported(reason: "the rule expands to more than 64 alternatives") }
                return forms
            case .binary(.and, let left, let right):
                let lhs = try disjunctiveNormalForm(tree, left)
                let rhs = try disjunctiveNormalForm(tree, right)
                guard lhs.count * rhs.count <= 64 else { throw Unsupported(reason: "the rule expands to more than 64 alternatives") }
                return lhs.flatMap { first in rhs.map { first + $0 } }
            default:
                return [[index]]
            }
        }

        struct Conditions {
            var targetConstraint: String?
            var toolPatterns: [[ToolPattern]] = []
            var args: [String: String] = [:]
            var never = false

            /// Each conjunct on the tool name: one of these patterns (a list for `in`).
            enum ToolPattern: Hashable {
                case exact(String)
                case prefix(String)
                case suffix(String)
                case infix(String)

                func glob(escaped: (String) -> String) -> String {
                    switch self {
                    case .exact(let text): return escaped(text)
                    case .prefix(let text): return escaped(text) + "*"
                    case .suffix(let text): return "*" + escaped(text)
                    case .infix(let text): return "*" + escaped(text) + "*"
                    }
                }
            }

            func grants(targets: [String]) throws(Unsupported) -> [Grant] {
                if never { return [] }
                guard toolPatterns.count <= 1 else { throw Unsupported(reason: "two conditions on mcp.tool.name in one conjunction have no single glob") }
                let patterns = toolPatterns.first ?? [.prefix("")]
                var argGlobs: [String: Glob] = [:]
                for (name, pattern) in args {
                    do { argGlobs[name] = try Glob(pattern) } catch { throw Unsupported(reason: "an argument condition does not form a glob") }
                }
                var globs: [Glob] = []
                for pattern in patterns {
                    for text in try toolGlobs(pattern, targets: targets) {
                        do { globs.append(try Glob(text)) } catch { throw Unsupported(reason: "a tool-name condition does not form a glob") }
                    }
                }
                return [Grant(tools: globs, args: argGlobs)]
            }

            /// Tool globs over step operations (see AgentGatewayCall: with one target names are used as
            /// is; with several, `target.tool` and `target_tool`).
            func toolGlobs(_ pattern: ToolPattern, targets: [String]) throws(Unsupported) -> [String] {
                if targets.count <= 1 {
                    if let constraint = targetConstraint, constraint != targets.first { return [] }
                    return [pattern.glob(escaped: Self.escape)]
                }
                let scoped = targetConstraint.map { [$0] } ?? targets
                var globs: [String] = []
                for target in scoped {
                    for separator in [".", "_"] { globs.append(Self.escape(target + separator) + pattern.glob(escaped: Self.escape)) }
                }
                if targetConstraint == nil {
                    // An operation without a target prefix is the tool itself; only an exact name that
                    // does not itself start with a target prefix keeps the same meaning as a plain glob.
                    guard case .exact(let name) = pattern else {
                        throw Unsupported(reason: "with several targets, a tool-name pattern without a mcp.tool.target condition would also match target-prefixed names")
                    }
                    if AgentGatewayCall.split(name, targets: targets).target == nil { globs.append(Self.escape(name)) }
                }
                return globs
            }

            static func escape(_ text: String) -> String {
                var output = ""
                for character in text {
                    if "*?[]\\".contains(character) { output.append("\\") }
                    output.append(character)
                }
                return output
            }
        }

        /// Reads one conjunction's atoms into `conditions`.
        mutating func collect(_ tree: CELSyntaxTree, _ index: Int, into conditions: inout Conditions) throws(Unsupported) {
            let node = tree[index]
            switch node.kind {
            case .literal(.bool(true)):
                return
            case .literal(.bool(false)):
                conditions.never = true
            case .binary(.equal, let left, let right):
                let (path, literal) = try pathAndString(tree, left, right)
                try equality(path, literal, into: &conditions)
            case .binary(.in, let left, let right):
                guard Self.path(tree, left) == ["mcp", "tool", "name"], case .list(let items) = tree[right].kind else {
                    throw Unsupported(reason: "only `mcp.tool.name in [\"…\"]` converts among `in` tests")
                }
                var names: [Conditions.ToolPattern] = []
                for item in items {
                    guard case .literal(.string(let name)) = tree[item].kind else { throw Unsupported(reason: "a tool list with a non-string item") }
                    names.append(.exact(name))
                }
                conditions.toolPatterns.append(names)
            case .call(let function, let receiver?, let arguments) where [.startsWith, .endsWith, .contains].contains(function):
                guard let path = Self.path(tree, receiver), arguments.count == 1, case .literal(.string(let text)) = tree[arguments[0]].kind else {
                    throw Unsupported(reason: "a string test on something other than a tool name or argument, or with a non-literal argument")
                }
                let pattern: Conditions.ToolPattern = function == .startsWith ? .prefix(text) : (function == .endsWith ? .suffix(text) : .infix(text))
                if path == ["mcp", "tool", "name"] {
                    conditions.toolPatterns.append([pattern])
                } else if let argument = Self.argumentName(path) {
                    guard conditions.args[argument] == nil else { throw Unsupported(reason: "two conditions on one argument") }
                    conditions.args[argument] = pattern.glob(escaped: Conditions.escape)
                } else {
                    throw Unsupported(reason: "a condition on `\(path.joined(separator: "."))` has no counterpart in a tenant sandbox")
                }
            case .select(let operand, let field, true):
                let name = (Self.path(tree, operand) ?? ["…"]) + [field]
                throw Unsupported(reason: "a presence test on `\(name.joined(separator: "."))` has no counterpart in a tenant sandbox")
            default:
                throw Unsupported(reason: "this kind of condition has no counterpart in a tenant sandbox")
            }
        }

        mutating func equality(_ path: [String], _ literal: String, into conditions: inout Conditions) throws(Unsupported) {
            switch path {
            case ["mcp", "tool", "name"]:
                conditions.toolPatterns.append([.exact(literal)])
            case ["mcp", "tool", "target"]:
                if let constraint = conditions.targetConstraint, constraint != literal { conditions.never = true }
                conditions.targetConstraint = literal
            case ["jwt", "iss"] where literal == tenant.route.jwtAuth?.issuer:
                return
            default:
                if let argument = Self.argumentName(path) {
                    guard conditions.args[argument] == nil else { throw Unsupported(reason: "two conditions on one argument") }
                    conditions.args[argument] = Conditions.escape(literal)
                } else if let tenantClaim, path == ["jwt", tenantClaim] {
                    guard literal == tenantClaimValue else {
                        throw Unsupported(reason: "the rules compare the tenant claim `\(tenantClaim)` with several values; one sandbox binds one tenant")
                    }
                    tenantClaimValues.insert(literal)
                    ruleTestedClaim = true
                } else {
                    throw Unsupported(reason: "a condition on `\(path.joined(separator: "."))` has no counterpart in a tenant sandbox (only the tenant claim and the issuer do)")
                }
            }
        }

        func pathAndString(_ tree: CELSyntaxTree, _ left: Int, _ right: Int) throws(Unsupported) -> ([String], String) {
            if let path = Self.path(tree, left), case .literal(.string(let text)) = tree[right].kind { return (path, text) }
            if let path = Self.path(tree, right), case .literal(.string(let text)) = tree[left].kind { return (path, text) }
            throw Unsupported(reason: "only comparisons of a field with a string literal convert")
        }

        /// `mcp.tool.arguments.path` and `mcp.tool.arguments["path"]` → the argument name.
        static func argumentName(_ path: [String]) -> String? {
            guard path.count == 4, path.starts(with: ["mcp", "tool", "arguments"]) else { return nil }
            return path[3]
        }

        /// A chain of field selections and string indexes from a variable, as names.
        static func path(_ tree: CELSyntaxTree, _ index: Int) -> [String]? {
            switch tree[index].kind {
            case .identifier(let name): return [name]
            case .select(let operand, let field, false): return path(tree, operand).map { $0 + [field] }
            case .index(let operand, let key):
                guard case .literal(.string(let name)) = tree[key].kind else { return nil }
                return path(tree, operand).map { $0 + [name] }
            default: return nil
            }
        }
    }
}
