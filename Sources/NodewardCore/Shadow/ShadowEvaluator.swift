/// One step decided under both regimes: the legacy decision (authoritative until the tenant is cut
/// over), the node decision, their comparison class, the node the step matched, and the step's
/// provenance chain (which upstream steps fed it), so a disagreement can be traced to where it started.
public struct ShadowOutcome: Sendable, Hashable {
    public var legacy: Decision
    public var node: Decision
    public var comparison: ComparisonClass
    /// The matched node's id, nil when the step matched no node of its workflow.
    public var nodeId: String?
    /// Upstream steps of the same run, nearest first, breadth-first over data sources; the user's
    /// request appears as `ProvenanceLink.request`. At most `ShadowEvaluator.chainLimit` links.
    public var provenance: [ProvenanceLink]

    public init(legacy: Decision, node: Decision, nodeId: String?, provenance: [ProvenanceLink]) {
        self.legacy = legacy
        self.node = node
        self.nodeId = nodeId
        self.provenance = provenance
        comparison = ComparisonClass.classify(legacy: legacy, node: node)
    }

    /// The decision to enforce: the legacy one, unless the step's tenant has been cut over.
    public func authoritative(cutOver: Bool) -> Decision { cutOver ? node : legacy }
}

/// One upstream step in a provenance chain: its id, kind and operation (never its payload).
public struct ProvenanceLink: Sendable, Hashable, Codable, CustomStringConvertible {
    public var step: String
    public var kind: String
    public var operation: String

    public init(step: String, kind: String, operation: String) {
        self.step = step
        self.kind = kind
        self.operation = operation
    }

    public static let request = ProvenanceLink(step: DataInput.userRequest, kind: "request", operation: "user request")

    public var description: String { step == DataInput.userRequest ? "request" : "\(step) (\(kind) \(operation))" }
}

/// Shadow mode's core: the legacy fleet and the node evaluator side by side on the same steps. Both are
/// stateful (rate buckets on trace time), so feed steps in time order per tenant; keep one
/// `ShadowRunContext` per run and pass it to every step of that run, in the run's order.
public struct ShadowEvaluator: Sendable {
    public static let chainLimit = 16
    var legacy: LegacyFleet
    var node: NodeEvaluator

    public init(sandboxes: [TenantSandbox], policies: CompiledPolicySet) {
        legacy = LegacyFleet(sandboxes: sandboxes)
        node = NodeEvaluator(policies: policies, sandboxes: sandboxes)
    }

    public var policies: CompiledPolicySet { node.policies }

    public mutating func evaluate(_ step: Step, in run: inout ShadowRunContext) -> ShadowOutcome {
        let legacyDecision = legacy.evaluate(step)
        let position = Int32(run.node.stepCount)
        let provenance = run.recordSources(of: step, at: position)
        let nodeDecision = node.evaluate(step, in: &run.node)
        let nodeId = node.policies.nodeId(workflow: step.workflow, index: run.node.matched[Int(position)])
        return ShadowOutcome(legacy: legacyDecision, node: nodeDecision, nodeId: nodeId, provenance: provenance)
    }

    /// A whole run in order (tests, the explain path, and callers that already hold runs in time order).
    public mutating func evaluate(_ run: Run) -> [ShadowOutcome] {
        var context = ShadowRunContext(run)
        return run.steps.map { evaluate($0, in: &context) }
    }
}

extension CompiledPolicySet {
    func nodeId(workflow: String, index: Int32) -> String? {
        guard index >= 0, let compiled = workflows[workflow], Int(index) < compiled.nodes.count else { return nil }
        return compiled.nodes[Int(index)].id
    }
}
