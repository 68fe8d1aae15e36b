/// One tenant-boundary check of a tenant sandbox: a check of *which tenant* a step belongs to and
/// whose data it touches, as opposed to a grant (a tool rule, a store's access mode, an egress rule).
/// The raw value is the check's path, shared by the legacy rule id (`acme/identity.issuer`) and the
/// node regime's rule id (`<workflow>/<node id>/boundary.identity.issuer`); docs/legacy-model.md,
/// "Tenant boundary", lists them.
public enum TenantBoundaryCheck: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// No tenant sandbox declares the step's tenant, so no boundary can be shown (legacy:
    /// `fleet/unknown-tenant`).
    case sandbox
    case identityIssuer = "identity.issuer"
    case identityAudience = "identity.audience"
    case identityTenantClaim = "identity.tenantClaim"
    case contextTagging
    /// The tenant declares no memory namespace.
    case memory
    case memoryNamespace = "memory.namespace"
    /// The tenant declares no vector index, or a retrieval recorded no vector resource.
    case vectorIndex
    case vectorCollection = "vectorIndex.collection"
    /// The partition filter (`tenantKey`) of a shared collection.
    case vectorTenantKey = "vectorIndex.tenantKey"
    /// The store is not declared, or a data write recorded no store resource.
    case dataStores
    case dataStoreScope = "dataStores.scope"

    public static func < (lhs: TenantBoundaryCheck, rhs: TenantBoundaryCheck) -> Bool { lhs.rawValue < rhs.rawValue }

    /// What the check protects, for node-regime reasons (no payload, no tenant-specific value).
    public var summary: String {
        switch self {
        case .sandbox: return "no tenant sandbox declares the step's tenant"
        case .identityIssuer: return "the JWT issuer is not accepted by the tenant"
        case .identityAudience: return "the JWT audience is not the issuer's audience"
        case .identityTenantClaim: return "the JWT tenant claim is missing or not bound to the tenant"
        case .contextTagging: return "a context item is tagged for another tenant"
        case .memory: return "the tenant declares no memory namespace"
        case .memoryNamespace: return "a memory resource is outside the tenant's namespace, or none was recorded"
        case .vectorIndex: return "the tenant declares no vector index, or the retrieval recorded no vector resource"
        case .vectorCollection: return "a vector resource is outside the tenant's collection"
        case .vectorTenantKey: return "a vector query does not filter the tenant's partition"
        case .dataStores: return "a store is not declared by the tenant, or the write recorded no store resource"
        case .dataStoreScope: return "a store path is outside the store's tenant scope"
        }
    }
}

/// A failed boundary check: which check, and the legacy verdict (deny or unevaluable, the legacy rule
/// id and reason) that the legacy regime reports for it.
struct TenantBoundaryFailure: Sendable, Hashable {
    let check: TenantBoundaryCheck
    let verdict: LegacyVerdict

    static func deny(_ check: TenantBoundaryCheck, _ rule: String, _ reason: String) -> TenantBoundaryFailure {
        TenantBoundaryFailure(check: check, verdict: .deny(rule, reason))
    }

    static func unevaluable(_ check: TenantBoundaryCheck, _ rule: String, _ reason: String) -> TenantBoundaryFailure {
        TenantBoundaryFailure(check: check, verdict: .unevaluable(rule, reason))
    }
}

/// The tenant-boundary checks of one tenant sandbox (docs/legacy-model.md, "Tenant boundary"), compiled
/// once. The only implementation of these rules: `LegacyEvaluator` asks it in the legacy order (identity,
/// context tags, the kind's own resources, then every other resource), and `NodeEvaluator` asks
/// `check(_:resourceFailure:)` of every step, so node policies narrow the tenant sandbox and never
/// replace its boundary. The pass path allocates nothing; reasons are built only on a failure. A class,
/// so that the evaluators reach it through one reference instead of copying its tables per check.
final class TenantBoundary: Sendable {
    struct Store: Sendable {
        let config: DataStoreConfig
        let scopeRule: String
    }

