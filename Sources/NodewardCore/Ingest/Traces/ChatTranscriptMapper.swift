/// Where a chat transcript's tenant, run id, workflow and agent come from (workspace `attributes`:
/// `transcriptTenant`, `transcriptRun`, `transcriptWorkflow`, `transcriptAgent`; docs/formats.md,
/// "Chat transcripts"). Each is a dotted key path into the conversation object (`info.user_id`), several
/// joined by `+` (`task_id+trial`: the values joined by `-`), or a literal after `=` (`=airline`).
public struct ChatTranscriptMapping: Sendable, Hashable {
    public var tenant: String?
    public var run: String?
    public var workflow: String?
    public var agent: String?

    public init(tenant: String? = nil, run: String? = nil, workflow: String? = nil, agent: String? = nil) {
        self.tenant = tenant
        self.run = run
        self.workflow = workflow
        self.agent = agent
    }

    /// The mapped value: a literal, or the key paths' scalar values joined by `-` (nil if any is absent).
    static func resolve(_ spec: String, in conversation: [String: JSONValue]) -> String? {
        if spec.hasPrefix("=") { return String(spec.dropFirst()) }
        var parts: [String] = []
        for path in spec.split(separator: "+") {
            var value: JSONValue? = .object(conversation)
            for key in path.split(separator: ".") { value = value?[String(key)] }
            guard let scalar = value.flatMap(scalarText) else { return nil }
            parts.append(scalar)
        }
        return parts.isEmpty ? nil : parts.joined(separator: "-")
    }

    static func scalarText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): return text.isEmpty ? nil : text
        case .int(let number): return String(number)
        case .double(let number): return String(number)
        case .bool(let flag): return String(flag)
        case .null, .array, .object: return nil
        }
    }
}

/// Maps one chat transcript in the OpenAI messages shape (`messages[]` or `traj[]` with `role`, assistant
/// `tool_calls[].function.{name, arguments}`, `tool` messages with `tool_call_id` and `content`) onto
/// Nodeward JSONL records, which then take the same decoding, validation and run assembly as a JSONL
/// file: one transcript is one run. Each assistant message is an `llm` step; each of its tool calls a
/// `tool_call` step after it, with the result of the latest preceding call of that id (real logs reuse
/// call ids within one conversation). Every user message is part of the request. Transcripts carry no
/// times: steps get synthetic ones in message order (1 ms apart, each conversation an hour after the
/// previous one in its file), so rate limits and time splits see the order, not the real pace.
struct ChatTranscriptMapper {
    let mapping: ChatTranscriptMapping
    /// Parses the JSON text inside arguments and tool results (the reader's parser, with its depth limit).
    let parser: any JSONParsing
    /// The synthetic clock's origin: 2026-11-01T00:00:00Z.
    static let epochNanos: Int64 = 1_793_491_200_000_000_000
    static let conversationSpacingNanos: Int64 = 3_600_000_000_000
    static let stepSpacingNanos: Int64 = 1_000_000

    /// The keys a conversation's messages may sit under, in the order they are looked for.
    static let messageKeys = ["messages", "traj", "conversation"]

    /// True when a JSON object looks like one transcript (a messages array whose first entry has a role).
    static func looksLikeTranscript(_ members: [String: JSONValue]) -> Bool {
        guard let messages = messageKeys.lazy.compactMap({ members[$0]?.arrayValue }).first else { return false }
        return messages.first?["role"]?.stringValue != nil || messages.isEmpty
    }

    enum Outcome {
        /// The run's records, and what of the transcript was not kept (one warning each, counted).
        case records([[String: JSONValue]], dropped: [String])
        case skip(DiagnosticCode, String)
    }

