import NodewardCore

/// Renders runs as OTLP/JSON spans with the GenAI conventions and the Nodeward extension attributes
/// (docs/formats.md, "OpenTelemetry OTLP/JSON").
enum OTLPSpans {
    /// The run's spans in export order: steps as they end, the `invoke_agent` root last.
    static func spans(for run: GeneratedRun, traceId: String) -> [JSONValue] {
        run.steps.map { span(for: $0, run: run, traceId: traceId) } + [root(for: run, traceId: traceId)]
    }

    static func root(for run: GeneratedRun, traceId: String) -> JSONValue {
        let messages: JSONValue = .array([.obj(["role": .str("user"), "parts": .array([.obj(["type": .str("text"), "content": .str(run.request)])])])])
        return span(traceId: traceId, spanId: run.rootSpanId, parent: nil, name: "invoke_agent \(run.workflow.agent)", kind: 1,
                    start: run.startNanos, end: run.endNanos, failed: false, attributes: [
                        ("gen_ai.operation.name", string("invoke_agent")), ("gen_ai.agent.name", string(run.workflow.agent)),
                        ("gen_ai.workflow.name", string(run.workflow.rawValue)), ("gen_ai.input.messages", string(messages.canonicalText)),
                    ])
    }

    static func span(for step: Step, run: GeneratedRun, traceId: String) -> JSONValue {
        var attributes: [(String, JSONValue)] = []
        let name: String
        switch step.kind {
        case .toolCall:
            name = "execute_tool \(step.operation)"
            attributes.append(("gen_ai.operation.name", string("execute_tool")))
            attributes.append(("gen_ai.tool.name", string(step.operation)))
            attributes.append(("gen_ai.tool.call.arguments", string(JSONValue.object(step.arguments).canonicalText)))
            if let result = step.result { attributes.append(("gen_ai.tool.call.result", string(result.canonicalText))) }
        case .llm:
            name = "chat \(step.operation)"
            attributes.append(("gen_ai.operation.name", string("chat")))
            attributes.append(("gen_ai.request.model", string(step.operation)))
            if let tokens = step.tokens {
                attributes.append(("gen_ai.usage.input_tokens", int(tokens.input)))
                attributes.append(("gen_ai.usage.output_tokens", int(tokens.output)))
            }
            if let egress = step.resources.first(where: { $0.scheme == .egress }) {
                attributes.append(("server.address", string(egress.container)))
                if let port = egress.port { attributes.append(("server.port", int(port))) }
            }
        case .retrieval:
            name = "retrieval \(step.operation)"
            attributes.append(("gen_ai.operation.name", string("retrieval")))
            attributes.append(("gen_ai.data_source.id", string(step.operation)))
            if let query = step.arguments["query"]?.stringValue { attributes.append(("gen_ai.retrieval.query.text", string(query))) }
        case .memoryRead, .memoryWrite:
            name = step.operation
            attributes.append(("gen_ai.operation.name", string(step.operation)))
        case .dataWrite, .output:
            name = "\(step.operation) \(step.kind.rawValue)"
            attributes.append(("gen_ai.operation.name", string(step.operation)))
            attributes.append(("nodeward.step.kind", string(step.kind.rawValue)))
        }
        // llm egress travels as server.address/port; everything else as canonical resources.
        let listed = step.kind == .llm ? step.resources.filter { $0.scheme != .egress } : step.resources
        let reads = listed.filter { $0.access == .read }.map(\.description)
        let writes = listed.filter { $0.access == .write }.map(\.description)
        if !reads.isEmpty { attributes.append(("nodeward.resources", strings(reads))) }
        if !writes.isEmpty { attributes.append(("nodeward.resources.write", strings(writes))) }
        if !step.dataItems.isEmpty {
            attributes.append(("nodeward.data.items", strings(step.dataItems.map { item in item.tenantTag.map { "\(item.id)@\($0)" } ?? item.id })))
        }
        if !step.executed { attributes.append(("nodeward.executed", .obj(["boolValue": .bool(false)]))) }
        if let decision = step.recordedDecision {
            attributes.append(("nodeward.legacy.decision", string(decision.effect.rawValue)))
            if let rule = decision.rule { attributes.append(("nodeward.legacy.rule", string(rule))) }
            if let reason = decision.reason { attributes.append(("nodeward.legacy.reason", string(reason))) }
        }
        if let principal = step.principal {
            if let issuer = principal.issuer { attributes.append(("nodeward.auth.issuer", string(issuer))) }
            if let audience = principal.audience { attributes.append(("nodeward.auth.audience", string(audience))) }
            for claim in principal.claims.keys.sorted() { attributes.append(("nodeward.auth.claim.\(claim)", string(principal.claims[claim]!))) }
            if let subject = principal.subject { attributes.append(("enduser.id", string(subject))) }
        }
        let parent = step.parents.first ?? run.rootSpanId
        let kind = step.kind == .llm || step.kind == .retrieval ? 3 : 1
        return span(traceId: traceId, spanId: step.stepId, parent: parent, name: name, kind: kind,
                    start: step.startNanos, end: step.endNanos, failed: step.failed, attributes: attributes)
    }

