import NodewardCore

/// The security incidents the generator injects. Each one is labelled in `labels/incidents.yaml`
/// (never inside the traces), so the analyzer can be scored against ground truth.
enum IncidentKind: String, Sendable, CaseIterable {
    case poisonedRetrievalWrite = "poisoned-retrieval-write"
    case crossTenantRead = "cross-tenant-read"
    case rateBurst = "rate-burst"
    case injectedCall = "injected-call"
    case poisonedToolEgress = "poisoned-tool-egress"
    case deniedTool = "denied-tool"
    case unlistedTool = "unlisted-tool"
    case configDrift = "config-drift"
}

/// Where and how often an incident kind occurs in the default fleet (2,000 runs).
struct IncidentSpec: Sendable {
    var kind: IncidentKind
    var tenant: String
    var workflow: Workflow
    var count: Int
    /// What the current config decides for the incident's steps.
    var expectLegacy: Effect
    var description: String

    static let all: [IncidentSpec] = [
        IncidentSpec(kind: .poisonedRetrievalWrite, tenant: "umbrella", workflow: .inboxTriage, count: 2, expectLegacy: .allow,
                     description: "A knowledge-base document carries an injected instruction naming an outside address; a later email.send goes to that address. Allowed: umbrella is default-allow."),
        IncidentSpec(kind: .crossTenantRead, tenant: "initech", workflow: .crmEnrichment, count: 2, expectLegacy: .deny,
                     description: "A retrieval on the shared collection uses acme's partition (group_id=acme). The vector tenant key denies it; the step is recorded as blocked."),
        IncidentSpec(kind: .rateBurst, tenant: "globex", workflow: .supportTicketSummary, count: 1, expectLegacy: .deny,
                     description: "A runaway loop calls tickets.get about 150 times in one minute; once the 60 rpm bucket is empty the calls are denied."),
        IncidentSpec(kind: .injectedCall, tenant: "acme", workflow: .crmEnrichment, count: 2, expectLegacy: .allow,
                     description: "A fetched web page carries attacker-chosen values that the agent writes into crm.update. Allowed by crm.*."),
        IncidentSpec(kind: .poisonedToolEgress, tenant: "hooli", workflow: .supportTicketSummary, count: 2, expectLegacy: .allow,
                     description: "A ticket comment makes the agent web.fetch an outside host with the ticket id in the URL. Allowed: wildcard tools, default-allow egress."),
        IncidentSpec(kind: .deniedTool, tenant: "acme", workflow: .crmEnrichment, count: 2, expectLegacy: .deny,
                     description: "The agent attempts crm.delete on a duplicate account; the deny rule blocks it."),
        IncidentSpec(kind: .unlistedTool, tenant: "globex", workflow: .supportTicketSummary, count: 2, expectLegacy: .deny,
                     description: "The agent calls tickets.escalate, which globex's allowlist does not name; default deny blocks it."),
        IncidentSpec(kind: .configDrift, tenant: "acme", workflow: .invoiceProcessing, count: 1, expectLegacy: .allow,
                     description: "Recorded decisions deny with a rule id that no longer exists; the current config allows these steps."),
        IncidentSpec(kind: .configDrift, tenant: "initech", workflow: .supportTicketSummary, count: 1, expectLegacy: .allow,
                     description: "Recorded decisions deny with a rule id that no longer exists; the current config allows these steps."),
        IncidentSpec(kind: .configDrift, tenant: "hooli", workflow: .inboxTriage, count: 1, expectLegacy: .allow,
                     description: "Recorded decisions deny with a rule id that no longer exists; the current config allows these steps."),
    ]

    /// Steps per drift run whose recorded decision is flipped (2 + 1 + 2 = 5 in the default fleet; the
    /// support workflow has a single tool call).
    var driftSteps: Int { kind == .configDrift ? (workflow == .supportTicketSummary ? 1 : 2) : 0 }
}

/// One injected incident as it landed in the traces.
struct IncidentLabel: Sendable {
    var id: String
    var spec: IncidentSpec
    var run: String
    var steps: [String]
    /// The effect the traces record for the incident's steps, when it differs from `expectLegacy`.
    var recordedLegacy: Effect?
}

/// Decides which of a tenant's runs carry an incident: evenly spread over the tenant's expected runs,
/// scaled with the fleet size (so `--steps` benchmarks still contain them).
struct IncidentSchedule: Sendable {
    private var byOrdinal: [Int: IncidentSpec] = [:]

    init(tenant: String, expectedRuns: Int, scale: Double) {
        guard expectedRuns > 0 else { return }
        for (specIndex, spec) in IncidentSpec.all.enumerated() where spec.tenant == tenant {
            let count = max(1, Int((Double(spec.count) * scale).rounded()))
            let offset = 0.15 + 0.13 * Double(specIndex % 6)
            for occurrence in 0..<count {
                if byOrdinal.count >= expectedRuns { return }
                var ordinal = min(expectedRuns - 1, Int((Double(occurrence) + offset) * Double(expectedRuns) / Double(count)))
                while byOrdinal[ordinal] != nil { ordinal = (ordinal + 1) % expectedRuns }
                byOrdinal[ordinal] = spec
            }
        }
    }

    func incident(atRun ordinal: Int) -> IncidentSpec? { byOrdinal[ordinal] }
}
