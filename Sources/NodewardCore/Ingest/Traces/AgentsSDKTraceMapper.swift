/// OpenAI Agents SDK trace export (openai/openai-agents-python, `src/agents/tracing/traces.py`,
/// `spans.py`, `span_data.py`, and the batches `BackendSpanExporter` in `processors.py` posts as
/// `{"data": [...]}`): `"object": "trace"` objects (`id`, `workflow_name`, `group_id`, `metadata`) and
/// `"object": "trace.span"` objects (`id`, `trace_id`, `parent_id`, `started_at`, `ended_at`,
/// `span_data: {type, ...}`, `error`). docs/formats.md, "OpenAI Agents SDK traces".
///
/// The SDK exports a span when it ends, so children arrive before their parents and a trace's `trace`
/// object may come before or after its spans. Objects are therefore held per trace until the end of the
/// read, then each trace is mapped onto Nodeward JSONL records (a run header and one step per step span)
/// that take the JSONL decoder's checks and the run assembler like any JSONL line.
extension DiagnosticCode {
    /// A span that is read but is no step (an `mcp_tools` listing, a voice span), or a triggered guardrail
    /// with no step to attach its decision to (warning).
    public static let traceNotAStep: DiagnosticCode = "trace.not-a-step"
}

/// What a span is to the mapping, decided when it is read.
enum AgentsSDKSpanRole: Sendable, Hashable {
    /// A step: `function` (tool call, MCP call), `handoff`, `generation`/`response` (model call).
    case step(StepKind)
    /// An `agent` span: names the agent of the steps under it.
    case agent(name: String)
    /// A `guardrail` span: its decision goes on the step it guards.
    case guardrail(name: String, triggered: Bool)
    /// Only part of the tree (`custom`, `mcp_tools`, voice spans, unknown types).
    case structure
}

/// One span as read, with where it was read.
struct AgentsSDKSpan: Sendable {
    var id: String
    var parent: String?
    var start: Int64
    var end: Int64?
    var type: String
    var role: AgentsSDKSpanRole
    var data: [String: JSONValue]
    var failed: Bool
    var source: SourceLocation
}

/// Trace and span objects read so far, by trace id in first-seen order.
struct AgentsSDKTraceBuffer: Sendable {
    var order: [String] = []
    var traces: [String: (members: [String: JSONValue], source: SourceLocation)] = [:]
    var spans: [String: [AgentsSDKSpan]] = [:]

    var isEmpty: Bool { order.isEmpty }

    mutating func add(trace id: String, _ members: [String: JSONValue], source: SourceLocation) {
        seen(id)
        // The first `trace` object of an id wins (a re-exported trace repeats it).
        if traces[id] == nil { traces[id] = (members, source) }
    }

    mutating func add(span: AgentsSDKSpan, trace id: String) {
        seen(id)
        spans[id, default: []].append(span)
    }

    private mutating func seen(_ id: String) {
        if traces[id] == nil, spans[id] == nil { order.append(id) }
    }
}

struct AgentsSDKTraceMapper {
    /// Where a trace names its tenant: a key path into the trace object, or `=TENANT`.
    let tenantSpec: String
    /// Parses the JSON text of function inputs and outputs (the reader's parser, with its depth limit).
    let parser: any JSONParsing

    static let objectTypes: Set<String> = ["trace", "trace.span"]
    /// Span types that are no step but worth a count: tool listings and the voice pipeline.
    static let noteTypes: Set<String> = ["mcp_tools", "transcription", "speech", "speech_group"]

    /// True for one exported trace or span object.
    static func isExportObject(_ members: [String: JSONValue]) -> Bool {
        members["object"]?.stringValue.map(objectTypes.contains) ?? false
    }

    /// Format detection: the objects of a line or document when it is Agents SDK export (one object, the
    /// exporter's `{"data": [...]}` batch, or an array) whose first object is a trace or span; else nil.
    static func items(in value: JSONValue) -> [JSONValue]? {
        switch value {
        case .object(let members):
            if isExportObject(members) { return [value] }
            guard let data = members["data"]?.arrayValue, case .object(let first)? = data.first, isExportObject(first) else { return nil }
            return data
        case .array(let items):
            guard case .object(let first)? = items.first, isExportObject(first) else { return nil }
            return items
        default:
            return nil
        }
    }

    /// A line of a file already known to be Agents SDK export: the same shapes, and anything else as one
    /// object (so that it is reported as a bad record).
    static func lineItems(_ value: JSONValue) -> [JSONValue] {
        if case .object(let members) = value, !isExportObject(members), let data = members["data"]?.arrayValue { return data }
        if case .array(let items) = value { return items }
        return [value]
    }

