/// `nodeward policy explain`: a node's rule, its evidence and graph neighbourhood, and for one step of a
/// trace the path to its decision — which node it matched, where each argument's data came from, and
/// both regimes' decisions.
public struct PolicyExplanation: Sendable, Hashable, Codable {
    public var workflow: String
    public var node: NodePolicy
    /// Control predecessors and successors in the task graph, with run counts.
    public var predecessors: [String]
    public var successors: [String]
    /// Data edges into and out of the node: `source -> argument (trust)`.
    public var dataIn: [String]
    public var dataOut: [String]
    public var step: StepExplanation?

    public struct StepExplanation: Sendable, Hashable, Codable {
        public var tenant: String
        public var run: String
        public var step: String
        public var source: String
        public var kind: StepKind
        public var operation: String
        /// The node the step matched, or nil for an unknown step.
        public var matchedNode: String?
        /// Each argument's data sources: `argument <- request` or `argument <- step-id (node)`.
        public var provenance: [String]
        public var nodeDecision: Decision
        public var legacyDecision: Decision?
    }

    /// Finds `nodeID` in the policy sets and its neighbourhood in the matching graph.
    public static func explain(nodeID: String, policies: [PolicySet], graphs: [TaskGraph]) -> PolicyExplanation? {
        guard let set = policies.first(where: { $0.nodes.contains { $0.id == nodeID } }),
              let node = set.nodes.first(where: { $0.id == nodeID }) else { return nil }
        let graph = graphs.first { $0.workflow == set.workflow }
        let control = graph?.controlEdges ?? []
        let data = graph?.dataEdges ?? []
        return PolicyExplanation(
            workflow: set.workflow, node: node,
            predecessors: control.filter { $0.to == nodeID }.map { "\($0.from) (\($0.runs) runs)" },
            successors: control.filter { $0.from == nodeID }.map { "\($0.to) (\($0.runs) runs)" },
            dataIn: data.filter { $0.to == nodeID }.map { "\($0.from) -> \($0.argument) (\($0.trust.rawValue), \($0.runs) runs\($0.flags.isEmpty ? "" : ", " + $0.flags.joined(separator: ", ")))" },
            dataOut: data.filter { $0.from == nodeID }.map { "\($0.to).\($0.argument) (\($0.trust.rawValue), \($0.runs) runs)" },
            step: nil)
    }

    /// Evaluates `run` up to `stepID` under both regimes and records the path to the step's decisions.
    public static func explain(step stepID: String, in run: Run, policies: [PolicySet], sandboxes: [TenantSandbox]) -> StepExplanation? {
        guard let target = run.steps.firstIndex(where: { $0.stepId == stepID }) else { return nil }
        let compiled = CompiledPolicySet(policies)
        var evaluator = NodeEvaluator(policies: compiled, sandboxes: sandboxes)
        var context = RunContext(run)
        var provenance: [String] = []
        var decision = Decision(regime: .node, effect: .deny, rule: "unreached", reason: "")
        for (index, step) in run.steps.enumerated() {
            if index == target {
                Provenance.forEachSource(of: step, at: Int32(index), request: context.userRequest,
                                         positions: context.positions, producers: context.producers) { source, argument, _ in
                    let name = source < 0 ? TaskGraph.request
                        : "\(run.steps[Int(source)].stepId) (\(evaluator.nodeID(matchedAt: Int(source), in: context, workflow: run.workflow) ?? "unknown step"))"
                    provenance.append("\(argument) <- \(name)")
                }
            }
            decision = evaluator.evaluate(step, in: &context)
            if index == target { break }
        }
        let step = run.steps[target]
        var legacy: Decision?
        if let sandbox = sandboxes.first(where: { $0.tenantId == run.tenant }) {
            // A fresh evaluator: rate buckets see only this run, which the explanation says.
            var legacyEvaluator = LegacyEvaluator(sandbox: sandbox)
            for earlier in run.steps[...target] { legacy = legacyEvaluator.evaluate(earlier) }
        }
        return StepExplanation(
            tenant: run.tenant, run: run.runId, step: stepID, source: step.source.description, kind: step.kind,
            operation: step.operation, matchedNode: evaluator.nodeID(matchedAt: target, in: context, workflow: run.workflow),
            provenance: Array(Set(provenance)).sorted(), nodeDecision: decision, legacyDecision: legacy)
    }

