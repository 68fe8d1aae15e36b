/// What node evaluation remembers within one run: each earlier step's position and matched node (for
/// `after` and edge grants), the values earlier results produced (for provenance by value match, the
/// same rules as inference), and per-node step counts (for `limits.perRun`). Make one per run and pass
/// it to every `NodeEvaluator.evaluate` call of that run, in step order.
public struct RunContext: Sendable {
    public private(set) var runId: String
    public private(set) var userRequest: String
    var positions: [String: Int32] = [:]
    /// The node index each step matched (`CompiledWorkflow.unmatched` if none), by position.
    var matched: [Int32] = []
    var producers: [String: Int32] = [:]
    /// Allowed steps per node index in this run.
    var allowedCounts: [Int32: Int] = [:]

    public init(runId: String, userRequest: String?) {
        self.runId = runId
        self.userRequest = userRequest ?? ""
    }

    public init(_ run: Run) {
        self.init(runId: run.runId, userRequest: run.userRequest)
    }

    public var stepCount: Int { matched.count }

    /// Starts a new run, keeping the storage of the previous one (no allocation for runs of similar size).
    public mutating func reset(runId: String, userRequest: String?) {
        self.runId = runId
        self.userRequest = userRequest ?? ""
        positions.removeAll(keepingCapacity: true)
        matched.removeAll(keepingCapacity: true)
        producers.removeAll(keepingCapacity: true)
        allowedCounts.removeAll(keepingCapacity: true)
    }

    /// The control predecessor's matched node: the earliest explicit parent seen earlier in the run,
    /// else the previous step; `start` (-1) for the first step. The same rule as inference.
    func predecessor(of step: Step, at position: Int32) -> Int32 {
        var earliest: Int32?
        for parent in step.parents {
            if let index = positions[parent], index < position, earliest.map({ index < $0 }) ?? true { earliest = index }
        }
        if let earliest { return matched[Int(earliest)] }
        return position == 0 ? CompiledWorkflow.start : matched[Int(position) - 1]
    }

    /// The data source of an upstream position: `request` (-1) or the node that step matched.
    func source(_ position: Int32) -> Int32 {
        position < 0 ? CompiledWorkflow.request : matched[Int(position)]
    }

    mutating func begin(_ step: Step) -> Int32 {
        let position = Int32(matched.count)
        // The latest step with an id wins, as in inference's position map.
        positions[step.stepId] = position
        matched.append(CompiledWorkflow.unmatched)
        return position
    }

    mutating func finish(_ step: Step, at position: Int32) {
        Provenance.recordResult(of: step, at: position, into: &producers)
    }
}
