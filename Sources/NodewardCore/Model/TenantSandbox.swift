/// A tenant sandbox: one tenant's legacy per-tenant agent isolation config (`kind: TenantAgentSandbox`),
/// as read from YAML. Field meanings are in docs/formats.md; how the old enforcement applies them is in
/// docs/legacy-model.md.
public struct TenantSandbox: Sendable, Hashable {
    public var name: String
    public var labels: [String: String]
    public var tenantId: String
    public var apiVersion: String
    public var identity: IdentityConfig?
    public var runtime: RuntimeConfig?
    public var memory: MemoryConfig?
    public var vectorIndex: VectorIndexConfig?
    public var tools: ToolsConfig
    public var dataStores: [DataStoreConfig]
    public var network: NetworkConfig
    public var limits: LimitsConfig
    public var audit: AuditConfig?
    public var contextTagging: ContextTaggingConfig?
    /// Where the document starts (file and line), for reports and error messages.
    public var source: SourceLocation
    /// Set when the sandbox was read from another platform's config (Ingest/Dialects/): the legacy fleet
    /// then decides with that platform's own semantics, and this sandbox is its equivalent. Nil for
    /// `TenantAgentSandbox` documents.
    public var dialect: DialectOrigin?

    public init(
        name: String, labels: [String: String] = [:], tenantId: String,
        apiVersion: String = "agents.example.com/v1", identity: IdentityConfig? = nil,
        runtime: RuntimeConfig? = nil, memory: MemoryConfig? = nil, vectorIndex: VectorIndexConfig? = nil,
        tools: ToolsConfig = ToolsConfig(), dataStores: [DataStoreConfig] = [],
        network: NetworkConfig = NetworkConfig(), limits: LimitsConfig = LimitsConfig(),
        audit: AuditConfig? = nil, contextTagging: ContextTaggingConfig? = nil, source: SourceLocation,
        dialect: DialectOrigin? = nil
    ) {
        self.name = name
        self.labels = labels
        self.tenantId = tenantId
        self.apiVersion = apiVersion
        self.identity = identity
        self.runtime = runtime
        self.memory = memory
        self.vectorIndex = vectorIndex
        self.tools = tools
        self.dataStores = dataStores
        self.network = network
        self.limits = limits
        self.audit = audit
        self.contextTagging = contextTagging
        self.source = source
        self.dialect = dialect
    }
}

public enum DefaultEffect: String, Sendable, Hashable, Codable {
    case allow
    case deny
}

/// JWT identity: one or more accepted issuers, each binding a claim to this tenant.
/// Accepts the inline form (`identity: {issuer, audience, tenantClaim, tenantClaimValue}`) and the list
/// form (`identity: {issuers: [...]}`); both normalize to `issuers`.
public struct IdentityConfig: Sendable, Hashable {
    public var issuers: [IssuerConfig]
    public init(issuers: [IssuerConfig]) { self.issuers = issuers }
}

public struct IssuerConfig: Sendable, Hashable {
    public var issuer: String
    public var audience: String?
    /// The claim that carries the tenant (`org_id`, `tid`, `team_id`). Nil: the identity has no tenant claim.
    public var tenantClaim: String?
    /// Accepted values of `tenantClaim` (`tenantClaimValue` or `tenantClaimValues`).
    public var tenantClaimValues: [String]

    public init(issuer: String, audience: String? = nil, tenantClaim: String? = nil, tenantClaimValues: [String] = []) {
        self.issuer = issuer
        self.audience = audience
        self.tenantClaim = tenantClaim
        self.tenantClaimValues = tenantClaimValues
    }
}

public struct RuntimeConfig: Sendable, Hashable {
    public var provider: String?
    public var isolation: String?
    public var image: String?
    public var namespace: String?
    public var cpu: String?
    public var memory: String?

    public init(provider: String? = nil, isolation: String? = nil, image: String? = nil, namespace: String? = nil, cpu: String? = nil, memory: String? = nil) {
        self.provider = provider
        self.isolation = isolation
        self.image = image
        self.namespace = namespace
        self.cpu = cpu
        self.memory = memory
    }
}

public struct MemoryConfig: Sendable, Hashable {
    public var namespace: String
    public init(namespace: String) { self.namespace = namespace }
}

public enum VectorIsolation: String, Sendable, Hashable, Codable, CaseIterable {
    case namespace
    case tenant
    case payload
    case partitionKey
    case collection
}

public struct VectorIndexConfig: Sendable, Hashable {
    public var backend: String?
    /// `collection`, or `index` (Pinecone's word).
    public var collection: String
    public var isolation: VectorIsolation
    /// The partition filter that binds this tenant: `{field: group_id, value: acme}`, or for namespace
    /// isolation `{namespace: globex}` (normalized to field `namespace`). Nil for `collection` isolation.
    public var tenantKeyField: String?
    public var tenantKeyValue: String?

    public init(backend: String? = nil, collection: String, isolation: VectorIsolation, tenantKeyField: String? = nil, tenantKeyValue: String? = nil) {
        self.backend = backend
        self.collection = collection
        self.isolation = isolation
        self.tenantKeyField = tenantKeyField
        self.tenantKeyValue = tenantKeyValue
    }
}

