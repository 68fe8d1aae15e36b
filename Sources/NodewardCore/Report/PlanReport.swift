/// The dry-run report of a migration to task-graph isolation (`nodeward plan`), as facts: rendered to
/// Markdown, HTML, text, SARIF, or written as JSON (schema: docs/report-schema.md). Every list is
/// sorted, and nothing in it depends on the clock unless `timestamp` is set, so the same inputs give
/// byte-identical reports.
public struct PlanReport: Sendable, Hashable, Codable {
    public static let currentSchemaVersion = 1
    public var schemaVersion = PlanReport.currentSchemaVersion
    public var workspace: String?
    /// Only with `--timestamp`.
    public var generatedAt: String?
    public var verdict: Verdict
    public var coverage: Coverage
    /// Old vs new decision on every step: totals, by tenant, workflow and node, samples, baselines, incidents.
    public var shadow: ShadowSummary
    public var readiness: [TenantReadiness]
    public var findings: [PlanFinding]
    public var policies: PolicySource
    /// Config risks and trace observations from Analyze.
    public var risks: [Finding]
    public var observations: [Finding]
    /// Legacy grants no step used, per tenant (rule ids and descriptions only).
    public var unusedGrants: [UnusedGrants]
    public var graphs: [TaskGraph]
    /// Per workflow, the nodes with disagreements (highlighted in the graphs).
    public var disputedNodes: [DisputedNodes]
    /// Against the workspace's committed graphs, when it has them.
    public var graphChanges: GraphDiff?
    /// Against `--baseline DIR` (the base branch's policies).
    public var policyDiff: PolicyDiff?
    /// `policy check` on the evaluated policies: lints, confinement against the tenant sandboxes, and
    /// the threat model's coverage when the workspace has one (`threats.yaml`).
    public var check: PolicyCheckReport?

    public struct Verdict: Sendable, Hashable, Codable {
        /// `pass` or `fail` (a gate condition matched).
        public var status: String
        /// The gate (`--fail-on`), and the conditions of it that matched.
        public var gate: [PlanGate]
        public var failed: [PlanGate]
        public var headline: String
    }

    public struct Coverage: Sendable, Hashable, Codable {
        public var runs: Int
        public var steps: Int
        public var tenants: Int
        public var workflows: Int
        public var firstSeen: String?
        public var lastSeen: String?
        public var skippedRecords: Int
        /// Steps both regimes decided, over all steps.
        public var evaluableShare: Double
        public var conformance: [GraphConformance]
    }

    public struct GraphConformance: Sendable, Hashable, Codable {
        public var workflow: String
        public var runs: Int
        public var nodes: Int
        public var method: String?
        public var heldOutRuns: Int?
        public var fitness: Double?
        public var precision: Double?
    }

    public struct TenantReadiness: Sendable, Hashable, Codable {
        public enum Status: String, Sendable, Hashable, Codable {
            case ready
            case review
            case blocked
            /// Nothing speaks against cutting over, but too few steps were allowed under both regimes to
            /// say it works (`PlanReport.minimumAgreeAllowSteps`).
            case insufficientEvidence = "insufficient-evidence"
        }

        public var tenant: String
        public var status: Status
        public var steps: Int
        public var counts: ShadowSummary.ClassCounts
        /// Tightened steps that are labelled incidents (attacks the node policies would stop).
        public var tightenedIncidentSteps: Int
        public var reasons: [String]
    }

    public struct PolicySource: Sendable, Hashable, Codable {
        /// `generated` (from the inferred graphs) or `committed` (read from a folder).
        public var origin: String
        public var folder: String?
        public var strictness: String?
        public var files: [PolicyFileSummary]
    }

    public struct PolicyFileSummary: Sendable, Hashable, Codable {
        public var workflow: String
        /// Where the file is (relative to the workspace when inside it): what SARIF points at.
        public var path: String
        public var version: String
        public var nodes: Int
        /// The 1-based line of each node's `- id:` entry.
        public var nodeLines: [String: Int]
    }

    public struct UnusedGrants: Sendable, Hashable, Codable {
        public var tenant: String
        public var grants: [TenantUsage.Grant]
    }

    public struct DisputedNodes: Sendable, Hashable, Codable {
        public var workflow: String
        public var nodes: [String]
    }
}

/// Conditions `--fail-on` can gate on.
public enum PlanGate: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// A step the sandbox denies, the node policy allows.
    case widened
    /// A step the sandbox allows, the node policy denies.
    case tightened
    /// A step no node covers.
    case unknownStep = "unknown-step"
    case unevaluable
    /// A config risk or trace observation of high severity.
    case risk
    /// With `--baseline`: the policies grant more than the base branch's.
    case policyWidened = "policy-widened"
    /// A node grants a tenant something its sandbox denies (`policy check`'s confinement).
    case confinement
    /// A threat of the threat model has an open path.
    case openThreat = "open-threat"

    public static func < (a: PlanGate, b: PlanGate) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
}

/// One item a reviewer should look at: a node, what happened to its steps, and one sample step with
/// its provenance chain.
public struct PlanFinding: Sendable, Hashable, Codable {
    /// Stable across runs: derived from class, workflow and node.
    public var id: String
    public var severity: FindingSeverity
    public var comparison: ComparisonClass
    public var workflow: String
    public var node: String
    public var steps: Int
    /// Steps of this finding that are labelled incidents.
    public var incidentSteps: Int
    public var title: String
    public var sample: ShadowSample
}
