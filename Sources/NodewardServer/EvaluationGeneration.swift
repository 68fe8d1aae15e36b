import NIOConcurrencyHelpers
import NodewardCore
import NodewardStore

/// One loaded policy bundle with its evaluator and per-run state. A reload builds a new generation
/// and swaps it in; a request holds the generation it started with, so in-flight requests finish on
/// the old set. Run state does not carry over: node indices in a run's context belong to the policy
/// set it was built against (runs in flight at a reload continue with fresh per-run state).
final class EvaluationGeneration: Sendable {
    struct State {
        var evaluator: ShadowEvaluator
        var runs: RunTable
    }

    let bundle: PolicyBundle
    let number: Int
    /// Wall-clock load time (nanoseconds since 1970), for `/v1/status`.
    let loadedAtNanos: Int64
    let tenants: Set<String>
    let workflows: Set<String>
    // The evaluator mutates rate buckets on every step: one lock, held for one step at a time.
    private let state: NIOLockedValueBox<State>

    init(bundle: PolicyBundle, number: Int, loadedAtNanos: Int64, configuration: SidecarConfiguration) {
        self.bundle = bundle
        self.number = number
        self.loadedAtNanos = loadedAtNanos
        tenants = Set(bundle.tenants)
        workflows = Set(bundle.sets.map(\.workflow))
        let evaluator = ShadowEvaluator(sandboxes: bundle.sandboxes, policies: CompiledPolicySet(bundle.sets))
        let runs = RunTable(capacity: configuration.maxRuns, ttlNanos: configuration.runTTL.nanoseconds)
        state = NIOLockedValueBox(State(evaluator: evaluator, runs: runs))
    }

    /// Decides one step in its run's context; returns the outcome and how many runs were evicted.
    func evaluate(_ step: Step, userRequest: String?, now: Int64) -> (outcome: ShadowOutcome, evictions: RunEvictions) {
        let key = RunKey(tenant: step.tenant, run: step.runId)
        return state.withLockedValue { state in
            let expired = state.runs.expired, overCapacity = state.runs.overCapacity
            var context = state.runs.take(key, userRequest: userRequest, now: now)
            let outcome = state.evaluator.evaluate(step, in: &context)
            state.runs.store(context, for: key, now: now)
            return (outcome, RunEvictions(expired: state.runs.expired - expired, overCapacity: state.runs.overCapacity - overCapacity))
        }
    }

    var runsTracked: Int { state.withLockedValue { $0.runs.count } }

    func version(of workflow: String) -> PolicyVersion {
        bundle.versions[workflow] ?? PolicyVersion(workflow: workflow, contentHash: "none")
    }
}

struct RunEvictions: Sendable, Hashable {
    var expired = 0
    var overCapacity = 0
    var reload = 0
    var total: Int { expired + overCapacity + reload }

    static func += (lhs: inout RunEvictions, rhs: RunEvictions) {
        lhs.expired += rhs.expired
        lhs.overCapacity += rhs.overCapacity
        lhs.reload += rhs.reload
    }
}
