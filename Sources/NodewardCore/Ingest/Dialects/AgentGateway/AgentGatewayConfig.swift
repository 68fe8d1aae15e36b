/// An agentgateway `config.yaml` as Nodeward reads it (docs/sandbox-config.md, "agentgateway"): the MCP
/// routes with their JWT authentication and `mcpAuthorization` rule sets. Sources: agentgateway.dev
/// "MCP authorization" / "MCP authentication"; agentgateway/agentgateway `examples/authorization/`,
/// `schema/cel.md`, `crates/agentgateway/src/http/authorization.rs` (rule combination).
public struct AgentGatewayConfig: Sendable {
    public var file: String
    /// Routes with at least one MCP backend, in document order.
    public var routes: [AgentGatewayRoute]

    public init(file: String, routes: [AgentGatewayRoute]) {
        self.file = file
        self.routes = routes
    }
}

/// `jwtAuth` (route policy) or `mcpAuthentication` (MCP backend policy): the token checks that run before
/// any authorization rule.
public struct AgentGatewayJWTAuth: Sendable, Hashable {
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        /// A valid token is required (the default).
        case strict
        /// A token is validated when present; requests without one continue without claims.
        case optional
        /// Invalid or missing tokens are let through.
        case permissive
    }

    public var issuer: String?
    public var audiences: [String]
    /// Where the keys come from (`file`, `url`, inline): named, never read.
    public var jwksSource: String?
    public var mode: Mode
    /// Key path relative to the route (`policies.jwtAuth`, `backends[0].mcp.policies.mcpAuthentication`),
    /// used in rule ids.
    public var path: String
    /// The full key path in the file and the location, for diagnostics.
    public var keyPath: String
    public var location: SourceLocation
}

public enum AgentGatewayRuleEffect: String, Sendable, Hashable, CaseIterable {
    /// A plain string or `{allow: …}`: the request is allowed when any allow rule is true.
    case allow
    /// `{deny: …}`: the request is denied when any deny rule is true.
    case deny
    /// `{require: …}`: every require rule must be true.
    case require
}

/// One `mcpAuthorization.rules[i]` entry, compiled once.
public struct AgentGatewayRule: Sendable {
    public var effect: AgentGatewayRuleEffect
    /// The compiled expression, or why the subset cannot evaluate it (unsupported-cel, a limit).
    public var program: Result<CELProgram, CELIssue>
    /// Key path relative to the route, e.g. `policies.mcpAuthorization.rules[2]`.
    public var path: String
    /// The full key path in the file, for diagnostics.
    public var keyPath: String
    public var location: SourceLocation
}

/// One `mcpAuthorization` policy. The sets that apply to a call are combined as agentgateway merges
/// them (`RuleSets::merge`): a deny in any set denies, every require must hold, allows are OR'd.
public struct AgentGatewayRuleSet: Sendable {
    public var rules: [AgentGatewayRule]
    /// Key path relative to the route (`policies.mcpAuthorization`).
    public var path: String
}

/// One MCP target of a backend (`targets[i]`): its name (the multiplexing prefix and `mcp.tool.target`),
/// its transport, and target-level policies.
public struct AgentGatewayTarget: Sendable {
    public var name: String
    /// `mcp`, `sse`, `stdio` or `openapi`.
    public var transport: String?
    public var ruleSets: [AgentGatewayRuleSet]
    /// Target-level `mcpAuthentication`.
    public var authentications: [AgentGatewayJWTAuth]
    public var location: SourceLocation

    public var jwtAuth: AgentGatewayJWTAuth? { authentications.first }
}

/// A policy agentgateway enforces that Nodeward does not model (extAuthz, HTTP authorization, rate
/// limits, guardrails, …): reported, so that no control is silently assumed.
public struct AgentGatewayUnmodelled: Sendable, Hashable {
    public var policy: String
    public var keyPath: String
    public var location: SourceLocation
}

