public struct AnalyzerOptions: Sendable, Hashable {
    /// Reorder window for the legacy rate buckets (trace time), see `TenantOrderedBuffer`. A day: the
    /// Collector groups a batch's spans by resource, so spans of runs hours apart share a line.
    public var reorderWindowNanos: Int64 = 86_400 * 1_000_000_000
    /// A data-flow pattern seen in fewer than this share of a workflow's runs is reported as rare.
    public var rareFlowShare: Double = 0.05
    /// Sample `run/step` references kept per finding.
    public var maxSamples: Int = 5
    /// Fidelity disagreements listed (all are counted).
    public var maxDisagreements: Int = 50

    public init() {}
}

/// The Analyze stage: joins tenant sandboxes with streamed runs. Feed runs with `consume`, then `finish`.
/// Memory grows with the number of tenants, workflows, grants and findings, not with the log.
public struct Analyzer {
    let options: AnalyzerOptions
    let sandboxes: [String: TenantSandbox]
    /// Every tenant's memory namespace, to tell a foreign namespace from an undeclared one.
    let memoryNamespaces: Set<String>
    /// The legacy regime per tenant (a dialect tenant's native evaluator, else its LegacyEvaluator).
    var legacy: LegacyFleet
    var buffer: TenantOrderedBuffer

    // Trace counts
    var workflowCounts: [String: WorkflowCount] = [:]
    var stepsByKind: [String: Int] = [:]
    var runs = 0, steps = 0, blocked = 0, failed = 0, recorded = 0, withoutSandbox = 0
    var firstNanos: Int64?, lastNanos: Int64?

    // Usage
    var exercised: [String: [String: Int]] = [:]
    var undeclared: [String: [UndeclaredKey: Int]] = [:]
    var evaluatedByTenant: [String: Int] = [:]

    // Fidelity
    var reproduced = 0
    var disagreements: [Fidelity.Disagreement] = []
    var disagreementsTotal = 0
    /// Runs with at least one disagreement (all of them, not only the listed ones), for incident checks.
    var disagreementRuns: Set<RunKey> = []

    // Observations
    var observations: [String: ObservationAccumulator] = [:]
    var flowPatterns: [FlowPattern: Set<FlowOccurrence>] = [:]
    var workflowRuns: [String: Int] = [:]

    struct UndeclaredKey: Hashable {
        let what: String
        let name: String
        let decidedBy: String
        let effect: String
    }

    public init(sandboxes: [TenantSandbox], options: AnalyzerOptions = AnalyzerOptions()) {
        self.options = options
        var byTenant: [String: TenantSandbox] = [:]
        for sandbox in sandboxes {
            byTenant[sandbox.tenantId] = sandbox
        }
        self.sandboxes = byTenant
        self.memoryNamespaces = Set(sandboxes.compactMap { $0.memory?.namespace })
        self.legacy = LegacyFleet(sandboxes: sandboxes)
        self.buffer = TenantOrderedBuffer(windowNanos: options.reorderWindowNanos)
    }

    public mutating func consume(_ run: Run) {
        runs += 1
        let workflowKey = "\(run.tenant)\u{1}\(run.agent)\u{1}\(run.workflow)"
        var count = workflowCounts[workflowKey] ?? WorkflowCount(tenant: run.tenant, agent: run.agent, workflow: run.workflow, runs: 0, steps: 0)
        count.runs += 1
        count.steps += run.steps.count
        workflowCounts[workflowKey] = count
        workflowRuns["\(run.agent)\u{1}\(run.workflow)", default: 0] += 1
        for step in run.steps {
            steps += 1
            stepsByKind[step.kind.rawValue, default: 0] += 1
            if !step.executed { blocked += 1 }
            if step.failed { failed += 1 }
            firstNanos = min(firstNanos ?? step.startNanos, step.startNanos)
            lastNanos = max(lastNanos ?? step.startNanos, step.startNanos)
            observeCrossTenant(step)
        }
        observeFlows(run)
        var released: [Step] = []
        for step in run.steps { buffer.push(step, into: &released) }
        for step in released { evaluate(step) }
    }

    mutating func evaluate(_ step: Step) {
        if step.recordedDecision != nil { recorded += 1 }
        // Evaluated in place: the evaluator's rate buckets change with every step.
        guard let evaluation = legacy.evaluateDetailedIfKnown(step) else {
            withoutSandbox += 1
            return
        }
        let decision = evaluation.decision
        evaluatedByTenant[step.tenant, default: 0] += 1
        for rule in evaluation.exercised where decision.effect == .allow {
            exercised[step.tenant, default: [:]][rule, default: 0] += 1
        }
        recordUndeclared(step, decision)
        compareWithRecorded(step, decision)
        observeDecision(step, decision)
    }

    mutating func recordUndeclared(_ step: Step, _ decision: Decision) {
        let suffix = decision.rule.split(separator: "/", maxSplits: 1).last.map(String.init) ?? decision.rule
        let key: UndeclaredKey?
        switch suffix {
        case "tools.default":
            key = UndeclaredKey(what: "tool", name: step.operation, decidedBy: decision.rule, effect: decision.effect.rawValue)
        case "network.egress.default":
            let host = step.resources.first { $0.scheme == .egress }?.container ?? "?"
            key = UndeclaredKey(what: "egress", name: host, decidedBy: decision.rule, effect: decision.effect.rawValue)
        case "dataStores":
            let store = step.resources.first { $0.scheme == .store }?.container ?? "?"
            key = UndeclaredKey(what: "store", name: store, decidedBy: decision.rule, effect: decision.effect.rawValue)
        case "memory":
            key = UndeclaredKey(what: "memory", name: step.operation, decidedBy: decision.rule, effect: decision.effect.rawValue)
        case "vectorIndex":
            key = UndeclaredKey(what: "vector", name: step.operation, decidedBy: decision.rule, effect: decision.effect.rawValue)
        case "limits.models" where decision.effect == .deny:
            key = UndeclaredKey(what: "model", name: step.operation, decidedBy: decision.rule, effect: decision.effect.rawValue)
        default:
            key = nil
        }
        if let key { undeclared[step.tenant, default: [:]][key, default: 0] += 1 }
    }

