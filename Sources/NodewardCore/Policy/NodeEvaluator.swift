/// The new enforcement: decides each step of a run under the node policies (regime `.node`), in the
/// order documented in docs/policy-language.md ("Evaluation"). Stateful: per-tenant, per-node
/// `limits.perMinute` buckets advance with step timestamps, so feed steps in time order.
public struct NodeEvaluator: Sendable {
    public let policies: CompiledPolicySet
    let sandboxes: [String: SandboxBox]
    /// Templated operations and resources per tenant: templating builds strings, a lookup does not.
    /// Bounded; cleared when full (resource paths can be high-cardinality).
    var operationCache: [OperationCacheKey: String] = [:]
    var resourceCache: [ResourceCacheKey: String] = [:]
    var routes: [RouteKey: Route] = [:]
    var resolvedCache: [ResourceCacheKey: ResolvedResource] = [:]
    var resolvedScratch: [ResolvedResource] = []
    /// Per-minute buckets by `CompiledNode.minuteSlot` × tenant id.
    var minuteBucketStore: [LegacyTokenBucket?]
    static let cacheLimit = 16_384

    struct RouteKey: Hashable, Sendable {
        let tenant: String
        let workflow: String
        let kind: StepKind
        let operation: String
    }

    /// What a step's tenant, workflow, kind and operation decide before its resources are looked at.
    final class Route: Sendable {
        let workflow: CompiledWorkflow?
        let candidates: [Int32]?
        let tenant: Int32
        let sandbox: SandboxBox?
        let unknownWorkflow: Decision

        init(workflow: CompiledWorkflow?, candidates: [Int32]?, tenant: Int32, sandbox: SandboxBox?, unknownWorkflow: Decision) {
            self.workflow = workflow
            self.candidates = candidates
            self.tenant = tenant
            self.sandbox = sandbox
            self.unknownWorkflow = unknownWorkflow
        }
    }

    /// `minuteBuckets[MinuteKey(...)]`: the bucket of a workflow, tenant and node, if it was used.
    var minuteBuckets: MinuteBuckets { MinuteBuckets(policies: policies, store: minuteBucketStore) }

    struct MinuteBuckets {
        let policies: CompiledPolicySet
        let store: [LegacyTokenBucket?]

        subscript(key: MinuteKey) -> LegacyTokenBucket? {
            guard let workflow = policies.workflows[key.workflow], key.node >= 0, Int(key.node) < workflow.nodes.count else { return nil }
            let slot = workflow.nodes[Int(key.node)].minuteSlot
            let tenant = policies.interning.tenant(key.tenant)
            guard slot >= 0, tenant >= 0 else { return nil }
            return store[Int(slot) * policies.interning.tenantCount + Int(tenant)]
        }
    }

    /// A sandbox behind one reference, so a lookup does not copy its every field.
    final class SandboxBox: Sendable {
        let sandbox: TenantSandbox
        /// The tenant's legacy egress rules: the ceiling of a node that allows `egress:*`.
        let egress: LegacyResourceChecks
        /// The tenant's boundary checks, the legacy regime's own (node policies narrow, never replace them).
        let boundary: TenantBoundary
        init(_ sandbox: TenantSandbox) {
            self.sandbox = sandbox
            egress = LegacyResourceChecks(sandbox, ids: LegacyRuleIds(tenant: sandbox.tenantId))
            boundary = egress.boundary
        }
    }

    /// A step of a tenant without a sandbox: no boundary can be shown, so nothing is inside it.
    static let noSandbox = TenantBoundaryFailure.deny(.sandbox, "fleet/unknown-tenant", "no tenant sandbox declares the step's tenant")

    struct OperationCacheKey: Hashable, Sendable {
        let tenant: String
        let kind: StepKind
        let operation: String
    }

    struct ResourceCacheKey: Hashable, Sendable {
        let tenant: String
        let resource: Resource
    }

    struct MinuteKey: Hashable, Sendable {
        let workflow: String
        let tenant: String
        let node: Int32
    }

