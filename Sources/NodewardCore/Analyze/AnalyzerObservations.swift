/// What the traces show beyond counts: cross-tenant access, rate-limited bursts, rare flows of external
/// content into state-changing steps, and denials by rule. Each becomes a `Finding` with samples.
struct ObservationAccumulator {
    var code: String
    var severity: FindingSeverity
    var tenants: Set<String> = []
    var runs: Set<RunKey> = []
    var samples: Set<String> = []
    var count = 0
    var message: String

    mutating func add(_ step: Step, maxSamples: Int) {
        count += 1
        tenants.insert(step.tenant)
        runs.insert(step.runKey)
        if samples.count < maxSamples * 4 { samples.insert("\(step.runId)/\(step.stepId)") }
    }
}

/// Where a flow pattern was seen: the run (tenant, run id) and the sink step.
struct FlowOccurrence: Hashable {
    let run: RunKey
    let step: String
}

struct FlowPattern: Hashable {
    let agent: String
    let workflow: String
    let sourceKind: StepKind
    let sourceOperation: String
    let sinkOperation: String
    let argument: String
}

extension Analyzer {
    mutating func note(_ id: String, code: String, severity: FindingSeverity, message: String, step: Step) {
        observations[id, default: ObservationAccumulator(code: code, severity: severity, message: message)]
            .add(step, maxSamples: options.maxSamples)
    }

    /// A step that names another tenant's partition, namespace or tagged item.
    mutating func observeCrossTenant(_ step: Step) {
        guard let sandbox = sandboxes[step.tenant] else { return }
        var foreign: [String] = []
        for resource in step.resources {
            switch resource.scheme {
            case .vector:
                if let index = sandbox.vectorIndex, resource.container == index.collection,
                   let partition = resource.partition, let value = index.tenantKeyValue,
                   partition.field == index.tenantKeyField, partition.value != value {
                    foreign.append("vector partition \(partition.field)=\(partition.value)")
                }
            case .memory:
                if let namespace = sandbox.memory?.namespace, resource.container != namespace,
                   memoryNamespaces.contains(resource.container) {
                    foreign.append("memory namespace \(resource.container)")
                }
            default: break
            }
        }
        for item in step.dataItems where item.tenantTag != nil && item.tenantTag != step.tenant {
            foreign.append("an item tagged \(item.tenantTag!)")
        }
        guard !foreign.isEmpty else { return }
        note("access.cross-tenant:\(step.tenant)", code: "access.cross-tenant", severity: .high,
             message: "\(step.tenant) steps touched another tenant's data (\(Set(foreign).sorted().joined(separator: ", ")))",
             step: step)
    }

    mutating func observeDecision(_ step: Step, _ decision: Decision) {
        guard decision.effect == .deny else { return }
        let suffix = decision.rule.split(separator: "/", maxSplits: 1).last.map(String.init) ?? decision.rule
        if suffix.hasPrefix("limits.") {
            note("limits.rate-limited:\(step.tenant)", code: "limits.rate-limited", severity: .medium,
                 message: "\(step.tenant) steps were denied by \(suffix): a burst or a runaway loop", step: step)
        } else {
            note("legacy.denied:\(decision.rule)", code: "legacy.denied", severity: .low,
                 message: "the tenant sandbox denies steps by \(decision.rule)", step: step)
        }
    }

