/// The facts of a shadow comparison, for reports and `--format json`: every array sorted, so the
/// same inputs give byte-identical output.
public struct ShadowSummary: Sendable, Hashable, Codable {
    /// Counts per comparison class; every class is present (zeros included).
    public struct ClassCounts: Sendable, Hashable, Codable {
        public var agreeAllow = 0, agreeDeny = 0, tightened = 0, widened = 0, unevaluable = 0, unknownStep = 0

        public init() {}

        init(_ counts: [ComparisonClass: Int]) {
            for (comparison, count) in counts { self[comparison] = count }
        }

        public subscript(_ comparison: ComparisonClass) -> Int {
            get {
                switch comparison {
                case .agreeAllow: agreeAllow
                case .agreeDeny: agreeDeny
                case .tightened: tightened
                case .widened: widened
                case .unevaluable: unevaluable
                case .unknownStep: unknownStep
                }
            }
            set {
                switch comparison {
                case .agreeAllow: agreeAllow = newValue
                case .agreeDeny: agreeDeny = newValue
                case .tightened: tightened = newValue
                case .widened: widened = newValue
                case .unevaluable: unevaluable = newValue
                case .unknownStep: unknownStep = newValue
                }
            }
        }

        public var total: Int { ComparisonClass.allCases.reduce(0) { $0 + self[$1] } }
        public var agreeing: Int { agreeAllow + agreeDeny }
        /// Steps both regimes decided (not unevaluable, not unknown-step).
        public var evaluable: Int { agreeAllow + agreeDeny + tightened + widened }
        public var disagreeing: Int { tightened + widened }
    }

    public struct Group: Sendable, Hashable, Codable {
        public var name: String
        public var counts: ClassCounts
    }

    public struct NodeGroup: Sendable, Hashable, Codable {
        public var workflow: String
        public var node: String
        public var counts: ClassCounts
        /// The labelled incident steps among `counts`.
        public var incidentSteps: ClassCounts
    }

    public struct RuleCount: Sendable, Hashable, Codable {
        public var rule: String
        public var comparison: ComparisonClass
        public var steps: Int
    }

    /// Run-to-run variation of one regime on the same task (tenant, workflow, node), over tasks seen in
    /// at least two runs: the share of their steps whose effect differs from the task's majority effect.
    public struct Baseline: Sendable, Hashable, Codable {
        public var tasks: Int
        public var steps: Int
        public var varyingSteps: Int
        public var rate: Double { steps == 0 ? 0 : Double(varyingSteps) / Double(steps) }

        public init(tasks: Int, steps: Int, varyingSteps: Int) {
            self.tasks = tasks
            self.steps = steps
            self.varyingSteps = varyingSteps
        }

        enum CodingKeys: String, CodingKey { case tasks, steps, varyingSteps, rate }
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(tasks, forKey: .tasks)
            try container.encode(steps, forKey: .steps)
            try container.encode(varyingSteps, forKey: .varyingSteps)
            try container.encode((rate * 1_000_000).rounded() / 1_000_000, forKey: .rate)
        }
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            tasks = try container.decode(Int.self, forKey: .tasks)
            steps = try container.decode(Int.self, forKey: .steps)
            varyingSteps = try container.decode(Int.self, forKey: .varyingSteps)
        }
    }

    public var steps: Int
    public var totals: ClassCounts
    /// The steps among `totals` whose legacy decision was an ask (a rule that needs a human approval,
    /// modelled as a deny without an approver: docs/legacy-model.md, "Ask"), by class. Nil when there
    /// were none.
    public var legacyAsks: ClassCounts?
    public var byTenant: [Group]
    public var byWorkflow: [Group]
    public var byNode: [NodeGroup]
    /// One sample per (workflow, node, class) for every class but the two agreements.
    public var samples: [ShadowSample]
    /// The rules behind disagreements: the node rule of tightened and unknown-step steps, the legacy
    /// rule of widened ones.
    public var rules: [RuleCount]
    /// The legacy regime against itself (the A/A baseline) and the node regime against itself.
    public var legacyBaseline: Baseline
    public var nodeBaseline: Baseline
    /// Labelled incidents and how their steps came out.
    public var incidents: [Incident]

    /// A labelled incident: its steps' classes, and the step that best shows the change (the first
    /// tightened, else widened, unevaluable, unknown-step, agree-deny, agree-allow step).
    public struct Incident: Sendable, Hashable, Codable {
        public var id: String
        public var kind: String
        public var tenant: String
        public var run: String
        public var counts: ClassCounts
        public var stepsMissing: Int
        public var sample: ShadowSample?
    }

    /// The share of evaluable steps the two regimes disagree on, to read against `legacyBaseline.rate`.
    public var disagreementRate: Double {
        totals.evaluable == 0 ? 0 : Double(totals.disagreeing) / Double(totals.evaluable)
    }
}

