import Yams

extension SandboxNodeWalker {
    func decodeDataStores(_ node: Node, _ path: String) -> [DataStoreConfig]? {
        guard let items = list(node, path) else { return nil }
        var stores: [DataStoreConfig] = []
        var firstUse: [String: String] = [:]
        for item in items {
            guard let store = decodeDataStore(item.node, item.path, index: item.index) else { continue }
            if let first = firstUse[store.name] {
                let nameNode = mapping(item.node, item.path)?["name"]
                error(.sandboxInvalidValue, "data store name is already used by \(first)", nameNode, "\(item.path).name")
                continue
            }
            firstUse[store.name] = item.path
            stores.append(store)
        }
        return stores
    }

    private func decodeDataStore(_ node: Node, _ path: String, index: Int) -> DataStoreConfig? {
        guard let entries = mapping(node, path) else { return nil }
        checkKeys(entries, known: ["name", "kind", "access", "scope", "secretRef"])
        let name = required(entries, "name").flatMap { nonEmptyString($0, entries.child("name")) }
        let kind = required(entries, "kind").flatMap { nonEmptyString($0, entries.child("kind")) }
        let access = required(entries, "access").flatMap {
            oneOf($0, entries.child("access"), [StoreAccess.read, .write, .readWrite])
        }
        if let secret = entries["secretRef"] { _ = string(secret, entries.child("secretRef")) }
        var prefix: String?
        var description: String?
        var scopeValid = true
        if let scopeNode = entries["scope"], let scope = mapping(scopeNode, entries.child("scope")) {
            checkKeys(scope, known: ["schema", "table", "prefix"])
            let forms = scope.pairs.filter { ["schema", "table", "prefix"].contains($0.key) }
            if forms.count != 1 {
                error(.sandboxInvalidValue, "expected exactly one of schema, table, prefix", scopeNode, scope.path)
                scopeValid = false
            } else if let form = forms.first, let value = nonEmptyString(form.value, scope.child(form.key)) {
                prefix = form.key == "schema" ? "\(value)." : value
                description = "\(form.key)=\(value)"
            } else {
                scopeValid = false
            }
        } else if entries["scope"] != nil {
            scopeValid = false
        }
        guard let name, let kind, let access, scopeValid else { return nil }
        return DataStoreConfig(name: name, kind: kind, access: access, scopePrefix: prefix, scopeDescription: description, index: index)
    }

    func decodeNetwork(_ node: Node, _ path: String) -> NetworkConfig? {
        guard let entries = mapping(node, path) else { return nil }
        checkKeys(entries, known: ["egress"])
        var network = NetworkConfig()
        guard let egressNode = entries["egress"], let egress = mapping(egressNode, entries.child("egress")) else { return network }
        checkKeys(egress, known: ["default", "allow", "deny"])
        if let defaultNode = egress["default"],
            let effect = oneOf(defaultNode, egress.child("default"), [DefaultEffect.deny, .allow])
        {
            network.egressDefault = effect
        }
        network.egressAllow = egress["allow"].map { decodeEgressRules($0, egress.child("allow")) } ?? []
        network.egressDeny = egress["deny"].map { decodeEgressRules($0, egress.child("deny")) } ?? []
        return network
    }

    private func decodeEgressRules(_ node: Node, _ path: String) -> [EgressRule] {
        guard let items = list(node, path) else { return [] }
        return items.compactMap { decodeEgressRule($0.node, $0.path, index: $0.index) }
    }