    let ids: LegacyRuleIds
    let tenant: String
    let identity: IdentityConfig?
    let tagsContext: Bool
    let memory: MemoryConfig?
    let vector: VectorIndexConfig?
    /// Declared stores by name; a repeated name keeps the first by index (the legacy rule).
    let stores: [String: Store]
    let noMemory: TenantBoundaryFailure
    let noVectorIndex: TenantBoundaryFailure
    let noMemoryResource: TenantBoundaryFailure
    let noVectorResource: TenantBoundaryFailure
    let noStoreResource: TenantBoundaryFailure

    init(_ sandbox: TenantSandbox, ids: LegacyRuleIds) {
        self.ids = ids
        tenant = sandbox.tenantId
        identity = sandbox.identity
        tagsContext = sandbox.contextTagging != nil
        memory = sandbox.memory
        vector = sandbox.vectorIndex
        var stores: [String: Store] = [:]
        for config in sandbox.dataStores.sorted(by: { $0.index < $1.index }) where stores[config.name] == nil {
            stores[config.name] = Store(config: config, scopeRule: ids.id("dataStores[\(config.name)].scope"))
        }
        self.stores = stores
        noMemory = .deny(.memory, ids.memory, "tenant \(sandbox.tenantId) declares no memory namespace")
        noVectorIndex = .deny(.vectorIndex, ids.vectorIndex, "tenant \(sandbox.tenantId) declares no vector index")
        noMemoryResource = .unevaluable(.memoryNamespace, ids.memoryNamespace, "the step recorded no memory resource")
        noVectorResource = .unevaluable(.vectorIndex, ids.vectorIndex, "the step recorded no vector resource")
        noStoreResource = .unevaluable(.dataStores, ids.dataStores, "the step recorded no store resource")
    }

    // MARK: The checks

    /// The JWT the step ran under: its issuer must be accepted, its audience that issuer's, its tenant
    /// claim bound to this tenant. A step without a recorded principal, or a tenant without `identity`,
    /// passes (nothing to check).
    func identity(_ principal: Principal?) -> TenantBoundaryFailure? {
        guard let identity, let principal else { return nil }
        let issuer: IssuerConfig
        if let recorded = principal.issuer {
            var accepted: IssuerConfig?
            for configured in identity.issuers where configured.issuer == recorded {
                accepted = configured
                break
            }
            guard let accepted else {
                return .deny(.identityIssuer, ids.identityIssuer, "JWT issuer is not accepted by tenant \(tenant)")
            }
            issuer = accepted
        } else {
            guard let first = identity.issuers.first else { return nil }
            issuer = first
        }
        if let expected = issuer.audience, let audience = principal.audience, audience != expected {
            return .deny(.identityAudience, ids.identityAudience, "JWT audience is not \(expected)")
        }
        if let claim = issuer.tenantClaim {
            guard let value = principal.claims[claim] else {
                return .deny(.identityTenantClaim, ids.identityTenantClaim, "JWT lacks claim \(claim)")
            }
            guard issuer.tenantClaimValues.contains(value) else {
                return .deny(.identityTenantClaim, ids.identityTenantClaim, "claim \(claim) is not bound to tenant \(tenant)")
            }
        }
        return nil
    }

    /// With context tagging, no context item may carry another tenant's tag.
    func contextTags(_ items: [DataItem]) -> TenantBoundaryFailure? {
        guard tagsContext else { return nil }
        for item in items {
            if let tag = item.tenantTag, tag != tenant {
                return .deny(.contextTagging, ids.contextTagging, "a context item is tagged for tenant \(tag)")
            }
        }
        return nil
    }

    /// A memory resource must be in the tenant's namespace.
    func memory(_ resource: Resource) -> TenantBoundaryFailure? {
        guard let memory else { return noMemory }
        guard resource.container == memory.namespace else {
            return .deny(.memoryNamespace, ids.memoryNamespace, "memory namespace \(resource.container) is not \(memory.namespace)")
        }
        return nil
    }

