/// A step role before role splitting: kind + templated operation + templated resources.
struct BaseKey: Hashable, Comparable {
    let kind: StepKind
    let operation: String
    let resources: [String]

    static func < (lhs: BaseKey, rhs: BaseKey) -> Bool {
        (lhs.kind, lhs.operation, lhs.resources.joined(separator: ",")) < (rhs.kind, rhs.operation, rhs.resources.joined(separator: ","))
    }
}

/// A data flow observed in a run, by step positions (`source == -1` is the user's request).
struct FlowKey: Hashable {
    let source: Int32
    let target: Int32
    let argument: String
    let trust: TaskGraph.TrustClass
    let explicit: Bool
}

/// The shape of a run: its sequence of base keys and, per position, its control predecessors. Runs with
/// the same shape are aggregated, so memory grows with the number of distinct shapes, not with the log.
struct VariantKey: Hashable {
    let keys: [Int32]
    let parents: [[Int32]]
    let flows: [FlowKey]
}

struct VariantStats {
    var runs = 0
    var tenants: Set<String> = []
    var first: Int64 = .max
    var last: Int64 = .min
    /// The smallest `tenant/run` ids, so samples do not depend on input order.
    var samples: [String] = []
    var arguments: [Set<String>]
    var blocked: [Int]
    /// Run counts per conformance fold, and run start times (for the time holdout).
    var folds: [Int]
    var starts: [Int64] = []

    init(length: Int, folds: Int) {
        arguments = Array(repeating: [], count: length)
        blocked = Array(repeating: 0, count: length)
        self.folds = Array(repeating: 0, count: folds)
    }

    mutating func addSample(_ sample: String, limit: Int) {
        guard samples.count < limit || sample < samples.last! else { return }
        if samples.contains(sample) { return }
        samples.append(sample)
        samples.sort()
        if samples.count > limit { samples.removeLast() }
    }
}

/// All variants of one workflow.
struct WorkflowVariants {
    let agent: String
    let workflow: String
    var variants: [VariantKey: VariantStats] = [:]
    var runs = 0
}
