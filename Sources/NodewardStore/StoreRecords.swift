import NodewardCore

/// A session row's id: one ingest, replay or serve session.
public struct SessionID: Sendable, Hashable, Codable, CustomStringConvertible {
    public var rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }
}

public enum SessionKind: String, Sendable, Hashable, Codable, CaseIterable {
    case ingest
    case replay
    case serve
}

public enum SessionStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case running
    case completed
    case failed
    case interrupted
}

/// What a session processed, written when it finishes.
public struct SessionCounts: Sendable, Hashable, Codable {
    public var runs: Int
    public var steps: Int
    public var decisions: Int
    public var diagnostics: Int

    public init(runs: Int = 0, steps: Int = 0, decisions: Int = 0, diagnostics: Int = 0) {
        self.runs = runs
        self.steps = steps
        self.decisions = decisions
        self.diagnostics = diagnostics
    }
}

/// The node policy a decision was made under: a workflow's policy identified by the hash of its content
/// (`Fingerprint.label` of the policy file text). The same content always maps to the same row.
public struct PolicyVersion: Sendable, Hashable, Codable {
    public var workflow: String
    public var contentHash: String

    public init(workflow: String, contentHash: String) {
        self.workflow = workflow
        self.contentHash = contentHash
    }
}

/// Run-level facts for the `runs` table, taken from a `Run` without its steps.
public struct RunRecord: Sendable, Hashable {
    public var tenant: String
    public var agent: String
    public var workflow: String
    public var runId: String
    public var startNanos: Int64
    public var endNanos: Int64
    public var stepCount: Int
    public var sourceFile: String

    public init(
        tenant: String, agent: String, workflow: String, runId: String, startNanos: Int64, endNanos: Int64,
        stepCount: Int, sourceFile: String
    ) {
        self.tenant = tenant
        self.agent = agent
        self.workflow = workflow
        self.runId = runId
        self.startNanos = startNanos
        self.endNanos = endNanos
        self.stepCount = stepCount
        self.sourceFile = sourceFile
    }

    public init(_ run: Run) {
        self.init(
            tenant: run.tenant, agent: run.agent, workflow: run.workflow, runId: run.runId,
            startNanos: run.startNanos, endNanos: run.endNanos, stepCount: run.steps.count,
            sourceFile: run.source.file)
    }
}

/// One evaluated step: the step itself (only its hashes and names are stored), both decisions, the
/// comparison class, the provenance chain, and the policy version the node decision was made under.
public struct DecisionRecord: Sendable, Hashable {
    public var step: Step
    public var legacy: Decision
    public var node: Decision?
    public var comparison: ComparisonClass
    /// Upstream step ids (same run) the step's inputs came from, nearest first.
    public var provenance: [String]
    public var policyVersion: PolicyVersion

    public init(
        step: Step, legacy: Decision, node: Decision?, policyVersion: PolicyVersion, provenance: [String] = [],
        comparison: ComparisonClass? = nil
    ) {
        self.step = step
        self.legacy = legacy
        self.node = node
        self.policyVersion = policyVersion
        self.provenance = provenance
        self.comparison = comparison ?? ComparisonClass.classify(legacy: legacy, node: node)
    }
}

/// What `record` writes in one transaction. Runs referenced by a decision but not listed in `runs`
/// get a row derived from their steps in the batch (start, end, count of those steps).
public struct DecisionBatch: Sendable, Hashable {
    public var runs: [RunRecord]
    public var decisions: [DecisionRecord]

    public init(runs: [RunRecord] = [], decisions: [DecisionRecord]) {
        self.runs = runs
        self.decisions = decisions
    }

    /// A batch for whole runs: their run rows plus the given decisions.
    public init(runs: [Run], decisions: [DecisionRecord]) {
        self.init(runs: runs.map(RunRecord.init), decisions: decisions)
    }
}

/// Rows a `record` call inserted; replaying the same batch inserts none.
public struct RecordOutcome: Sendable, Hashable, Codable {
    public var runs: Int
    public var steps: Int
    public var decisions: Int
    public var policyVersions: Int

    public init(runs: Int = 0, steps: Int = 0, decisions: Int = 0, policyVersions: Int = 0) {
        self.runs = runs
        self.steps = steps
        self.decisions = decisions
        self.policyVersions = policyVersions
    }
}
