/// Policy sets compiled once for evaluation: node ids interned to indices, nodes indexed by kind and
/// operation, sets for resources and grants, globs compiled, and every allow and fixed deny decision
/// built in advance. Nothing here is parsed at evaluation time.
public struct CompiledPolicySet: Sendable {
    let workflows: [String: CompiledWorkflow]
    /// Templates and tenants as small integers, so evaluation compares ids, not strings.
    let interning: PolicyInterning
    /// Nodes with `limits.perMinute`, numbered across workflows (a bucket per slot and tenant).
    let minuteSlotCount: Int

    /// Sets for the same workflow: the first wins (the reader reports duplicates).
    public init(_ sets: [PolicySet]) {
        var kept: [PolicySet] = []
        var seen = Set<String>()
        for set in sets where seen.insert(set.workflow).inserted { kept.append(set) }
        let interning = PolicyInterning(kept)
        var workflows: [String: CompiledWorkflow] = [:]
        var minuteSlots: Int32 = 0
        for set in kept { workflows[set.workflow] = CompiledWorkflow(set, interning: interning, minuteSlots: &minuteSlots) }
        self.workflows = workflows
        self.interning = interning
        minuteSlotCount = Int(minuteSlots)
    }

    public var workflowNames: [String] { workflows.keys.sorted() }
}

struct OperationKey: Hashable, Sendable {
    let kind: StepKind
    let operation: String
}

/// A data source (`request` = -1, else a node index) and the argument it feeds.
struct GrantKey: Hashable, Sendable {
    let source: Int32
    let argument: String
}

/// Classes, so that looking a workflow or node up retains one reference instead of copying every field.
final class CompiledWorkflow: Sendable {
    static let request: Int32 = -1
    static let start: Int32 = -1
    /// A step that matched no node, as a data source or predecessor.
    static let unmatched: Int32 = -2

    let name: String
    let nodes: [CompiledNode]
    let byOperation: [OperationKey: [Int32]]
    let unknownStep: Decision

    init(_ set: PolicySet, interning: PolicyInterning, minuteSlots: inout Int32) {
        name = set.workflow
        let sorted = set.nodes.sorted { $0.id < $1.id }
        var index: [String: Int32] = [:]
        for (position, node) in sorted.enumerated() where index[node.id] == nil { index[node.id] = Int32(position) }
        // Ids the file does not define resolve to a value no step can have (the reader reports them).
        func resolve(_ id: String, pseudo: String) -> Int32 { id == pseudo ? -1 : index[id] ?? Int32.min }
        var nodes: [CompiledNode] = []
        for (position, node) in sorted.enumerated() {
            var minuteSlot: Int32 = -1
            if node.limits.perMinute != nil {
                minuteSlot = minuteSlots
                minuteSlots += 1
            }
            nodes.append(CompiledNode(node, index: Int32(position), workflow: set.workflow, resolve: resolve,
                                      interning: interning, minuteSlot: minuteSlot))
        }
        self.nodes = nodes
        var byOperation: [OperationKey: [Int32]] = [:]
        for node in nodes { byOperation[OperationKey(kind: node.kind, operation: node.operation), default: []].append(node.index) }
        self.byOperation = byOperation
        unknownStep = Decision(regime: .node, effect: .deny, rule: "\(set.workflow)/unknown-step", reason: "unknown step")
    }
}

final class CompiledNode: Sendable {
    static func isEgress(_ template: String) -> Bool { template.hasPrefix("egress:") }

    /// `egress:*` (a node that reached more than 16 destinations) admits any destination.
    func allows(_ resource: String, tenant: String) -> Bool {
        if let limited = resourceTenants[resource] { return limited.contains(tenant) }
        return resources.contains(resource) || (allowsAnyEgress && Self.isEgress(resource))
    }

    let id: String
    let index: Int32
    let kind: StepKind
    let operation: String
    let matchResources: Set<String>
    /// Predecessor node indices (`start` = -1); nil when the node is not split by predecessor.
    let after: Set<Int32>?
    let tenants: Set<String>
    let resources: Set<String>
    let allowsAnyEgress: Bool
    /// Resources only some tenants may use (per-tenant egress confinement).
    let resourceTenants: [String: Set<String>]
    let arguments: [CompiledArgument]
    let grants: Set<GrantKey>
    let perRun: Int?
    let perMinute: Int?
    let rulePrefix: String
    let allow: Decision
    let tenantDeny: Decision
    let resourceDeny: Decision
    let perRunDeny: Decision?
    let perMinuteDeny: Decision?

    /// The same sets as ids (`PolicyInterning`); the string sets above serve export and explanation.
    let matchIds: IdSet
    let resourceIds: IdSet
    let tenantIds: IdSet
    let resourceTenantIds: [Int32: IdSet]
    /// This node's per-minute bucket slot, -1 without `limits.perMinute`.
    let minuteSlot: Int32

    /// `allows(_:tenant:)` on ids: the same answer, since every template a node names is interned
    /// (an id of -1, a template no node names, is in no set).
    @inline(__always)
    func allows(_ resource: ResolvedResource, tenant: Int32) -> Bool {
        if !resourceTenantIds.isEmpty, let limited = resourceTenantIds[resource.id] { return limited.contains(tenant) }
        return resourceIds.contains(resource.id) || (allowsAnyEgress && resource.isEgress)
    }