/// The read/write effect of a tool, declared in `tools.effects` or inferred from its name.
public enum ToolEffect: String, Sendable, Hashable, Codable {
    case read
    case write
}

/// One `tools.allow`/`tools.deny`/`tools.ask` entry: a tool-name glob and optional per-argument globs.
public struct ToolRule: Sendable, Hashable {
    public var tool: Glob
    /// Argument name → glob the argument's string value must match. All must match.
    public var args: [String: Glob]
    /// Index in its list, for rule ids (`tools.allow[2]`).
    public var index: Int
    public var source: SourceLocation?

    public init(tool: Glob, args: [String: Glob] = [:], index: Int, source: SourceLocation? = nil) {
        self.tool = tool
        self.args = args
        self.index = index
        self.source = source
    }
}

public struct ToolsConfig: Sendable, Hashable {
    public var defaultEffect: DefaultEffect
    public var allow: [ToolRule]
    public var deny: [ToolRule]
    /// `ask` rules need a human; traces have none, so the legacy model treats them as deny.
    public var ask: [ToolRule]
    /// Declared tool effects; tools not named here are inferred from their names (docs/legacy-model.md).
    public var effects: [String: ToolEffect]

    public init(defaultEffect: DefaultEffect = .deny, allow: [ToolRule] = [], deny: [ToolRule] = [], ask: [ToolRule] = [], effects: [String: ToolEffect] = [:]) {
        self.defaultEffect = defaultEffect
        self.allow = allow
        self.deny = deny
        self.ask = ask
        self.effects = effects
    }
}

public enum StoreAccess: String, Sendable, Hashable, Codable {
    case read
    case write
    case readWrite = "read-write"

    public func permits(_ access: Access) -> Bool {
        switch (self, access) {
        case (.readWrite, _), (.read, .read), (.write, .write): return true
        default: return false
        }
    }
}

public struct DataStoreConfig: Sendable, Hashable {
    public var name: String
    public var kind: String
    public var access: StoreAccess
    /// Scope as a path prefix: `schema: acme` → `acme.`; `prefix: s3://…/acme/` verbatim; `table: acme.t` → `acme.t`.
    public var scopePrefix: String?
    /// The scope as written, for reports (`schema=acme`).
    public var scopeDescription: String?
    public var index: Int

    public init(name: String, kind: String, access: StoreAccess, scopePrefix: String? = nil, scopeDescription: String? = nil, index: Int) {
        self.name = name
        self.kind = kind
        self.access = access
        self.scopePrefix = scopePrefix
        self.scopeDescription = scopeDescription
        self.index = index
    }
}

/// One egress rule: an FQDN glob or an IPv4 CIDR block, with optional ports (empty = any port).
public struct EgressRule: Sendable, Hashable {
    public var fqdn: Glob?
    public var cidr: CIDRBlock?
    public var ports: [Int]
    public var index: Int

    public init(fqdn: Glob? = nil, cidr: CIDRBlock? = nil, ports: [Int] = [], index: Int) {
        self.fqdn = fqdn
        self.cidr = cidr
        self.ports = ports
        self.index = index
    }

    public var targetDescription: String { fqdn?.pattern ?? cidr?.text ?? "?" }
}

public struct NetworkConfig: Sendable, Hashable {
    public var egressDefault: DefaultEffect
    public var egressAllow: [EgressRule]
    public var egressDeny: [EgressRule]

    public init(egressDefault: DefaultEffect = .deny, egressAllow: [EgressRule] = [], egressDeny: [EgressRule] = []) {
        self.egressDefault = egressDefault
        self.egressAllow = egressAllow
        self.egressDeny = egressDeny
    }
}

public struct BudgetConfig: Sendable, Hashable {
    public var maxUsd: Double
    public var period: String
    public init(maxUsd: Double, period: String) {
        self.maxUsd = maxUsd
        self.period = period
    }
}

public struct LimitsConfig: Sendable, Hashable {
    public var requestsPerMinute: Int?
    public var tokensPerMinute: Int?
    public var budget: BudgetConfig?
    /// Allowed model names (globs); nil = any model.
    public var models: [Glob]?

    public init(requestsPerMinute: Int? = nil, tokensPerMinute: Int? = nil, budget: BudgetConfig? = nil, models: [Glob]? = nil) {
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
        self.budget = budget
        self.models = models
    }
}

public struct AuditConfig: Sendable, Hashable {
    public var sinkKind: String?
    public var sinkEndpoint: String?
    public var events: [String]

    public init(sinkKind: String? = nil, sinkEndpoint: String? = nil, events: [String] = []) {
        self.sinkKind = sinkKind
        self.sinkEndpoint = sinkEndpoint
        self.events = events
    }
}

public struct ContextTaggingConfig: Sendable, Hashable {
    public var scheme: String
    public var keyRef: String?
    public init(scheme: String, keyRef: String? = nil) {
        self.scheme = scheme
        self.keyRef = keyRef
    }
}