    public func document() -> Document {
        var doc = Document()
        doc.heading("Node \(Inline.code(node.id)) in \(Inline.code(workflow))")
        doc.paragraph("Matches \(node.match.kind.rawValue) \(Inline.code(node.match.operation))\(node.match.resources.isEmpty ? "" : " on " + node.match.resources.map { "\(Inline.code($0))" }.joined(separator: ", "))\(node.match.after.map { " after " + $0.joined(separator: ", ") } ?? ""). Granted to: \(node.tenants.isEmpty ? "no tenant" : node.tenants.joined(separator: ", ")).")
        var rules: [String] = []
        rules += node.allow.resources.map { "resource \(Inline.code($0))" }
        for argument in node.allow.arguments ?? [] {
            var parts: [String] = []
            if let origin = argument.origin { parts.append("origin \(origin.isEmpty ? "none" : origin.joined(separator: ", "))") }
            if let pattern = argument.pattern { parts.append("pattern \(Inline.code(pattern))" + (argument.patternTenants.map { " for \($0.joined(separator: ", "))" } ?? "")) }
            if let values = argument.values { parts.append("one of \(values.count) values") }
            if let excluded = argument.excluded { parts.append("not \(excluded.joined(separator: ", "))") }
            rules.append("argument \(Inline.code(argument.name)): " + parts.joined(separator: "; "))
        }
        rules += node.inputs.map { "data from \(Inline.code($0.from)) into \($0.arguments.joined(separator: ", "))" }
        if let perRun = node.limits.perRun { rules.append("at most \(perRun) per run") }
        if let perMinute = node.limits.perMinute { rules.append("at most \(perMinute) per minute per tenant") }
        doc.heading("Allows", level: 3)
        doc.bullets(rules.isEmpty ? ["nothing beyond the match"] : rules)
        doc.heading("Evidence", level: 3)
        doc.paragraph("\(node.evidence.runs) runs in \(node.evidence.tenants.joined(separator: ", ")), \(node.evidence.firstSeen ?? "?") to \(node.evidence.lastSeen ?? "?"); e.g. \(node.evidence.sampleRuns.joined(separator: ", ")).")
        if let withheld = node.withheld { doc.bullets(withheld.map { "withheld: \($0)" }) }
        doc.heading("Neighbourhood", level: 3)
        doc.bullets(predecessors.map { "after \($0)" } + successors.map { "before \($0)" } + dataIn.map { "data in: \($0)" } + dataOut.map { "data out: \($0)" })
        if let step {
            doc.heading("Step \(Inline.code("\(step.run)/\(step.step)")) (\(step.tenant), \(step.source))", level: 3)
            var path = ["\(step.kind.rawValue) \(Inline.code(step.operation)) matched \(step.matchedNode.map { "node \(Inline.code($0))" } ?? "no node")"]
            path += step.provenance.map { "provenance: \($0)" }
            path.append("node decision: \(Inline.strong(step.nodeDecision.effect.rawValue)) by \(Inline.code(step.nodeDecision.rule)): \(step.nodeDecision.reason)")
            if let legacy = step.legacyDecision {
                path.append("legacy decision (rate buckets over this run only): \(Inline.strong(legacy.effect.rawValue)) by \(Inline.code(legacy.rule)): \(legacy.reason)")
            }
            doc.bullets(path)
        }
        return doc
    }
}

extension NodeEvaluator {
    /// The id of the node the step at `position` matched in `context`, if any.
    public func nodeID(matchedAt position: Int, in context: RunContext, workflow: String) -> String? {
        guard position < context.matched.count, let compiled = policies.workflows[workflow] else { return nil }
        let index = context.matched[position]
        guard index >= 0, Int(index) < compiled.nodes.count else { return nil }
        return compiled.nodes[Int(index)].id
    }
}
