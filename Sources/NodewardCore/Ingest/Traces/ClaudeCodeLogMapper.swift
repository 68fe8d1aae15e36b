/// Where Claude Code log records name their tenant and workflow (workspace `attributes.claudeTenant`,
/// `attributes.claudeWorkflow`; docs/formats.md, "Claude Code OpenTelemetry logs"). Each is an attribute
/// name, looked up on the log record and then on its resource, or a literal after `=` (`=acme`).
public struct ClaudeCodeLogMapping: Sendable, Hashable {
    public var tenant: String?
    public var workflow: String?

    public init(tenant: String? = nil, workflow: String? = nil) {
        self.tenant = tenant
        self.workflow = workflow
    }
}

/// Maps Claude Code's OpenTelemetry log events (OTLP/JSON `resourceLogs`, the events of the Claude Code
/// monitoring docs) onto Nodeward JSONL records, which then take the same decoding, validation and run
/// assembly as a JSONL file. One Claude Code session (`session.id`) is one run; `prompt.id` groups the
/// records of one user turn and is not used for identity. Tool decisions and results arrive as separate
/// records, often on separate lines, so the mapper keeps state across the lines of a whole read:
///
/// - `tool_decision` with `decision: reject` is a `tool_call` step at once (`executed: false`);
///   with `accept` it waits for its `tool_result`.
/// - `tool_result` completes the waiting decision with the same `tool_use_id`; when either record lacks
///   the id, the oldest waiting decision of the same session and `tool_name` (order rule). A result with
///   no waiting decision is a step on its own, its decision taken from `decision_type`/`decision_source`.
/// - Accepted decisions still waiting when the read ends become steps without a result record.
/// - `api_request` is an `llm` step (operation: `model`), `api_error` a failed one.
/// - `user_prompt` text (only recorded with `OTEL_LOG_USER_PROMPTS=1`) is joined, in order, into the run's
///   request, written as a `type: run` record when the read ends.
struct ClaudeCodeLogMapper {
    let mapping: ClaudeCodeLogMapping
    /// Parses `tool_parameters` JSON text (the reader's parser, with its depth limit).
    let parser: any JSONParsing
    static let agent = "claude-code"
    static let eventPrefix = "claude_code."
    static let events: Set<String> = ["tool_decision", "tool_result", "user_prompt", "api_request", "api_error"]

    /// One mapped record and where it came from, or a counted skip.
    enum Output {
        case record([String: JSONValue], SourceLocation)
        case skip(DiagnosticCode, String, SourceLocation)
    }

    /// An accepted tool decision waiting for its result.
    struct PendingCall {
        var toolUseId: String?
        var toolName: String
        var step: [String: JSONValue]
        var source: SourceLocation
    }

    /// What the mapper keeps of one session (one run).
    struct Session {
        var base: [String: JSONValue]
        var nextTool = 0
        var nextModel = 0
        var previous: String?
        var prompts: [String] = []
        var pending: [PendingCall] = []
        /// Tool use ids already written as steps: a later record of the same call adds nothing.
        var written: Set<String> = []
        var source: SourceLocation
        /// Events applied to a copy of this session rather than to it in place (see `tableCopies`): each
        /// copied its buffers, quadratic in the session's length. 0 when mapped in place.
        var copies = 0
        var copyProbe = CopyProbe()
    }

    /// Sessions in first-seen order, so the records written at the end are deterministic; each event
    /// mutates its session in place (`sessionIndex` finds it by key), never a copy of it or of the table.
    private(set) var sessions: [Session] = []
    private(set) var sessionIndex: [String: Int] = [:]
    /// Counts the events applied while another copy of this mapper shared its session table, each of
    /// which copied the whole table (copy-on-write): a holder that copies the mapper per line makes the
    /// read quadratic in the sessions of a file. 0 when the mapper is held in place (tests assert it).
    private(set) var tableCopies = 0
    private var tableProbe = CopyProbe()

    /// Shared by a value and its copies, so `isKnownUniquelyReferenced` tells whether a copy exists.
    final class CopyProbe {}

    init(mapping: ClaudeCodeLogMapping, parser: any JSONParsing) {
        self.mapping = mapping
        self.parser = parser
    }

