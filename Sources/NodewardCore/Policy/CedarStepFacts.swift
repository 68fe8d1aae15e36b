/// What node evaluation computes from the run for one step, before any rule is applied: the node the
/// step matched, its templated resources, the data flows provenance found, the outcome of glob matching
/// on constrained arguments, and the run's and the minute bucket's state. These are the facts an
/// external policy engine (the Cedar export, docs/cedar-export.md) needs to decide the step with the
/// node's rules; the rules themselves are not applied here.
public struct StepFacts: Sendable, Hashable {
    public enum Match: Sendable, Hashable {
        /// No policy file governs the step's workflow.
        case unknownWorkflow
        /// The workflow has a file but no node matches the step (kind, operation, predecessor).
        case unknownStep
        case node(String)
    }

    /// One data flow into the step: `source` is `request`, the node id the source step matched, or
    /// `StepFacts.unmatchedSource` for a step that matched no node.
    public struct Flow: Sendable, Hashable, Comparable {
        public var source: String
        public var argument: String

        public static func < (lhs: Flow, rhs: Flow) -> Bool { (lhs.source, lhs.argument) < (rhs.source, rhs.argument) }
    }

    /// The matched node's view of one constrained argument (a name, or `*`), for constraints with value
    /// parts (`values`, `pattern`, `excluded`). Globs are matched here because Nodeward's globs (`?`,
    /// classes, every element of an array) are wider than Cedar's `like`.
    public struct Argument: Sendable, Hashable {
        /// The checked values' texts (a string, or a non-string's canonical JSON; `*`: every string value).
        public var texts: [String]
        /// The constraint patterns (as written) that every checked value matches, bound to the tenant.
        public var matchedPatterns: [String]
        /// The excluded globs (as written) that some checked value matches, or that cannot be used for
        /// the tenant (an unusable exclusion excludes everything).
        public var matchedExclusions: [String]
    }

    /// The tenant's boundary checks on the step (`TenantBoundary`, the legacy regime's own).
    public enum Boundary: Sendable, Hashable {
        case inside
        /// A check denies.
        case outside(TenantBoundaryCheck)
        /// A check could not be decided (a retrieval without a partition filter, a memory step without a
        /// memory resource): the node regime's `unevaluable`.
        case undecided(TenantBoundaryCheck)
    }

    public static let unmatchedSource = "(unmatched)"

    public var workflow: String
    public var tenant: String
    public var match: Match
    /// Templated resources (same templating as inference), sorted, without duplicates.
    public var resources: [String]
    /// False when an egress destination of the step is outside its tenant's legacy egress rules, or the
    /// tenant has no sandbox (the ceiling of a node that allows `egress:*`).
    public var withinLegacyEgress: Bool
    public var boundary: Boundary
    /// The step recorded arguments or explicit inputs; without either, argument constraints are unevaluable.
    public var recorded: Bool
    /// Per constrained argument with value parts; a named argument the step did not record is absent.
    public var arguments: [String: Argument]
    public var flows: [Flow]
    /// Earlier allowed steps of the matched node in this run (for `limits.perRun`).
    public var allowedInRun: Int
    /// The tenant's minute bucket of the matched node has a token (true without `limits.perMinute`).
    public var minuteToken: Bool
}

extension NodeEvaluator {
    /// `evaluate(_:in:)`, plus the facts it decided on. The facts are computed on a copy of the run's
    /// context and of the minute bucket, so the decision and the state it leaves are exactly those of
    /// `evaluate(_:in:)`. Costs more (copies, sorting): for export and differential tests, not the hot path.
    public mutating func evaluateWithFacts(_ step: Step, in run: inout RunContext) -> (decision: Decision, facts: StepFacts) {
        let facts = self.facts(for: step, in: run)
        return (evaluate(step, in: &run), facts)
    }

