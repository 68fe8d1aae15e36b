/// The resource a batch of spans came from: its tenant, service name, workflow and baggage.
struct OTLPResourceContext {
    var attributes: OTLPAttributes
    var tenant: String?
    var serviceName: String?
    /// The workspace workflow attribute on the resource, when set.
    var workflow: String?
    /// A W3C `baggage` header recorded as a resource attribute (`attributes.baggage`).
    var baggage: String?

    init(attributes: OTLPAttributes, options: TraceReaderOptions) {
        self.attributes = attributes
        self.tenant = attributes.string(options.tenantAttribute).flatMap { $0.isEmpty ? nil : $0 }
        self.serviceName = attributes.string("service.name")
        self.workflow = attributes.string(options.workflowAttribute).flatMap { $0.isEmpty ? nil : $0 }
        self.baggage = attributes.string(options.baggageAttribute)
    }
}

/// One span, decoded and classified; the run assembler decides where it goes.
struct OTLPSpanRecord {
    enum Role {
        /// An `invoke_agent` span: the run root (or a nested agent), run-level context only.
        case agent(name: String?, workflow: String?, userRequest: String?)
        /// An `invoke_workflow` or `create_agent` span: run-level, not a step. `workflow` is the workspace
        /// workflow attribute; `conventionWorkflow` the span's `gen_ai.workflow.name` (an `invoke_workflow`).
        case runLevel(workflow: String?, conventionWorkflow: String?, userRequest: String?)
        /// A `run_guardrail` / `apply_guardrail` span: no step; its decision goes on the step it guards.
        case guardrail(OTLPGuardrail)
        case step(Step)
        /// A span that is not a step (unknown operation, missing field): skipped, but kept as a link in
        /// the parent chain so its children still find their nearest step ancestor.
        case skipped(DiagnosticCode, String)
        /// A span that is structure only (an OpenInference CHAIN, EMBEDDING, RERANKER or GUARDRAIL): no
        /// step, a link in the parent chain; the note, when present, is counted (as a warning).
        case structure(note: (code: DiagnosticCode, message: String)?)
    }

    var traceId: String
    var spanId: String
    var parentSpanId: String?
    var startNanos: Int64
    var endNanos: Int64
    var tenant: String?
    var serviceName: String?
    var role: Role
    /// Problems that cost a field but not the span (reported when the span is kept).
    var warnings: [(code: DiagnosticCode, message: String)] = []
    /// The workspace workflow attribute on the span's resource.
    var resourceWorkflow: String?
    /// `gen_ai.tool.call.id` of an `execute_tool` (or MCP `tools/call`) step.
    var toolCallId: String?
    /// An MCP `tools/call` span (`mcp.method.name`): folded into the tool step it is nested in.
    var isMCPToolCall = false
    /// `mcp.session.id` of an MCP span with no parent: its run is the session (no propagated context).
    var mcpSessionRoot: String?
    /// Tool calls named in the span's message parts (attributes and details events), by call id.
    var toolCalls: [String: OTLPToolCallContent] = [:]
}

enum OTLPSpanDecoding {
    case record(OTLPSpanRecord)
    /// The span cannot be placed at all (bad ids, bad times): skipped under this code.
    case invalid(DiagnosticCode, String)
}

/// The members of a span object that the mapper reads; all others are ignored.
struct OTLPSpanFields {
    var traceId: JSONValue?
    var spanId: JSONValue?
    var parentSpanId: JSONValue?
    var startTimeUnixNano: JSONValue?
    var endTimeUnixNano: JSONValue?
    var name: JSONValue?
    var status: JSONValue?
    /// The span's `events` as read (only `gen_ai.client.inference.operation.details` events are used).
    var events: JSONValue?
    var attributes = OTLPAttributes()

    init() {}

    init(_ fields: [String: JSONValue]) {
        traceId = fields["traceId"]
        spanId = fields["spanId"]
        parentSpanId = fields["parentSpanId"]
        startTimeUnixNano = fields["startTimeUnixNano"]
        endTimeUnixNano = fields["endTimeUnixNano"]
        name = fields["name"]
        status = fields["status"]
        events = fields["events"]
        attributes = OTLPAttributes(fields["attributes"])
    }
}

/// Maps one OTLP span (docs/formats.md, "OpenTelemetry OTLP/JSON") onto the step model.
struct OTLPSpanMapper {
    let options: TraceReaderOptions

    static let llmOperations: Set<String> = ["chat", "generate_content", "text_completion", "embeddings"]
    static let memoryWriteOperations: Set<String> = [
        "create_memory", "update_memory", "upsert_memory", "delete_memory", "create_memory_store", "delete_memory_store",
    ]
    static let guardrailOperations: Set<String> = ["run_guardrail", "apply_guardrail"]
    static let mcpToolCall = "tools/call"