    /// True when a JSON object is an OTLP logs export.
    static func looksLikeLogs(_ members: [String: JSONValue]) -> Bool { members["resourceLogs"] != nil }

    /// Every log record of one OTLP logs export (one line, or the whole document), in document order.
    mutating func map(export members: [String: JSONValue], source: SourceLocation) -> [Output] {
        guard let resourceLogs = members["resourceLogs"] else {
            return [.skip(.traceMissingField, "missing resourceLogs: not an OTLP logs export", source)]
        }
        guard case .array(let batches) = resourceLogs else {
            return [.skip(.traceInvalidValue, "resourceLogs must be an array, found \(resourceLogs.typeName)", source)]
        }
        var outputs: [Output] = []
        for batch in batches {
            guard case .object(let batchFields) = batch else {
                outputs.append(.skip(.traceInvalidValue, "a resourceLogs entry is \(batch.typeName), expected an object", source))
                continue
            }
            let resource = OTLPAttributes(batchFields["resource"]?["attributes"])
            // `instrumentationLibraryLogs` is the pre-1.0 name some old exporters still write.
            let scopes = batchFields["scopeLogs"]?.arrayValue ?? batchFields["instrumentationLibraryLogs"]?.arrayValue ?? []
            for scope in scopes {
                for record in scope["logRecords"]?.arrayValue ?? [] {
                    outputs.append(contentsOf: map(record: record, resource: resource, source: source))
                }
            }
        }
        return outputs
    }

    /// The event name: the body text when it is a `claude_code.` name, else the `event.name` attribute
    /// (written with or without the prefix). Nil when the record is not one of the events read.
    static func eventName(body: JSONValue?, attributes: OTLPAttributes) -> String? {
        var candidates: [String] = []
        if let body = body.flatMap(OTLPAnyValue.decode)?.stringValue { candidates.append(body) }
        if let name = attributes.string("event.name") { candidates.append(name) }
        for candidate in candidates {
            let name = candidate.hasPrefix(eventPrefix) ? String(candidate.dropFirst(eventPrefix.count)) : candidate
            if events.contains(name) { return name }
        }
        return nil
    }

    /// A log record's time: `timeUnixNano`, or `observedTimeUnixNano` when the event time is absent or 0
    /// (OTLP's "unknown"). Nil with a message when neither is a positive integer.
    static func time(of record: [String: JSONValue]) -> Result<Int64, DiagnosticMessage> {
        for key in ["timeUnixNano", "observedTimeUnixNano"] {
            guard let value = record[key], value != .null else { continue }
            guard let nanos = value.int64Value, nanos >= 0 else {
                return .failure(DiagnosticMessage(code: .traceInvalidValue, text: "\(key) is not a non-negative integer"))
            }
            if nanos > 0 { return .success(nanos) }
        }
        return .failure(DiagnosticMessage(code: .traceMissingField, text: "log record has neither timeUnixNano nor observedTimeUnixNano"))
    }

    struct DiagnosticMessage: Error {
        let code: DiagnosticCode
        let text: String
    }

    private mutating func map(record value: JSONValue, resource: OTLPAttributes, source: SourceLocation) -> [Output] {
        guard case .object(let record) = value else {
            return [.skip(.traceInvalidValue, "a log record is \(value.typeName), expected an object", source)]
        }
        let attributes = OTLPAttributes(record["attributes"])
        func lookup(_ key: String) -> String? {
            let text = attributes[key].flatMap(Self.scalarText) ?? resource[key].flatMap(Self.scalarText)
            return text.flatMap { $0.isEmpty ? nil : $0 }
        }
        func resolve(_ spec: String?) -> String? {
            guard let spec else { return nil }
            return spec.hasPrefix("=") ? String(spec.dropFirst()) : lookup(spec)
        }
        guard let event = Self.eventName(body: record["body"], attributes: attributes) else {
            return [.skip(.traceUnknownOperation, "log record is not a Claude Code event (tool_decision, tool_result, user_prompt, api_request, api_error)", source)]
        }
        guard let session = lookup("session.id") else {
            return [.skip(.traceMissingField, "Claude Code \(event) event has no session.id", source)]
        }
        let time: Int64
        switch Self.time(of: record) {
        case .success(let nanos): time = nanos
        case .failure(let problem): return [.skip(problem.code, "Claude Code \(event) event: \(problem.text)", source)]
        }
        guard let tenant = resolve(mapping.tenant) ?? (mapping.tenant == nil ? lookup("organization.id") : nil) else {
            return [.skip(.traceNoTenant, "Claude Code \(event) event names no tenant (no organization.id): set attributes.claudeTenant in "
                          + "nodeward.yaml to a log or resource attribute name (or =TENANT for one tenant)", source)]
        }
        let workflow = resolve(mapping.workflow) ?? Self.agent
        let key = tenant + "\u{1F}" + session
        let index: Int
        if let known = sessionIndex[key] {
            index = known
        } else {
            let base: [String: JSONValue] = [
                "v": .int(1), "tenant": .string(tenant), "run": .string(session),
                "agent": .string(Self.agent), "workflow": .string(workflow),
            ]
            index = sessions.count
            sessions.append(Session(base: base, source: source))
            sessionIndex[key] = index
        }
        if !isKnownUniquelyReferenced(&tableProbe) {
            tableCopies += 1
            tableProbe = CopyProbe()
        }
        return Self.map(
            event: event, attributes: attributes, time: time, lookup: lookup, parser: parser, state: &sessions[index], source: source)
    }

