import Yams

/// Errors and warnings of one agentgateway file, with the configs read.
public struct AgentGatewayReadResult: Sendable {
    public var config: AgentGatewayConfig?
    public var diagnostics: [Diagnostic]

    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
}

/// Reads an agentgateway `config.yaml` (the `binds` form, the simplified `mcp:` form and the routing
/// form `routes:`), with the sandbox reader's limits and YAML helpers: every diagnostic has
/// `file:line:col` and a key path and names fields, never values.
public struct AgentGatewayReader: Sendable {
    public var limits: SandboxLimits
    public var celLimits: CELLimits

    public init(limits: SandboxLimits = .default, celLimits: CELLimits = .default) {
        self.limits = limits
        self.celLimits = celLimits
    }

    /// Reads a file from disk (size-checked before it is read, UTF-8 checked).
    public func read(file: String) -> AgentGatewayReadResult {
        switch SandboxReader.loadText(file, limits: limits) {
        case .success(let text): return parse(text: text, file: file)
        case .failure(let diagnostic): return AgentGatewayReadResult(config: nil, diagnostics: [diagnostic])
        }
    }

    public func parse(text: String, file: String) -> AgentGatewayReadResult {
        let text = InputFile.withoutByteOrderMark(text)
        guard text.utf8.count <= limits.maxFileBytes else {
            return AgentGatewayReadResult(config: nil, diagnostics: [SandboxFileParser.tooLarge(file: file, size: text.utf8.count, limit: limits.maxFileBytes)])
        }
        let chunks = SandboxPreScan.splitDocuments(text)
        guard let chunk = chunks.first else {
            return AgentGatewayReadResult(config: nil, diagnostics: [.warning(.agentGatewayNoRoutes, "file holds no YAML document", at: SourceLocation(file: file, line: 1, column: 1))])
        }
        var diagnostics: [Diagnostic] = []
        if chunks.count > 1 {
            diagnostics.append(.warning(
                .sandboxUnknownKey, "an agentgateway config is one YAML document; the documents after the first are ignored",
                at: SourceLocation(file: file, line: chunks[1].firstLine, column: 1)))
        }
        if let offence = SandboxPreScan.check(chunk, limits: limits) {
            return AgentGatewayReadResult(config: nil, diagnostics: diagnostics + [.error(offence.code, offence.message, at: SourceLocation(file: file, line: offence.line, column: offence.column))])
        }
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: chunk.text) else {
                return AgentGatewayReadResult(config: nil, diagnostics: diagnostics + [.warning(
                    .agentGatewayNoRoutes, "file holds no YAML document", at: SourceLocation(file: file, line: chunk.firstLine, column: 1))])
            }
            root = composed
        } catch {
            return AgentGatewayReadResult(config: nil, diagnostics: diagnostics + [Self.yamlDiagnostic(error, chunk: chunk, file: file)])
        }
        let walker = SandboxNodeWalker(file: file, lineOffset: chunk.firstLine - 1)
        if let past = SandboxNodeWalker.firstNodePastLimit(root, maxNodes: limits.maxNodes) {
            return AgentGatewayReadResult(config: nil, diagnostics: diagnostics + [.error(
                .yamlNodeLimit, "the document expands to more than \(limits.maxNodes) nodes (aliases counted at every use)",
                at: walker.location(past))])
        }
        let decoder = AgentGatewayDecoder(walker: walker, celLimits: celLimits)
        let routes = decoder.decodeRoot(root)
        diagnostics += walker.diagnostics
        if routes.isEmpty, walker.errorCount == 0 {
            diagnostics.append(.warning(.agentGatewayNoRoutes, "no route has an MCP backend; nothing to evaluate", at: walker.location(root)))
        }
        return AgentGatewayReadResult(config: AgentGatewayConfig(file: file, routes: routes), diagnostics: Self.sorted(diagnostics))
    }

    /// By line and column, keeping the walk order for one place (as the sandbox reader sorts).
    static func sorted(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        diagnostics.enumerated().sorted { lhs, rhs in
            let left = (lhs.element.location?.line ?? 0, lhs.element.location?.column ?? 0)
            let right = (rhs.element.location?.line ?? 0, rhs.element.location?.column ?? 0)
            return left != right ? left < right : lhs.offset < rhs.offset
        }.map(\.element)
    }

    /// YAML errors with their location, never the offending line's text.
    static func yamlDiagnostic(_ error: any Error, chunk: SandboxPreScan.DocumentChunk, file: String) -> Diagnostic {
        let offset = chunk.firstLine - 1
        let start = SourceLocation(file: file, line: chunk.firstLine, column: 1)
        guard let yamlError = error as? YamlError else { return .error(.yamlSyntax, "could not parse YAML", at: start) }
        switch yamlError {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return .error(.yamlSyntax, problem, at: SourceLocation(file: file, line: mark.line + offset, column: mark.column))
        case .duplicatedKeysInMapping(_, let context):
            return .error(
                .sandboxDuplicateKey, "duplicate key in one mapping; the document is skipped",
                at: SourceLocation(file: file, line: context.mark.line + offset, column: context.mark.column))
        default:
            return .error(.yamlSyntax, "could not parse YAML", at: start)
        }
    }
}

