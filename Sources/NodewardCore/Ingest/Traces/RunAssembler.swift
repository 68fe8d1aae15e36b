/// Groups records into runs and closes each run once `idleRecords` records have passed without one for
/// it, so memory is bounded by the runs open at once. Closed runs wait in `ready` until the reader hands
/// them to its caller.
final class RunAssembler {
    private let idleRecords: Int
    private let tenantAttribute: String
    private let collector: TraceDiagnosticsCollector
    private let parser: any JSONParsing
    private var open: [String: OpenRun] = [:]
    /// Keys of closed runs, to recognise late records. Keys only: small next to the runs themselves.
    private var closed: Set<String> = []
    /// (key, sequence) each time a run was touched, oldest first; stale entries are skipped on pop.
    private var touches: [(key: String, sequence: Int)] = []
    private var touchesHead = 0
    /// Trace id → the key of the first tenant's run of that trace: where its spans that name no tenant go.
    private var traceTenantKey: [String: String] = [:]
    /// Trace id → the run id its spans join instead (an MCP session read as a run).
    private var traceRunAlias: [String: String] = [:]
    private var ready: [Run] = []
    private var readyHead = 0
    private(set) var sequence = 0

    init(idleRecords: Int, tenantAttribute: String, parser: any JSONParsing, collector: TraceDiagnosticsCollector) {
        self.idleRecords = max(1, idleRecords)
        self.parser = parser
        self.tenantAttribute = tenantAttribute
        self.collector = collector
    }

    /// Counts one record and closes the runs it pushes out of the idle window. Returns its sequence.
    func tick() -> Int {
        sequence += 1
        let horizon = sequence - 1 - idleRecords
        while touchesHead < touches.count, touches[touchesHead].sequence <= horizon {
            let touch = touches[touchesHead]
            touchesHead += 1
            if let run = open[touch.key], run.lastSeen == touch.sequence {
                open[touch.key] = nil
                closed.insert(touch.key)
                close(run)
            }
        }
        if touchesHead > 4096, touchesHead * 2 > touches.count {
            touches.removeFirst(touchesHead)
            touchesHead = 0
        }
        return sequence
    }

    /// The open run for `key`, created on first sight; nil when the run was already closed (a late record).
    func place(key: String, runId: String, isOTLP: Bool, sequence: Int, source: SourceLocation) -> OpenRun? {
        if let run = open[key] {
            run.lastSeen = sequence
            touches.append((key, sequence))
            return run
        }
        guard !closed.contains(key) else { return nil }
        let run = OpenRun(key: key, runId: runId, isOTLP: isOTLP, sequence: sequence, source: source)
        open[key] = run
        touches.append((key, sequence))
        collector.openRuns(open.count)
        return run
    }

    /// The open OTLP run for a span of trace `traceId` that names `tenant`: runs are (tenant, trace id).
    /// A span that names no tenant joins the trace's first tenant's run; until a span names one, such
    /// spans wait in a run of their own, which the first tenant's run takes over. Returns nil for a late
    /// record; `newTenant` is true when this opened a second (or later) tenant's run of the trace.
    func placeOTLP(traceId: String, tenant: String?, sequence: Int, source: SourceLocation) -> (run: OpenRun, newTenant: Bool)? {
        let pendingKey = "o\u{1E}" + traceId
        guard let tenant else {
            guard let run = place(key: traceTenantKey[traceId] ?? pendingKey, runId: traceId, isOTLP: true, sequence: sequence, source: source) else {
                return nil
            }
            return (run, false)
        }
        let key = "o\u{1F}" + tenant + "\u{1F}" + traceId
        var newTenant = false
        if let first = traceTenantKey[traceId] {
            newTenant = first != key && open[key] == nil && !closed.contains(key)
        } else {
            traceTenantKey[traceId] = key
            if open[key] == nil, let pending = open.removeValue(forKey: pendingKey) {
                // The spans read so far named no tenant: they are this tenant's.
                pending.key = key
                open[key] = pending
            }
        }
        guard let run = place(key: key, runId: traceId, isOTLP: true, sequence: sequence, source: source) else { return nil }
        run.otlpTenant = tenant
        return (run, newTenant)
    }

    /// The run id a span of `traceId` joins: the trace id, unless an MCP session took the trace over.
    func runId(forTrace traceId: String) -> String { traceRunAlias[traceId] ?? traceId }

    func alias(trace traceId: String, toRun runId: String) {
        if traceRunAlias[traceId] == nil { traceRunAlias[traceId] = runId }
    }

    /// Closes every run still open, in the order they were first seen.
    func finish() {
        let remaining = open.values.sorted { $0.firstSequence < $1.firstSequence }
        open.removeAll()
        touches.removeAll()
        touchesHead = 0
        for run in remaining {
            closed.insert(run.key)
            close(run)
        }
    }

    func nextReady() -> Run? {
        guard readyHead < ready.count else {
            if readyHead > 0 { ready.removeAll(keepingCapacity: true); readyHead = 0 }
            return nil
        }
        let run = ready[readyHead]
        readyHead += 1
        return run
    }