    /// One event of a known session, applied to the session in place.
    private static func map(
        event: String, attributes: OTLPAttributes, time: Int64, lookup: (String) -> String?, parser: any JSONParsing,
        state: inout Session, source: SourceLocation
    ) -> [Output] {
        if !isKnownUniquelyReferenced(&state.copyProbe) {
            state.copies += 1
            state.copyProbe = CopyProbe()
        }
        let toolName = lookup("tool_name")
        let toolUseId = lookup("tool_use_id")
        switch event {
        case "user_prompt":
            if let prompt = attributes.string("prompt"), !prompt.isEmpty { state.prompts.append(prompt) }
            return []
        case "api_request", "api_error":
            guard let model = lookup("model") else {
                return [.skip(.traceMissingField, "Claude Code \(event) event has no model", source)]
            }
            state.nextModel += 1
            var step = state.base
            step["step"] = .string("api-\(state.nextModel)")
            step["kind"] = .string("llm")
            step["operation"] = .string(model)
            step["time"] = .int(Self.start(end: time, durationMs: lookup("duration_ms")))
            step["end"] = .int(time)
            let input = lookup("input_tokens").flatMap { Int64($0) }, output = lookup("output_tokens").flatMap { Int64($0) }
            if input != nil || output != nil {
                step["tokens"] = .object(["input": .int(input ?? 0), "output": .int(output ?? 0)])
            }
            if event == "api_error" { step["status"] = .string("error") }
            return [.record(link(step, in: &state), source)]
        case "tool_decision":
            guard let toolName else { return [.skip(.traceMissingField, "Claude Code tool_decision event has no tool_name", source)] }
            if let toolUseId, state.written.contains(toolUseId) { return [] }
            var step = toolStep(in: &state, toolName: toolName, toolUseId: toolUseId)
            step["time"] = .int(time)
            step["end"] = .int(time)
            if let parameters = attributes["tool_parameters"] { step["arguments"] = arguments(parameters, parser: parser) }
            let decision = lookup("decision")
            if let legacy = Self.legacy(decision: decision, source: lookup("source")) { step["legacy"] = legacy }
            if decision == "reject" {
                step["executed"] = .bool(false)
                if let toolUseId { state.written.insert(toolUseId) }
                return [.record(link(step, in: &state), source)]
            }
            state.pending.append(PendingCall(toolUseId: toolUseId, toolName: toolName, step: step, source: source))
            return []
        default: // tool_result
            guard let toolName else { return [.skip(.traceMissingField, "Claude Code tool_result event has no tool_name", source)] }
            if let toolUseId, state.written.contains(toolUseId) { return [] }
            var step: [String: JSONValue]
            var stepSource = source
            if let index = Self.pendingIndex(state.pending, toolUseId: toolUseId, toolName: toolName) {
                let call = state.pending.remove(at: index)
                step = call.step
                stepSource = call.source
                if let end = step["end"]?.int64Value, time > end { step["end"] = .int(time) }
            } else {
                step = toolStep(in: &state, toolName: toolName, toolUseId: toolUseId)
                step["time"] = .int(Self.start(end: time, durationMs: lookup("duration_ms")))
                step["end"] = .int(time)
                let decision = lookup("decision_type")
                if let legacy = Self.legacy(decision: decision, source: lookup("decision_source")) { step["legacy"] = legacy }
                if decision == "reject" { step["executed"] = .bool(false) }
            }
            if let parameters = attributes["tool_parameters"], case .object(let parsed) = arguments(parameters, parser: parser), !parsed.isEmpty {
                step["arguments"] = .object(parsed)
            }
            if lookup("success") == "false" { step["status"] = .string("error") }
            if let toolUseId { state.written.insert(toolUseId) }
            return [.record(link(step, in: &state), stepSource)]
        }
    }