    func map(_ span: JSONValue, resource: OTLPResourceContext, source: SourceLocation) -> OTLPSpanDecoding {
        guard case .object(let fields) = span else {
            return .invalid(.traceInvalidValue, "a span is \(span.typeName), expected an object")
        }
        return map(OTLPSpanFields(fields), resource: resource, source: source)
    }

    /// The mapping both decoders share, from the span fields it reads (the fast decoder fills them from bytes).
    func map(_ fields: OTLPSpanFields, resource: OTLPResourceContext, source: SourceLocation) -> OTLPSpanDecoding {
        guard let traceValue = fields.traceId else { return .invalid(.traceMissingField, "span has no traceId") }
        guard let traceId = Self.hexId(traceValue, length: 32) else {
            return .invalid(.traceInvalidValue, "traceId is not 32 hex digits (or is all zero)")
        }
        guard let spanValue = fields.spanId else { return .invalid(.traceMissingField, "span has no spanId") }
        guard let spanId = Self.hexId(spanValue, length: 16) else {
            return .invalid(.traceInvalidValue, "spanId is not 16 hex digits (or is all zero)")
        }
        var parentSpanId: String?
        if let parentValue = fields.parentSpanId, parentValue != .string(""), parentValue != .null {
            if let parent = Self.hexId(parentValue, length: 16) {
                parentSpanId = parent
            } else if !Self.isAllZeroHex(parentValue) {
                // An all-zero parent is how some exporters write "no parent"; anything else is an error.
                return .invalid(.traceInvalidValue, "parentSpanId is not 16 hex digits")
            }
        }
        guard let startValue = fields.startTimeUnixNano else {
            return .invalid(.traceMissingField, "span has no startTimeUnixNano")
        }
        guard let start = startValue.int64Value else {
            return .invalid(.traceInvalidValue, "startTimeUnixNano is not an integer")
        }
        var end = start
        if let endValue = fields.endTimeUnixNano {
            guard let parsed = endValue.int64Value else { return .invalid(.traceInvalidValue, "endTimeUnixNano is not an integer") }
            end = parsed
        }

        let attributes = fields.attributes
        let tenant = tenant(resource: resource, attributes: attributes)
        var record = OTLPSpanRecord(
            traceId: traceId, spanId: spanId, parentSpanId: parentSpanId, startNanos: start, endNanos: end,
            tenant: tenant, serviceName: resource.serviceName, role: .skipped(.traceUnknownOperation, ""))
        record.resourceWorkflow = resource.workflow

        if let spanKind = attributes.string(OpenInferenceSpanMapper.spanKindAttribute) {
            return mapOpenInference(spanKind: spanKind, fields: fields, record: record, source: source)
        }

        // Most spans carry no content (capture is opt-in): skip the message walk for them.
        let hasContent = fields.events != nil || OTLPGenAIContent.messageAttributes.contains { attributes[$0] != nil }
        let content = hasContent ? OTLPGenAIContent.contentAttributes(attributes, events: fields.events) : []
        if hasContent { record.toolCalls = OTLPGenAIContent.toolCalls(in: content, parser: options.parser) }
        var operationName = attributes.string("gen_ai.operation.name")
        if let method = attributes.string("mcp.method.name") {
            if parentSpanId == nil, let session = attributes.string("mcp.session.id"), !session.isEmpty { record.mcpSessionRoot = session }
            if method == Self.mcpToolCall {
                // MCP tool calls SHOULD carry execute_tool; the method alone says the same.
                record.isMCPToolCall = operationName == nil || operationName == "execute_tool"
                if operationName == nil { operationName = "execute_tool" }
            } else if operationName == nil, attributes["nodeward.step.kind"] == nil {
                // initialize, tools/list, notifications, resources/read, ...: protocol plumbing, no step.
                record.role = .structure(note: nil)
                return .record(record)
            }
        }
        switch operationName {
        case "invoke_agent":
            record.role = .agent(
                name: attributes.string("gen_ai.agent.name"), workflow: attributes.string(options.workflowAttribute),
                userRequest: OTLPGenAIContent.userRequest(in: content, parser: options.parser))
            return .record(record)
        case "invoke_workflow", "create_agent":
            record.role = .runLevel(
                workflow: attributes.string(options.workflowAttribute),
                conventionWorkflow: operationName == "invoke_workflow" ? attributes.string("gen_ai.workflow.name") : nil,
                userRequest: OTLPGenAIContent.userRequest(in: content, parser: options.parser))
            return .record(record)
        case "plan"? where attributes["nodeward.step.kind"] == nil:
            // An agent's planning phase: its model call is a child span (a step); the plan itself is not.
            record.role = .structure(note: nil)
            return .record(record)
        case let name? where Self.guardrailOperations.contains(name) && attributes["nodeward.step.kind"] == nil:
            record.role = .guardrail(OTLPGuardrail(attributes: attributes, spanName: fields.name?.stringValue))
            return .record(record)
        default:
            break
        }

        var builder = OTLPStepBuilder(options: options, attributes: attributes)
        let spanName = fields.name?.stringValue
        switch builder.kindAndOperation(operationName: operationName, spanName: spanName) {
        case .failure(let skip):
            record.role = .skipped(skip.code, skip.message)
        case .success(let (kind, operation)):
            let failed = fields.status?["code"].map(Self.isErrorStatus) ?? false
            var step = Step(
                tenant: tenant ?? "", agent: "", workflow: "", runId: traceId, stepId: spanId, startNanos: start,
                endNanos: end, kind: kind, operation: operation, failed: failed, source: source)
            builder.fill(&step, operationName: operationName, isMCP: attributes["mcp.method.name"] != nil)
            if kind == .toolCall { record.toolCallId = attributes.string("gen_ai.tool.call.id").flatMap { $0.isEmpty ? nil : $0 } }
            record.role = .step(step)
            record.warnings = builder.warnings
        }
        return .record(record)
    }

