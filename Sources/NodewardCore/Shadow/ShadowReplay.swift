/// Offline shadow mode over recorded traces: runs arrive as the trace reader closes them; steps are
/// released per tenant in trace-time order (the legacy and node rate buckets run on trace time, see
/// `TenantOrderedBuffer`), each evaluated under both regimes with its run's context, and handed to
/// `emit` with its outcome. The tally of everything emitted is kept.
public struct ShadowReplay {
    public struct Options: Sendable {
        /// Reorder window for the rate buckets (trace time); the analyzer's default, one day.
        public var reorderWindowNanos: Int64 = AnalyzerOptions().reorderWindowNanos
        public init() {}
    }

    struct OpenRun {
        var context: ShadowRunContext
        var remaining: Int
    }

    var evaluator: ShadowEvaluator
    var buffer: TenantOrderedBuffer
    var open: [RunKey: OpenRun] = [:]
    var released: [Step] = []
    public private(set) var tally: ShadowTally
    public private(set) var runs = 0

    public init(sandboxes: [TenantSandbox], policies: CompiledPolicySet, incidents: [IncidentLabel] = [], options: Options = Options()) {
        evaluator = ShadowEvaluator(sandboxes: sandboxes, policies: policies)
        buffer = TenantOrderedBuffer(windowNanos: options.reorderWindowNanos)
        tally = ShadowTally(incidents: incidents)
    }

    /// Steps released out of trace-time order (older than one already evaluated for their tenant).
    public var stepsOutOfOrder: Int { buffer.outOfOrder }

    public mutating func consume(_ run: Run, emit: (Step, ShadowOutcome) -> Void) {
        guard !run.steps.isEmpty else { return }
        runs += 1
        let key = run.key
        // A run id seen again (a reader split, or a duplicate) starts a fresh context once the first has closed.
        open[key, default: OpenRun(context: ShadowRunContext(run), remaining: 0)].remaining += run.steps.count
        for step in run.steps { buffer.push(step, into: &released) }
        evaluateReleased(emit: emit)
    }

    public mutating func finish(emit: (Step, ShadowOutcome) -> Void) {
        buffer.drain(into: &released)
        evaluateReleased(emit: emit)
    }

    mutating func evaluateReleased(emit: (Step, ShadowOutcome) -> Void) {
        for step in released {
            let key = step.runKey
            guard var entry = open.removeValue(forKey: key) else { continue }
            let outcome = evaluator.evaluate(step, in: &entry.context)
            entry.remaining -= 1
            if entry.remaining > 0 { open[key] = entry }
            tally.add(step, outcome)
            emit(step, outcome)
        }
        released.removeAll(keepingCapacity: true)
    }
}