extension ShadowTally {
    static let sampleOrder: [ComparisonClass] = [.tightened, .widened, .unevaluable, .unknownStep, .agreeDeny, .agreeAllow]

    func incidentSummaries() -> [ShadowSummary.Incident] {
        incidents.map { incident in
            var counts = ShadowSummary.ClassCounts()
            var missing = 0
            var best: ShadowSample?
            for step in incident.steps {
                guard let sample = incidentOutcomes[ShadowStepKey(tenant: incident.tenant, run: incident.run, step: step)] else {
                    missing += 1
                    continue
                }
                counts[sample.comparison] += 1
                let rank = Self.sampleOrder.firstIndex(of: sample.comparison)!
                if best.map({ rank < Self.sampleOrder.firstIndex(of: $0.comparison)! }) ?? true { best = sample }
            }
            return ShadowSummary.Incident(id: incident.id, kind: incident.kind, tenant: incident.tenant, run: incident.run,
                                          counts: counts, stepsMissing: missing, sample: best)
        }
    }

    public func summary() -> ShadowSummary {
        func groups(_ counts: [String: [ComparisonClass: Int]]) -> [ShadowSummary.Group] {
            counts.sorted { $0.key < $1.key }.map { ShadowSummary.Group(name: $0.key, counts: .init($0.value)) }
        }
        func baseline(_ tasks: [TaskKey: EffectCounts]) -> ShadowSummary.Baseline {
            var result = ShadowSummary.Baseline(tasks: 0, steps: 0, varyingSteps: 0)
            for counts in tasks.values where counts.runs.count >= 2 {
                result.tasks += 1
                result.steps += counts.total
                result.varyingSteps += counts.minority
            }
            return result
        }
        let rules = denyRules.flatMap { rule, counts in
            counts.map { ShadowSummary.RuleCount(rule: rule, comparison: $0.key, steps: $0.value) }
        }.sorted { ($1.steps, $0.rule, $0.comparison.rawValue) < ($0.steps, $1.rule, $1.comparison.rawValue) }
        let samples = self.samples.values.sorted {
            ($0.workflow, $0.node ?? "", $0.comparison.rawValue) < ($1.workflow, $1.node ?? "", $1.comparison.rawValue)
        }
        let nodes = byNode.keys.sorted().map { ShadowSummary.NodeGroup(workflow: $0.workflow, node: $0.node, counts: .init(byNode[$0]!),
                                                                        incidentSteps: .init(byNodeIncident[$0] ?? [:])) }
        return ShadowSummary(
            steps: steps, totals: .init(byClass), legacyAsks: legacyAsks.isEmpty ? nil : .init(legacyAsks),
            byTenant: groups(byTenant), byWorkflow: groups(byWorkflow),
            byNode: nodes, samples: samples, rules: rules,
            legacyBaseline: baseline(legacyTasks), nodeBaseline: baseline(nodeTasks),
            incidents: incidentSummaries())
    }
}
