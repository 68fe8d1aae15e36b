/// The resource a batch of spans came from: its tenant and service name.
struct OTLPResourceContext {
    var attributes: OTLPAttributes
    var tenant: String?
    var serviceName: String?

    init(attributes: OTLPAttributes, tenantAttribute: String) {
        self.attributes = attributes
        self.tenant = attributes.string(tenantAttribute).flatMap { $0.isEmpty ? nil : $0 }
        self.serviceName = attributes.string("service.name")
    }
}

/// One span, decoded and classified; the run assembler decides where it goes.
struct OTLPSpanRecord {
    enum Role {
        /// An `invoke_agent` span: the run root (or a nested agent), run-level context only.
        case agent(name: String?, workflow: String?, userRequest: String?)
        /// An `invoke_workflow` or `create_agent` span: run-level, not a step.
        case runLevel(workflow: String?, userRequest: String?)
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
        attributes = OTLPAttributes(fields["attributes"])
    }
}

/// Maps one OTLP span (docs/formats.md, "OpenTelemetry OTLP/JSON") onto the step model.
struct OTLPSpanMapper {
    let options: TraceReaderOptions

    static let llmOperations: Set<String> = ["chat", "generate_content", "text_completion", "embeddings"]
    static let memoryWriteOperations: Set<String> = ["create_memory", "update_memory", "upsert_memory", "delete_memory"]

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
        let tenant = resource.tenant ?? attributes.string(options.tenantAttribute).flatMap { $0.isEmpty ? nil : $0 }
        var record = OTLPSpanRecord(
            traceId: traceId, spanId: spanId, parentSpanId: parentSpanId, startNanos: start, endNanos: end,
            tenant: tenant, serviceName: resource.serviceName, role: .skipped(.traceUnknownOperation, ""))

        if let spanKind = attributes.string(OpenInferenceSpanMapper.spanKindAttribute) {
            return mapOpenInference(spanKind: spanKind, fields: fields, record: record, source: source)
        }

        let operationName = attributes.string("gen_ai.operation.name")
        switch operationName {
        case "invoke_agent":
            record.role = .agent(
                name: attributes.string("gen_ai.agent.name"), workflow: attributes.string(options.workflowAttribute),
                userRequest: userRequest(attributes["gen_ai.input.messages"]))
            return .record(record)
        case "invoke_workflow", "create_agent":
            record.role = .runLevel(
                workflow: attributes.string(options.workflowAttribute), userRequest: userRequest(attributes["gen_ai.input.messages"]))
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
            builder.fill(&step, operationName: operationName)
            record.role = .step(step)
            record.warnings = builder.warnings
        }
        return .record(record)
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

    /// The user's request from `gen_ai.input.messages` (a JSON string or structured): the text parts of
    /// `user` messages, joined by newlines.
    func userRequest(_ value: JSONValue?) -> String? {
        guard let value else { return nil }
        var messages = value
        if case .string(let text) = value {
            guard let parsed = try? options.parser.parse(ArraySlice(text.utf8)) else { return nil }
            messages = parsed
        }
        guard case .array(let list) = messages else { return nil }
        var texts: [String] = []
        for message in list where message["role"]?.stringValue == "user" {
            if let content = message["content"]?.stringValue { texts.append(content) }
            for part in message["parts"]?.arrayValue ?? [] where part["type"]?.stringValue == "text" {
                if let content = part["content"]?.stringValue { texts.append(content) }
            }
        }
        return texts.isEmpty ? nil : texts.joined(separator: "\n")
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
