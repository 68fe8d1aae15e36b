/// Assembles a `PlanReport` from the stages' results: Analyze's report, the task graphs, the node
/// policies and their file texts, and the shadow comparison.
public struct PlanReportInputs: Sendable {
    public var workspace: String?
    public var analysis: AnalysisReport
    public var graphs: [TaskGraph]
    public var committedGraphs: [TaskGraph]?
    /// Each workflow's policy set with the file it came from (or is written to) and that file's text.
    public var policies: [(set: PolicySet, path: String, text: String)]
    public var policyOrigin: String
    public var policyFolder: String?
    public var strictness: String?
    public var shadow: ShadowSummary
    public var baseline: [PolicySet]?
    public var check: PolicyCheckReport?
    public var gate: [PlanGate]
    public var generatedAt: String?

    public init(workspace: String?, analysis: AnalysisReport, graphs: [TaskGraph], committedGraphs: [TaskGraph]?,
                policies: [(set: PolicySet, path: String, text: String)], policyOrigin: String, policyFolder: String?,
                strictness: String?, shadow: ShadowSummary, baseline: [PolicySet]? = nil, check: PolicyCheckReport? = nil,
                gate: [PlanGate] = [], generatedAt: String? = nil) {
        self.workspace = workspace
        self.analysis = analysis
        self.graphs = graphs
        self.committedGraphs = committedGraphs
        self.policies = policies
        self.policyOrigin = policyOrigin
        self.policyFolder = policyFolder
        self.strictness = strictness
        self.shadow = shadow
        self.baseline = baseline
        self.check = check
        self.gate = gate
        self.generatedAt = generatedAt
    }
}

extension PlanReport {
    /// Unevaluable steps above this share of a tenant's steps put it under review.
    public static let unevaluableReviewShare = 0.01
    /// "ready" needs evidence: at least this many of the tenant's steps allowed by both regimes
    /// (agree-allow); with fewer a tenant is `insufficient-evidence` (docs/report-schema.md).
    public static let minimumAgreeAllowSteps = 20

    /// A tenant seen in the traces without a sandbox: `plan` cannot compare the regimes for it, so each
    /// one is an error (exit 2) naming the tenant and what to do.
    public static func missingSandboxes(traces: TraceSection, sandboxes: [TenantSandbox]) -> [Diagnostic] {
        let declared = Set(sandboxes.map(\.tenantId))
        let seen = Set(traces.byTenantWorkflow.map(\.tenant))
        return seen.subtracting(declared).sorted().map { tenant in
            .error(.planMissingSandbox,
                   "tenant \(tenant) appears in the traces but has no tenant sandbox; add its TenantAgentSandbox file to the tenants folder (or --tenants), or remove its traces")
        }
    }

    public init(_ inputs: PlanReportInputs) {
        let shadow = inputs.shadow
        let analysis = inputs.analysis
        workspace = inputs.workspace
        generatedAt = inputs.generatedAt
        self.shadow = shadow
        let traces = analysis.traces
        coverage = Coverage(
            runs: traces.runs, steps: traces.steps, tenants: traces.tenants, workflows: traces.workflows,
            firstSeen: traces.firstSeen, lastSeen: traces.lastSeen, skippedRecords: traces.skippedTotal,
            evaluableShare: shadow.totals.total == 0 ? 0 : Double(shadow.totals.evaluable) / Double(shadow.totals.total),
            conformance: inputs.graphs.map { graph in
                GraphConformance(workflow: graph.workflow, runs: graph.evidence.runs, nodes: graph.nodes.count,
                                 method: graph.conformance?.method, heldOutRuns: graph.conformance?.heldOutRuns,
                                 fitness: graph.conformance?.fitness, precision: graph.conformance?.precision)
            })
        readiness = Self.readiness(shadow)
        findings = Self.findings(shadow)
        policies = PolicySource(
            origin: inputs.policyOrigin, folder: inputs.policyFolder, strictness: inputs.strictness,
            files: inputs.policies.map { entry in
                PolicyFileSummary(workflow: entry.set.workflow, path: entry.path, version: Fingerprint.label(entry.set.yaml()),
                           nodes: entry.set.nodes.count, nodeLines: Self.nodeLines(in: entry.text))
            }.sorted { $0.workflow < $1.workflow })
        risks = analysis.risks
        observations = analysis.observations
        unusedGrants = analysis.usage.filter { !$0.unusedGrants.isEmpty }.map { UnusedGrants(tenant: $0.tenant, grants: $0.unusedGrants) }
        graphs = inputs.graphs
        var disputed: [String: Set<String>] = [:]
        for group in shadow.byNode where group.counts.disagreeing + group.counts.unknownStep > 0 {
            disputed[group.workflow, default: []].insert(group.node)
        }
        disputedNodes = disputed.sorted { $0.key < $1.key }.map { DisputedNodes(workflow: $0.key, nodes: $0.value.sorted()) }
        graphChanges = inputs.committedGraphs.map { GraphDiff(old: $0, new: inputs.graphs) }
        policyDiff = inputs.baseline.map { PolicyDiff(old: $0, new: inputs.policies.map(\.set)) }
        check = inputs.check
        verdict = Verdict(status: "pass", gate: inputs.gate.sorted(), failed: [], headline: "")
        verdict.failed = verdict.gate.filter(matches)
        verdict.status = verdict.failed.isEmpty ? "pass" : "fail"
        verdict.headline = headline
    }

