/// The resource checks of a tenant sandbox (memory namespace, vector index, data stores, egress),
/// compiled once per sandbox. Each returns pass with the grant that allowed the resource, or a verdict.
struct LegacyResourceChecks: Sendable {
    /// A declared store's grant; which stores are declared, and their scopes, are the boundary's.
    struct Store: Sendable {
        let boundary: TenantBoundary.Store
        let accessGrant: LegacyGrant
        let accessRule: String
    }

    struct Egress: Sendable {
        let rule: EgressRule
        let path: String
        let id: String
        let grant: LegacyGrant

        func matches(host: String, port: Int?) -> Bool {
            let hostMatches = (rule.fqdn?.matches(host) ?? false) || (rule.cidr?.contains(host) ?? false)
            guard hostMatches else { return false }
            if rule.ports.isEmpty { return true }
            guard let port else { return false }
            return rule.ports.contains(port)
        }
    }

    let ids: LegacyRuleIds
    /// The tenant-boundary checks (identity, context tags, memory namespace, vector partition, store
    /// scopes), shared with the node regime.
    let boundary: TenantBoundary
    let memoryGrant: LegacyGrant?
    let vectorGrant: LegacyGrant?
    let stores: [String: Store]
    let egressAllow: [Egress]
    let egressDeny: [Egress]
    let egressDefault: DefaultEffect
    let egressDefaultGrant: LegacyGrant

    init(_ sandbox: TenantSandbox, ids: LegacyRuleIds) {
        self.ids = ids
        let boundary = TenantBoundary(sandbox, ids: ids)
        self.boundary = boundary
        memoryGrant = sandbox.memory.map {
            LegacyGrant(rule: ids.memoryNamespace, reason: "memory namespace \($0.namespace) belongs to tenant \(sandbox.tenantId)", declared: true)
        }
        vectorGrant = sandbox.vectorIndex.map { index in
            index.isolation == .collection
                ? LegacyGrant(rule: ids.vectorCollection, reason: "collection \(index.collection) belongs to tenant \(sandbox.tenantId)", declared: true)
                : LegacyGrant(rule: ids.vectorTenantKey, reason: "query filters \(index.tenantKeyField ?? "?") for tenant \(sandbox.tenantId)", declared: true)
        }
        stores = boundary.stores.mapValues { store in
            let config = store.config
            let access = ids.id("dataStores[\(config.name)].access")
            return Store(boundary: store,
                         accessGrant: LegacyGrant(rule: access, reason: "store \(config.name) grants \(config.access.rawValue) access", declared: true),
                         accessRule: access)
        }
        func compile(_ rules: [EgressRule], _ list: String) -> [Egress] {
            rules.map { rule in
                let path = "network.egress.\(list)[\(rule.index)]"
                let id = ids.id(path)
                let grant = LegacyGrant(rule: id, reason: "egress allowed by \(path) (\(rule.targetDescription))", declared: true)
                return Egress(rule: rule, path: path, id: id, grant: grant)
            }
        }
        egressAllow = compile(sandbox.network.egressAllow, "allow")
        egressDeny = compile(sandbox.network.egressDeny, "deny")
        egressDefault = sandbox.network.egressDefault
        egressDefaultGrant = LegacyGrant(rule: ids.egressDefault, reason: "egress matches no allow rule; network.egress.default is allow", declared: true)
    }

    /// Dispatches one resource to its check.
    func check(_ resource: Resource) -> LegacyCheck {
        switch resource.scheme {
        case .memory: return checkMemory(resource)
        case .vector: return checkVector(resource)
        case .store: return checkStore(resource)
        case .egress: return checkEgress(resource)
        }
    }

    func checkMemory(_ resource: Resource) -> LegacyCheck {
        if let failure = boundary.memory(resource) { return .fail(failure.verdict) }
        // The boundary passes only with a namespace declared, which is when the grant exists.
        return .pass(memoryGrant)
    }

    func checkVector(_ resource: Resource) -> LegacyCheck {
        if let failure = boundary.vector(resource) { return .fail(failure.verdict) }
        return .pass(vectorGrant)
    }

    /// Declared (boundary), access mode (a grant), scope (boundary), in that order.
    func checkStore(_ resource: Resource) -> LegacyCheck {
        guard let store = stores[resource.container] else {
            return .fail(boundary.undeclaredStore(resource).verdict)
        }
        let config = store.boundary.config
        guard config.access.permits(resource.access) else {
            return .fail(.deny(store.accessRule, "store \(config.name) does not grant \(resource.access.rawValue) access (access: \(config.access.rawValue))"))
        }
        if let failure = boundary.scope(resource, of: store.boundary) { return .fail(failure.verdict) }
        return .pass(store.accessGrant)
    }

    func checkEgress(_ resource: Resource) -> LegacyCheck {
        let host = resource.container
        let port = resource.port
        for rule in egressDeny where rule.matches(host: host, port: port) {
            return .fail(.deny(rule.id, "egress to \(host) is denied by \(rule.path) (\(rule.rule.targetDescription))"))
        }
        for rule in egressAllow where rule.matches(host: host, port: port) {
            return .pass(rule.grant)
        }
        switch egressDefault {
        case .allow: return .pass(egressDefaultGrant)
        case .deny: return .fail(.deny(ids.egressDefault, "egress to \(port.map { "\(host):\($0)" } ?? host) matches no allow rule"))
        }
    }
}
