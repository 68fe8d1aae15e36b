import Yams

/// One decoded document: the sandbox when the document has no errors, plus where its tenant id is written
/// (for duplicate-tenant messages).
struct DecodedSandbox {
    var sandbox: TenantSandbox
    var tenantIdLocation: SourceLocation
}

extension SandboxNodeWalker {
    static let sandboxKind = "TenantAgentSandbox"

    /// Decodes one composed document. Returns nil when the document is skipped (other kind) or has errors;
    /// the reasons are in `diagnostics`.
    func decodeDocument(_ root: Node) -> DecodedSandbox? {
        guard let top = mapping(root, "") else { return nil }
        guard let kindNode = top["kind"] else {
            warning(.sandboxKind, "document has no kind; expected \(Self.sandboxKind) (skipped)", root, "kind")
            return nil
        }
        guard let kind = string(kindNode, "kind") else { return nil }
        guard kind == Self.sandboxKind else {
            warning(.sandboxKind, "kind is not \(Self.sandboxKind) (skipped)", kindNode, "kind")
            return nil
        }
        checkKeys(top, known: ["apiVersion", "kind", "metadata", "spec"])
        var apiVersion = "agents.example.com/v1"
        if let node = top["apiVersion"] {
            apiVersion = string(node, "apiVersion") ?? apiVersion
        } else {
            warning(.sandboxMissingField, "missing apiVersion; assuming \(apiVersion)", root, "apiVersion")
        }
        let errorsBefore = errorCount
        let metadata = top["metadata"].flatMap { decodeMetadata($0, "metadata") }
        let specNode = top["spec"]
        let spec = specNode.flatMap { mapping($0, "spec") }
        if specNode == nil {
            error(.sandboxMissingField, "missing required field \"spec\"", root, "spec")
        }
        guard let spec else { return nil }
        checkKeys(spec, known: [
            "tenant", "identity", "runtime", "memory", "vectorIndex", "tools", "dataStores", "network", "limits",
            "audit", "contextTagging",
        ])
        let tenant = decodeTenant(spec)
        var sandbox = TenantSandbox(
            name: metadata?.name ?? tenant?.id ?? "", labels: metadata?.labels ?? [:], tenantId: tenant?.id ?? "",
            apiVersion: apiVersion, source: location(root))
        sandbox.identity = spec["identity"].flatMap { decodeIdentity($0, spec.child("identity")) }
        sandbox.runtime = spec["runtime"].flatMap { decodeRuntime($0, spec.child("runtime")) }
        sandbox.memory = spec["memory"].flatMap { decodeMemory($0, spec.child("memory")) }
        sandbox.vectorIndex = spec["vectorIndex"].flatMap { decodeVectorIndex($0, spec.child("vectorIndex")) }
        sandbox.tools = spec["tools"].flatMap { decodeTools($0, spec.child("tools")) } ?? ToolsConfig()
        sandbox.dataStores = spec["dataStores"].flatMap { decodeDataStores($0, spec.child("dataStores")) } ?? []
        sandbox.network = spec["network"].flatMap { decodeNetwork($0, spec.child("network")) } ?? NetworkConfig()
        sandbox.limits = spec["limits"].flatMap { decodeLimits($0, spec.child("limits")) } ?? LimitsConfig()
        sandbox.audit = spec["audit"].flatMap { decodeAudit($0, spec.child("audit")) }
        sandbox.contextTagging = spec["contextTagging"].flatMap { decodeContextTagging($0, spec.child("contextTagging")) }
        guard errorCount == errorsBefore, let tenant else { return nil }
        return DecodedSandbox(sandbox: sandbox, tenantIdLocation: tenant.location)
    }

    private func decodeMetadata(_ node: Node, _ path: String) -> (name: String?, labels: [String: String])? {
        guard let entries = mapping(node, path) else { return nil }
        checkKeys(entries, known: ["name", "labels", "namespace", "annotations"])
        let name = entries["name"].flatMap { nonEmptyString($0, entries.child("name")) }
        let labels = entries["labels"].flatMap { stringMap($0, entries.child("labels")) } ?? [:]
        if let namespace = entries["namespace"] { _ = string(namespace, entries.child("namespace")) }
        if let annotations = entries["annotations"] { _ = stringMap(annotations, entries.child("annotations")) }
        return (name, labels)
    }

    private func decodeTenant(_ spec: Entries) -> (id: String, location: SourceLocation)? {
        guard let tenantNode = spec["tenant"] else {
            error(.sandboxMissingField, "missing required field \"tenant\" (with the tenant id)", spec.node, spec.child("tenant.id"))
            return nil
        }
        guard let tenant = mapping(tenantNode, spec.child("tenant")) else { return nil }
        checkKeys(tenant, known: ["id", "source"])
        guard let idNode = required(tenant, "id"), let raw = nonEmptyString(idNode, tenant.child("id")) else { return nil }
        switch Identifier.normalize(raw) {
        case .success(let id):
            return (id, location(idNode))
        case .failure(let problem):
            error(.sandboxInvalidId, Identifier.describe(problem, what: "the tenant id"), idNode, tenant.child("id"))
            return nil
        }
    }

