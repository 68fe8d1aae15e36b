/// Replaces the tenant-specific parts of a step's operation and resources with `${tenant...}` templates
/// bound from the tenant's sandbox, and high-cardinality identifiers with `*`, so that the same role in
/// five tenants is one node (docs/inference.md, "Node identity").
///
/// | binding                | bound from                                   |
/// |------------------------|----------------------------------------------|
/// | `${tenant.id}`         | the tenant id, wherever it appears literally |
/// | `${tenant.memory}`     | `spec.memory.namespace`                      |
/// | `${tenant.vectorIndex}`| `spec.vectorIndex.collection`                |
/// | `${tenant.vectorKey}`  | `spec.vectorIndex.tenantKey` (`field=value`) |
/// | `${tenant.scope}`      | the scope prefix of the named data store     |
/// | `${tenant.model}`      | the model of an LLM call (tenant routing)    |
enum ResourceTemplating {
    static func operation(_ operation: String, kind: StepKind, tenant: String, sandbox: TenantSandbox?) -> String {
        if kind == .llm { return "${tenant.model}" }
        if kind == .retrieval, let collection = sandbox?.vectorIndex?.collection, operation == collection {
            return "${tenant.vectorIndex}"
        }
        return replacingTenant(operation, tenant: tenant)
    }

    static func template(_ resource: Resource, tenant: String, sandbox: TenantSandbox?) -> String {
        var text: String
        switch resource.scheme {
        case .memory:
            let namespace = resource.container == sandbox?.memory?.namespace ? "${tenant.memory}" : replacingTenant(resource.container, tenant: tenant)
            text = "memory:\(namespace)" + (resource.path.isEmpty ? "" : "/" + replacingTenant(wildcardIdentifiers(resource.path), tenant: tenant))
        case .vector:
            let index = sandbox?.vectorIndex
            let collection = resource.container == index?.collection ? "${tenant.vectorIndex}" : replacingTenant(resource.container, tenant: tenant)
            text = "vector:\(collection)"
            if let partition = resource.partition {
                if partition.field == index?.tenantKeyField, partition.value == index?.tenantKeyValue {
                    text += "#${tenant.vectorKey}"
                } else {
                    // Another tenant's partition stays literal: it is a different (and suspicious) role.
                    text += "#\(partition.field)=\(partition.value)"
                }
            } else if index?.isolation == .collection, resource.container == index?.collection {
                // Under collection isolation the collection itself is the tenant's partition.
                text += "#${tenant.vectorKey}"
            }
        case .store:
            var path = resource.path
            if let scope = sandbox?.dataStores.first(where: { $0.name == resource.container })?.scopePrefix, path.hasPrefix(scope) {
                path = "${tenant.scope}" + replacingTenant(wildcardIdentifiers(String(path.dropFirst(scope.count))), tenant: tenant)
            } else {
                path = replacingTenant(wildcardIdentifiers(path), tenant: tenant)
            }
            text = "store:\(resource.container)" + (path.isEmpty ? "" : "/" + path)
        case .egress:
            text = "egress:\(replacingTenant(resource.container, tenant: tenant))" + (resource.path.isEmpty ? "" : ":" + resource.path)
        }
        return resource.access == .write && resource.scheme != .egress ? text + " [write]" : text
    }

    /// Replaces the tenant id where it stands as a whole word (`tenants/acme/`, `imap.acme.example`).
    static func replacingTenant(_ text: String, tenant: String) -> String {
        guard !tenant.isEmpty, text.contains(tenant) else { return text }
        var result = ""
        var rest = Substring(text)
        while let range = rest.range(of: tenant) {
            let before = rest[..<range.lowerBound].last
            let after = rest[range.upperBound...].first
            let isWord = !(before.map(isWordCharacter) ?? false) && !(after.map(isWordCharacter) ?? false)
            result += rest[..<range.lowerBound]
            result += isWord ? "${tenant.id}" : tenant
            rest = rest[range.upperBound...]
        }
        return result + rest
    }

    static func isWordCharacter(_ character: Character) -> Bool { character.isLetter || character.isNumber }

    /// Path segments that look like identifiers (document ids, message ids, dates) become `*`.
    static func wildcardIdentifiers(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { segment -> String in
            isIdentifier(segment) ? "*" : String(segment)
        }.joined(separator: "/")
    }

    static func isIdentifier(_ segment: Substring) -> Bool {
        guard !segment.contains("${") else { return false }
        let digits = segment.filter(\.isNumber).count
        if digits >= 2 && segment.count >= 4 { return true }
        return segment.count >= 16 && segment.allSatisfy { $0.isHexDigit || $0 == "-" }
    }
}
