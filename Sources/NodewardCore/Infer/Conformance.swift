/// Held-out conformance (docs/inference.md, "Conformance"): infer on part of the runs, then measure on the
/// rest how many runs the graph fully accepts (fitness) and how much allowed behaviour was never used
/// (precision, from escaping edges as in ETConformance).
struct ConformanceCheck {
    let builder: GraphBuilder
    let options: InferenceOptions

    func evaluate(_ workflow: WorkflowVariants) -> TaskGraph.Conformance? {
        var accepted = 0, heldOut = 0
        var visits: [Int: Int] = [:]
        var used: [Int: Set<Int>] = [:]
        var allowedTotal = 0, usedTotal = 0
        let folds: [(train: (VariantStats) -> Int, test: (VariantStats) -> Int)]
        let method: String
        switch options.holdout {
        case .none:
            return nil
        case .kFold(let k):
            let count = max(k, 2)
            method = "kfold-\(count)"
            folds = (0..<count).map { fold in ({ $0.runs - $0.folds[fold] }, { $0.folds[fold] }) }
        case .time(let share):
            let starts = workflow.variants.values.flatMap(\.starts).sorted()
            guard !starts.isEmpty else { return nil }
            let cutoff = HoldoutRule.timeCutoff(sortedStarts: starts, heldOutShare: share)
            method = "time-\(Int((share * 100).rounded()))%"
            folds = [({ $0.starts.filter { $0 < cutoff }.count }, { $0.starts.filter { $0 >= cutoff }.count })]
        }
        for (train, test) in folds {
            let (_, model) = builder.build(workflow, weight: train)
            visits = [:]
            used = [:]
            for (variant, stats) in workflow.variants {
                let weight = test(stats)
                guard weight > 0 else { continue }
                heldOut += weight
                guard let nodes = model.nodes(of: variant) else { continue }
                let edges = RoleModel.controlEdges(of: variant, nodes: nodes)
                if edges.allSatisfy({ model.edges.contains($0) }) { accepted += weight }
                for edge in edges where model.edges.contains(edge) {
                    visits[edge.from, default: 0] += weight
                    used[edge.from, default: []].insert(edge.to)
                }
            }
            for (node, count) in visits {
                let successors = model.successors[node]?.count ?? 0
                allowedTotal += count * successors
                usedTotal += count * (used[node]?.count ?? 0)
            }
        }
        guard heldOut > 0 else { return nil }
        return TaskGraph.Conformance(
            method: method, heldOutRuns: heldOut,
            fitness: GraphAggregate.rounded(Double(accepted) / Double(heldOut)),
            precision: GraphAggregate.rounded(allowedTotal == 0 ? 1 : Double(usedTotal) / Double(allowedTotal)))
    }
}

/// The held-out assignment rules, shared by inference's conformance check and policy generation's
/// `--evaluate`, so both describe the same held-out runs.
enum HoldoutRule {
    /// The k-fold a run belongs to: a stable hash of tenant and run id.
    static func fold(tenant: String, runId: String, folds: Int) -> Int {
        Int(Fingerprint.of("\(tenant)/\(runId)") % UInt64(folds))
    }

    /// Runs starting at or after this time are held out: the latest `heldOutShare` of the sorted starts.
    static func timeCutoff(sortedStarts starts: [Int64], heldOutShare share: Double) -> Int64 {
        starts[min(starts.count - 1, Int(Double(starts.count) * (1 - share)))]
    }
}