/// Walks the composed document. Uses `SandboxNodeWalker`'s typed accessors, so type errors read like the
/// sandbox reader's (`sandbox.type`, `sandbox.unknown-key`).
struct AgentGatewayDecoder {
    let walker: SandboxNodeWalker
    let celLimits: CELLimits

    static let rootKeys = ["binds", "mcp", "routes", "gateways", "config", "frontendPolicies", "policies", "workloads", "services", "backends", "llm", "listeners"]
    /// Policies with an authorization effect that Nodeward does not model: each is reported.
    static let unmodelledPolicies = ["extAuthz", "authorization", "apiKey", "basicAuth", "localRateLimit", "remoteRateLimit", "mcpGuardrails", "extProc", "csrf", "a2a", "networkAuthorization"]
    /// Policies without an effect on which calls are allowed.
    static let ignoredPolicies = [
        "cors", "backendAuth", "backendTLS", "requestHeaderModifier", "responseHeaderModifier", "requestRedirect", "urlRewrite",
        "timeout", "retry", "transformations", "directResponse", "ai", "tracing", "accessLog", "hostRewrite", "requestMirror",
        "backendTunnel", "oidc", "resourceMetadata",
    ]

    func decodeRoot(_ root: Node) -> [AgentGatewayRoute] {
        guard let entries = walker.mapping(root, "") else { return [] }
        walker.checkKeys(entries, known: Self.rootKeys)
        var routes: [AgentGatewayRoute] = []
        if let binds = entries["binds"].flatMap({ walker.list($0, "binds") }) {
            for bind in binds {
                guard let bindEntries = walker.mapping(bind.node, bind.path) else { continue }
                walker.checkKeys(bindEntries, known: ["port", "listeners", "tunnelProtocol"])
                guard let listeners = bindEntries["listeners"].flatMap({ walker.list($0, bindEntries.child("listeners")) }) else { continue }
                for listener in listeners {
                    guard let listenerEntries = walker.mapping(listener.node, listener.path) else { continue }
                    walker.checkKeys(listenerEntries, known: ["name", "gatewayName", "hostname", "protocol", "tls", "routes", "tcpRoutes", "policies"])
                    if let policies = listenerEntries["policies"] { reportUnmodelled(policies, listenerEntries.child("policies")) }
                    guard let listed = listenerEntries["routes"].flatMap({ walker.list($0, listenerEntries.child("routes")) }) else { continue }
                    for route in listed {
                        if let decoded = decodeRoute(route.node, route.path) { routes.append(decoded) }
                    }
                }
            }
        }
        if let listed = entries["routes"].flatMap({ walker.list($0, "routes") }) {
            for route in listed {
                if let decoded = decodeRoute(route.node, route.path) { routes.append(decoded) }
            }
        }
        if let simplified = entries["mcp"], let decoded = decodeSimplifiedMCP(simplified, "mcp") { routes.append(decoded) }
        return routes
    }

    /// `routes[i]`: `policies` and `backends`; a route without an MCP backend is not a tenant.
    func decodeRoute(_ node: Node, _ path: String) -> AgentGatewayRoute? {
        guard let entries = walker.mapping(node, path) else { return nil }
        walker.checkKeys(entries, known: ["name", "ruleName", "namespace", "hostnames", "matches", "policies", "backends"])
        let name = entries["name"].flatMap { walker.nonEmptyString($0, entries.child("name")) }
        var route = AgentGatewayRoute(name: name, keyPath: path, location: walker.location(node), authentications: [], ruleSets: [], targets: [], unmodelled: [])
        if let policies = entries["policies"] { decodePolicies(policies, path: path, relative: "policies", into: &route) }
        var hasMCP = false
        if let backends = entries["backends"].flatMap({ walker.list($0, entries.child("backends")) }) {
            for backend in backends {
                guard let backendEntries = walker.mapping(backend.node, backend.path) else { continue }
                walker.checkKeys(backendEntries, known: ["mcp", "host", "service", "ai", "backend", "dynamic", "weight", "policies", "a2a", "aws", "gcp"])
                if let policies = backendEntries["policies"] { reportUnmodelled(policies, backendEntries.child("policies")) }
                guard let mcp = backendEntries["mcp"] else { continue }
                hasMCP = true
                let relative = "backends[\(backend.index)].mcp"
                decodeMCPBackend(mcp, path: "\(path).\(relative)", relative: relative, into: &route)
            }
        }
        return hasMCP ? route : nil
    }