    public func matches(_ gate: PlanGate) -> Bool {
        switch gate {
        case .widened: shadow.totals.widened > 0
        case .tightened: shadow.totals.tightened > 0
        case .unknownStep: shadow.totals.unknownStep > 0
        case .unevaluable: shadow.totals.unevaluable > 0
        case .risk: (risks + observations).contains { $0.severity == .high }
        case .policyWidened: !(policyDiff?.widened.isEmpty ?? true)
        case .confinement: !(check?.widenings.isEmpty ?? true)
        case .openThreat: !(check?.openThreats.isEmpty ?? true)
        }
    }

    var headline: String {
        let ready = readiness.filter { $0.status == .ready }.count
        let totals = shadow.totals
        var text = "\(totals.widened.grouped) widened, \(totals.tightened.grouped) tightened, \(totals.unknownStep.grouped) unknown-step, "
        text += "\(totals.unevaluable.grouped) unevaluable of \(shadow.steps.grouped) steps; \(ready) of \(readiness.count) tenants ready to cut over. "
        if verdict.gate.isEmpty { return text + "No gate set (--fail-on)." }
        let gate = verdict.gate.map(\.rawValue).joined(separator: ", ")
        return text + (verdict.failed.isEmpty ? "Gate (\(gate)): PASS." : "Gate (\(gate)): FAIL on " + verdict.failed.map(\.rawValue).joined(separator: ", ") + ".")
    }

    static func readiness(_ shadow: ShadowSummary) -> [TenantReadiness] {
        var incidentTightened: [String: Int] = [:]
        for incident in shadow.incidents { incidentTightened[incident.tenant, default: 0] += incident.counts.tightened }
        return shadow.byTenant.map { group in
            let counts = group.counts
            let attacks = incidentTightened[group.name] ?? 0
            var reasons: [String] = []
            var status = TenantReadiness.Status.ready
            if counts.widened > 0 {
                status = .blocked
                reasons.append("\(counts.widened.grouped) widened: the node policies allow steps the tenant sandbox denies")
            }
            if counts.unknownStep > 0 {
                status = .blocked
                reasons.append("\(counts.unknownStep.grouped) unknown-step: steps no node covers would be denied")
            }
            if counts.tightened > attacks {
                if status == .ready { status = .review }
                reasons.append("\((counts.tightened - attacks).grouped) tightened outside labelled incidents: a workflow may break")
            }
            if attacks > 0 { reasons.append("\(attacks.grouped) labelled incident steps would be denied") }
            let share = counts.total == 0 ? 0 : Double(counts.unevaluable) / Double(counts.total)
            if share > unevaluableReviewShare {
                if status == .ready { status = .review }
                reasons.append("\(share.percent) unevaluable: the traces lack context the node rules need")
            }
            if status == .ready && counts.agreeAllow < minimumAgreeAllowSteps {
                status = .insufficientEvidence
                reasons.insert("\(counts.agreeAllow.grouped) agree-allow steps: ready needs at least \(minimumAgreeAllowSteps) steps both regimes allow", at: 0)
            }
            if reasons.isEmpty { reasons.append("every evaluated step agrees") }
            return TenantReadiness(tenant: group.name, status: status, steps: counts.total, counts: counts,
                                   tightenedIncidentSteps: attacks, reasons: reasons)
        }
    }

    static func findings(_ shadow: ShadowSummary) -> [PlanFinding] {
        var nodes: [String: ShadowSummary.NodeGroup] = [:]
        for group in shadow.byNode { nodes[group.workflow + "\u{0}" + group.node] = group }
        let findings = shadow.samples.compactMap { sample -> PlanFinding? in
            let node = sample.node ?? "(\(sample.kind) \(sample.operation))"
            guard let group = nodes[sample.workflow + "\u{0}" + node] else { return nil }
            let steps = group.counts[sample.comparison]
            let incidents = group.incidentSteps[sample.comparison]
            let severity: FindingSeverity
            let title: String
            let count = "\(steps.grouped) step\(steps == 1 ? "" : "s")"
            switch sample.comparison {
            case .widened:
                severity = .high
                title = "node policy allows \(count) the tenant sandbox denies"
            case .unknownStep:
                severity = .high
                title = "\(count) match no node and would be denied"
            case .tightened:
                severity = incidents == steps ? .low : .medium
                title = incidents == steps ? "denies \(count) the tenant sandbox allows, all labelled incidents"
                    : "denies \(count) the tenant sandbox allows" + (incidents > 0 ? " (\(incidents.grouped) labelled incidents)" : "")
            case .unevaluable:
                severity = .low
                title = "cannot decide \(count): the traces lack context the rule needs"
            case .agreeAllow, .agreeDeny:
                return nil
            }
            let id = "F-" + String(Fingerprint.label("\(sample.comparison.rawValue)|\(sample.workflow)|\(node)").suffix(8))
            return PlanFinding(id: id, severity: severity, comparison: sample.comparison, workflow: sample.workflow, node: node,
                               steps: steps, incidentSteps: incidents, title: title, sample: sample)
        }
        return findings.sorted { ($1.severity, $0.steps, $1.id) < ($0.severity, $1.steps, $0.id) }
    }

    /// The 1-based line of each `- id: NODE` entry of a policy file's `nodes:` list.
    static func nodeLines(in text: String) -> [String: Int] {
        var lines: [String: Int] = [:]
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard line.hasPrefix("- id: ") else { continue }
            var value = line.dropFirst(6).trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "'" || first == "\"", value.last == first {
                value = String(value.dropFirst().dropLast())
                if first == "'" { value = value.replacingOccurrences(of: "''", with: "'") }
            }
            if lines[value] == nil { lines[value] = index + 1 }
        }
        return lines
    }
}
