import NodewardCore

/// One step as a workflow script proposes it, before the legacy enforcement has decided it.
struct StepDraft {
    var kind: StepKind
    var operation: String
    var parents: [String] = []
    var inputs: [DataInput] = []
    var resources: [Resource] = []
    var arguments: [String: JSONValue] = [:]
    var result: JSONValue? = nil
    var tokens: TokenUsage? = nil
    var items: [DataItem] = []
    var durationMillis: Int = 50
    var failed = false
}

/// A generated run: the run-level context plus its steps, in time order.
struct GeneratedRun {
    var tenant: String
    var workflow: Workflow
    var runId: String
    /// The OTLP root (`invoke_agent`) span id.
    var rootSpanId: String
    var request: String
    var startNanos: Int64
    var endNanos: Int64
    var steps: [Step]
}

/// Builds one run step by step. Every draft goes through the real legacy evaluator in time order, as the
/// old enforcement saw it; a denied step is recorded as attempted-but-blocked and yields no result.
struct RunBuilder {
    let profile: TenantProfile
    let workflow: Workflow
    let runId: String
    let principal: Principal
    private let spanIds: Bool
    private(set) var rng: SeededGenerator
    private(set) var clock: Int64
    private(set) var steps: [Step] = []
    /// Step ids an injected incident is about (written to the labels, never to the traces).
    private(set) var incidentSteps: [String] = []
    /// Steps whose recorded decision should deliberately disagree with the current config.
    var driftRemaining = 0
    private var counter = 0

    init(profile: TenantProfile, workflow: Workflow, runId: String, subject: String, spanIds: Bool, rng: SeededGenerator, clock: Int64) {
        self.profile = profile
        self.workflow = workflow
        self.runId = runId
        self.principal = profile.principal(subject: subject)
        self.spanIds = spanIds
        self.rng = rng
        self.clock = clock
    }

    var tenant: String { profile.id }

    mutating func markIncident(_ stepId: String) { incidentSteps.append(stepId) }

    /// Draws from the run's generator (scripts share it so the whole run is one deterministic stream).
    mutating func draw<T>(_ body: (inout SeededGenerator) -> T) -> T { body(&rng) }

    /// Records a step; returns its id and whether it executed (false: the legacy enforcement blocked it).
    @discardableResult
    mutating func record(_ draft: StepDraft, gapMillis: Int? = nil, legacy: inout LegacyFleet) -> (id: String, executed: Bool) {
        counter += 1
        let id = spanIds ? rng.hex(16) : "s\(counter)"
        let gap = gapMillis ?? rng.int(in: 15...400)
        let start = clock + Int64(gap) * 1_000_000
        let end = start + Int64(max(draft.durationMillis, 1)) * 1_000_000
        var step = Step(
            tenant: tenant, agent: workflow.agent, workflow: workflow.rawValue, runId: runId, stepId: id,
            parents: draft.parents, inputs: draft.inputs, startNanos: start, endNanos: end, kind: draft.kind,
            operation: draft.kind == .toolCall ? profile.operation(ofTool: draft.operation) : draft.operation,
            resources: draft.resources, arguments: draft.arguments, result: draft.result,
            tokens: draft.tokens, principal: principal, failed: draft.failed,
            source: SourceLocation(file: "generated", line: steps.count + 1))
        // The enforcement decides before the step runs: it sees the call, not its result or the items it
        // returns. Deciding on exactly what a blocked step's record keeps lets a re-evaluation agree.
        let decision = legacy.evaluate(step)
        // The old enforcement logged allow or deny; a step it could not evaluate was let through.
        let effect: Effect = decision.effect == .deny ? .deny : .allow
        // Like most gateways, the old enforcement logged a reason only with a denial.
        var recorded = RecordedDecision(effect: effect, rule: decision.rule, reason: effect == .deny ? decision.reason : nil)
        // Listing calls are spared: a blocked listing would leave the run nothing else to drift on.
        if driftRemaining > 0, draft.kind == .toolCall, decision.effect == .allow, !Self.listingTools.contains(draft.operation) {
            // A decision recorded under an older config revision: the rule no longer exists.
            driftRemaining -= 1
            let staleIndex = profile.sandbox.tools.allow.count + 3
            recorded = RecordedDecision(effect: .deny, rule: "\(tenant)/tools.allow[\(staleIndex)]",
                                        reason: "matched a rule of config revision 41")
            markIncident(id)
        }
        step.recordedDecision = recorded
        if recorded.effect == .allow {
            step.dataItems = draft.items
        } else {
            step.executed = false
            step.result = nil
            step.failed = false
            step.endNanos = start + 1_000_000
        }
        clock = step.endNanos
        steps.append(step)
        return (id, step.executed)
    }

    static let listingTools: Set<String> = ["email.read", "invoices.list"]

    /// Lets time pass without a step (the agent waiting on a model or a user).
    mutating func wait(millis: Int) { clock += Int64(millis) * 1_000_000 }
}
