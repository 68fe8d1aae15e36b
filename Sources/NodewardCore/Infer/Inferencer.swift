public struct InferenceOptions: Sendable, Hashable {
    public enum Holdout: Sendable, Hashable {
        case none
        /// k folds by run id hash.
        case kFold(Int)
        /// The latest share of runs by start time.
        case time(Double)
    }

    /// Elements seen in fewer runs (or tenants) are marked `low-support`, never dropped.
    public var minRuns = 3
    public var minTenants = 1
    /// Elements in fewer than this share of the workflow's runs are marked `rare`.
    public var rareShare = 0.02
    public var holdout: Holdout = .kFold(5)
    public var maxSamples = 3

    public init() {}
}

/// The Infer stage: streams runs, abstracts steps into roles, and aggregates run shapes per workflow;
/// `finish` builds one task graph per workflow (docs/inference.md).
public struct Inferencer {
    let options: InferenceOptions
    let sandboxes: [String: TenantSandbox]
    var keyIndex: [BaseKey: Int32] = [:]
    var keys: [BaseKey] = []
    var workflows: [String: WorkflowVariants] = [:]
    /// Role keys of step identities seen before: templating is string work per resource, and the same
    /// (tenant, kind, operation, resources) recurs in almost every run. Bounded; emptied when full.
    var roleCache: [RoleInput: Int32] = [:]
    static let roleCacheLimit = 1 << 16

    public init(sandboxes: [TenantSandbox], options: InferenceOptions = InferenceOptions()) {
        self.options = options
        self.sandboxes = Dictionary(sandboxes.map { ($0.tenantId, $0) }, uniquingKeysWith: { first, _ in first })
    }

    var foldCount: Int {
        if case .kFold(let k) = options.holdout { return max(k, 2) }
        return 1
    }

    public mutating func consume(_ run: Run) {
        guard !run.steps.isEmpty else { return }
        let sandbox = sandboxes[run.tenant]
        var sequence: [Int32] = []
        sequence.reserveCapacity(run.steps.count)
        var positions: [String: Int32] = [:]
        for (index, step) in run.steps.enumerated() {
            sequence.append(role(of: step, sandbox: sandbox, sandboxTenant: run.tenant))
            positions[step.stepId] = Int32(index)
        }
        var parents: [[Int32]] = []
        parents.reserveCapacity(run.steps.count)
        for (index, step) in run.steps.enumerated() {
            let explicit = step.parents.compactMap { positions[$0] }.filter { $0 < Int32(index) }.sorted()
            parents.append(!explicit.isEmpty ? explicit : (index == 0 ? [] : [Int32(index - 1)]))
        }
        let flows = Provenance.flows(in: run, positions: positions)
        let variantKey = VariantKey(keys: sequence, parents: parents, flows: flows)
        let workflowKey = "\(run.agent)\u{1}\(run.workflow)"
        var workflow = workflows.removeValue(forKey: workflowKey) ?? WorkflowVariants(agent: run.agent, workflow: run.workflow)
        workflow.runs += 1
        var stats = workflow.variants.removeValue(forKey: variantKey) ?? VariantStats(length: sequence.count, folds: foldCount)
        stats.runs += 1
        stats.tenants.insert(run.tenant)
        stats.first = min(stats.first, run.startNanos)
        stats.last = max(stats.last, run.startNanos)
        stats.addSample("\(run.tenant)/\(run.runId)", limit: options.maxSamples)
        for (index, step) in run.steps.enumerated() {
            for name in step.arguments.keys where !stats.facts[index].arguments.contains(name) { stats.facts[index].arguments.insert(name) }
            for resource in step.resources where resource.scheme == .egress {
                let template = ResourceTemplating.template(resource, tenant: step.tenant, sandbox: sandbox)
                if stats.facts[index].egress.count < PositionFacts.limit { stats.facts[index].egress.insert(template) }
            }
            if step.kind == .llm, stats.facts[index].operations.count < PositionFacts.limit { stats.facts[index].operations.insert(step.operation) }
            if !step.executed { stats.blocked[index] += 1 }
        }
        switch options.holdout {
        case .kFold: stats.folds[HoldoutRule.fold(tenant: run.tenant, runId: run.runId, folds: foldCount)] += 1
        case .time: stats.starts.append(run.startNanos)
        case .none: stats.folds[0] += 1
        }
        workflow.variants[variantKey] = stats
        workflows[workflowKey] = workflow
    }

    mutating func role(of step: Step, sandbox: TenantSandbox?, sandboxTenant: String) -> Int32 {
        let input = RoleInput(sandboxTenant: sandboxTenant, tenant: step.tenant, kind: step.kind, operation: step.operation, resources: step.resources)
        if let index = roleCache[input] { return index }
        let index = intern(baseKey(step, sandbox: sandbox))
        if roleCache.count >= Self.roleCacheLimit { roleCache.removeAll(keepingCapacity: true) }
        roleCache[input] = index
        return index
    }

    mutating func intern(_ key: BaseKey) -> Int32 {
        if let index = keyIndex[key] { return index }
        let index = Int32(keys.count)
        keys.append(key)
        keyIndex[key] = index
        return index
    }

    /// Egress destinations are not part of a role's identity (a fetch tool reaches many hosts): they are
    /// collected on the node instead. Neither is the model of an LLM call, which is tenant configuration.
    func baseKey(_ step: Step, sandbox: TenantSandbox?) -> BaseKey {
        BaseKey.of(step, sandbox: sandbox)
    }

    /// One graph per workflow, sorted by workflow name; conformance is computed by holding out runs.
    public func finish() -> [TaskGraph] {
        // Tenants in id order, so that conflicting declared effects resolve the same way every run.
        let effects = sandboxes.values.sorted { $0.tenantId < $1.tenantId }
            .reduce(into: [String: ToolEffect]()) { $0.merge($1.tools.effects) { first, _ in first } }
        return workflows.values.sorted { ($0.workflow, $0.agent) < ($1.workflow, $1.agent) }.map { workflow in
            let builder = GraphBuilder(keys: keys, options: options, toolEffects: effects)
            var (graph, _) = builder.build(workflow)
            graph.conformance = ConformanceCheck(builder: builder, options: options).evaluate(workflow)
            return graph
        }
    }
}