/// A route with MCP backends: the unit Nodeward maps onto one tenant.
public struct AgentGatewayRoute: Sendable {
    public var name: String?
    /// Key path of the route in the file (`binds[0].listeners[0].routes[1]`, `mcp`, `routes[0]`).
    public var keyPath: String
    public var location: SourceLocation
    /// Route-level `jwtAuth` and the MCP backends' `mcpAuthentication`, in document order: each applies.
    public var authentications: [AgentGatewayJWTAuth]
    /// Route- and backend-level `mcpAuthorization` sets (they apply to every target of the route).
    public var ruleSets: [AgentGatewayRuleSet]
    public var targets: [AgentGatewayTarget]
    public var unmodelled: [AgentGatewayUnmodelled]

    /// The first authentication policy (the one a tenant sandbox identity is converted from).
    public var jwtAuth: AgentGatewayJWTAuth? { authentications.first }

    /// Every rule of the route, route and backend sets first, then each target's, in document order.
    public var allRules: [AgentGatewayRule] {
        ruleSets.flatMap(\.rules) + targets.flatMap { $0.ruleSets.flatMap(\.rules) }
    }
}

/// One Nodeward tenant configured by agentgateway: a route and the tenant id it maps onto.
public struct AgentGatewayTenant: Sendable {
    public var tenantId: String
    public var file: String
    public var route: AgentGatewayRoute
}

/// How routes map onto Nodeward tenants (the workspace `tenantFrom:` rule chooses one).
public enum AgentGatewayTenantMapping: Sendable, Hashable {
    /// Every MCP route of the file is the one named tenant (a file with several MCP routes is an error:
    /// a step cannot be routed to one of them).
    case fixed(String)
    /// Each MCP route is a tenant named by its `name:`; unnamed routes are `<file stem>` when the file has
    /// one MCP route, else `<file stem>-<index>`.
    case routeName

    public func tenants(of config: AgentGatewayConfig) -> (tenants: [AgentGatewayTenant], diagnostics: [Diagnostic]) {
        switch self {
        case .fixed(let tenant):
            guard config.routes.count <= 1 else {
                let second = config.routes[1]
                return ([], [.error(
                    .agentGatewayTenant,
                    "the file has \(config.routes.count) MCP routes; map them one tenant each (tenantFrom: routeName) or split the file",
                    at: second.location, keyPath: second.keyPath)])
            }
            return (config.routes.map { AgentGatewayTenant(tenantId: tenant, file: config.file, route: $0) }, [])
        case .routeName:
            let stem = Self.stem(config.file)
            var tenants: [AgentGatewayTenant] = []
            var diagnostics: [Diagnostic] = []
            var seen: [String: SourceLocation] = [:]
            for (index, route) in config.routes.enumerated() {
                let id = route.name ?? (config.routes.count == 1 ? stem : "\(stem)-\(index)")
                if let first = seen[id] {
                    diagnostics.append(.error(
                        .agentGatewayTenant, "two MCP routes map to one tenant (first at \(first)); give the routes distinct names",
                        at: route.location, keyPath: route.keyPath))
                    continue
                }
                seen[id] = route.location
                tenants.append(AgentGatewayTenant(tenantId: id, file: config.file, route: route))
            }
            return (tenants, diagnostics)
        }
    }

    static func stem(_ file: String) -> String {
        let name = file.split(separator: "/").last.map(String.init) ?? file
        guard let dot = name.firstIndex(of: "."), dot != name.startIndex else { return name }
        return String(name[..<dot])
    }
}

extension DiagnosticCode {
    /// A `mcpAuthorization` rule is not valid CEL: agentgateway rejects such a config at load.
    public static let agentGatewayCEL: DiagnosticCode = "agentgateway.cel"
    /// A rule is valid CEL outside the subset Nodeward evaluates; decisions it could change are unevaluable.
    public static let unsupportedCEL: DiagnosticCode = "unsupported-cel"
    /// A policy agentgateway enforces that Nodeward does not model.
    public static let agentGatewayUnmodelled: DiagnosticCode = "agentgateway.unmodelled"
    /// The file has no route with an MCP backend.
    public static let agentGatewayNoRoutes: DiagnosticCode = "agentgateway.no-mcp-routes"
    /// Routes cannot be mapped onto tenants as asked.
    public static let agentGatewayTenant: DiagnosticCode = "agentgateway.tenant"
}
