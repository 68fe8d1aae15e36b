public struct GeneralizationOptions: Sendable, Hashable {
    public var splits: [HoldoutSplit] = HoldoutSplit.allCases
    public var strictness: [PolicyStrictness] = PolicyStrictness.allCases
    /// Folds of the variant and kfold splits (at least 2).
    public var folds = 5
    /// The share of each workflow's latest runs the time split holds out (as `infer --holdout time`).
    public var timeShare = 0.2
    /// Generator options; `strictness` is set per level.
    public var generator = PolicyGeneratorOptions()
    /// Inference options; the holdout is ignored (evaluation does its own, and needs no conformance).
    public var inference = InferenceOptions()
    public var attackKinds: Set<String> = GeneralizationEvaluation.attackKinds
    /// Explicit opt-in: every attack run is in every training, including the one it is scored against, to
    /// measure what a poisoned training log costs. Off by default: attacks are never trained on.
    public var trainOnAttacks = false
    /// Deny rules listed per row.
    public var topRules = 5

    public init() {}
}

/// `nodeward policy generate --evaluate` (docs/policy-language.md, "Generalization"): per split and fold,
/// infers task graphs from the training runs only, generates node policies at each strictness, and scores
/// the held-out benign runs (fully allowed, false denies) and the attack runs (stopped).
///
/// Holds every run in memory and infers once per training (1 for time, `folds` per other split), so it
/// costs about (1 + 2 × folds) inference passes over the runs plus one evaluation pass per strictness.
public struct GeneralizationEvaluation: Sendable {
    /// Incident kinds that are attacks on the node regime: content or calls an attacker controls, another
    /// tenant's data, a runaway loop. `unlisted-tool`, `denied-tool` and `config-drift` are legacy
    /// configuration findings, not attacks: their runs are neither benign nor attacks.
    public static let attackKinds: Set<String> = ["poisoned-retrieval-write", "poisoned-tool-egress", "injected-call",
                                                  "cross-tenant-read", "rate-burst"]

    public let runs: [Run]
    public let sandboxes: [TenantSandbox]
    public let labels: [IncidentLabel]
    public let options: GeneralizationOptions

    public init(runs: [Run], sandboxes: [TenantSandbox], labels: [IncidentLabel], options: GeneralizationOptions = GeneralizationOptions()) {
        // Runs in a fixed order (time, then id), so that results do not depend on input order.
        self.runs = runs.filter { !$0.steps.isEmpty }
            .sorted { ($0.startNanos, $0.tenant, $0.runId) < ($1.startNanos, $1.tenant, $1.runId) }
        self.sandboxes = sandboxes
        self.labels = labels
        self.options = options
    }

    enum RunClass: Equatable {
        case benign
        /// The labelled steps of each attack kind in the run.
        case attack([String: Set<String>])
        case otherIncident
    }

    func classify() -> (classes: [RunClass], counts: GeneralizationReport.RunCounts, unmatched: [String]) {
        var byRun: [String: [IncidentLabel]] = [:]
        for label in labels { byRun["\(label.tenant)/\(label.run)", default: []].append(label) }
        var counts = GeneralizationReport.RunCounts()
        var matched: Set<String> = []
        let classes = runs.map { run -> RunClass in
            counts.total += 1
            let key = "\(run.tenant)/\(run.runId)"
            guard let incidents = byRun[key] else {
                counts.benign += 1
                return .benign
            }
            matched.insert(key)
            var steps: [String: Set<String>] = [:]
            for label in incidents where options.attackKinds.contains(label.kind) { steps[label.kind, default: []].formUnion(label.steps) }
            if steps.isEmpty {
                counts.otherIncident += 1
                return .otherIncident
            }
            counts.attack += 1
            return .attack(steps)
        }
        let unmatched = labels.filter { !matched.contains("\($0.tenant)/\($0.run)") }.map(\.id).sorted()
        return (classes, counts, unmatched)
    }

    /// One training of a split: the runs (by index) inference sees, and the runs scored against it.
    struct Fold: Equatable {
        var training: [Int] = []
        var benign: [Int] = []
        /// Attack runs scored against this training.
        var attacks: [Int] = []
    }

    /// The folds of one split. Benign runs are trained on or held out; runs of other incidents are trained
    /// on like benign runs and never scored; attack runs are never trained on unless `trainOnAttacks`
    /// (then they are in every training) and are scored once per split: in the fold that holds them out,
    /// or (time, a single training) in the one training.
    func folds(_ split: HoldoutSplit, classes: [RunClass], sandboxes byTenant: [String: TenantSandbox]) -> [Fold] {
        let assignment = HoldoutAssignment(split: split, runs: runs, folds: options.folds, timeShare: options.timeShare, sandboxes: byTenant)
        return (0..<assignment.trainings).map { fold in
            var result = Fold()
            for index in runs.indices {
                let heldOut = assignment.heldOutFold[index] == fold
                switch classes[index] {
                case .benign:
                    if heldOut { result.benign.append(index) } else { result.training.append(index) }
                case .otherIncident:
                    if !heldOut { result.training.append(index) }
                case .attack:
                    if heldOut || split == .time { result.attacks.append(index) }
                    if options.trainOnAttacks { result.training.append(index) }
                }
            }
            return result
        }
    }