    private func decodeIdentity(_ node: Node, _ path: String) -> IdentityConfig? {
        guard let entries = mapping(node, path) else { return nil }
        let inlineKeys = ["issuer", "audience", "tenantClaim", "tenantClaimValue", "tenantClaimValues", "jwksUri", "subjectClaim"]
        checkKeys(entries, known: inlineKeys + ["issuers", "workload"])
        var issuers: [IssuerConfig] = []
        if inlineKeys.contains(where: { entries[$0] != nil }) {
            if let issuer = decodeIssuer(entries) { issuers.append(issuer) }
        }
        if let list = entries["issuers"].flatMap({ self.list($0, entries.child("issuers")) }) {
            for item in list {
                guard let issuerEntries = mapping(item.node, item.path) else { continue }
                checkKeys(issuerEntries, known: inlineKeys)
                if let issuer = decodeIssuer(issuerEntries) { issuers.append(issuer) }
            }
        }
        if let workload = entries["workload"] { _ = mapping(workload, entries.child("workload")) }
        return IdentityConfig(issuers: issuers)
    }

    private func decodeIssuer(_ entries: Entries) -> IssuerConfig? {
        let optional = { (key: String) in entries[key].flatMap { self.string($0, entries.child(key)) } }
        var values: [String] = []
        if let single = entries["tenantClaimValue"], let value = string(single, entries.child("tenantClaimValue")) {
            values.append(value)
        }
        if let many = entries["tenantClaimValues"] {
            values += stringList(many, entries.child("tenantClaimValues")) ?? []
        }
        _ = optional("jwksUri")
        _ = optional("subjectClaim")
        guard let issuerNode = required(entries, "issuer"), let issuer = nonEmptyString(issuerNode, entries.child("issuer")) else {
            return nil
        }
        return IssuerConfig(issuer: issuer, audience: optional("audience"), tenantClaim: optional("tenantClaim"), tenantClaimValues: values)
    }

    private func decodeRuntime(_ node: Node, _ path: String) -> RuntimeConfig? {
        guard let entries = mapping(node, path) else { return nil }
        let decoded = ["provider", "isolation", "image", "namespace", "resources"]
        let ignored = ["template", "metadata", "lifecycle", "warmPool", "envInjection", "quota"]
        checkKeys(entries, known: decoded + ignored)
        let optional = { (key: String) in entries[key].flatMap { self.string($0, entries.child(key)) } }
        var runtime = RuntimeConfig(
            provider: optional("provider"), isolation: optional("isolation"), image: optional("image"),
            namespace: optional("namespace"))
        if let resources = entries["resources"].flatMap({ mapping($0, entries.child("resources")) }) {
            checkKeys(resources, known: ["cpu", "memory", "ephemeralStorage", "gpu"])
            runtime.cpu = resources["cpu"].flatMap { string($0, resources.child("cpu")) }
            runtime.memory = resources["memory"].flatMap { string($0, resources.child("memory")) }
        }
        return runtime
    }

    private func decodeMemory(_ node: Node, _ path: String) -> MemoryConfig? {
        guard let entries = mapping(node, path) else { return nil }
        checkKeys(entries, known: ["namespace", "store", "retention"])
        guard let namespaceNode = required(entries, "namespace"),
            let namespace = nonEmptyString(namespaceNode, entries.child("namespace"))
        else { return nil }
        return MemoryConfig(namespace: namespace)
    }

    private func decodeVectorIndex(_ node: Node, _ path: String) -> VectorIndexConfig? {
        guard let entries = mapping(node, path) else { return nil }
        checkKeys(entries, known: ["backend", "collection", "index", "isolation", "tenantKey"])
        let backend = entries["backend"].flatMap { string($0, entries.child("backend")) }
        var collection: String?
        switch (entries["collection"], entries["index"]) {
        case (let node?, nil): collection = nonEmptyString(node, entries.child("collection"))
        case (nil, let node?): collection = nonEmptyString(node, entries.child("index"))
        case (_?, let node?):
            error(.sandboxInvalidValue, "set either collection or index, not both", node, entries.child("index"))
        case (nil, nil):
            error(.sandboxMissingField, "missing required field \"collection\" (or \"index\")", entries.node, entries.child("collection"))
        }
        let isolation = required(entries, "isolation").flatMap {
            oneOf($0, entries.child("isolation"), VectorIsolation.allCases)
        }
        var field: String?
        var value: String?
        if let keyNode = entries["tenantKey"], let key = mapping(keyNode, entries.child("tenantKey")) {
            if let namespace = key["namespace"] {
                checkKeys(key, known: ["namespace"])
                field = "namespace"
                value = nonEmptyString(namespace, key.child("namespace"))
            } else {
                checkKeys(key, known: ["field", "value"])
                field = required(key, "field").flatMap { nonEmptyString($0, key.child("field")) }
                value = required(key, "value").flatMap { string($0, key.child("value")) }
            }
        } else if entries["tenantKey"] == nil, let isolation, isolation != .collection {
            error(
                .sandboxMissingField, "missing required field \"tenantKey\" (required unless isolation is collection)",
                entries.node, entries.child("tenantKey"))
        }
        guard let collection, let isolation else { return nil }
        return VectorIndexConfig(backend: backend, collection: collection, isolation: isolation, tenantKeyField: field, tenantKeyValue: value)
    }
}