    mutating func compareWithRecorded(_ step: Step, _ decision: Decision) {
        guard let recordedDecision = step.recordedDecision else { return }
        if recordedDecision.effect == decision.effect {
            reproduced += 1
            return
        }
        disagreementsTotal += 1
        disagreementRuns.insert(step.runKey)
        guard disagreements.count < options.maxDisagreements else { return }
        disagreements.append(Fidelity.Disagreement(
            tenant: step.tenant, run: step.runId, step: step.stepId, location: step.source.description,
            operation: step.operation, recordedEffect: recordedDecision.effect.rawValue, recordedRule: recordedDecision.rule,
            modelEffect: decision.effect.rawValue, modelRule: decision.rule, modelReason: decision.reason))
    }

    /// Drains the reorder buffer and assembles the report.
    public mutating func finish(
        traceSummary: TraceReadSummary, sandboxDiagnostics: [Diagnostic], workspace: String?, tenantFiles: Int,
        labels: [IncidentLabel] = []
    ) -> AnalysisReport {
        var released: [Step] = []
        buffer.drain(into: &released)
        for step in released { evaluate(step) }
        let risks = ConfigRisks.findings(for: sandboxes.values.sorted { $0.tenantId < $1.tenantId })
        let observed = finishObservations()
        let findings = risks + observed
        var bySeverity: [String: Int] = [:]
        for finding in findings { bySeverity[finding.severity.rawValue, default: 0] += 1 }
        let highest = findings.map(\.severity).max()?.rawValue ?? "ok"
        let diagnostics = (sandboxDiagnostics + traceSummary.diagnostics)
        let inputErrors = sandboxDiagnostics.filter { $0.severity == .error }.count
        let workflows = Set(workflowCounts.values.map { "\($0.agent)\u{1}\($0.workflow)" })
        let tenantsSeen = Set(workflowCounts.values.map(\.tenant))
        return AnalysisReport(
            verdict: .init(highestSeverity: highest, findingsBySeverity: bySeverity, inputErrors: inputErrors,
                           skippedRecords: traceSummary.skippedTotal),
            inputs: .init(workspace: workspace, tenantFiles: tenantFiles,
                          traceFiles: traceSummary.files.map { .init(path: $0.key, format: $0.value.rawValue) }.sorted { $0.path < $1.path }),
            tenants: sandboxes.values.sorted { $0.tenantId < $1.tenantId }.map(TenantInventory.init(sandbox:)),
            traces: TraceSection(
                runs: runs, steps: steps, tenants: tenantsSeen.count, workflows: workflows.count,
                firstSeen: firstNanos.map { Timestamp.rfc3339(nanos: $0) }, lastSeen: lastNanos.map { Timestamp.rfc3339(nanos: $0) },
                byTenantWorkflow: workflowCounts.values.sorted { ($0.tenant, $0.agent, $0.workflow) < ($1.tenant, $1.agent, $1.workflow) },
                stepsByKind: stepsByKind, blockedSteps: blocked, failedSteps: failed, recordedDecisions: recorded,
                lines: traceSummary.lines, bytes: traceSummary.bytes,
                skipped: Dictionary(uniqueKeysWithValues: traceSummary.skipped.map { ($0.key.rawValue, $0.value) }),
                skippedTotal: traceSummary.skippedTotal, stepsOutOfOrder: buffer.outOfOrder, stepsWithoutSandbox: withoutSandbox),
            usage: usageSection(),
            fidelity: Fidelity(
                recorded: recorded, reproduced: reproduced, share: recorded == 0 ? nil : Double(reproduced) / Double(recorded),
                disagreements: disagreements.sorted { ($0.tenant, $0.run, $0.step) < ($1.tenant, $1.run, $1.step) },
                disagreementsTotal: disagreementsTotal),
            risks: risks,
            observations: observed,
            incidents: incidentChecks(labels, findings: observed),
            diagnostics: diagnostics)
    }

    func usageSection() -> [TenantUsage] {
        sandboxes.keys.sorted().compactMap { tenant in
            // Every sandbox has its evaluator (both are built from the same list in init).
            guard let catalog = legacy.ruleCatalog(of: tenant) else { return nil }
            let used = exercised[tenant] ?? [:]
            var usedGrants: [TenantUsage.Grant] = []
            var unusedGrants: [TenantUsage.Grant] = []
            for rule in catalog where rule.kind == .grant {
                let count = used[rule.id] ?? 0
                let grant = TenantUsage.Grant(rule: rule.id, description: rule.description, steps: count)
                if count > 0 { usedGrants.append(grant) } else { unusedGrants.append(grant) }
            }
            let undeclaredUses = (undeclared[tenant] ?? [:]).map { key, count in
                TenantUsage.UndeclaredUse(what: key.what, name: key.name, decidedBy: key.decidedBy, effect: key.effect, steps: count)
            }.sorted { ($0.what, $0.name, $0.effect) < ($1.what, $1.name, $1.effect) }
            return TenantUsage(tenant: tenant, stepsEvaluated: evaluatedByTenant[tenant] ?? 0,
                               unusedGrants: unusedGrants, usedGrants: usedGrants, undeclared: undeclaredUses)
        }
    }
}