    public func evaluate() -> GeneralizationReport {
        let (classes, counts, unmatched) = classify()
        let byTenant = Dictionary(sandboxes.map { ($0.tenantId, $0) }, uniquingKeysWith: { first, _ in first })
        var inference = options.inference
        inference.holdout = .none
        var rows: [GeneralizationReport.Row] = []
        for split in Set(options.splits).sorted() {
            let folds = folds(split, classes: classes, sandboxes: byTenant)
            var tallies = Dictionary(uniqueKeysWithValues: options.strictness.map { ($0, Tally()) })
            for fold in folds {
                // Each fold's graphs, and so its policies, come from that fold's training runs only.
                var inferencer = Inferencer(sandboxes: sandboxes, options: inference)
                for index in fold.training { inferencer.consume(runs[index]) }
                let graphs = inferencer.finish()
                let benign = fold.benign.map { runs[$0] }
                let attacks = fold.attacks.map { index -> (Run, [String: Set<String>]) in
                    guard case .attack(let steps) = classes[index] else { return (runs[index], [:]) }
                    return (runs[index], steps)
                }
                for level in options.strictness {
                    var generator = options.generator
                    generator.strictness = level
                    let sets = graphs.map { PolicyGenerator(graph: $0, sandboxes: sandboxes, options: generator).generate() }
                    tallies[level]!.score(benign: benign, attacks: attacks, policies: CompiledPolicySet(sets), sandboxes: sandboxes)
                }
            }
            for level in options.strictness {
                rows.append(tallies[level]!.row(split: split, strictness: level, trainings: folds.count, topRules: options.topRules))
            }
        }
        rows.sort { ($0.split, PolicyStrictness.allCases.firstIndex(of: $0.strictness)!) < ($1.split, PolicyStrictness.allCases.firstIndex(of: $1.strictness)!) }
        return GeneralizationReport(folds: max(options.folds, 2), timeShare: options.timeShare, attackKinds: options.attackKinds.sorted(),
                                    trainOnAttacks: options.trainOnAttacks, runs: counts, labelsWithoutRun: unmatched, rows: rows)
    }

    /// What one split × strictness scored, summed over its folds.
    struct Tally {
        var benignRuns = 0, fullyAllowed = 0, withoutDeny = 0, benignSteps = 0, falseDenies = 0, unevaluable = 0
        var attackRuns = 0, attacksStopped = 0
        var kinds: [String: (runs: Int, stopped: Int)] = [:]
        var rules: [String: Int] = [:]

        mutating func score(benign: [Run], attacks: [(Run, [String: Set<String>])], policies: CompiledPolicySet, sandboxes: [TenantSandbox]) {
            // Held-out benign runs share one evaluator, in time order, as they would in production.
            var evaluator = NodeEvaluator(policies: policies, sandboxes: sandboxes)
            for run in benign {
                var allowed = true, denied = false
                for (step, decision) in zip(run.steps, evaluator.evaluate(run)) where step.executed {
                    // Steps the legacy sandbox blocked are not benign work the node regime must allow.
                    benignSteps += 1
                    switch decision.effect {
                    case .allow: continue
                    case .deny:
                        falseDenies += 1
                        denied = true
                        rules[decision.rule, default: 0] += 1
                    case .unevaluable: unevaluable += 1
                    }
                    allowed = false
                }
                benignRuns += 1
                if allowed { fullyAllowed += 1 }
                if !denied { withoutDeny += 1 }
            }
            for (run, steps) in attacks {
                // Each attack alone, with fresh rate buckets: whether it is stopped must not depend on
                // how much benign traffic happened to share its minute.
                var attackEvaluator = NodeEvaluator(policies: policies, sandboxes: sandboxes)
                let denied = Set(zip(run.steps, attackEvaluator.evaluate(run)).filter { $0.1.effect == .deny }.map(\.0.stepId))
                attackRuns += 1
                if steps.values.contains(where: { !$0.isDisjoint(with: denied) }) { attacksStopped += 1 }
                for (kind, labelled) in steps {
                    kinds[kind, default: (0, 0)].runs += 1
                    if !labelled.isDisjoint(with: denied) { kinds[kind]?.stopped += 1 }
                }
            }
        }

        func row(split: HoldoutSplit, strictness: PolicyStrictness, trainings: Int, topRules: Int) -> GeneralizationReport.Row {
            func share(_ part: Int, _ whole: Int) -> Double { whole == 0 ? 0 : GraphAggregate.rounded(Double(part) / Double(whole)) }
            func per1000(_ part: Int) -> Double { benignSteps == 0 ? 0 : (Double(part) * 1_000 / Double(benignSteps) * 100).rounded() / 100 }
            var row = GeneralizationReport.Row(split: split, strictness: strictness, trainings: trainings)
            row.benignRuns = benignRuns
            row.fullyAllowed = fullyAllowed
            row.fullyAllowedShare = share(fullyAllowed, benignRuns)
            row.withoutDeny = withoutDeny
            row.withoutDenyShare = share(withoutDeny, benignRuns)
            row.benignSteps = benignSteps
            row.falseDenies = falseDenies
            row.falseDeniesPer1000 = per1000(falseDenies)
            row.unevaluable = unevaluable
            row.unevaluablePer1000 = per1000(unevaluable)
            row.attackRuns = attackRuns
            row.attacksStopped = attacksStopped
            row.stoppedShare = share(attacksStopped, attackRuns)
            row.byKind = kinds.sorted { $0.key < $1.key }.map { GeneralizationReport.KindOutcome(kind: $0.key, runs: $0.value.runs, stopped: $0.value.stopped) }
            row.falseDenyRules = rules.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(topRules)
                .map { GeneralizationReport.RuleCount(rule: $0.key, count: $0.value) }
            return row
        }
    }
}