    private func decodeEgressRule(_ node: Node, _ path: String, index: Int) -> EgressRule? {
        guard let entries = mapping(node, path) else { return nil }
        checkKeys(entries, known: ["fqdn", "cidr", "ports"])
        var rule = EgressRule(index: index)
        var valid = true
        switch (entries["fqdn"], entries["cidr"]) {
        case (let fqdn?, nil):
            rule.fqdn = glob(fqdn, entries.child("fqdn"))
            valid = rule.fqdn != nil
        case (nil, let cidrNode?):
            if let text = string(cidrNode, entries.child("cidr")) {
                rule.cidr = CIDRBlock(text)
                if rule.cidr == nil {
                    error(
                        .sandboxInvalidValue, "invalid CIDR; expected an IPv4 block like 10.40.0.0/16",
                        cidrNode, entries.child("cidr"))
                }
            }
            valid = rule.cidr != nil
        case (_?, let cidrNode?):
            error(.sandboxInvalidValue, "set exactly one of fqdn, cidr, not both", cidrNode, entries.child("cidr"))
            valid = false
        case (nil, nil):
            error(.sandboxMissingField, "missing required field \"fqdn\" or \"cidr\"", node, path)
            valid = false
        }
        if let portsNode = entries["ports"] {
            let portsPath = entries.child("ports")
            let items: [(index: Int, node: Node, path: String)]?
            if case .scalar = portsNode { items = [(0, portsNode, portsPath)] } else { items = list(portsNode, portsPath) }
            for item in items ?? [] {
                guard let port = integer(item.node, item.path) else {
                    valid = false
                    continue
                }
                guard (1...65535).contains(port) else {
                    error(.sandboxInvalidValue, "expected a port between 1 and 65535, found an integer outside that range", item.node, item.path)
                    valid = false
                    continue
                }
                rule.ports.append(port)
            }
            if items == nil { valid = false }
        }
        return valid ? rule : nil
    }

    func decodeLimits(_ node: Node, _ path: String) -> LimitsConfig? {
        guard let entries = mapping(node, path) else { return nil }
        checkKeys(entries, known: ["requestsPerMinute", "tokensPerMinute", "budget", "models"])
        var limits = LimitsConfig()
        limits.requestsPerMinute = entries["requestsPerMinute"].flatMap { positiveInteger($0, entries.child("requestsPerMinute")) }
        limits.tokensPerMinute = entries["tokensPerMinute"].flatMap { positiveInteger($0, entries.child("tokensPerMinute")) }
        if let budgetNode = entries["budget"], let budget = mapping(budgetNode, entries.child("budget")) {
            checkKeys(budget, known: ["maxUsd", "period"])
            var maxUsd = required(budget, "maxUsd").flatMap { number($0, budget.child("maxUsd")) }
            if let value = maxUsd, value < 0, let valueNode = budget["maxUsd"] {
                error(.sandboxInvalidValue, "expected a number of at least 0, found a negative number", valueNode, budget.child("maxUsd"))
                maxUsd = nil
            }
            let period = required(budget, "period").flatMap { nonEmptyString($0, budget.child("period")) }
            if let maxUsd, let period { limits.budget = BudgetConfig(maxUsd: maxUsd, period: period) }
        }
        if let modelsNode = entries["models"], let items = list(modelsNode, entries.child("models")) {
            limits.models = items.compactMap { glob($0.node, $0.path) }
        }
        return limits
    }

    func decodeAudit(_ node: Node, _ path: String) -> AuditConfig? {
        guard let entries = mapping(node, path) else { return nil }
        checkKeys(entries, known: ["sink", "events", "redactEnv"])
        var audit = AuditConfig()
        if let sinkNode = entries["sink"], let sink = mapping(sinkNode, entries.child("sink")) {
            checkKeys(sink, known: ["kind", "endpoint", "headersFrom"])
            audit.sinkKind = sink["kind"].flatMap { string($0, sink.child("kind")) }
            audit.sinkEndpoint = sink["endpoint"].flatMap { string($0, sink.child("endpoint")) }
            if let headers = sink["headersFrom"] { _ = mapping(headers, sink.child("headersFrom")) }
        }
        audit.events = entries["events"].flatMap { stringList($0, entries.child("events")) } ?? []
        if let redact = entries["redactEnv"] { _ = stringList(redact, entries.child("redactEnv")) }
        return audit
    }

    func decodeContextTagging(_ node: Node, _ path: String) -> ContextTaggingConfig? {
        guard let entries = mapping(node, path) else { return nil }
        checkKeys(entries, known: ["scheme", "keyRef"])
        let keyRef = entries["keyRef"].flatMap { string($0, entries.child("keyRef")) }
        guard let scheme = required(entries, "scheme").flatMap({ nonEmptyString($0, entries.child("scheme")) }) else { return nil }
        return ContextTaggingConfig(scheme: scheme, keyRef: keyRef)
    }
}
