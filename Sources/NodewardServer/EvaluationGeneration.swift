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
    /// Idempotent by (tenant, run, step id) while the run's state is held: a step id answered before
    /// with the same content gets the same outcome without being evaluated again (so per-run limits and
    /// rate buckets do not count it twice), and with different content is a conflict, left undecided.
    func evaluate(_ step: Step, userRequest: String?, now: Int64) -> (evaluation: StepEvaluation, evictions: RunEvictions) {
        let key = RunKey(tenant: step.tenant, run: step.runId)
        let fingerprint = AnsweredStep.fingerprint(of: step, userRequest: userRequest)
        return state.withLockedValue { state in
            let expired = state.runs.expired, overCapacity = state.runs.overCapacity
            var run = state.runs.take(key, userRequest: userRequest, now: now)
            let evaluation: StepEvaluation
            if let answered = run.answered[step.stepId] {
                evaluation = answered.fingerprint == fingerprint ? .replayed(answered.outcome) : .conflict
            } else {
                let outcome = state.evaluator.evaluate(step, in: &run.context)
                run.answered[step.stepId] = AnsweredStep(fingerprint: fingerprint, outcome: outcome)
                evaluation = .decided(outcome)
            }
            state.runs.store(run, for: key, now: now)
            return (evaluation, RunEvictions(expired: state.runs.expired - expired, overCapacity: state.runs.overCapacity - overCapacity))
        }
    }

    var runsTracked: Int { state.withLockedValue { $0.runs.count } }

    func version(of workflow: String) -> PolicyVersion {
        bundle.versions[workflow] ?? PolicyVersion(workflow: workflow, contentHash: "none")
    }
}

/// What became of one step in its run.
enum StepEvaluation {
    /// Evaluated now (the first time its step id was seen in the run).
    case decided(ShadowOutcome)
    /// A retry with the same content: the first outcome again.
    case replayed(ShadowOutcome)
    /// The step id was answered before with different content.
    case conflict
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