    /// The simplified form: `mcp: {port, policies, targets}` is one route with one MCP backend.
    func decodeSimplifiedMCP(_ node: Node, _ path: String) -> AgentGatewayRoute? {
        var route = AgentGatewayRoute(name: nil, keyPath: path, location: walker.location(node), authentications: [], ruleSets: [], targets: [], unmodelled: [])
        decodeMCPBackend(node, path: path, relative: "", into: &route, extraKeys: ["port", "gateways", "prefixMode"])
        return route
    }

    func decodeMCPBackend(_ node: Node, path: String, relative: String, into route: inout AgentGatewayRoute, extraKeys: [String] = []) {
        guard let entries = walker.mapping(node, path) else { return }
        walker.checkKeys(entries, known: ["targets", "policies", "statefulMode", "prefixMode", "failureMode", "sessionTtl"] + extraKeys)
        func join(_ key: String) -> String { relative.isEmpty ? key : "\(relative).\(key)" }
        if let policies = entries["policies"] { decodePolicies(policies, path: entries.child("policies"), relative: join("policies"), into: &route, absolute: true) }
        guard let targets = entries["targets"].flatMap({ walker.list($0, entries.child("targets")) }) else { return }
        for target in targets {
            guard let targetEntries = walker.mapping(target.node, target.path) else { continue }
            walker.checkKeys(targetEntries, known: ["name", "mcp", "sse", "stdio", "openapi", "a2a", "policies"])
            guard let nameNode = walker.required(targetEntries, "name"),
                let name = walker.nonEmptyString(nameNode, targetEntries.child("name"))
            else { continue }
            let transport = ["mcp", "sse", "stdio", "openapi", "a2a"].first { targetEntries[$0] != nil }
            var decoded = AgentGatewayTarget(name: name, transport: transport, ruleSets: [], authentications: [], location: walker.location(target.node))
            if let policies = targetEntries["policies"] {
                var scratch = AgentGatewayRoute(name: nil, keyPath: route.keyPath, location: route.location, authentications: [], ruleSets: [], targets: [], unmodelled: [])
                decodePolicies(policies, path: targetEntries.child("policies"), relative: join("targets[\(target.index)].policies"), into: &scratch, absolute: true)
                decoded.ruleSets = scratch.ruleSets
                decoded.authentications = scratch.authentications
                route.unmodelled += scratch.unmodelled
            }
            route.targets.append(decoded)
        }
    }

    /// A `policies` mapping: authentication and authorization are decoded, enforcement Nodeward does not
    /// model is reported, and the rest is known and ignored. `relative` is the path from the route.
    func decodePolicies(_ node: Node, path: String, relative: String, into route: inout AgentGatewayRoute, absolute: Bool = false) {
        let fullPath = absolute ? path : "\(path).\(relative)"
        guard let entries = walker.mapping(node, fullPath) else { return }
        walker.checkKeys(entries, known: ["jwtAuth", "mcpAuthentication", "mcpAuthorization"] + Self.unmodelledPolicies + Self.ignoredPolicies)
        for key in ["jwtAuth", "mcpAuthentication"] {
            guard let auth = entries[key], let decoded = decodeJWTAuth(auth, entries.child(key), relative: "\(relative).\(key)") else { continue }
            route.authentications.append(decoded)
        }
        if let authorization = entries["mcpAuthorization"], let set = decodeRuleSet(authorization, entries.child("mcpAuthorization"), relative: "\(relative).mcpAuthorization") {
            route.ruleSets.append(set)
        }
        for pair in entries.pairs where Self.unmodelledPolicies.contains(pair.key) {
            walker.warning(.agentGatewayUnmodelled, "agentgateway enforces this policy; Nodeward does not model it, so decisions may allow what it would deny", pair.keyNode, entries.child(pair.key))
            route.unmodelled.append(AgentGatewayUnmodelled(policy: pair.key, keyPath: entries.child(pair.key), location: walker.location(pair.keyNode)))
        }
    }

