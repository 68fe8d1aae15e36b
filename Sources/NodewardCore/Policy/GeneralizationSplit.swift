/// How `GeneralizationEvaluation` holds runs out of training (docs/policy-language.md, "Generalization").
public enum HoldoutSplit: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Per workflow, the latest share of runs by start time: tomorrow's traffic, trained on today's.
    case time
    /// k folds of whole workflow variants (run shapes): every held-out run has a shape training never saw.
    case variant
    /// k folds of runs by run id hash: unseen runs of mostly seen shapes.
    case kfold

    public static func < (lhs: HoldoutSplit, rhs: HoldoutSplit) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Which fold holds each run out. The k-fold and time assignments are the ones inference's conformance
/// check uses (`Inferencer.consume`, `ConformanceCheck`): the same run id hash, the same per-workflow
/// cutoff, so a graph's conformance figures and these describe the same held-out runs.
struct HoldoutAssignment {
    let split: HoldoutSplit
    let folds: Int
    /// The fold that holds each run out (by index into the runs); nil: the run is only ever trained on.
    let heldOutFold: [Int?]

    /// The number of trainings the split needs (time has one).
    var trainings: Int { split == .time ? 1 : folds }

    init(split: HoldoutSplit, runs: [Run], folds: Int, timeShare: Double, sandboxes: [String: TenantSandbox]) {
        self.split = split
        self.folds = max(folds, 2)
        let count = UInt64(self.folds)
        switch split {
        case .kfold:
            let folds = self.folds
            heldOutFold = runs.map { HoldoutRule.fold(tenant: $0.tenant, runId: $0.runId, folds: folds) }
        case .variant:
            heldOutFold = runs.map { Int(Self.variantFingerprint($0, sandbox: sandboxes[$0.tenant]) % count) }
        case .time:
            var starts: [String: [Int64]] = [:]
            for run in runs { starts[Self.workflowKey(run), default: []].append(run.startNanos) }
            let cutoffs = starts.mapValues { HoldoutRule.timeCutoff(sortedStarts: $0.sorted(), heldOutShare: timeShare) }
            heldOutFold = runs.map { $0.startNanos >= cutoffs[Self.workflowKey($0)]! ? 0 : nil }
        }
    }

    static func workflowKey(_ run: Run) -> String { "\(run.agent)\u{1}\(run.workflow)" }

    /// A stable fingerprint of the run's variant: the content of inference's `VariantKey` (templated base
    /// keys, control predecessors, data flows), spelled out, because `Hashable` hashes are seeded per process.
    static func variantFingerprint(_ run: Run, sandbox: TenantSandbox?) -> UInt64 {
        var positions: [String: Int32] = [:]
        for (index, step) in run.steps.enumerated() { positions[step.stepId] = Int32(index) }
        var text = workflowKey(run)
        for (index, step) in run.steps.enumerated() {
            let key = BaseKey.of(step, sandbox: sandbox)
            let explicit = step.parents.compactMap { positions[$0] }.filter { $0 < Int32(index) }.sorted()
            let parents = !explicit.isEmpty ? explicit : (index == 0 ? [] : [Int32(index - 1)])
            text += "\u{2}\(key.kind.rawValue)\u{1}\(key.operation)\u{1}\(key.resources.joined(separator: ","))\u{1}"
            text += parents.map(String.init).joined(separator: ",")
        }
        for flow in Provenance.flows(in: run, positions: positions) {
            text += "\u{3}\(flow.source),\(flow.target),\(flow.argument),\(flow.trust.rawValue),\(flow.explicit)"
        }
        return Fingerprint.of(text)
    }
}