    /// Records, per run, which argument of a state-changing step carries data from an earlier step's
    /// result that is external content (a tool result or a retrieval), by the same provenance rules as
    /// inference (explicit inputs, else value match; a value also in the user's request is the user's).
    mutating func observeFlows(_ run: Run) {
        var producers: [String: Int32] = [:]
        var positions: [String: Int32] = [:]
        var seenPatterns: Set<FlowPattern> = []
        let request = run.userRequest ?? ""
        for (index, step) in run.steps.enumerated() {
            let position = Int32(index)
            positions[step.stepId] = position
            if isSink(step) {
                Provenance.forEachSource(of: step, at: position, request: request, positions: positions, producers: producers) { source, argument, _ in
                    guard source >= 0 else { return }
                    let origin = run.steps[Int(source)]
                    guard origin.kind == .toolCall || origin.kind == .retrieval else { return }
                    let pattern = FlowPattern(agent: run.agent, workflow: run.workflow, sourceKind: origin.kind,
                                              sourceOperation: origin.operation, sinkOperation: step.operation, argument: argument)
                    if seenPatterns.insert(pattern).inserted {
                        flowPatterns[pattern, default: []].insert(FlowOccurrence(run: run.key, step: step.stepId))
                    }
                }
            }
            Provenance.recordResult(of: step, at: position, into: &producers)
        }
    }

    func isSink(_ step: Step) -> Bool {
        StateChange.isStateChanging(
            kind: step.kind, operation: step.operation, declaredEffects: sandboxes[step.tenant]?.tools.effects ?? [:],
            reachesNetwork: step.resources.contains { $0.scheme == .egress },
            writesResource: step.resources.contains { $0.access == .write })
    }

    func finishObservations() -> [Finding] {
        var findings = observations.map { id, accumulator in
            Finding(id: id, code: accumulator.code, severity: accumulator.severity, tenants: accumulator.tenants.sorted(),
                    message: accumulator.message, location: nil,
                    samples: Array(accumulator.samples.sorted().prefix(options.maxSamples)), count: accumulator.count)
        }
        for (pattern, occurrences) in flowPatterns {
            let total = workflowRuns["\(pattern.agent)\u{1}\(pattern.workflow)"] ?? 1
            let share = Double(occurrences.count) / Double(total)
            guard share < options.rareFlowShare else { continue }
            let samples = occurrences.map { "\($0.run.run)/\($0.step)" }.sorted()
            let tenants = Set(occurrences.map(\.run.tenant)).sorted()
            let percent = (share * 1000).rounded() / 10
            findings.append(Finding(
                id: "flow.rare-external-to-write:\(pattern.workflow)/\(pattern.sourceOperation)->\(pattern.sinkOperation).\(pattern.argument)",
                code: "flow.rare-external-to-write", severity: .medium, tenants: tenants,
                message: "in \(pattern.workflow), argument \(pattern.argument) of \(pattern.sinkOperation) carried a value from the \(pattern.sourceKind.rawValue) result of \(pattern.sourceOperation) in \(occurrences.count) of \(total) runs (\(percent)%): external content driving a state-changing step is the shape of context poisoning",
                location: nil, samples: Array(samples.prefix(options.maxSamples)), count: occurrences.count))
        }
        return findings.sortedForReport()
    }

    func incidentChecks(_ labels: [IncidentLabel], findings: [Finding]) -> [IncidentCheck] {
        var runsByFinding: [String: Set<RunKey>] = [:]
        for (id, accumulator) in observations { runsByFinding[id] = accumulator.runs }
        for (pattern, occurrences) in flowPatterns {
            let id = "flow.rare-external-to-write:\(pattern.workflow)/\(pattern.sourceOperation)->\(pattern.sinkOperation).\(pattern.argument)"
            runsByFinding[id, default: []].formUnion(occurrences.map(\.run))
        }
        let reported = Set(findings.map(\.id))
        return labels.map { label in
            let run = RunKey(tenant: label.tenant, run: label.run)
            var surfaced = runsByFinding.filter { reported.contains($0.key) && $0.value.contains(run) }.keys.sorted()
            if disagreementRuns.contains(run) { surfaced.append("legacy-fidelity") }
            return IncidentCheck(id: label.id, kind: label.kind, tenant: label.tenant, run: label.run,
                                 surfacedBy: surfaced, recordedLegacy: label.expectLegacy.map { [$0] } ?? [])
        }.sorted { $0.id < $1.id }
    }
}
