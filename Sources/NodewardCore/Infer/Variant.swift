/// A step role before role splitting: kind + templated operation + templated resources.
struct BaseKey: Hashable, Comparable {
    let kind: StepKind
    let operation: String
    let resources: [String]

    /// How a split role names its predecessor: the operation, or just `llm` for model calls.
    var roleLabel: String { kind == .llm ? "llm" : operation }
    var description: String { kind == .llm ? "llm" : "\(kind.rawValue) \(operation)" }

    /// The role identity of a step, templated with its tenant's bindings (docs/inference.md, "Node identity").
    static func of(_ step: Step, sandbox: TenantSandbox?) -> BaseKey {
        let resources = Set(step.resources.lazy.filter { $0.scheme != .egress }
            .map { ResourceTemplating.template($0, tenant: step.tenant, sandbox: sandbox) }).sorted()
        return BaseKey(kind: step.kind,
                       operation: ResourceTemplating.operation(step.operation, kind: step.kind, tenant: step.tenant, sandbox: sandbox),
                       resources: resources)
    }

    static func < (lhs: BaseKey, rhs: BaseKey) -> Bool {
        (lhs.kind, lhs.operation, lhs.resources.joined(separator: ",")) < (rhs.kind, rhs.operation, rhs.resources.joined(separator: ","))
    }
}

/// What a step's role key is computed from (the step's tenant selects the sandbox bindings).
struct RoleInput: Hashable {
    let sandboxTenant: String
    let tenant: String
    let kind: StepKind
    let operation: String
    let resources: [Resource]
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
    /// Per position: what the role's steps showed beyond its identity.
    var facts: [PositionFacts]
    var blocked: [Int]
    /// Run counts per conformance fold, and run start times (for the time holdout).
    var folds: [Int]
    var starts: [Int64] = []

    init(length: Int, folds: Int) {
        facts = Array(repeating: PositionFacts(), count: length)
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

/// Argument names, egress destinations and concrete operations seen at one position of a run shape.
struct PositionFacts {
    var arguments: Set<String> = []
    var egress: Set<String> = []
    var operations: Set<String> = []
    /// Distinct egress destinations or models kept per position; past it the node says `egress:*`.
    static let limit = 16

    mutating func formUnion(_ other: PositionFacts) {
        arguments.formUnion(other.arguments)
        egress.formUnion(other.egress)
        operations.formUnion(other.operations)
    }
}

/// All variants of one workflow.
struct WorkflowVariants {
    let agent: String
    let workflow: String
    var variants: [VariantKey: VariantStats] = [:]
    var runs = 0
}