    private func reportUnmodelled(_ node: Node, _ path: String) {
        guard case .mapping = node, let entries = walker.mapping(node, path) else { return }
        for pair in entries.pairs where Self.unmodelledPolicies.contains(pair.key) || pair.key == "mcpAuthorization" || pair.key == "jwtAuth" {
            walker.warning(.agentGatewayUnmodelled, "a policy at this level is not modelled (Nodeward reads route, MCP backend and target policies)", pair.keyNode, entries.child(pair.key))
        }
    }

    func decodeJWTAuth(_ node: Node, _ path: String, relative: String) -> AgentGatewayJWTAuth? {
        guard let entries = walker.mapping(node, path) else { return nil }
        walker.checkKeys(entries, known: ["issuer", "audiences", "audience", "jwks", "jwksUrl", "mode", "provider", "resourceMetadata", "providers"])
        let issuer = entries["issuer"].flatMap { walker.nonEmptyString($0, entries.child("issuer")) }
        var audiences: [String] = []
        for key in ["audiences", "audience"] {
            if let node = entries[key], let listed = walker.stringList(node, entries.child(key)) { audiences += listed }
        }
        var jwksSource: String?
        if let jwks = entries["jwks"] {
            if case .mapping = jwks, let jwksEntries = walker.mapping(jwks, entries.child("jwks")) {
                jwksSource = jwksEntries.pairs.first.map(\.key)
            } else if walker.string(jwks, entries.child("jwks")) != nil {
                jwksSource = "inline"
            }
        } else if entries["jwksUrl"] != nil {
            jwksSource = "url"
        }
        var mode = AgentGatewayJWTAuth.Mode.strict
        if let modeNode = entries["mode"] {
            // agentgateway spells modes in lower case; accept the capitalized form too.
            if let text = walker.string(modeNode, entries.child("mode")) {
                if let parsed = AgentGatewayJWTAuth.Mode(rawValue: text.lowercased()) {
                    mode = parsed
                } else {
                    walker.error(.sandboxInvalidValue, "expected one of strict, optional, permissive", modeNode, entries.child("mode"))
                }
            }
        }
        return AgentGatewayJWTAuth(
            issuer: issuer, audiences: audiences, jwksSource: jwksSource, mode: mode, path: relative, keyPath: path,
            location: walker.location(node))
    }

    /// `mcpAuthorization: {rules: [...]}`: each rule a CEL string (allow) or `{allow|deny|require: CEL}`.
    func decodeRuleSet(_ node: Node, _ path: String, relative: String) -> AgentGatewayRuleSet? {
        guard let entries = walker.mapping(node, path) else { return nil }
        walker.checkKeys(entries, known: ["rules"])
        guard let rulesNode = walker.required(entries, "rules"), let items = walker.list(rulesNode, entries.child("rules")) else { return nil }
        var rules: [AgentGatewayRule] = []
        for item in items {
            var effect = AgentGatewayRuleEffect.allow
            var expressionNode = item.node
            var expressionPath = item.path
            if case .mapping = item.node {
                guard let ruleEntries = walker.mapping(item.node, item.path) else { continue }
                walker.checkKeys(ruleEntries, known: AgentGatewayRuleEffect.allCases.map(\.rawValue))
                let present = AgentGatewayRuleEffect.allCases.filter { ruleEntries[$0.rawValue] != nil }
                guard present.count == 1, let only = present.first, let value = ruleEntries[only.rawValue] else {
                    walker.error(.sandboxInvalidValue, "a rule object has exactly one of allow, deny, require", item.node, item.path)
                    continue
                }
                effect = only
                expressionNode = value
                expressionPath = ruleEntries.child(only.rawValue)
            }
            // A rule is a YAML string: agentgateway does not read `42` or `true` as an expression.
            guard case .scalar(let scalar) = expressionNode, SandboxNodeWalker.tagName(expressionNode) == .str else {
                walker.typeError("a CEL expression (a string)", expressionNode, expressionPath)
                continue
            }
            let text = scalar.string
            let program = CELProgram.compile(text, limits: celLimits)
            if case .failure(let issue) = program {
                switch issue.code {
                case .syntax:
                    walker.error(.agentGatewayCEL, "not a valid CEL expression (\(issue)); agentgateway rejects the config", expressionNode, expressionPath)
                case .unsupported, .limit:
                    walker.warning(.unsupportedCEL, "outside the CEL subset Nodeward evaluates (\(issue)); decisions this rule could change are unevaluable", expressionNode, expressionPath)
                }
            }
            let rulePath = "\(relative).rules[\(item.index)]"
            rules.append(AgentGatewayRule(effect: effect, program: program, path: rulePath, keyPath: expressionPath, location: walker.location(expressionNode)))
        }
        return AgentGatewayRuleSet(rules: rules, path: relative)
    }
}