    /// A vector resource must be in the tenant's collection and, unless the collection is the partition,
    /// filter the tenant's key.
    func vector(_ resource: Resource) -> TenantBoundaryFailure? {
        guard let vector else { return noVectorIndex }
        guard resource.container == vector.collection else {
            return .deny(.vectorCollection, ids.vectorCollection, "collection \(resource.container) is not \(vector.collection)")
        }
        if vector.isolation == .collection { return nil }
        guard let keyField = vector.tenantKeyField, let keyValue = vector.tenantKeyValue else {
            return .deny(.vectorTenantKey, ids.vectorTenantKey, "vector index \(vector.collection) has no tenant key configured")
        }
        guard let partition = resource.partition else {
            return .unevaluable(.vectorTenantKey, ids.vectorTenantKey, "query recorded no partition filter")
        }
        guard partition.field == keyField else {
            return .deny(.vectorTenantKey, ids.vectorTenantKey, "query filters \(partition.field), not the tenant key \(keyField)")
        }
        guard partition.value == keyValue else {
            return .deny(.vectorTenantKey, ids.vectorTenantKey, "query filters \(keyField) for another tenant")
        }
        return nil
    }

    /// The declared store a store resource names; nil: `undeclaredStore(_:)` is the failure.
    func store(of resource: Resource) -> Store? { stores[resource.container] }

    func undeclaredStore(_ resource: Resource) -> TenantBoundaryFailure {
        .deny(.dataStores, ids.dataStores, "store \(resource.container) is not declared")
    }

    /// A path of a declared store must be inside its scope.
    func scope(_ resource: Resource, of store: Store) -> TenantBoundaryFailure? {
        guard let prefix = store.config.scopePrefix, !resource.path.hasPrefix(prefix) else { return nil }
        let scope = store.config.scopeDescription ?? prefix
        return .deny(.dataStoreScope, store.scopeRule, "path is outside the scope \(scope) of store \(store.config.name)")
    }

    /// The boundary checks of one resource (egress is a grant, not a boundary: nil).
    func resource(_ resource: Resource) -> TenantBoundaryFailure? {
        switch resource.scheme {
        case .memory: return memory(resource)
        case .vector: return vector(resource)
        case .store:
            guard let store = store(of: resource) else { return undeclaredStore(resource) }
            return scope(resource, of: store)
        case .egress: return nil
        }
    }

    /// What a kind needs before its resources are looked at: a memory step needs a memory namespace and
    /// a memory resource, a retrieval a vector index and a vector resource, a data write a store resource.
    func kindRequirement(_ step: Step) -> TenantBoundaryFailure? {
        switch step.kind {
        case .memoryRead, .memoryWrite:
            guard memory != nil else { return noMemory }
            return step.resources.contains(where: { $0.scheme == .memory }) ? nil : noMemoryResource
        case .retrieval:
            guard vector != nil else { return noVectorIndex }
            return step.resources.contains(where: { $0.scheme == .vector }) ? nil : noVectorResource
        case .dataWrite:
            return step.resources.contains(where: { $0.scheme == .store }) ? nil : noStoreResource
        case .toolCall, .llm, .output:
            return nil
        }
    }

    /// Every boundary check of a step, for the node regime: identity, context tags, the kind's
    /// requirement, then each resource (`resourceFailure(i)` is `resource(step.resources[i])`, which the
    /// caller may have cached). A deny wins over an unevaluable; among equals, the first found.
    func check(_ step: Step, resourceFailure: (Int) -> TenantBoundaryFailure?) -> TenantBoundaryFailure? {
        if let failure = identity(step.principal) { return failure }
        if let failure = contextTags(step.dataItems) { return failure }
        var found = kindRequirement(step)
        if found?.verdict.effect == .deny { return found }
        for index in step.resources.indices {
            guard let failure = resourceFailure(index) else { continue }
            if failure.verdict.effect == .deny { return failure }
            if found == nil { found = failure }
        }
        return found
    }

    func check(_ step: Step) -> TenantBoundaryFailure? {
        check(step) { resource(step.resources[$0]) }
    }
}