    /// Everything still held when the read ends: accepted calls that never got a result, then each
    /// session's request (its prompts joined by newlines) as a run record, in first-seen order.
    mutating func finish() -> [Output] {
        var outputs: [Output] = []
        for index in sessions.indices {
            let pending = sessions[index].pending
            sessions[index].pending.removeAll()
            for call in pending {
                if let id = call.toolUseId { sessions[index].written.insert(id) }
                outputs.append(.record(Self.link(call.step, in: &sessions[index]), call.source))
            }
            if !sessions[index].prompts.isEmpty {
                var header = sessions[index].base
                header["type"] = .string("run")
                header["request"] = .string(sessions[index].prompts.joined(separator: "\n"))
                sessions[index].prompts.removeAll()
                outputs.append(.record(header, sessions[index].source))
            }
        }
        return outputs
    }

    /// The waiting decision a result completes: the same `tool_use_id`, else the oldest of the same tool
    /// where one of the two records has no id.
    static func pendingIndex(_ pending: [PendingCall], toolUseId: String?, toolName: String) -> Int? {
        if let toolUseId, let index = pending.firstIndex(where: { $0.toolUseId == toolUseId }) { return index }
        return pending.firstIndex { $0.toolName == toolName && ($0.toolUseId == nil || toolUseId == nil) }
    }

    private static func toolStep(in state: inout Session, toolName: String, toolUseId: String?) -> [String: JSONValue] {
        state.nextTool += 1
        var step = state.base
        step["step"] = .string(toolUseId ?? "tool-\(state.nextTool)")
        step["kind"] = .string("tool_call")
        step["operation"] = .string(toolName)
        return step
    }

    /// Chains a step after the session's previous written step.
    private static func link(_ step: [String: JSONValue], in state: inout Session) -> [String: JSONValue] {
        var step = step
        if let previous = state.previous { step["parents"] = .array([.string(previous)]) } else { step.removeValue(forKey: "parents") }
        state.previous = step["step"]?.stringValue
        return step
    }

    /// The recorded legacy decision: `accept` → allow, `reject` → deny, rule `claude-code/<source>`.
    static func legacy(decision: String?, source: String?) -> JSONValue? {
        let effect: String
        switch decision {
        case "accept": effect = "allow"
        case "reject": effect = "deny"
        default: return nil
        }
        return .object(["effect": .string(effect), "rule": .string("claude-code/" + (source ?? "unknown"))])
    }

    /// The start of a step that ended at `end` after `duration_ms` (clamped at 0; `end` when absent).
    static func start(end: Int64, durationMs: String?) -> Int64 {
        guard let text = durationMs, let millis = Double(text), millis.isFinite, millis > 0, millis < 1e12 else { return end }
        return max(0, end - Int64(millis * 1_000_000))
    }

    /// `tool_parameters` is JSON text; an object is kept, anything else kept whole under `tool_parameters`.
    static func arguments(_ value: JSONValue, parser: any JSONParsing) -> JSONValue {
        switch value {
        case .object(let members): return .object(members)
        case .string(let text):
            if case .object(let parsed)? = try? parser.parse(Array(text.utf8)[...]) { return .object(parsed) }
            return text.isEmpty ? .object([:]) : .object(["tool_parameters": .string(text)])
        case .null: return .object([:])
        default: return .object(["tool_parameters": value])
        }
    }

    static func scalarText(_ value: JSONValue) -> String? { ChatTranscriptMapping.scalarText(value) }
}
