extension DiagnosticCode {
    /// A committed node policy grants a tenant something that tenant's legacy sandbox denies.
    public static let policyConfinementWidened: DiagnosticCode = "policy.confinement.widened"
    /// A node is granted to a tenant that has no tenant sandbox, so its confinement cannot be shown.
    public static let policyConfinementUnknownTenant: DiagnosticCode = "policy.confinement.unknown-tenant"
    /// A committed node policy grants a tenant a resource outside that tenant's boundary (another memory
    /// namespace, vector collection or partition, an undeclared store, a path outside a store's scope).
    public static let policyConfinementBoundary: DiagnosticCode = "policy.confinement.boundary"
}

/// One grant of a committed node policy that a tenant's legacy sandbox denies (monotonic confinement:
/// a node policy is never wider than the legacy sandbox of any tenant it lists).
public struct ConfinementWidening: Sendable, Hashable, Codable, Comparable {
    public var workflow: String
    public var node: String
    public var tenant: String
    /// The node field that grants it: `tenants`, `match.operation`, `allow.resources`,
    /// `allow.resourceTenants`, `allow.arguments.<name>.pattern`, `allow.arguments.<name>.excluded`,
    /// `limits.perMinute`.
    public var field: String
    /// The granted value as written (a template, operation, pattern or limit; never a payload).
    public var granted: String
    /// The legacy rule id that denies it (`acme/tools.allow[1]`); nil when the tenant has no sandbox.
    public var legacyRule: String?
    /// The tenant-boundary check the grant fails (`memory.namespace`, `vectorIndex.tenantKey`,
    /// `dataStores.scope`, ...), when it is outside the tenant's boundary and not only outside a grant.
    /// The node regime denies such a resource whatever the node says; the grant is a cross-tenant one.
    public var boundary: TenantBoundaryCheck?
    public var location: SourceLocation

    public init(workflow: String, node: String, tenant: String, field: String, granted: String, legacyRule: String?,
                boundary: TenantBoundaryCheck? = nil, location: SourceLocation) {
        self.workflow = workflow
        self.node = node
        self.tenant = tenant
        self.field = field
        self.granted = granted
        self.legacyRule = legacyRule
        self.boundary = boundary
        self.location = location
    }

    public static func < (lhs: ConfinementWidening, rhs: ConfinementWidening) -> Bool {
        (lhs.workflow, lhs.node, lhs.tenant, lhs.field, lhs.granted) < (rhs.workflow, rhs.node, rhs.tenant, rhs.field, rhs.granted)
    }

    public var diagnostic: Diagnostic {
        guard let legacyRule else {
            return .error(.policyConfinementUnknownTenant,
                          "node \(node) of \(workflow) is granted to tenant \(tenant), which has no tenant sandbox", at: location, keyPath: field)
        }
        if let boundary {
            return .error(.policyConfinementBoundary,
                          "node \(node) of \(workflow) grants tenant \(tenant) \(granted), outside its tenant boundary "
                          + "(boundary.\(boundary.rawValue): \(boundary.summary); legacy rule \(legacyRule))",
                          at: location, keyPath: field)
        }
        return .error(.policyConfinementWidened,
                      "node \(node) of \(workflow) grants tenant \(tenant) \(granted), which its legacy sandbox denies (\(legacyRule))",
                      at: location, keyPath: field)
    }
}

/// Checks committed node policies against the tenant sandboxes with the generator's own confinement
/// (`PolicyConfinement`), grant by grant, so a config change that narrows a sandbox is caught.
public enum PolicyConfinementCheck {
    /// `models`: per node id, the models an LLM node stands for (from its task graph); without them an
    /// LLM node is confined when the tenant admits some model.
    public static func check(_ file: PolicyFile, sandboxes: [String: TenantSandbox], models: [String: [String]] = [:]) -> [ConfinementWidening] {
        var found: [ConfinementWidening] = []
        for (index, node) in file.policies.nodes.enumerated() {
            for (position, tenant) in node.tenants.enumerated() {
                func widening(_ field: String, _ granted: String, _ rule: String?, _ boundary: TenantBoundaryCheck?, _ path: [String]) {
                    found.append(ConfinementWidening(workflow: file.policies.workflow, node: node.id, tenant: tenant, field: field,
                                                     granted: granted, legacyRule: rule, boundary: boundary,
                                                     location: file.sourceMap.location(node: index, path)))
                }
                guard let sandbox = sandboxes[tenant] else {
                    widening("tenants", tenant, nil, nil, ["tenants", "\(position)"])
                    continue
                }
                check(node, tenant: tenant, sandbox: sandbox, models: models[node.id], report: widening)
            }
        }
        return found.sorted()
    }