    static func resource(service: String, tenant: String) -> JSONValue {
        .obj(["attributes": .array([keyValue("service.name", string(service)), keyValue("tenant.id", string(tenant))])])
    }

    static let scope: JSONValue = .obj(["name": .str("agent-runtime"), "version": .str("1.4")])

    private static func span(
        traceId: String, spanId: String, parent: String?, name: String, kind: Int, start: Int64, end: Int64, failed: Bool,
        attributes: [(String, JSONValue)]
    ) -> JSONValue {
        var fields: [String: JSONValue] = [
            "traceId": .str(traceId), "spanId": .str(spanId), "name": .str(name), "kind": .num(kind),
            "startTimeUnixNano": .str(String(start)), "endTimeUnixNano": .str(String(end)),
            "attributes": .array(attributes.map { keyValue($0.0, $0.1) }),
        ]
        if let parent { fields["parentSpanId"] = .str(parent) }
        if failed { fields["status"] = .obj(["code": .num(2), "message": .str("tool call failed")]) }
        return .object(fields)
    }

    private static func keyValue(_ key: String, _ value: JSONValue) -> JSONValue { .obj(["key": .str(key), "value": value]) }
    private static func string(_ text: String) -> JSONValue { .obj(["stringValue": .str(text)]) }
    private static func int(_ number: Int) -> JSONValue { .obj(["intValue": .str(String(number))]) }
    private static func strings(_ texts: [String]) -> JSONValue {
        .obj(["arrayValue": .obj(["values": .array(texts.map(string))])])
    }

    /// One `ExportTraceServiceRequest`'s `resourceSpans`: spans grouped by service (agent), in first-seen order.
    static func resourceSpans(_ spans: [(service: String, span: JSONValue)], tenant: String) -> [JSONValue] {
        var order: [String] = []
        var grouped: [String: [JSONValue]] = [:]
        for (service, span) in spans {
            if grouped[service] == nil { order.append(service) }
            grouped[service, default: []].append(span)
        }
        return order.map { service in
            .obj(["resource": resource(service: service, tenant: tenant),
                  "scopeSpans": .array([.obj(["scope": scope, "spans": .array(grouped[service]!)])])])
        }
    }
}

/// The Collector file exporter's form: one `ExportTraceServiceRequest` per line, ~64 spans a batch,
/// so a trace's spans are spread over lines as they end.
final class OTLPLineWriter {
    private let file: OutputFile
    private let tenant: String
    private let batchSize: Int
    private var pending: [(service: String, span: JSONValue)] = []

    init(file: OutputFile, tenant: String, batchSize: Int = 64) {
        self.file = file
        self.tenant = tenant
        self.batchSize = batchSize
    }

    func append(_ run: GeneratedRun) throws(GeneratorError) {
        for span in OTLPSpans.spans(for: run, traceId: run.runId) {
            pending.append((run.workflow.agent, span))
            if pending.count >= batchSize { try flush() }
        }
    }

    func flush() throws(GeneratorError) {
        guard !pending.isEmpty else { return }
        let line: JSONValue = .obj(["resourceSpans": .array(OTLPSpans.resourceSpans(pending, tenant: tenant))])
        try file.write(line.canonicalText + "\n")
        pending.removeAll(keepingCapacity: true)
    }
}

/// A single `ExportTraceServiceRequest` document for a handful of runs, one span per line so the first
/// line is not a complete JSON document (that is how readers tell the two OTLP forms apart).
enum OTLPDocumentWriter {
    static func document(runs: [GeneratedRun], tenant: String) -> String {
        var spans: [(service: String, span: JSONValue)] = []
        for run in runs { spans += OTLPSpans.spans(for: run, traceId: run.runId).map { (run.workflow.agent, $0) } }
        var out = "{\"resourceSpans\":[\n"
        let groups = OTLPSpans.resourceSpans(spans, tenant: tenant)
        for (groupIndex, group) in groups.enumerated() {
            out += "{\"resource\":" + (group["resource"] ?? .null).canonicalText + ",\"scopeSpans\":[{\"scope\":" + OTLPSpans.scope.canonicalText + ",\"spans\":[\n"
            let members = group["scopeSpans"]?.arrayValue?.first?["spans"]?.arrayValue ?? []
            for (index, span) in members.enumerated() {
                out += span.canonicalText + (index + 1 < members.count ? ",\n" : "\n")
            }
            out += "]}]}" + (groupIndex + 1 < groups.count ? ",\n" : "\n")
        }
        out += "]}\n"
        return out
    }
}