    enum Intake {
        case trace(id: String, members: [String: JSONValue])
        /// A span, with a counted note when it is read but is no step.
        case span(traceId: String, AgentsSDKSpan, note: (DiagnosticCode, String)?)
        case skip(DiagnosticCode, String, Severity)
    }

    /// Checks one exported object. Messages name fields and kinds, never values.
    func intake(_ value: JSONValue, source: SourceLocation) -> Intake {
        guard case .object(let members) = value else {
            return .skip(.traceInvalidValue, "the item is \(value.typeName), expected a trace or span object", .error)
        }
        guard let object = members["object"] else {
            return .skip(.traceMissingField, "missing required field \"object\" (trace or trace.span)", .error)
        }
        switch object.stringValue {
        case "trace"?:
            switch Self.requiredID("id", members) {
            case .failure(let skip): return .skip(skip.code, skip.message, .error)
            case .success(let id): return .trace(id: id, members: members)
            }
        case "trace.span"?:
            return span(members, source: source)
        default:
            return .skip(.traceInvalidValue, "\"object\" must be \"trace\" or \"trace.span\"", .error)
        }
    }

    private func span(_ members: [String: JSONValue], source: SourceLocation) -> Intake {
        let id: String, traceId: String
        switch (Self.requiredID("id", members), Self.requiredID("trace_id", members)) {
        case (.failure(let skip), _), (_, .failure(let skip)): return .skip(skip.code, skip.message, .error)
        case (.success(let spanId), .success(let trace)): (id, traceId) = (spanId, trace)
        }
        var parent: String?
        switch members["parent_id"] {
        case nil, .null?: parent = nil
        case .string(let text)?: parent = text.isEmpty ? nil : text
        case let other?: return .skip(.traceInvalidValue, "\"parent_id\" must be a string or null, found \(other.typeName)", .error)
        }
        guard let startValue = members["started_at"], startValue != .null else {
            return .skip(.traceMissingField, "missing required field \"started_at\"", .error)
        }
        guard let start = Self.time(startValue) else {
            return .skip(.traceInvalidValue, "\"started_at\" is not an RFC 3339 timestamp", .error)
        }
        var end: Int64?
        if let endValue = members["ended_at"], endValue != .null {
            guard let parsed = Self.time(endValue) else {
                return .skip(.traceInvalidValue, "\"ended_at\" is not an RFC 3339 timestamp", .error)
            }
            end = parsed
        }
        guard let dataValue = members["span_data"], dataValue != .null else {
            return .skip(.traceMissingField, "missing required field \"span_data\"", .error)
        }
        guard case .object(let data) = dataValue else {
            return .skip(.traceInvalidValue, "\"span_data\" must be an object, found \(dataValue.typeName)", .error)
        }
        guard let type = data["type"]?.stringValue, !type.isEmpty else {
            return .skip(.traceMissingField, "missing required field \"span_data.type\"", .error)
        }
        var role = AgentsSDKSpanRole.structure
        var note: (DiagnosticCode, String)?
        switch type {
        case "function":
            guard data["name"]?.stringValue.map({ !$0.isEmpty }) == true else {
                return .skip(.traceMissingField, "function span without \"span_data.name\"", .error)
            }
            role = .step(.toolCall)
        case "handoff":
            role = .step(.toolCall)
        case "generation", "response":
            role = .step(.llm)
        case "agent":
            role = .agent(name: data["name"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? "agent")
        case "guardrail":
            role = .guardrail(name: data["name"]?.stringValue ?? "guardrail", triggered: data["triggered"]?.boolValue ?? false)
        case "custom":
            role = .structure
        default:
            if Self.noteTypes.contains(type) {
                note = (.traceNotAStep, "span \(id) of trace \(traceId) is a \(type) span: read, but no step")
            } else {
                note = (.traceUnknownOperation, "span \(id) of trace \(traceId) has a span_data.type Nodeward does not map; read as structure only")
            }
        }
        let failed = members["error"].map { $0 != .null } ?? false
        let span = AgentsSDKSpan(
            id: id, parent: parent, start: start, end: end, type: type, role: role, data: data, failed: failed, source: source)
        return .span(traceId: traceId, span, note: note)
    }

    private static func requiredID(_ field: String, _ members: [String: JSONValue]) -> Result<String, JSONLSkip> {
        guard let value = members[field], value != .null else { return .failure(.missing(field)) }
        guard let text = value.stringValue else { return .failure(.invalid(field, "a string", found: value)) }
        guard !text.isEmpty else { return .failure(JSONLSkip(code: .traceInvalidValue, message: "\"\(field)\" is empty")) }
        return .success(text)
    }

    private static func time(_ value: JSONValue) -> Int64? {
        value.stringValue.flatMap(TraceTime.parseRFC3339)
    }

    /// What mapping one trace produced, in output order.
    enum Event {
        case record([String: JSONValue], SourceLocation)
        case skip(DiagnosticCode, String, SourceLocation, Severity, count: Int)
    }

    /// Maps one trace's spans onto JSONL records: a run header, then one step per step span in input order.
    func map(traceId: String, trace: (members: [String: JSONValue], source: SourceLocation)?, spans: [AgentsSDKSpan]) -> [Event] {
        var index: [String: Int] = [:]
        for (position, span) in spans.enumerated() where index[span.id] == nil { index[span.id] = position }
        let stepCount = spans.filter { if case .step = $0.role { return true } else { return false } }.count
        let headerSource = trace?.source ?? spans.first?.source ?? SourceLocation(file: "", line: 0)
        guard let tenant = ChatTranscriptMapping.resolve(tenantSpec, in: trace?.members ?? [:]) else {
            return [.skip(
                .traceNoTenant,
                "trace \(traceId) names no tenant: set attributes.agentsTenant in nodeward.yaml to a key path of the trace object "
                    + "(default metadata.tenant) or =TENANT; its \(stepCount) steps are skipped",
                headerSource, .error, count: max(1, stepCount))]
        }

        /// The nearest ancestor (not the span itself) for which `matches` holds, walking `parent_id`.
        func ancestor(of position: Int, _ matches: (AgentsSDKSpan) -> Bool) -> Int? {
            var current = spans[position].parent
            var hops = 0
            while let id = current, let found = index[id], hops < 256 {
                if matches(spans[found]) { return found }
                current = spans[found].parent
                hops += 1
            }
            return nil
        }
        func isStep(_ span: AgentsSDKSpan) -> Bool { if case .step = span.role { return true } else { return false } }
        func isAgent(_ span: AgentsSDKSpan) -> Bool { if case .agent = span.role { return true } else { return false } }
        func agentName(_ position: Int?) -> String? {
            guard let position, case .agent(let name) = spans[position].role else { return nil }
            return name
        }

        let agents = spans.indices.filter { isAgent(spans[$0]) }
        let rootAgent = agents.min { (spans[$0].start, $0) < (spans[$1].start, $1) }
        let runAgent = agentName(rootAgent) ?? "agent"
        let workflowName = trace?.members["workflow_name"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? runAgent

        var events: [Event] = []
        // Guardrails: the step they guard gets the recorded decision (deny when the tripwire triggered).
        var decisions: [Int: String] = [:]
        let agentOf = spans.indices.map { ancestor(of: $0, isAgent) }
        for position in spans.indices {
            guard case .guardrail(let name, true) = spans[position].role else { continue }
            let guarded: Int?
            if let parentId = spans[position].parent, let parent = index[parentId], isStep(spans[parent]) {
                guarded = parent
            } else {
                let start = spans[position].start
                guarded = spans.indices
                    .filter { spans[$0].role == .step(.llm) && agentOf[$0] == agentOf[position] }
                    .min { candidate, other in
                        let distance = Self.distance(spans[candidate].start, start), otherDistance = Self.distance(spans[other].start, start)
                        return (distance, spans[candidate].start, candidate) < (otherDistance, spans[other].start, other)
                    }
            }
            guard let guarded else {
                events.append(.skip(
                    .traceNotAStep, "guardrail span \(spans[position].id) of trace \(traceId) triggered, but its agent has no model step to attach the decision to; the decision is dropped",
                    spans[position].source, .warning, count: 1))
                continue
            }
            if decisions[guarded] == nil { decisions[guarded] = name }
        }

        let base: [String: JSONValue] = [
            "v": .int(1), "tenant": .string(tenant), "run": .string(traceId), "workflow": .string(workflowName),
        ]
        var header = base
        header["type"] = .string("run")
        header["agent"] = .string(runAgent)
        if let request = request(spans) { header["request"] = .string(request) }
        events.append(.record(header, headerSource))

        let helper = ChatTranscriptMapper(mapping: ChatTranscriptMapping(), parser: parser)
        for (position, span) in spans.enumerated() {
            guard case .step(let kind) = span.role else { continue }
            var record = base
            record["agent"] = .string(agentName(agentOf[position]) ?? runAgent)
            record["step"] = .string(span.id)
            record["time"] = .int(span.start)
            if let end = span.end { record["end"] = .int(end) }
            record["kind"] = .string(kind.rawValue)
            if let parent = ancestor(of: position, isStep) { record["parents"] = .array([.string(spans[parent].id)]) }
            switch span.type {
            case "function":
                record["operation"] = span.data["name"] ?? .string("function")
                record["arguments"] = helper.arguments(span.data["input"])
                if let output = span.data["output"], output != .null { record["result"] = helper.result(output) }
            case "handoff":
                record["operation"] = .string("handoff")
                var arguments: [String: JSONValue] = [:]
                for key in ["from_agent", "to_agent"] {
                    if let name = span.data[key]?.stringValue { arguments[key] = .string(name) }
                }
                record["arguments"] = .object(arguments)
            default:
                let model = span.data["model"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
                record["operation"] = .string(model ?? span.type)
                if let tokens = Self.tokens(span.data["usage"]) { record["tokens"] = tokens }
            }
            if let rule = decisions[position] {
                record["legacy"] = .object(["effect": .string("deny"), "rule": .string(rule), "reason": .string("guardrail tripwire triggered")])
            }
            if span.failed { record["status"] = .string("error") }
            events.append(.record(record, span.source))
        }
        return events
    }

    private static func distance(_ a: Int64, _ b: Int64) -> UInt64 {
        a >= b ? UInt64(bitPattern: a &- b) : UInt64(bitPattern: b &- a)
    }

    /// `usage.input_tokens` / `output_tokens` as JSONL `tokens`; nil unless both that are present are
    /// non-negative integers.
    static func tokens(_ usage: JSONValue?) -> JSONValue? {
        guard case .object(let members)? = usage else { return nil }
        var tokens: [String: JSONValue] = [:]
        for (key, field) in [("input_tokens", "input"), ("output_tokens", "output")] {
            guard let value = members[key] else { continue }
            guard case .int(let count) = value, count >= 0 else { return nil }
            tokens[field] = .int(count)
        }
        return tokens.isEmpty ? nil : .object(tokens)
    }

    /// The user's request: the `user` messages of the earliest `generation` span's `input` (the only span
    /// type whose export carries the conversation), joined by newlines.
    func request(_ spans: [AgentsSDKSpan]) -> String? {
        let generations = spans.indices.filter { spans[$0].type == "generation" }
        guard let first = generations.min(by: { (spans[$0].start, $0) < (spans[$1].start, $1) }),
              let messages = spans[first].data["input"]?.arrayValue else { return nil }
        let texts = messages.compactMap { message -> String? in
            guard message["role"]?.stringValue == "user" else { return nil }
            return ChatTranscriptMapper.text(of: message["content"])
        }
        return texts.isEmpty ? nil : texts.joined(separator: "\n")
    }
}

extension TraceReadSession {
    /// Agents SDK objects of one line or document: each checked and held by trace id; a bad one is one
    /// counted skip at the line (the document's first line for a whole document).
    func handleAgentsSDK(_ items: [JSONValue], source: SourceLocation) {
        let mapper = AgentsSDKTraceMapper(tenantSpec: options.agentsTenant, parser: options.parser)
        for item in items {
            switch mapper.intake(item, source: source) {
            case .trace(let id, let members):
                agentsSDK.add(trace: id, members, source: source)
            case .span(let traceId, let span, let note):
                agentsSDK.add(span: span, trace: traceId)
                if let note { agentsSDKSkip(note.0, note.1, at: source, severity: .warning) }
            case .skip(let code, let message, let severity):
                agentsSDKSkip(code, message, at: source, severity: severity)
            }
        }
    }

    private func agentsSDKSkip(_ code: DiagnosticCode, _ message: String, at source: SourceLocation, severity: Severity, count: Int = 1) {
        for _ in 0..<max(1, count) {
            collector.addRecord(file: source.file)
            _ = assembler.tick()
        }
        collector.skip(code, message, at: source, severity: severity, count: max(1, count))
    }

    /// Maps every held trace, in the order trace ids were first seen, and hands its records to the JSONL path.
    func flushAgentsSDK() {
        guard !agentsSDK.isEmpty else { return }
        let buffer = agentsSDK
        agentsSDK = AgentsSDKTraceBuffer()
        let mapper = AgentsSDKTraceMapper(tenantSpec: options.agentsTenant, parser: options.parser)
        for traceId in buffer.order {
            for event in mapper.map(traceId: traceId, trace: buffer.traces[traceId], spans: buffer.spans[traceId] ?? []) {
                switch event {
                case .record(let record, let source):
                    handleJSONL(record, source: source)
                case .skip(let code, let message, let source, let severity, let count):
                    agentsSDKSkip(code, message, at: source, severity: severity, count: count)
                }
            }
        }
    }
}