    /// The span's tenant (docs/formats.md, "Current GenAI conventions", Tenant): the tenant attribute on the resource, else on the
    /// span (where a baggage span processor copies baggage entries), else the entry of that name in a W3C
    /// `baggage` attribute of the span, then of the resource. A tenant attribute written `baggage.<key>`
    /// also finds `<key>` in the baggage.
    func tenant(resource: OTLPResourceContext, attributes: OTLPAttributes) -> String? {
        if let tenant = resource.tenant { return tenant }
        if let tenant = attributes.string(options.tenantAttribute), !tenant.isEmpty { return tenant }
        let key = options.tenantAttribute
        let keys = key.hasPrefix("baggage.") && key.count > 8 ? [key, String(key.dropFirst(8))] : [key]
        for header in [attributes.string(options.baggageAttribute), resource.baggage] {
            guard let header else { continue }
            for name in keys {
                if let tenant = W3CBaggage.value(of: name, in: header), !tenant.isEmpty { return tenant }
            }
        }
        return nil
    }

    /// A span that carries `openinference.span.kind` (docs/formats.md, "OpenInference").
    private func mapOpenInference(spanKind: String, fields: OTLPSpanFields, record: OTLPSpanRecord, source: SourceLocation) -> OTLPSpanDecoding {
        var record = record
        let mapper = OpenInferenceSpanMapper(options: options, attributes: fields.attributes)
        if record.tenant == nil {
            let (tenant, warning) = mapper.tenant()
            record.tenant = tenant
            if let warning { record.warnings.append((.traceInvalidValue, warning)) }
        }
        switch mapper.classify(spanKind: spanKind, spanName: fields.name?.stringValue) {
        case .agent(let name, let workflow, let userRequest):
            record.role = .agent(name: name, workflow: workflow, userRequest: userRequest)
        case .structure(let note):
            record.role = .structure(note: note)
        case .skipped(let code, let message):
            record.role = .skipped(code, message)
        case .step(let kind, let operation):
            let failed = fields.status?["code"].map(Self.isErrorStatus) ?? false
            var step = Step(
                tenant: record.tenant ?? "", agent: "", workflow: "", runId: record.traceId, stepId: record.spanId,
                startNanos: record.startNanos, endNanos: record.endNanos, kind: kind, operation: operation, failed: failed,
                source: source)
            var warnings = record.warnings
            mapper.fill(&step, warnings: &warnings)
            var builder = OTLPStepBuilder(options: options, attributes: fields.attributes)
            builder.fillExtensions(&step)
            record.role = .step(step)
            record.warnings = warnings + builder.warnings
        }
        return .record(record)
    }

    static func isErrorStatus(_ code: JSONValue) -> Bool {
        if code.int64Value == 2 { return true }
        return code.stringValue == "STATUS_CODE_ERROR"
    }

    /// A lowercase hex id of exactly `length` digits that is not all zero.
    static func hexId(_ value: JSONValue, length: Int) -> String? {
        guard case .string(let text) = value, text.utf8.count == length else { return nil }
        var nonZero = false
        var hasUpper = false
        for byte in text.utf8 {
            switch byte {
            case 0x30: break
            case 0x31...0x39, 0x61...0x66: nonZero = true
            case 0x41...0x46: nonZero = true; hasUpper = true
            default: return nil
            }
        }
        guard nonZero else { return nil }
        return hasUpper ? text.lowercased() : text
    }

    static func isAllZeroHex(_ value: JSONValue) -> Bool {
        guard case .string(let text) = value, !text.isEmpty else { return false }
        return text.utf8.allSatisfy { $0 == 0x30 }
    }
}