    /// The sandboxes bind a step's resources to `${tenant...}` templates, as inference does.
    public init(policies: CompiledPolicySet, sandboxes: [TenantSandbox]) {
        self.policies = policies
        self.sandboxes = Dictionary(sandboxes.map { ($0.tenantId, SandboxBox($0)) }, uniquingKeysWith: { first, _ in first })
        minuteBucketStore = Array(repeating: nil, count: policies.minuteSlotCount * policies.interning.tenantCount)
    }

    public mutating func evaluate(_ step: Step, in run: inout RunContext) -> Decision {
        let position = run.begin(step)
        defer { run.finish(step, at: position) }
        let route = self.route(step)
        guard let workflow = route.workflow else { return route.unknownWorkflow }
        guard let candidates = route.candidates else { return workflow.unknownStep }
        let predecessor = run.predecessor(of: step, at: position)
        // Steps touch few resources: a reused buffer, not an array per decision.
        var resources = resolvedScratch
        resolvedScratch = []
        defer {
            resources.removeAll(keepingCapacity: true)
            resolvedScratch = resources
        }
        resolve(step, into: &resources)
        guard let node = choose(candidates, in: workflow, predecessor: predecessor, resources: resources, tenant: route.tenant) else {
            return workflow.unknownStep
        }
        run.matched[Int(position)] = node.index
        if !node.tenantIds.contains(route.tenant) { return node.tenantDeny }
        for resource in resources where !node.allows(resource, tenant: route.tenant) { return node.resourceDeny }
        if node.allowsAnyEgress, !withinLegacyEgress(step, sandbox: route.sandbox) { return node.resourceDeny }
        if let failure = boundaryFailure(step, sandbox: route.sandbox, resources: resources) { return node.boundaryDecision(failure) }
        if let decision = checkData(step, node: node, at: position, run: &run) { return decision }
        let count = run.allowedCounts[node.index, default: 0]
        if let limit = node.perRun, count >= limit, let deny = node.perRunDeny { return deny }
        if let limit = node.perMinute, let deny = node.perMinuteDeny {
            // The tenant check above passed, so the tenant has an id.
            let slot = Int(node.minuteSlot) * policies.interning.tenantCount + Int(route.tenant)
            var bucket = minuteBucketStore[slot] ?? LegacyTokenBucket(perMinute: limit)
            let taken = Self.take(&bucket, at: step.startNanos)
            minuteBucketStore[slot] = bucket
            if !taken { return deny }
        }
        run.allowedCounts[node.index] = count + 1
        return node.allow
    }

    /// Workflow, candidate nodes and tenant id of a step, looked up once per (tenant, workflow, kind,
    /// operation) instead of templating the operation and hashing three maps per decision.
    mutating func route(_ step: Step) -> Route {
        let key = RouteKey(tenant: step.tenant, workflow: step.workflow, kind: step.kind, operation: step.operation)
        if let cached = routes[key] { return cached }
        let route: Route
        if let workflow = policies.workflows[step.workflow] {
            let operation = templatedOperation(step)
            route = Route(workflow: workflow, candidates: workflow.byOperation[OperationKey(kind: step.kind, operation: operation)],
                          tenant: policies.interning.tenant(step.tenant), sandbox: sandboxes[step.tenant], unknownWorkflow: workflow.unknownStep)
        } else {
            route = Route(workflow: nil, candidates: nil, tenant: -1, sandbox: nil,
                          unknownWorkflow: Decision(regime: .node, effect: .deny, rule: "\(step.workflow)/unknown-workflow",
                                                    reason: "no node policies for workflow \(step.workflow)"))
        }
        if routes.count >= Self.cacheLimit { routes.removeAll(keepingCapacity: true) }
        routes[key] = route
        return route
    }