    /// The deny (or unevaluable) of a failed tenant-boundary check: `<workflow>/<node id>/boundary.<check>`.
    /// Built on the failure path only; the reason names the check and the legacy rule, never a value.
    func boundaryDecision(_ failure: TenantBoundaryFailure) -> Decision {
        Decision(regime: .node, effect: failure.verdict.effect, rule: rulePrefix + "/" + NodeRuleIds.boundaryPrefix + failure.check.rawValue,
                 reason: "outside the tenant boundary: \(failure.check.summary) (legacy rule \(failure.verdict.rule))")
    }

    init(_ node: NodePolicy, index: Int32, workflow: String, resolve: (String, String) -> Int32,
         interning: PolicyInterning, minuteSlot: Int32) {
        id = node.id
        self.index = index
        kind = node.match.kind
        operation = node.match.operation
        matchResources = Set(node.match.resources)
        after = node.match.after.map { Set($0.map { resolve($0, TaskGraph.start) }) }
        tenants = Set(node.tenants)
        resources = Set(node.allow.resources)
        allowsAnyEgress = resources.contains("egress:*")
        resourceTenants = Dictionary((node.allow.resourceTenants ?? []).map { ($0.resource, Set($0.tenants)) }, uniquingKeysWith: { $0.union($1) })
        let prefix = "\(workflow)/\(node.id)"
        rulePrefix = prefix
        arguments = (node.allow.arguments ?? []).map {
            CompiledArgument($0, tenants: node.tenants, rulePrefix: prefix, resolve: { resolve($0, TaskGraph.request) })
        }
        grants = Set(node.inputs.flatMap { grant in
            grant.arguments.map { GrantKey(source: resolve(grant.from, TaskGraph.request), argument: $0) }
        })
        perRun = node.limits.perRun
        perMinute = node.limits.perMinute
        matchIds = IdSet(node.match.resources.map(interning.template))
        resourceIds = IdSet(node.allow.resources.map(interning.template))
        tenantIds = IdSet(node.tenants.map(interning.tenant))
        resourceTenantIds = resourceTenants.reduce(into: [:]) { ids, entry in
            ids[interning.template(entry.key)] = IdSet(entry.value.map(interning.tenant))
        }
        self.minuteSlot = minuteSlot
        allow = Decision(regime: .node, effect: .allow, rule: prefix, reason: "allowed by node policy \(node.id)")
        tenantDeny = Decision(regime: .node, effect: .deny, rule: prefix + "/tenants", reason: "node \(node.id) is not granted to this tenant")
        resourceDeny = Decision(regime: .node, effect: .deny, rule: prefix + "/resources",
                                reason: "a resource is outside the templates node \(node.id) allows")
        perRunDeny = node.limits.perRun.map {
            Decision(regime: .node, effect: .deny, rule: prefix + "/limits.perRun", reason: "more than \($0) steps of node \(node.id) in one run")
        }
        perMinuteDeny = node.limits.perMinute.map {
            Decision(regime: .node, effect: .deny, rule: prefix + "/limits.perMinute", reason: "more than \($0) steps of node \(node.id) per minute for this tenant")
        }
    }
}

/// One argument constraint, with globs bound per tenant where they use `${tenant.id}`. A glob that does
/// not compile matches nothing, so the constraint fails closed.
struct CompiledArgument: Sendable {
    enum Globs: Sendable {
        case shared(Glob?)
        case perTenant([String: Glob])

        func glob(for tenant: String) -> Glob? {
            switch self {
            case .shared(let glob): return glob
            case .perTenant(let globs): return globs[tenant]
            }
        }
    }

    let name: String
    let values: Set<String>?
    let pattern: Globs?
    /// Tenants the pattern binds; nil: every tenant of the node.
    let patternTenants: Set<String>?
    let excluded: [Globs]
    /// The globs as written (`${tenant.id}` unbound), to name them outside the evaluator (Cedar export).
    let patternText: String?
    let excludedTexts: [String]
    let origin: Set<Int32>?
    let valuesRule: String
    let patternRule: String
    let excludedRule: String
    let originRule: String

    init(_ constraint: ArgumentConstraint, tenants: [String], rulePrefix: String, resolve: (String) -> Int32) {
        name = constraint.name
        values = constraint.values.map(Set.init)
        func compile(_ pattern: String) -> Globs {
            guard pattern.contains("${tenant.id}") else { return .shared(try? Glob(pattern)) }
            var globs: [String: Glob] = [:]
            for tenant in tenants { globs[tenant] = try? Glob(pattern.replacing("${tenant.id}", with: tenant)) }
            return .perTenant(globs)
        }
        pattern = constraint.pattern.map(compile)
        patternTenants = constraint.patternTenants.map(Set.init)
        excluded = (constraint.excluded ?? []).map(compile)
        patternText = constraint.pattern
        excludedTexts = constraint.excluded ?? []
        origin = constraint.origin.map { Set($0.map(resolve)) }
        let base = "\(rulePrefix)/arguments.\(constraint.name)"
        valuesRule = base + ".values"
        patternRule = base + ".pattern"
        excludedRule = base + ".excluded"
        originRule = base + ".origin"
    }
}

extension CompiledArgument {
    /// The values a value constraint tests: the named argument, or every string argument for `*`;
    /// nil when the named argument was not recorded (the evaluator's unevaluable case).
    func testedValues(in step: Step) -> [JSONValue]? {
        if name == "*" { return step.arguments.values.filter { $0.stringValue != nil } }
        return step.arguments[name].map { [$0] }
    }
}
