/// A legacy dialect: a permission-config format some platform really runs (Claude Code settings, MCP
/// client configs, …), read into the platform's own policy model. Each tenant configured in a dialect
/// yields a native evaluator (that platform's decision semantics, docs/sandbox-config.md) and the
/// equivalent `TenantSandbox` used by generation, confinement, analyze and reports.
public enum DialectName {
    public static let tenantAgentSandbox = "tenant-agent-sandbox"
    public static let claudeCode = "claude-code"
    public static let mcpClient = "mcp-client"
    public static let agentGateway = "agentgateway"
    public static let liteLLM = "litellm"
}

/// A dialect's parsed rules for one tenant. It builds the native evaluator the legacy fleet runs for
/// that tenant. Implementations are plain `Hashable` values, so a `TenantSandbox` that carries one stays
/// `Hashable`.
public protocol DialectPolicy: Sendable {
    /// The dialect name (`claude-code`, `mcp-client`).
    var dialect: String { get }
    /// A fresh evaluator (rate state, if any, starts empty).
    func makeEvaluator(tenant: String) -> any DialectEvaluator
    func isEqual(to other: any DialectPolicy) -> Bool
    func hash(into hasher: inout Hasher)
}

extension DialectPolicy where Self: Hashable {
    public func isEqual(to other: any DialectPolicy) -> Bool { (other as? Self) == self }
}

/// The native decision procedure of one tenant's dialect config. Returns the shared `LegacyEvaluation`
/// (regime `.legacy`, rule ids `<tenant>/<dialect>.<scope>.<key path>`), so shadow mode and the plan
/// treat it exactly like the TenantAgentSandbox evaluator.
public protocol DialectEvaluator: Sendable {
    mutating func evaluate(_ step: Step, collectingGrants: Bool) -> LegacyEvaluation
    /// Every rule id this evaluator can decide by, sorted by id.
    var ruleCatalog: [LegacyRule] { get }
}

/// A rule of a dialect config that the equivalent `TenantSandbox` cannot express exactly. Reported by
/// `analyze` (finding `dialect.unexpressible`) and by `nodeward sandbox import`; never silently dropped.
public struct UnexpressibleRule: Sendable, Hashable, Codable, Comparable {
    public var tenant: String
    public var dialect: String
    /// Where the rule is written.
    public var location: SourceLocation
    /// Its key path in the source file (`permissions.allow[2]`).
    public var keyPath: String
    /// The native rule id (`acme/claude-code.project.permissions.allow[2]`).
    public var rule: String
    /// Why it cannot be expressed and what the import wrote instead (patterns and key names only).
    public var reason: String

    public init(tenant: String, dialect: String, location: SourceLocation, keyPath: String, rule: String, reason: String) {
        self.tenant = tenant
        self.dialect = dialect
        self.location = location
        self.keyPath = keyPath
        self.rule = rule
        self.reason = reason
    }

    public static func < (lhs: UnexpressibleRule, rhs: UnexpressibleRule) -> Bool {
        (lhs.tenant, lhs.location.file, lhs.location.line, lhs.location.column ?? 0, lhs.keyPath, lhs.reason)
            < (rhs.tenant, rhs.location.file, rhs.location.line, rhs.location.column ?? 0, rhs.keyPath, rhs.reason)
    }
}

/// Where an imported `TenantSandbox` rule came from: the path it has in the sandbox (`tools.allow[3]`)
/// and the source rule (file:line, key path, native rule id). `nodeward sandbox import` writes it as a
/// comment beside the rule.
public struct ImportedRuleSource: Sendable, Hashable {
    public var sandboxPath: String
    public var location: SourceLocation
    public var keyPath: String
    public var rule: String

    public init(sandboxPath: String, location: SourceLocation, keyPath: String, rule: String) {
        self.sandboxPath = sandboxPath
        self.location = location
        self.keyPath = keyPath
        self.rule = rule
    }
}

/// What a `TenantSandbox` read from a dialect carries besides its TenantAgentSandbox fields: the native
/// policy (the legacy fleet evaluates the tenant with it), the source of each imported rule, and the
/// rules the sandbox cannot express.
public struct DialectOrigin: Sendable, Hashable {
    public var dialect: String
    /// Every file the tenant's config was merged from, sorted.
    public var files: [String]
    public var policy: any DialectPolicy
    public var sources: [ImportedRuleSource]
    public var unexpressible: [UnexpressibleRule]

    public init(dialect: String, files: [String], policy: any DialectPolicy, sources: [ImportedRuleSource], unexpressible: [UnexpressibleRule]) {
        self.dialect = dialect
        self.files = files
        self.policy = policy
        self.sources = sources
        self.unexpressible = unexpressible
    }

    public static func == (lhs: DialectOrigin, rhs: DialectOrigin) -> Bool {
        lhs.dialect == rhs.dialect && lhs.files == rhs.files && lhs.sources == rhs.sources
            && lhs.unexpressible == rhs.unexpressible && lhs.policy.isEqual(to: rhs.policy)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(dialect)
        hasher.combine(files)
        policy.hash(into: &hasher)
    }
}

extension DiagnosticCode {
    public static let dialectUnrecognized: DiagnosticCode = "dialect.unrecognized"
    public static let dialectUnknownName: DiagnosticCode = "dialect.unknown-name"
    public static let dialectInvalidRule: DiagnosticCode = "dialect.invalid-rule"
    public static let dialectMixedTenant: DiagnosticCode = "dialect.mixed-tenant"
    public static let dialectNoTenant: DiagnosticCode = "dialect.no-tenant"
}
