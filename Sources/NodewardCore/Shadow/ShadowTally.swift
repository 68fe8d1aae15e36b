/// Aggregates shadow outcomes: counts by class overall and by tenant, workflow and node; one sample
/// step per (workflow, node, disagreement class) with its provenance chain; the A/A baseline; and the
/// outcomes of labelled incident steps. Order-independent: the sample kept is the smallest
/// (tenant, run, step) key, so the summary does not depend on the order steps arrive in.
public struct ShadowTally: Sendable {
    public struct NodeKey: Hashable, Sendable, Comparable {
        public var workflow: String
        public var node: String
        public static func < (a: NodeKey, b: NodeKey) -> Bool { (a.workflow, a.node) < (b.workflow, b.node) }
    }

    struct SampleKey: Hashable {
        var node: NodeKey
        var comparison: ComparisonClass
    }

    /// A task for the A/A baseline: the same node of the same workflow for the same tenant.
    struct TaskKey: Hashable {
        var tenant: String
        var workflow: String
        var node: String
    }

    struct EffectCounts {
        var allow = 0, deny = 0, unevaluable = 0
        var runs = Set<String>()
        mutating func add(_ effect: Effect, run: String) {
            switch effect {
            case .allow: allow += 1
            case .deny: deny += 1
            case .unevaluable: unevaluable += 1
            }
            if runs.count < 2 { runs.insert(run) }
        }
        var total: Int { allow + deny + unevaluable }
        var minority: Int { total - max(allow, deny, unevaluable) }
    }

    public private(set) var steps = 0
    var byClass: [ComparisonClass: Int] = [:]
    var byTenant: [String: [ComparisonClass: Int]] = [:]
    var byWorkflow: [String: [ComparisonClass: Int]] = [:]
    var byNode: [NodeKey: [ComparisonClass: Int]] = [:]
    /// The labelled incident steps among `byNode`.
    var byNodeIncident: [NodeKey: [ComparisonClass: Int]] = [:]
    var samples: [SampleKey: ShadowSample] = [:]
    var legacyTasks: [TaskKey: EffectCounts] = [:]
    var nodeTasks: [TaskKey: EffectCounts] = [:]
    var denyRules: [String: [ComparisonClass: Int]] = [:]
    /// Steps whose legacy decision was an ask (a deny for want of an approver, `LegacyAsk`), by class.
    var legacyAsks: [ComparisonClass: Int] = [:]
    /// Labelled incident steps to report on, keyed by (tenant, run, step).
    let watched: [ShadowStepKey: String]
    let incidents: [IncidentLabel]
    var incidentOutcomes: [ShadowStepKey: ShadowSample] = [:]

    /// `incidents` are checked step by step: each labelled step's outcome is kept.
    public init(incidents: [IncidentLabel] = []) {
        var watched: [ShadowStepKey: String] = [:]
        for incident in incidents {
            for step in incident.steps { watched[ShadowStepKey(tenant: incident.tenant, run: incident.run, step: step)] = incident.id }
        }
        self.watched = watched
        self.incidents = incidents.sorted { $0.id < $1.id }
    }

    public mutating func add(_ step: Step, _ outcome: ShadowOutcome) {
        steps += 1
        let comparison = outcome.comparison
        byClass[comparison, default: 0] += 1
        if LegacyAsk.isAsk(outcome.legacy) { legacyAsks[comparison, default: 0] += 1 }
        byTenant[step.tenant, default: [:]][comparison, default: 0] += 1
        byWorkflow[step.workflow, default: [:]][comparison, default: 0] += 1
        let nodeName = outcome.nodeId ?? "(\(step.kind.rawValue) \(step.operation))"
        let node = NodeKey(workflow: step.workflow, node: nodeName)
        byNode[node, default: [:]][comparison, default: 0] += 1
        let task = TaskKey(tenant: step.tenant, workflow: step.workflow, node: nodeName)
        legacyTasks[task, default: EffectCounts()].add(outcome.legacy.effect, run: step.runId)
        nodeTasks[task, default: EffectCounts()].add(outcome.node.effect, run: step.runId)
        switch comparison {
        case .tightened, .unknownStep: denyRules[outcome.node.rule, default: [:]][comparison, default: 0] += 1
        case .widened: denyRules[outcome.legacy.rule, default: [:]][comparison, default: 0] += 1
        case .agreeAllow, .agreeDeny, .unevaluable: break
        }
        let key = ShadowStepKey(tenant: step.tenant, run: step.runId, step: step.stepId)
        if let incident = watched[key] {
            incidentOutcomes[key] = ShadowSample(step: step, outcome: outcome, incident: incident)
            byNodeIncident[node, default: [:]][comparison, default: 0] += 1
        }
        guard comparison != .agreeAllow, comparison != .agreeDeny else { return }
        let sampleKey = SampleKey(node: node, comparison: comparison)
        if let existing = samples[sampleKey], existing.key <= key { return }
        samples[sampleKey] = ShadowSample(step: step, outcome: outcome, incident: watched[key])
    }
}

/// A step's identity across the fleet.
public struct ShadowStepKey: Hashable, Sendable, Comparable, Codable {
    public var tenant: String
    public var run: String
    public var step: String
    public static func < (a: ShadowStepKey, b: ShadowStepKey) -> Bool { (a.tenant, a.run, a.step) < (b.tenant, b.run, b.step) }
}

/// One evaluated step as a report shows it: where it is, both decisions, and its provenance chain.
/// No payloads: ids, kinds, operations, rule ids and reasons (which name fields, never values).
public struct ShadowSample: Sendable, Hashable, Codable {
    public var tenant: String
    public var workflow: String
    public var run: String
    public var step: String
    public var kind: String
    public var operation: String
    public var node: String?
    public var comparison: ComparisonClass
    public var legacy: Decision
    public var nodeDecision: Decision
    public var provenance: [ProvenanceLink]
    public var source: String
    public var incident: String?

    init(step: Step, outcome: ShadowOutcome, incident: String?) {
        tenant = step.tenant
        workflow = step.workflow
        run = step.runId
        self.step = step.stepId
        kind = step.kind.rawValue
        operation = step.operation
        node = outcome.nodeId
        comparison = outcome.comparison
        legacy = outcome.legacy
        nodeDecision = outcome.node
        provenance = outcome.provenance
        source = step.source.description
        self.incident = incident
    }

    var key: ShadowStepKey { ShadowStepKey(tenant: tenant, run: run, step: step) }
}