    /// The step's resources templated (as `templatedResources`) with their template ids.
    mutating func resolve(_ step: Step, into resolved: inout [ResolvedResource]) {
        for resource in step.resources {
            let key = ResourceCacheKey(tenant: step.tenant, resource: resource)
            if let cached = resolvedCache[key] {
                resolved.append(cached)
                continue
            }
            let box = sandboxes[step.tenant]
            let entry = ResolvedResource(ResourceTemplating.template(resource, tenant: step.tenant, sandbox: box?.sandbox),
                                         interning: policies.interning, insideBoundary: box?.boundary.resource(resource) == nil)
            if resolvedCache.count >= Self.cacheLimit { resolvedCache.removeAll(keepingCapacity: true) }
            resolvedCache[key] = entry
            resolved.append(entry)
        }
    }

    /// `choose(_:in:predecessor:resources:tenant:)` on ids (the same rule, the same node).
    func choose(_ candidates: [Int32], in workflow: CompiledWorkflow, predecessor: Int32, resources: [ResolvedResource], tenant: Int32) -> CompiledNode? {
        var first: CompiledNode?
        var covering: CompiledNode?
        // Identity excludes egress destinations. A template without an id is in no node's match
        // resources, so no node matches exactly; otherwise equal ids are equal templates.
        var distinct = 0
        var exactPossible = true
        for (offset, resource) in resources.enumerated() where !resource.isEgress {
            if resource.id < 0 { exactPossible = false }
            if !resources[..<offset].contains(where: { !$0.isEgress && $0.id == resource.id }) { distinct += 1 }
        }
        for index in candidates {
            let node = workflow.nodes[Int(index)]
            if let after = node.after, !after.contains(predecessor) { continue }
            if first == nil { first = node }
            if exactPossible, node.matchIds.count == distinct,
               resources.allSatisfy({ $0.isEgress || node.matchIds.contains($0.id) }) { return node }
            if covering == nil, resources.allSatisfy({ node.allows($0, tenant: tenant) }) { covering = node }
        }
        return covering ?? first
    }

    /// The tenant's boundary checks (`TenantBoundary.check`) on a step whose resources were resolved
    /// into `resources` (in the step's order, each with its cached outcome). Nil: inside.
    func boundaryFailure(_ step: Step, sandbox: SandboxBox?, resources: [ResolvedResource]) -> TenantBoundaryFailure? {
        guard let box = sandbox else { return Self.noSandbox }
        let boundary = box.boundary
        return boundary.check(step) { index in
            resources[index].insideBoundary ? nil : boundary.resource(step.resources[index])
        }
    }

    /// `egress:*` is not a grant of every host: each destination must still be one the tenant's legacy
    /// egress rules allow (a node is never wider than its tenants' sandboxes).
    func withinLegacyEgress(_ step: Step) -> Bool {
        withinLegacyEgress(step, sandbox: sandboxes[step.tenant])
    }

    func withinLegacyEgress(_ step: Step, sandbox: SandboxBox?) -> Bool {
        guard let box = sandbox else { return false }
        for resource in step.resources where resource.scheme == .egress {
            if case .fail = box.egress.check(resource) { return false }
        }
        return true
    }

    /// Evaluates a whole run in order (a convenience for tests and batch use).
    public mutating func evaluate(_ run: Run) -> [Decision] {
        var context = RunContext(run)
        return run.steps.map { evaluate($0, in: &context) }
    }

    static func take(_ bucket: inout LegacyTokenBucket, at nanos: Int64) -> Bool {
        bucket.refill(at: nanos)
        guard bucket.canTake(1) else { return false }
        bucket.take(1)
        return true
    }

    mutating func templatedOperation(_ step: Step) -> String {
        let key = OperationCacheKey(tenant: step.tenant, kind: step.kind, operation: step.operation)
        if let cached = operationCache[key] { return cached }
        let templated = ResourceTemplating.operation(step.operation, kind: step.kind, tenant: step.tenant, sandbox: sandboxes[step.tenant]?.sandbox)
        if operationCache.count >= Self.cacheLimit { operationCache.removeAll(keepingCapacity: true) }
        operationCache[key] = templated
        return templated
    }