    private func close(_ run: OpenRun) {
        let built = run.isOTLP ? closeOTLP(run) : closeJSONL(run)
        guard let built else { return }
        collector.emitted(built)
        ready.append(built)
    }

    private func closeJSONL(_ run: OpenRun) -> Run? {
        guard let tenant = run.jsonlTenant, !run.steps.isEmpty else {
            collector.emptyRun()
            return nil
        }
        let inputOrder = run.steps
        var steps = Self.ordered(run.steps).map(\.step)
        let first = inputOrder[0].step
        guard let workflow = normalizedWorkflow(run.header?.workflow ?? first.workflow, run: run) else { return nil }
        for index in steps.indices {
            guard let stepWorkflow = normalizedWorkflow(steps[index].workflow, run: run) else { return nil }
            steps[index].workflow = stepWorkflow
        }
        return Run(
            tenant: tenant, agent: run.header?.agent ?? first.agent, workflow: workflow,
            runId: run.runId, startNanos: steps.map(\.startNanos).min() ?? 0,
            endNanos: steps.map { max($0.startNanos, $0.endNanos) }.max() ?? 0,
            userRequest: run.header?.request, steps: steps, source: run.source)
    }

    private func closeOTLP(_ run: OpenRun) -> Run? {
        guard !run.steps.isEmpty else {
            collector.emptyRun()
            return nil
        }
        guard let tenant = run.otlpTenant else {
            collector.skip(
                .traceNoTenant,
                "run \(run.runId) has no tenant (no \(tenantAttribute) resource or span attribute); its \(run.steps.count) steps are skipped",
                at: run.source, severity: .warning, count: run.steps.count)
            return nil
        }
        // Every span of the run named its tenant or none (the tenant is part of the key).
        var kept = run.steps
        if run.agentSpan == nil {
            collector.warn(
                .traceOrphanSpan, "trace \(run.runId) has no invoke_agent span; read with the service name as the agent",
                at: run.source)
        }
        let agent = run.agentSpan?.name ?? run.agentSpan?.serviceName ?? run.firstServiceName ?? "unknown_service"
        // A configured workflow attribute anywhere in the run wins over the convention's invoke_workflow name.
        let named = run.agentSpan?.workflow ?? run.runLevelWorkflow ?? run.resourceWorkflow ?? run.runLevelConventionWorkflow
        guard let workflow = normalizedWorkflow(named ?? agent, run: run) else { return nil }
        var links = run.linkParents
        var completion = OTLPRunCompletion(steps: kept, links: links, parser: parser)
        completion.foldMCPToolCalls()
        completion.recoverToolContent(run.toolCalls)
        for note in completion.attach(run.guardrails) { collector.warn(note.code, note.message, at: note.source) }
        kept = completion.steps
        links = completion.links
        let stepAgents = completion.agents(named: run.agentNames)
        let stepIds = Set(kept.map(\.step.stepId))
        for index in kept.indices {
            kept[index].step.runId = run.runId
            kept[index].step.tenant = tenant
            kept[index].step.agent = stepAgents[index] ?? agent
            kept[index].step.workflow = workflow
            // A step is never its own parent (a span naming itself, or a folded MCP span in a cycle).
            if let parent = Self.nearestStepAncestor(kept[index].parentSpanId, stepIds: stepIds, links: links), parent != kept[index].step.stepId {
                kept[index].step.parents = [parent]
            }
        }
        let steps = Self.ordered(kept).map(\.step)
        return Run(
            tenant: tenant, agent: agent, workflow: workflow, runId: run.runId, startNanos: run.spanStart,
            endNanos: run.spanEnd, userRequest: run.agentSpan?.userRequest ?? run.runLevelRequest, steps: steps,
            source: run.source)
    }

    /// A workflow id by the tenant ids' rule (`Identifier`: NFC, no invisible or control characters); nil
    /// when it is refused, with the run's steps skipped and counted (`trace.invalid-id`).
    private func normalizedWorkflow(_ raw: String, run: OpenRun) -> String? {
        switch Identifier.normalize(raw) {
        case .success(let workflow): return workflow
        case .failure(let problem):
            collector.skip(
                .traceInvalidId, Identifier.describe(problem, what: "the workflow id of run \(run.runId)") + "; its \(run.steps.count) steps are skipped",
                at: run.source, count: run.steps.count)
            collector.emptyRun()
            return nil
        }
    }

    /// Walks up from a parent span id through spans that are not steps (skipped spans) to the nearest
    /// step; stops at run-level spans (`invoke_agent`, `invoke_workflow`) and unknown spans.
    static func nearestStepAncestor(_ start: String?, stepIds: Set<String>, links: [String: String?]) -> String? {
        var current = start
        var hops = 0
        while let id = current, hops < 256 {
            if stepIds.contains(id) { return id }
            guard let link = links[id] else { return nil }
            current = link
            hops += 1
        }
        return nil
    }

    private static func ordered(_ steps: [PendingStep]) -> [PendingStep] {
        steps.sorted { ($0.step.startNanos, $0.sequence) < ($1.step.startNanos, $1.sequence) }
    }
}
