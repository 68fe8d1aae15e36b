/// The result of `nodeward analyze`: a plain, `Codable` value with a stable shape (docs/analyze.md),
/// rendered as text, Markdown or JSON. Every list is sorted so the output diffs cleanly.
public struct AnalysisReport: Sendable, Hashable, Codable {
    public static let schemaVersion = 1

    public var schemaVersion: Int = AnalysisReport.schemaVersion
    public var verdict: Verdict
    public var inputs: Inputs
    public var tenants: [TenantInventory]
    public var traces: TraceSection
    public var usage: [TenantUsage]
    public var fidelity: Fidelity
    public var risks: [Finding]
    public var observations: [Finding]
    /// Labelled incidents (the workspace `labels` file) and whether analysis surfaced each.
    public var incidents: [IncidentCheck]
    public var diagnostics: [Diagnostic]

    public struct Verdict: Sendable, Hashable, Codable {
        /// `ok`, or the highest finding severity present.
        public var highestSeverity: String
        public var findingsBySeverity: [String: Int]
        public var inputErrors: Int
        public var skippedRecords: Int
    }

    public struct Inputs: Sendable, Hashable, Codable {
        public var workspace: String?
        public var tenantFiles: Int
        public var traceFiles: [TraceFile]
    }

    public struct TraceFile: Sendable, Hashable, Codable {
        public var path: String
        public var format: String
    }
}

/// A tenant's legacy controls at a glance.
public struct TenantInventory: Sendable, Hashable, Codable {
    public var tenant: String
    public var name: String
    public var source: String
    public var tier: String?
    public var identity: String
    public var runtime: String
    public var memoryNamespace: String?
    public var vectorIndex: String?
    public var toolsDefault: String
    public var toolAllowRules: Int
    public var toolDenyRules: Int
    public var wildcardTools: [String]
    public var dataStores: [String]
    public var egress: String
    public var requestsPerMinute: Int?
    public var tokensPerMinute: Int?
    public var budget: String?
    public var auditSink: String?
    public var contextTagging: String?
}

public struct TraceSection: Sendable, Hashable, Codable {
    public var runs: Int
    public var steps: Int
    public var tenants: Int
    public var workflows: Int
    /// RFC 3339, first and last step start.
    public var firstSeen: String?
    public var lastSeen: String?
    public var byTenantWorkflow: [WorkflowCount]
    public var stepsByKind: [String: Int]
    public var blockedSteps: Int
    public var failedSteps: Int
    public var recordedDecisions: Int
    public var lines: Int
    public var bytes: Int
    public var skipped: [String: Int]
    public var skippedTotal: Int
    public var stepsOutOfOrder: Int
    public var stepsWithoutSandbox: Int
}

public struct WorkflowCount: Sendable, Hashable, Codable {
    public var tenant: String
    public var agent: String
    public var workflow: String
    public var runs: Int
    public var steps: Int
}

/// Declared vs used, for one tenant.
public struct TenantUsage: Sendable, Hashable, Codable {
    public var tenant: String
    public var stepsEvaluated: Int
    /// Grants of the tenant sandbox that no step exercised, as IAM Access Analyzer reports unused access.
    public var unusedGrants: [Grant]
    /// Grants that some step exercised, with counts.
    public var usedGrants: [Grant]
    /// Things steps used or attempted that no explicit grant covers (default-allow, default-deny, undeclared stores).
    public var undeclared: [UndeclaredUse]

    public struct Grant: Sendable, Hashable, Codable {
        public var rule: String
        public var description: String
        public var steps: Int
    }

    public struct UndeclaredUse: Sendable, Hashable, Codable {
        /// `tool`, `store`, `egress`, `memory`, `vector`, `model`.
        public var what: String
        public var name: String
        /// The legacy rule that decided it (e.g. `umbrella/tools.default`).
        public var decidedBy: String
        public var effect: String
        public var steps: Int
    }
}

/// How often our legacy evaluator reproduces the decisions the old system recorded.
public struct Fidelity: Sendable, Hashable, Codable {
    public var recorded: Int
    public var reproduced: Int
    /// reproduced / recorded, or nil when nothing was recorded.
    public var share: Double?
    public var disagreements: [Disagreement]
    public var disagreementsTotal: Int

    public struct Disagreement: Sendable, Hashable, Codable {
        public var tenant: String
        public var run: String
        public var step: String
        public var location: String
        public var operation: String
        public var recordedEffect: String
        public var recordedRule: String?
        public var modelEffect: String
        public var modelRule: String
        public var modelReason: String
    }
}

public enum FindingSeverity: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case low
    case medium
    case high

    public static func < (lhs: FindingSeverity, rhs: FindingSeverity) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A config risk or a trace observation, with a stable id so reports diff cleanly.
public struct Finding: Sendable, Hashable, Codable {
    /// `<code>:<subject>`, e.g. `risk.default-allow:umbrella`.
    public var id: String
    public var code: String
    public var severity: FindingSeverity
    public var tenants: [String]
    public var message: String
    public var location: String?
    /// Runs and steps that show it (at most a few samples), `run/step`.
    public var samples: [String]
    public var count: Int
}

public struct IncidentCheck: Sendable, Hashable, Codable {
    public var id: String
    public var kind: String
    public var tenant: String
    public var run: String
    /// Finding ids whose samples include this run.
    public var surfacedBy: [String]
    public var recordedLegacy: [String]
}