    func map(_ members: [String: JSONValue], index: Int, fileStem: String) -> Outcome {
        guard let messages = Self.messageKeys.lazy.compactMap({ members[$0]?.arrayValue }).first else {
            return .skip(.traceMissingField, "the transcript has no messages array (messages, traj or conversation)")
        }
        let tenant = mapping.tenant.flatMap { ChatTranscriptMapping.resolve($0, in: members) }
            ?? ChatTranscriptMapping.resolve("tenant", in: members) ?? ChatTranscriptMapping.resolve("metadata.tenant", in: members)
        guard let tenant else {
            return .skip(.traceNoTenant, "the transcript names no tenant: set attributes.transcriptTenant in nodeward.yaml "
                         + "to a key path of the conversation (or =TENANT for one tenant per file)")
        }
        let run = mapping.run.flatMap { ChatTranscriptMapping.resolve($0, in: members) }
            ?? ["id", "run_id", "conversation_id"].lazy.compactMap { ChatTranscriptMapping.resolve($0, in: members) }.first
            ?? "\(fileStem)#\(index + 1)"
        let agent = mapping.agent.flatMap { ChatTranscriptMapping.resolve($0, in: members) }
            ?? ChatTranscriptMapping.resolve("agent", in: members) ?? "assistant"
        let workflow = mapping.workflow.flatMap { ChatTranscriptMapping.resolve($0, in: members) }
            ?? ChatTranscriptMapping.resolve("workflow", in: members) ?? agent
        let model = ChatTranscriptMapping.resolve("model", in: members) ?? "assistant"
        let base: [String: JSONValue] = [
            "v": .int(1), "tenant": .string(tenant), "run": .string(run), "agent": .string(agent), "workflow": .string(workflow),
        ]
        var clock = Self.epochNanos &+ Int64(index) &* Self.conversationSpacingNanos
        var steps: [[String: JSONValue]] = []
        var userTurns: [String] = []
        /// Call id → index in `steps` of the latest call with that id.
        var calls: [String: Int] = [:]
        var previous: String?
        var dropped: [String] = []
        for (position, message) in messages.enumerated() {
            guard case .object(let fields) = message, let role = fields["role"]?.stringValue else {
                dropped.append("message \(position + 1) is not an object with a role; not read")
                continue
            }
            switch role {
            case "user":
                if let text = Self.text(of: fields["content"]) { userTurns.append(text) }
            case "assistant":
                /// The next step's record: a new id, the next synthetic time, after `parent`.
                func nextStep(_ kind: StepKind, _ operation: String, after parent: String?) -> [String: JSONValue] {
                    clock &+= Self.stepSpacingNanos
                    var record = base
                    record["step"] = .string("s\(steps.count + 1)")
                    record["time"] = .int(clock)
                    record["kind"] = .string(kind.rawValue)
                    record["operation"] = .string(operation)
                    if let parent { record["parents"] = .array([.string(parent)]) }
                    return record
                }
                let llm = nextStep(.llm, model, after: previous)
                let llmID = "s\(steps.count + 1)"
                steps.append(llm)
                previous = llmID
                for call in fields["tool_calls"]?.arrayValue ?? [] {
                    guard let function = call["function"], let name = function["name"]?.stringValue, !name.isEmpty else {
                        dropped.append("a tool call of message \(position + 1) has no function name; not a step")
                        continue
                    }
                    var step = nextStep(.toolCall, name, after: llmID)
                    step["arguments"] = arguments(function["arguments"])
                    if let id = call["id"]?.stringValue { calls[id] = steps.count }
                    previous = "s\(steps.count + 1)"
                    steps.append(step)
                }
            case "tool":
                guard let id = fields["tool_call_id"]?.stringValue, let call = calls[id], call < steps.count else {
                    dropped.append("tool message \(position + 1) answers no earlier tool call; its result is not kept")
                    continue
                }
                steps[call]["result"] = result(fields["content"])
            default:
                continue
            }
        }
        var header = base
        header["type"] = .string("run")
        if !userTurns.isEmpty { header["request"] = .string(userTurns.joined(separator: "\n")) }
        return .records([header] + steps, dropped: dropped)
    }

    /// A message's text: a string, or the text parts of a content array.
    static func text(of content: JSONValue?) -> String? {
        switch content {
        case .string(let text)?: return text.isEmpty ? nil : text
        case .array(let parts)?:
            let texts = parts.compactMap { $0["text"]?.stringValue }
            return texts.isEmpty ? nil : texts.joined(separator: "\n")
        default: return nil
        }
    }

    /// Tool-call arguments arrive as JSON text; an object is kept, anything else (not JSON, or a JSON
    /// scalar or array) is kept whole under `arguments` so that provenance still sees its values.
    func arguments(_ value: JSONValue?) -> JSONValue {
        switch value {
        case .object(let members)?: return .object(members)
        case .string(let text)?:
            if case .object(let parsed)? = try? parser.parse(Array(text.utf8)[...]) { return .object(parsed) }
            return text.isEmpty ? .object([:]) : .object(["arguments": .string(text)])
        case nil, .null?: return .object([:])
        case let other?: return .object(["arguments": other])
        }
    }

    /// A tool message's content: JSON text is parsed (so field values are matched as values), other text kept.
    func result(_ content: JSONValue?) -> JSONValue {
        guard let content else { return .null }
        if case .string(let text) = content, let parsed = try? parser.parse(Array(text.utf8)[...]) { return parsed }
        return content
    }
}
