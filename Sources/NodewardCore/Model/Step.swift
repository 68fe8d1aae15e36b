/// What a step does. The vocabulary is fixed; docs/formats.md maps each input format onto it.
public enum StepKind: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case memoryRead = "memory_read"
    case memoryWrite = "memory_write"
    case retrieval
    case toolCall = "tool_call"
    case llm
    case dataWrite = "data_write"
    case output

    public static func < (lhs: StepKind, rhs: StepKind) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

public enum Access: String, Sendable, Hashable, Codable, Comparable {
    case read
    case write

    public static func < (lhs: Access, rhs: Access) -> Bool { lhs == .read && rhs == .write }
}

/// A data reference from one step's input to an earlier step's output (explicit in Nodeward JSONL).
public struct DataInput: Sendable, Hashable, Codable {
    /// The source step's id within the same run, or `"request"` for the user's request.
    public var step: String
    /// The argument of this step that the data arrived through, when known.
    public var argument: String?

    public init(step: String, argument: String? = nil) {
        self.step = step
        self.argument = argument
    }

    public static let userRequest = "request"
}

/// A context item (document, memory entry, record) a step read or wrote, with the tenant tag the
/// platform's context tagging recorded on it, where the log carries one.
public struct DataItem: Sendable, Hashable, Codable {
    public var id: String
    public var tenantTag: String?
    public var access: Access

    public init(id: String, tenantTag: String? = nil, access: Access = .read) {
        self.id = id
        self.tenantTag = tenantTag
        self.access = access
    }
}

/// The identity a step ran under, as recorded from its JWT.
public struct Principal: Sendable, Hashable, Codable {
    public var issuer: String?
    public var audience: String?
    public var subject: String?
    /// Claim name → value, e.g. `org_id: org_4f2a`.
    public var claims: [String: String]

    public init(issuer: String? = nil, audience: String? = nil, subject: String? = nil, claims: [String: String] = [:]) {
        self.issuer = issuer
        self.audience = audience
        self.subject = subject
        self.claims = claims
    }
}

/// The decision the old (per-tenant) enforcement recorded for a step, if the log carries it.
public struct RecordedDecision: Sendable, Hashable, Codable {
    public var effect: Effect
    public var rule: String?
    public var reason: String?

    public init(effect: Effect, rule: String? = nil, reason: String? = nil) {
        self.effect = effect
        self.rule = rule
        self.reason = reason
    }
}

public struct TokenUsage: Sendable, Hashable, Codable {
    public var input: Int
    public var output: Int
    public var total: Int { input + output }

    public init(input: Int = 0, output: Int = 0) {
        self.input = input
        self.output = output
    }
}

/// One observed action of an agent, normalized from any input format.
///
/// Payloads (`arguments`, `result`) are kept for provenance matching and evaluation, never printed in
/// reports unless the user asks (`--include-payloads`); reports use `Fingerprint`s and field names.
public struct Step: Sendable, Hashable {
    public var tenant: String
    public var agent: String
    public var workflow: String
    public var runId: String
    public var stepId: String
    /// Control-flow predecessors (step ids in the same run). Empty for the first step.
    public var parents: [String]
    /// Explicit data-flow references, where the format records them.
    public var inputs: [DataInput]
    public var startNanos: Int64
    public var endNanos: Int64
    public var kind: StepKind
    /// Tool name, model name, or index/memory operation.
    public var operation: String
    /// The model provider of an `llm` step (`gen_ai.provider.name`, or the older `gen_ai.system`).
    public var provider: String?
    public var resources: [Resource]
    public var arguments: [String: JSONValue]
    public var result: JSONValue?
    public var tokens: TokenUsage?
    public var dataItems: [DataItem]
    public var principal: Principal?
    public var recordedDecision: RecordedDecision?
    /// False when the call was attempted but blocked (a blocked call still appears in logs).
    public var executed: Bool
    /// True when the step failed (span status ERROR, or `status: error` in JSONL).
    public var failed: Bool
    /// Where the step was read from: file and line (JSON lines) for reports and error messages.
    public var source: SourceLocation

    public init(
        tenant: String, agent: String, workflow: String, runId: String, stepId: String,
        parents: [String] = [], inputs: [DataInput] = [], startNanos: Int64, endNanos: Int64? = nil,
        kind: StepKind, operation: String, resources: [Resource] = [], arguments: [String: JSONValue] = [:],
        result: JSONValue? = nil, tokens: TokenUsage? = nil, dataItems: [DataItem] = [],
        principal: Principal? = nil, recordedDecision: RecordedDecision? = nil, executed: Bool = true,
        failed: Bool = false, source: SourceLocation
    ) {
        self.tenant = tenant
        self.agent = agent
        self.workflow = workflow
        self.runId = runId
        self.stepId = stepId
        self.parents = parents
        self.inputs = inputs
        self.startNanos = startNanos
        self.endNanos = endNanos ?? startNanos
        self.kind = kind
        self.operation = operation
        self.resources = resources
        self.arguments = arguments
        self.result = result
        self.tokens = tokens
        self.dataItems = dataItems
        self.principal = principal
        self.recordedDecision = recordedDecision
        self.executed = executed
        self.failed = failed
        self.source = source
        self.provider = nil
    }
}

/// A run's identity everywhere: the tenant and the run id (OTLP trace id, JSONL `run`). Two tenants'
/// runs with the same id (a trace id reused across tenants' exports) are two runs.
public struct RunKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var tenant: String
    public var run: String

    public init(tenant: String, run: String) {
        self.tenant = tenant
        self.run = run
    }

    public static func < (lhs: RunKey, rhs: RunKey) -> Bool { (lhs.tenant, lhs.run) < (rhs.tenant, rhs.run) }

    /// `tenant/run`, the form reports and samples print.
    public var description: String { "\(tenant)/\(run)" }
}

extension Run {
    public var key: RunKey { RunKey(tenant: tenant, run: runId) }
}

extension Step {
    /// The identity of the run this step belongs to.
    public var runKey: RunKey { RunKey(tenant: tenant, run: runId) }
}

/// One execution of an agent: its steps in order, plus run-level context from the root span.
public struct Run: Sendable, Hashable {
    public var tenant: String
    public var agent: String
    public var workflow: String
    public var runId: String
    public var startNanos: Int64
    public var endNanos: Int64
    /// The user's request text (root span `gen_ai.input.messages`, or JSONL `request`), when recorded.
    public var userRequest: String?
    /// Steps ordered by start time, then by source position.
    public var steps: [Step]
    public var source: SourceLocation

    public init(
        tenant: String, agent: String, workflow: String, runId: String, startNanos: Int64, endNanos: Int64,
        userRequest: String? = nil, steps: [Step], source: SourceLocation
    ) {
        self.tenant = tenant
        self.agent = agent
        self.workflow = workflow
        self.runId = runId
        self.startNanos = startNanos
        self.endNanos = endNanos
        self.userRequest = userRequest
        self.steps = steps
        self.source = source
    }
}
