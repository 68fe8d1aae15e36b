/// A step waiting in an open run, with what is needed to finish it when the run closes.
struct PendingStep {
    var step: Step
    /// Input position across all files: the tie-break after start time.
    var sequence: Int
    /// OTLP only: the raw parent span id, resolved to `parents` when the run closes.
    var parentSpanId: String?
    /// OTLP only: the tenant the span named (resource or span attribute), nil when it named none.
    var tenant: String?
    /// OTLP only: `gen_ai.tool.call.id`, the join key to message parts and guardrail targets.
    var toolCallId: String? = nil
    /// OTLP only: an MCP `tools/call` span, folded into the tool step it is nested in (one call, one step).
    var isMCPToolCall = false
}

/// A guardrail span waiting for its run to close, when the step it guards can be found.
struct PendingGuardrail {
    var guardrail: OTLPGuardrail
    var spanId: String
    var parentSpanId: String?
    var startNanos: Int64
    var source: SourceLocation
}

/// Everything held for one run between its first record and its close.
final class OpenRun {
    /// The assembler's key; an OTLP run without a tenant yet is re-keyed when its trace's tenant appears.
    var key: String
    let runId: String
    let isOTLP: Bool
    /// Where the run's first record was read; flush order and `Run.source`.
    let firstSequence: Int
    let source: SourceLocation
    var lastSeen: Int
    var steps: [PendingStep] = []
    var stepIds: Set<String> = []

    // JSONL context (the tenant is part of the key).
    var jsonlTenant: String?
    var header: JSONLRunHeader?

    // OTLP context. The tenant is part of the key once a span names one (nil: none has yet).
    var otlpTenant: String?
    var agentSpan: (name: String?, workflow: String?, userRequest: String?, tenant: String?, serviceName: String?, isRoot: Bool)?
    var runLevelWorkflow: String?
    /// `gen_ai.workflow.name` of an `invoke_workflow` span: the workflow when no configured attribute names one.
    var runLevelConventionWorkflow: String?
    /// The workspace workflow attribute on a resource of the run's spans.
    var resourceWorkflow: String?
    var runLevelRequest: String?
    var runLevelTenant: String?
    var firstServiceName: String?
    /// Span id → parent span id for spans that are not steps; `nil` parent marks a run-level span (the
    /// walk up from a step stops there).
    var linkParents: [String: String?] = [:]
    var guardrails: [PendingGuardrail] = []
    /// `invoke_agent` span id → its `gen_ai.agent.name`: the agent of the steps under it.
    var agentNames: [String: String] = [:]
    /// Tool calls named in message parts anywhere in the run, by call id.
    var toolCalls: [String: OTLPToolCallContent] = [:]
    var spanStart: Int64 = .max
    var spanEnd: Int64 = .min

    init(key: String, runId: String, isOTLP: Bool, sequence: Int, source: SourceLocation) {
        self.key = key
        self.runId = runId
        self.isOTLP = isOTLP
        self.firstSequence = sequence
        self.source = source
        self.lastSeen = sequence
    }

    func noteSpanTimes(start: Int64, end: Int64) {
        spanStart = min(spanStart, start)
        spanEnd = max(spanEnd, max(start, end))
    }
}