    mutating func facts(for step: Step, in context: RunContext) -> StepFacts {
        var probe = context
        let position = probe.begin(step)
        let resources = templatedResources(step)
        var resolved: [ResolvedResource] = []
        resolve(step, into: &resolved)
        let boundary: StepFacts.Boundary
        switch boundaryFailure(step, sandbox: sandboxes[step.tenant], resources: resolved) {
        case nil: boundary = .inside
        case let failure? where failure.verdict.effect == .deny: boundary = .outside(failure.check)
        case let failure?: boundary = .undecided(failure.check)
        }
        var facts = StepFacts(workflow: step.workflow, tenant: step.tenant, match: .unknownWorkflow,
                              resources: Array(Set(resources)).sorted(), withinLegacyEgress: withinLegacyEgress(step), boundary: boundary,
                              recorded: !step.arguments.isEmpty || !step.inputs.isEmpty, arguments: [:], flows: [],
                              allowedInRun: 0, minuteToken: true)
        guard let workflow = policies.workflows[step.workflow] else { return facts }
        facts.match = .unknownStep
        let canFlow = !step.inputs.isEmpty || (!step.arguments.isEmpty && (!probe.userRequest.isEmpty || !probe.producers.isEmpty))
        if canFlow {
            var flows = Set<StepFacts.Flow>()
            Provenance.forEachSource(of: step, at: position, request: probe.userRequest, positions: probe.positions, producers: probe.producers) { source, argument, _ in
                let node = probe.source(source)
                let name = node == CompiledWorkflow.request ? TaskGraph.request
                    : node >= 0 && Int(node) < workflow.nodes.count ? workflow.nodes[Int(node)].id : StepFacts.unmatchedSource
                flows.insert(StepFacts.Flow(source: name, argument: argument))
            }
            facts.flows = flows.sorted()
        }
        let operation = templatedOperation(step)
        guard let candidates = workflow.byOperation[OperationKey(kind: step.kind, operation: operation)],
              let node = choose(candidates, in: workflow, predecessor: probe.predecessor(of: step, at: position),
                                resources: resources, tenant: step.tenant) else { return facts }
        facts.match = .node(node.id)
        if facts.recorded { facts.arguments = argumentFacts(step, node: node) }
        facts.allowedInRun = probe.allowedCounts[node.index, default: 0]
        if let limit = node.perMinute {
            let key = MinuteKey(workflow: workflow.name, tenant: step.tenant, node: node.index)
            var bucket = minuteBuckets[key] ?? LegacyTokenBucket(perMinute: limit)
            bucket.refill(at: step.startNanos)
            facts.minuteToken = bucket.canTake(1)
        }
        return facts
    }

    /// The same value selection and glob matching as `check(_:step:node:flows:recorded:)`.
    func argumentFacts(_ step: Step, node: CompiledNode) -> [String: StepFacts.Argument] {
        var byName: [String: (values: [JSONValue], patterns: Set<String>, exclusions: Set<String>)] = [:]
        for constraint in node.arguments {
            guard constraint.values != nil || constraint.pattern != nil || !constraint.excluded.isEmpty else { continue }
            guard let values = constraint.testedValues(in: step) else { continue }
            var entry = byName[constraint.name] ?? (values, [], [])
            if let pattern = constraint.pattern, let text = constraint.patternText {
                let glob = pattern.glob(for: step.tenant)
                if values.allSatisfy({ value in glob.map { CompiledToolRule.value(value, matches: $0) } == true }) {
                    entry.patterns.insert(text)
                }
            }
            for (excluded, text) in zip(constraint.excluded, constraint.excludedTexts) where !values.isEmpty {
                guard let glob = excluded.glob(for: step.tenant) else {
                    entry.exclusions.insert(text)
                    continue
                }
                if values.contains(where: { Self.anyElement($0, matches: glob) }) { entry.exclusions.insert(text) }
            }
            byName[constraint.name] = entry
        }
        return byName.mapValues { entry in
            StepFacts.Argument(texts: Array(Set(entry.values.map { $0.stringValue ?? $0.canonicalText })).sorted(),
                               matchedPatterns: entry.patterns.sorted(), matchedExclusions: entry.exclusions.sorted())
        }
    }
}