    /// The resources a node grants one tenant, with their key paths: `allow.resources` not limited to
    /// other tenants, and `allow.resourceTenants` entries naming the tenant (the evaluator allows both).
    static func grantedResources(_ node: NodePolicy, tenant: String) -> [(template: String, field: String, path: [String])] {
        let limited = node.allow.resourceTenants ?? []
        var granted: [(String, String, [String])] = []
        for (index, resource) in node.allow.resources.enumerated() {
            let entries = limited.filter { $0.resource == resource }
            if entries.isEmpty || entries.contains(where: { $0.tenants.contains(tenant) }) {
                granted.append((resource, "allow.resources", ["allow", "resources", "\(index)"]))
            }
        }
        for (index, entry) in limited.enumerated() where entry.tenants.contains(tenant) && !node.allow.resources.contains(entry.resource) {
            granted.append((entry.resource, "allow.resourceTenants", ["allow", "resourceTenants", "\(index)"]))
        }
        return granted
    }

    /// `report(field, granted, legacy rule, boundary check, key path)` for each widening of one tenant.
    static func check(_ node: NodePolicy, tenant: String, sandbox: TenantSandbox, models: [String]?,
                      report: (String, String, String?, TenantBoundaryCheck?, [String]) -> Void) {
        let ids = LegacyRuleIds(tenant: tenant)
        // `egress:*` is no grant of its own: the evaluator admits only what the tenant's legacy egress allows.
        let granted = grantedResources(node, tenant: tenant).filter { $0.template != "egress:*" }
        var deniedResources = 0
        for resource in granted {
            if let denial = PolicyConfinement.resourceDenialDetail(resource.template, sandbox: sandbox) {
                deniedResources += 1
                report(resource.field, resource.template, denial.rule, denial.boundary, resource.path)
            }
        }
        let identity = granted.map(\.template).filter { !CompiledNode.isEgress($0) }
        let subject = PolicyConfinement.Subject(kind: node.match.kind, operation: node.match.operation, resources: identity, models: models)
        switch PolicyConfinement.verdict(for: subject, sandbox: sandbox) {
        case .denied(let rule):
            if deniedResources == 0 { report("match.operation", "\(node.match.kind.rawValue) \(node.match.operation)", rule, nil, ["match", "operation"]) }
        case .unbound:
            if deniedResources == 0 { report("match.operation", "\(node.match.kind.rawValue) \(node.match.operation)", node.match.kind == .retrieval ? ids.vectorIndex : ids.toolsDefault, nil, ["match", "operation"]) }
        case .granted:
            if node.match.kind == .toolCall, let tool = PolicyConfinement.bind(node.match.operation, sandbox: sandbox, store: nil),
               case .granted(let required, let excluded) = PolicyConfinement.toolRules(tool, sandbox: sandbox) {
                checkArguments(node, tenant: tenant, required: required, excluded: excluded, report: report)
            }
        }
        if node.match.kind != .output, let rate = sandbox.limits.requestsPerMinute, (node.limits.perMinute ?? Int.max) > rate {
            report("limits.perMinute", node.limits.perMinute.map { "perMinute \($0)" } ?? "no perMinute limit", ids.requestsPerMinute, nil, ["limits", "perMinute"])
        }
    }

    /// The tenant's tool-rule argument globs must be carried by the node: a required glob as the
    /// argument's pattern (binding this tenant) or as values it admits, an excluded glob in `excluded`.
    static func checkArguments(_ node: NodePolicy, tenant: String, required: [PolicyConfinement.RuleGlob],
                               excluded: [PolicyConfinement.RuleGlob], report: (String, String, String?, TenantBoundaryCheck?, [String]) -> Void) {
        let constraints = Array((node.allow.arguments ?? []).enumerated())
        func bound(_ pattern: String) -> String { pattern.replacing("${tenant.id}", with: tenant) }
        func candidates(_ argument: String) -> [(offset: Int, element: ArgumentConstraint)] {
            constraints.filter { $0.element.name == argument || $0.element.name == "*" }
        }
        func path(_ argument: String) -> [String] {
            candidates(argument).first.map { ["allow", "arguments", "\($0.offset)"] } ?? ["allow"]
        }
        for glob in required {
            let wanted = bound(glob.pattern)
            let carried = candidates(glob.argument).contains { _, constraint in
                if let pattern = constraint.pattern, bound(pattern) == wanted, constraint.patternTenants?.contains(tenant) ?? true { return true }
                guard let values = constraint.values, let compiled = try? Glob(wanted) else { return false }
                return values.allSatisfy(compiled.matches)
            }
            if !carried {
                let current = candidates(glob.argument).compactMap(\.element.pattern).first
                report("allow.arguments.\(glob.argument).pattern",
                       current.map { "argument \(glob.argument) with pattern \($0) not binding \(tenant) to \(glob.pattern)" } ?? "argument \(glob.argument) with any value",
                       glob.rule, nil, path(glob.argument))
            }
        }
        for glob in excluded {
            let wanted = bound(glob.pattern)
            let carried = candidates(glob.argument).contains { _, constraint in
                if (constraint.excluded ?? []).contains(where: { bound($0) == wanted }) { return true }
                guard let values = constraint.values, let compiled = try? Glob(wanted) else { return false }
                return !values.contains(where: compiled.matches)
            }
            if !carried {
                report("allow.arguments.\(glob.argument).excluded", "argument \(glob.argument) without excluding \(glob.pattern)", glob.rule, nil, path(glob.argument))
            }
        }
    }
}