    /// The step's resources as templates, with the same templating as inference.
    mutating func templatedResources(_ step: Step) -> [String] {
        guard !step.resources.isEmpty else { return [] }
        var resources: [String] = []
        resources.reserveCapacity(step.resources.count)
        for resource in step.resources {
            let key = ResourceCacheKey(tenant: step.tenant, resource: resource)
            if let cached = resourceCache[key] {
                resources.append(cached)
                continue
            }
            let templated = ResourceTemplating.template(resource, tenant: step.tenant, sandbox: sandboxes[step.tenant]?.sandbox)
            if resourceCache.count >= Self.cacheLimit { resourceCache.removeAll(keepingCapacity: true) }
            resourceCache[key] = templated
            resources.append(templated)
        }
        return resources
    }

    /// Among nodes sharing kind and operation: those whose `after` admits the predecessor; then the one
    /// whose match resources equal the step's, else the first whose allowed resources cover them, else
    /// the first (whose resource check then denies).
    func choose(_ candidates: [Int32], in workflow: CompiledWorkflow, predecessor: Int32, resources: [String], tenant: String) -> CompiledNode? {
        var first: CompiledNode?
        var covering: CompiledNode?
        // Identity excludes egress destinations, as in inference; they are checked against `allow` only.
        let identity = resources.contains(where: CompiledNode.isEgress) ? resources.filter { !CompiledNode.isEgress($0) } : resources
        let distinct = identity.count < 2 ? identity.count : Set(identity).count
        for index in candidates {
            let node = workflow.nodes[Int(index)]
            if let after = node.after, !after.contains(predecessor) { continue }
            if first == nil { first = node }
            if node.matchResources.count == distinct, identity.allSatisfy(node.matchResources.contains) { return node }
            if covering == nil, resources.allSatisfy({ node.allows($0, tenant: tenant) }) { covering = node }
        }
        return covering ?? first
    }

    /// Argument constraints, then edge grants. Nil when both pass.
    func checkData(_ step: Step, node: CompiledNode, at position: Int32, run: inout RunContext) -> Decision? {
        // Value matching needs something to match against: the request or an earlier result.
        let canFlow = !step.inputs.isEmpty || (!step.arguments.isEmpty && (!run.userRequest.isEmpty || run.hasProducers()))
        guard canFlow || !node.arguments.isEmpty else { return nil }
        var flows: [GrantKey] = []
        if canFlow {
            let matched = run.matched
            run.forEachSource(of: step, at: position) { source, argument in
                flows.append(GrantKey(source: source < 0 ? CompiledWorkflow.request : matched[Int(source)], argument: argument))
            }
            // Sources come out in dictionary and set order, which differs between runs even in one process:
            // sorted, the first ungranted flow (the one a deny names) is the same every time.
            if flows.count > 1 { flows.sort { ($0.argument, $0.source) < ($1.argument, $1.source) } }
        }
        let recorded = !step.arguments.isEmpty || !step.inputs.isEmpty
        for constraint in node.arguments {
            if let decision = check(constraint, step: step, node: node, flows: flows, recorded: recorded) { return decision }
        }
        for flow in flows where !node.grants.contains(flow) {
            return Decision(regime: .node, effect: .deny, rule: node.rulePrefix + "/inputs",
                            reason: "data from \(sourceName(flow.source, step: step)) into argument \(flow.argument) is not granted")
        }
        return nil
    }

