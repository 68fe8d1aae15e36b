/// The resource checks of a tenant sandbox (memory namespace, vector index, data stores, egress),
/// compiled once per sandbox. Each returns pass with the grant that allowed the resource, or a verdict.
struct LegacyResourceChecks: Sendable {
    struct Store: Sendable {
        let config: DataStoreConfig
        let accessGrant: LegacyGrant
        let accessRule: String
        let scopeRule: String
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
    let tenant: String
    let memory: MemoryConfig?
    let memoryGrant: LegacyGrant?
    let vector: VectorIndexConfig?
    let vectorGrant: LegacyGrant?
    let stores: [String: Store]
    let egressAllow: [Egress]
    let egressDeny: [Egress]
    let egressDefault: DefaultEffect
    let egressDefaultGrant: LegacyGrant

    init(_ sandbox: TenantSandbox, ids: LegacyRuleIds) {
        self.ids = ids
        tenant = sandbox.tenantId
        memory = sandbox.memory
        memoryGrant = sandbox.memory.map {
            LegacyGrant(rule: ids.memoryNamespace, reason: "memory namespace \($0.namespace) belongs to tenant \(sandbox.tenantId)", declared: true)
        }
        vector = sandbox.vectorIndex
        vectorGrant = sandbox.vectorIndex.map { index in
            index.isolation == .collection
                ? LegacyGrant(rule: ids.vectorCollection, reason: "collection \(index.collection) belongs to tenant \(sandbox.tenantId)", declared: true)
                : LegacyGrant(rule: ids.vectorTenantKey, reason: "query filters \(index.tenantKeyField ?? "?") for tenant \(sandbox.tenantId)", declared: true)
        }
        var stores: [String: Store] = [:]
        for config in sandbox.dataStores.sorted(by: { $0.index < $1.index }) where stores[config.name] == nil {
            let base = "dataStores[\(config.name)]"
            let access = ids.id(base + ".access")
            stores[config.name] = Store(
                config: config,
                accessGrant: LegacyGrant(rule: access, reason: "store \(config.name) grants \(config.access.rawValue) access", declared: true),
                accessRule: access, scopeRule: ids.id(base + ".scope"))
        }
        self.stores = stores
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
        guard let memory, let memoryGrant else {
            return .fail(.deny(ids.memory, "tenant \(tenant) declares no memory namespace"))
        }
        guard resource.container == memory.namespace else {
            return .fail(.deny(ids.memoryNamespace, "memory namespace \(resource.container) is not \(memory.namespace)"))
        }
        return .pass(memoryGrant)
    }

    func checkVector(_ resource: Resource) -> LegacyCheck {
        guard let vector, let vectorGrant else {
            return .fail(.deny(ids.vectorIndex, "tenant \(tenant) declares no vector index"))
        }
        guard resource.container == vector.collection else {
            return .fail(.deny(ids.vectorCollection, "collection \(resource.container) is not \(vector.collection)"))
        }
        if vector.isolation == .collection { return .pass(vectorGrant) }
        guard let keyField = vector.tenantKeyField, let keyValue = vector.tenantKeyValue else {
            return .fail(.deny(ids.vectorTenantKey, "vector index \(vector.collection) has no tenant key configured"))
        }
        guard let partition = resource.partition else {
            return .fail(.unevaluable(ids.vectorTenantKey, "query recorded no partition filter"))
        }
        guard partition.field == keyField else {
            return .fail(.deny(ids.vectorTenantKey, "query filters \(partition.field), not the tenant key \(keyField)"))
        }
        guard partition.value == keyValue else {
            return .fail(.deny(ids.vectorTenantKey, "query filters \(keyField) for another tenant"))
        }
        return .pass(vectorGrant)
    }

    func checkStore(_ resource: Resource) -> LegacyCheck {
        guard let store = stores[resource.container] else {
            return .fail(.deny(ids.dataStores, "store \(resource.container) is not declared"))
        }
        guard store.config.access.permits(resource.access) else {
            return .fail(.deny(store.accessRule, "store \(store.config.name) does not grant \(resource.access.rawValue) access (access: \(store.config.access.rawValue))"))
        }
        if let prefix = store.config.scopePrefix, !resource.path.hasPrefix(prefix) {
            let scope = store.config.scopeDescription ?? prefix
            return .fail(.deny(store.scopeRule, "path is outside the scope \(scope) of store \(store.config.name)"))
        }
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
