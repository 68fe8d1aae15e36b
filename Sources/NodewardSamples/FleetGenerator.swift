import NodewardCore

/// Runs the fleet: tenants take turns (run i belongs to tenant i mod N), each tenant's runs follow one
/// another in time, and every step passes through the legacy evaluator in that order.
struct FleetGenerator {
    struct TenantState {
        var profile: TenantProfile
        var format: FleetTraceFormat
        var rng: SeededGenerator
        var clock: Int64
        var ordinal = 0
        var expectedRuns: Int
        var schedule: IncidentSchedule
    }

    /// Average steps per run, for sizing the `--steps` mode's time slots and incident counts.
    static let typicalStepsPerRun = 8

    let options: FleetOptions
    private(set) var tenants: [TenantState]
    private var legacy: LegacyFleet
    private(set) var labels: [IncidentLabel] = []
    private(set) var stepsWritten = 0
    private(set) var runsWritten = 0

    init(options: FleetOptions) {
        self.options = options
        let profiles = TenantCatalogue.tenants(count: options.tenants).enumerated().map { index, profile in
            var profile = profile
            guard !options.dialects.isEmpty else { return profile }
            profile.dialect = options.dialects[index % options.dialects.count]
            if DialectConfigWriter.usesMCPNames(profile.dialect) { profile.sandbox = DialectConfigWriter.withMCPNames(profile.sandbox) }
            return profile
        }
        let totalRuns = options.stepLimit.map { max(1, $0 / Self.typicalStepsPerRun) } ?? options.runs
        let scale = Double(totalRuns) / 2000
        tenants = profiles.enumerated().map { index, profile in
            let expected = totalRuns / profiles.count + (index < totalRuns % profiles.count ? 1 : 0)
            let format = options.format == .mixed ? profile.mixedFormat : options.format
            return TenantState(profile: profile, format: format, rng: SeededGenerator(seed: options.seed, stream: profile.id),
                               clock: FleetOptions.baseNanos, expectedRuns: expected,
                               schedule: IncidentSchedule(tenant: profile.id, expectedRuns: expected, scale: scale))
        }
        legacy = LegacyFleet(sandboxes: profiles.map(\.sandbox))
    }

    var isFinished: Bool {
        if tenants.isEmpty { return true }
        if let limit = options.stepLimit { return stepsWritten >= limit }
        return runsWritten >= options.runs
    }

    /// Generates the next run (of the next tenant in turn), cut to the step budget in `--steps` mode.
    mutating func nextRun() -> (tenantIndex: Int, run: GeneratedRun) {
        let index = runsWritten % tenants.count
        var state = tenants[index]
        let incident = state.schedule.incident(atRun: state.ordinal)
        let workflow = incident?.workflow ?? state.rng.pick(state.profile.workflows)
        let slot = FleetOptions.windowNanos / Int64(max(state.expectedRuns, 1))
        let slotStart = FleetOptions.baseNanos + Int64(state.ordinal) * slot
        let jitter = Int64(state.rng.below(Int(max(slot / 2 / 1_000_000, 1)))) * 1_000_000
        let start = max(state.clock + 1_000_000_000, slotStart + jitter)
        let otlp = state.format == .otlp
        let runId = otlp ? state.rng.hex(32) : "run-\(state.profile.id)-" + pad(state.ordinal + 1)
        let rootSpanId = otlp ? state.rng.hex(16) : ""
        let subject = state.rng.pick(state.profile.users)
        var builder = RunBuilder(profile: state.profile, workflow: workflow, runId: runId, subject: subject, spanIds: otlp,
                                 rng: state.rng, clock: start)
        builder.driftRemaining = incident?.driftSteps ?? 0
        let request: String
        switch workflow {
        case .inboxTriage: request = InboxAndCRMScripts.inboxTriage(&builder, incident: incident, legacy: &legacy)
        case .crmEnrichment: request = InboxAndCRMScripts.crmEnrichment(&builder, incident: incident, legacy: &legacy)
        case .supportTicketSummary: request = SupportAndInvoiceScripts.supportTicketSummary(&builder, incident: incident, legacy: &legacy)
        case .invoiceProcessing: request = SupportAndInvoiceScripts.invoiceProcessing(&builder, incident: incident, legacy: &legacy)
        }
        var steps = builder.steps
        if let limit = options.stepLimit, stepsWritten + steps.count > limit { steps = Array(steps.prefix(limit - stepsWritten)) }
        let end = (steps.last?.endNanos ?? start) + 5_000_000
        let run = GeneratedRun(tenant: state.profile.id, workflow: workflow, runId: runId, rootSpanId: rootSpanId, request: request,
                               startNanos: start, endNanos: end, steps: steps)
        if let incident { label(incident, run: run, marked: builder.incidentSteps) }
        state.rng = builder.rng
        state.clock = end
        state.ordinal += 1
        tenants[index] = state
        stepsWritten += steps.count
        runsWritten += 1
        return (index, run)
    }

    private mutating func label(_ spec: IncidentSpec, run: GeneratedRun, marked: [String]) {
        let written = Set(run.steps.map(\.stepId))
        let steps = marked.filter(written.contains)
        guard !steps.isEmpty else { return }
        let recorded = run.steps.filter { steps.contains($0.stepId) }.contains { $0.recordedDecision?.effect == .deny } ? Effect.deny : .allow
        labels.append(IncidentLabel(id: "inc-" + pad(labels.count + 1, width: 3), spec: spec, run: run.runId, steps: steps,
                                    recordedLegacy: recorded == spec.expectLegacy ? nil : recorded))
    }

    private func pad(_ number: Int, width: Int = 5) -> String {
        let text = String(number)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