    func check(_ constraint: CompiledArgument, step: Step, node: CompiledNode, flows: [GrantKey], recorded: Bool) -> Decision? {
        func decision(_ effect: Effect, _ rule: String, _ reason: String) -> Decision {
            Decision(regime: .node, effect: effect, rule: rule, reason: reason)
        }
        guard recorded else {
            let rule = constraint.origin != nil ? constraint.originRule : constraint.pattern != nil ? constraint.patternRule
                : constraint.values != nil ? constraint.valuesRule : constraint.excludedRule
            return decision(.unevaluable, rule, "the step recorded no arguments, which argument \(constraint.name) needs")
        }
        let hasValueParts = constraint.values != nil || constraint.pattern != nil || !constraint.excluded.isEmpty
        if hasValueParts {
            guard let values = constraint.testedValues(in: step) else {
                let rule = constraint.pattern != nil ? constraint.patternRule : constraint.values != nil ? constraint.valuesRule : constraint.excludedRule
                return decision(.unevaluable, rule, "argument \(constraint.name) was not recorded")
            }
            for value in values {
                if let allowed = constraint.values, !allowed.contains(value.stringValue ?? value.canonicalText) {
                    return decision(.deny, constraint.valuesRule, "argument \(constraint.name) is not one of its allowed values")
                }
                if let pattern = constraint.pattern, constraint.patternTenants?.contains(step.tenant) ?? true {
                    let glob = pattern.glob(for: step.tenant)
                    if glob.map({ CompiledToolRule.value(value, matches: $0) }) != true {
                        return decision(.deny, constraint.patternRule, "argument \(constraint.name) does not match its pattern")
                    }
                }
                for excluded in constraint.excluded {
                    // Unbound or invalid globs exclude everything: fail closed.
                    guard let glob = excluded.glob(for: step.tenant) else {
                        return decision(.deny, constraint.excludedRule, "argument \(constraint.name) has an unusable excluded pattern")
                    }
                    if Self.anyElement(value, matches: glob) {
                        return decision(.deny, constraint.excludedRule, "argument \(constraint.name) matches an excluded pattern")
                    }
                }
            }
        }
        if let origin = constraint.origin {
            for flow in flows where flow.argument == constraint.name && !origin.contains(flow.source) {
                return decision(.deny, constraint.originRule,
                                "argument \(constraint.name) carries data from \(sourceName(flow.source, step: step)), which its origin does not list")
            }
        }
        return nil
    }

    func sourceName(_ source: Int32, step: Step) -> String {
        if source == CompiledWorkflow.request { return TaskGraph.request }
        guard source >= 0, let workflow = policies.workflows[step.workflow] else { return "a step that matched no node" }
        return workflow.nodes[Int(source)].id
    }

    static func anyElement(_ value: JSONValue, matches glob: Glob) -> Bool {
        switch value {
        case .string(let text): return glob.matches(text)
        case .array(let items): return items.contains { anyElement($0, matches: glob) }
        default: return glob.matches(value.canonicalText)
        }
    }
}

/// Rule ids of node decisions that reports class separately (docs/policy-language.md, "Rule ids").
public enum NodeRuleIds {
    public static let unknownStep = "unknown-step"
    public static let unknownWorkflow = "unknown-workflow"
    /// The check part of a tenant-boundary decision: `<workflow>/<node id>/boundary.<check>`.
    public static let boundaryPrefix = "boundary."

    /// The tenant-boundary check behind a node decision (`.../boundary.identity.issuer`), if any.
    public static func boundaryCheck(_ decision: Decision) -> TenantBoundaryCheck? {
        guard decision.regime == .node, decision.effect != .allow else { return nil }
        // Check paths contain dots, never `/`: the last `/` starts the check.
        guard let slash = decision.rule.lastIndex(of: "/") else { return nil }
        let tail = decision.rule[decision.rule.index(after: slash)...]
        guard tail.hasPrefix(boundaryPrefix) else { return nil }
        return TenantBoundaryCheck(rawValue: String(tail.dropFirst(boundaryPrefix.count)))
    }

    /// A deny because the step matched no node (`<workflow>/unknown-step`): shadow mode's `unknown-step`.
    public static func isUnknownStep(_ decision: Decision) -> Bool {
        decision.regime == .node && decision.effect == .deny && decision.rule.hasSuffix("/" + unknownStep)
    }

    public static func isUnknownWorkflow(_ decision: Decision) -> Bool {
        decision.regime == .node && decision.effect == .deny && decision.rule.hasSuffix("/" + unknownWorkflow)
    }
}
