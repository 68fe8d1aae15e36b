import Foundation

/// Fills a step's fields from a span's attributes: the operation table and the `nodeward.*` extension
/// attributes of docs/formats.md. Problems that cost one field (not the span) become `warnings`.
struct OTLPStepBuilder {
    struct Skip: Error {
        var code: DiagnosticCode
        var message: String
    }

    /// Where a non-object `gen_ai.tool.call.arguments` value is kept (arguments are named; this one is not).
    static let unnamedArgumentsKey = "arguments"

    let options: TraceReaderOptions
    let attributes: OTLPAttributes
    private(set) var warnings: [(code: DiagnosticCode, message: String)] = []

    init(options: TraceReaderOptions, attributes: OTLPAttributes) {
        self.options = options
        self.attributes = attributes
    }

    /// The step kind and `operation` field, or why the span is not a step.
    func kindAndOperation(operationName: String?, spanName: String?) -> Result<(StepKind, String), Skip> {
        var kind: StepKind?
        if let override = attributes["nodeward.step.kind"] {
            guard let text = override.stringValue, let parsed = StepKind(rawValue: text) else {
                return .failure(Skip(code: .traceInvalidValue, message: "nodeward.step.kind is not one of the seven step kinds"))
            }
            kind = parsed
        }
        switch operationName {
        case "execute_tool"?:
            let isMCP = attributes["mcp.method.name"] != nil
            guard let tool = attributes.string("gen_ai.tool.name").flatMap({ $0.isEmpty ? nil : $0 }) ?? (isMCP ? Self.mcpTarget(spanName) : nil) else {
                let what = isMCP ? "MCP tools/call span has no gen_ai.tool.name and no tool in its name" : "execute_tool span has no gen_ai.tool.name"
                return .failure(Skip(code: .traceMissingField, message: what))
            }
            return .success((kind ?? .toolCall, tool))
        case let name? where OTLPSpanMapper.llmOperations.contains(name):
            guard let model = attributes.string("gen_ai.request.model") ?? attributes.string("gen_ai.response.model"), !model.isEmpty else {
                return .failure(Skip(code: .traceMissingField, message: "\(name) span has no gen_ai.request.model or gen_ai.response.model"))
            }
            return .success((kind ?? .llm, model))
        case "retrieval"?:
            guard let source = attributes.string("gen_ai.data_source.id"), !source.isEmpty else {
                return .failure(Skip(code: .traceMissingField, message: "retrieval span has no gen_ai.data_source.id"))
            }
            return .success((kind ?? .retrieval, source))
        case "search_memory"?:
            return .success((kind ?? .memoryRead, "search_memory"))
        case let name? where OTLPSpanMapper.memoryWriteOperations.contains(name):
            return .success((kind ?? .memoryWrite, name))
        default:
            guard let kind else {
                let what = operationName.map { "operation \"\($0)\" is not mapped" } ?? "span has no gen_ai.operation.name"
                return .failure(Skip(code: .traceUnknownOperation, message: "\(what) and has no nodeward.step.kind"))
            }
            return .success((kind, operationName ?? spanName ?? kind.rawValue))
        }
    }

    /// The target of an MCP span name, `{mcp.method.name} {target}` (docs/gen-ai/mcp.md: the tool name
    /// for `tools/call`); nil when the name has no target.
    static func mcpTarget(_ spanName: String?) -> String? {
        guard let spanName, let space = spanName.firstIndex(of: " ") else { return nil }
        let target = spanName[spanName.index(after: space)...].trimmingCharacters(in: .whitespaces)
        return target.isEmpty ? nil : target
    }

    mutating func fill(_ step: inout Step, operationName: String?, isMCP: Bool = false) {
        fillPayload(&step)
        let isModelCall = StepKind.llm == step.kind || OTLPSpanMapper.llmOperations.contains(operationName ?? "")
        if isModelCall { fillModelCall(&step) }
        if operationName == "retrieval" { fillRetrieval(&step) }
        let isMemory = operationName == "search_memory" || OTLPSpanMapper.memoryWriteOperations.contains(operationName ?? "")
        if isMemory { fillMemory(&step) }
        fillExtensions(&step)
        // Resources the conventions imply, unless the extension attributes already name that kind.
        if operationName == "retrieval", !step.resources.contains(where: { $0.scheme == .vector }) {
            step.resources.append(Resource(scheme: .vector, container: step.operation))
        }
        if isMemory, !step.resources.contains(where: { $0.scheme == .memory }), let store = nonEmpty("gen_ai.memory.store.id") {
            let access: Access = step.kind == .memoryWrite || step.kind == .dataWrite ? .write : .read
            step.resources.append(.memory(store, key: nonEmpty("gen_ai.memory.record.id") ?? "", access: access))
        }
        // An MCP client talks to its server over the network unless the transport is stdio (`pipe`).
        if isMCP, !isModelCall, attributes.string("network.transport") != "pipe", !step.resources.contains(where: { $0.scheme == .egress }) {
            fillServerAddress(&step)
        }
    }

    /// The `nodeward.*` extension attributes (and `enduser.id`), for any step span.
    mutating func fillExtensions(_ step: inout Step) {
        fillResources(&step)
        fillDataItems(&step)
        fillPrincipal(&step)
        fillDecision(&step)
        if let executed = attributes["nodeward.executed"] {
            if let flag = executed.boolValue { step.executed = flag } else { warn("nodeward.executed is not a boolean") }
        }
    }

    private mutating func fillPayload(_ step: inout Step) {
        if let arguments = attributes["gen_ai.tool.call.arguments"] {
            step.arguments = Self.arguments(arguments, parser: options.parser)
        }
        if let result = attributes["gen_ai.tool.call.result"] { step.result = Self.decodeEmbeddedJSON(result, parser: options.parser) }
    }

    /// Tool call arguments as named values: an object (or a JSON string of one) by its members, any other
    /// value under `arguments`, null as none.
    static func arguments(_ value: JSONValue, parser: any JSONParsing) -> [String: JSONValue] {
        switch decodeEmbeddedJSON(value, parser: parser) {
        case .object(let members): return members
        case .null: return [:]
        case let other: return [unnamedArgumentsKey: other]
        }
    }

    /// A JSON string is parsed (through the one parser seam); text that is not JSON stays a string.
    static func decodeEmbeddedJSON(_ value: JSONValue, parser: any JSONParsing) -> JSONValue {
        guard case .string(let text) = value else { return value }
        return (try? parser.parse(ArraySlice(text.utf8))) ?? value
    }

    private func decodeEmbeddedJSON(_ value: JSONValue) -> JSONValue { Self.decodeEmbeddedJSON(value, parser: options.parser) }

    private mutating func fillModelCall(_ step: inout Step) {
        let input = integer("gen_ai.usage.input_tokens") ?? integer("gen_ai.usage.prompt_tokens")
        let output = integer("gen_ai.usage.output_tokens") ?? integer("gen_ai.usage.completion_tokens")
        if input != nil || output != nil { step.tokens = TokenUsage(input: input ?? 0, output: output ?? 0) }
        if let provider = attributes.string("gen_ai.provider.name") ?? attributes.string("gen_ai.system") {
            step.provider = provider
        }
        fillServerAddress(&step)
    }

    /// `server.address` / `server.port` as an `egress:` resource.
    private mutating func fillServerAddress(_ step: inout Step) {
        guard let host = attributes.string("server.address"), !host.isEmpty else { return }
        var port: Int?
        if let portValue = attributes["server.port"] {
            if let number = portValue.int64Value, (0...65_535).contains(number) { port = Int(number) } else { warn("server.port is not a port number") }
        }
        step.resources.append(.egress(host, port: port))
    }

    /// A memory span (`gen_ai.memory.*`, open-telemetry/semantic-conventions-genai `model/gen-ai/spans.yaml`,
    /// `gen_ai.memory.client`): the query, the records (written: an argument; searched: the result) and
    /// their ids as data items.
    private mutating func fillMemory(_ step: inout Step) {
        let writes = step.kind == .memoryWrite || step.kind == .dataWrite
        if let query = attributes["gen_ai.memory.query.text"] { step.arguments["query"] = query }
        var ids: [String] = []
        var seen = Set<String>()
        if let record = nonEmpty("gen_ai.memory.record.id") { ids.append(record); seen.insert(record) }
        if let value = attributes["gen_ai.memory.records"] {
            let records = decodeEmbeddedJSON(value)
            if writes { step.arguments["records"] = records } else { step.result = records }
            if case .array(let list) = records {
                for record in list {
                    if let id = record["id"]?.stringValue, !id.isEmpty, seen.insert(id).inserted { ids.append(id) }
                }
            } else {
                warn("gen_ai.memory.records is not an array")
            }
        }
        for id in ids { step.dataItems.append(DataItem(id: id, access: writes ? .write : .read)) }
    }

    private func nonEmpty(_ key: String) -> String? {
        attributes.string(key).flatMap { $0.isEmpty ? nil : $0 }
    }

    private mutating func fillRetrieval(_ step: inout Step) {
        if let query = attributes["gen_ai.retrieval.query.text"] { step.arguments["query"] = query }
        guard let documents = attributes["gen_ai.retrieval.documents"] else { return }
        guard case .array(let list) = decodeEmbeddedJSON(documents) else {
            warn("gen_ai.retrieval.documents is not an array")
            return
        }
        for document in list {
            if let id = document["id"]?.stringValue, !id.isEmpty {
                step.dataItems.append(DataItem(id: id, access: .read))
            } else {
                warn("a gen_ai.retrieval.documents entry has no string id")
            }
        }
    }

    private mutating func fillResources(_ step: inout Step) {
        let writesByDefault = step.kind == .memoryWrite || step.kind == .dataWrite
        for text in strings("nodeward.resources") {
            guard var resource = Resource(parsing: text) else { warnResource("nodeward.resources"); continue }
            if writesByDefault, resource.scheme == .memory || resource.scheme == .store { resource.access = .write }
            step.resources.append(resource)
        }
        for text in strings("nodeward.resources.write") {
            guard let resource = Resource(parsing: text, access: .write) else { warnResource("nodeward.resources.write"); continue }
            step.resources.append(resource)
        }
    }

    private mutating func fillDataItems(_ step: inout Step) {
        let access: Access = step.kind == .memoryWrite || step.kind == .dataWrite ? .write : .read
        for text in strings("nodeward.data.items") {
            var id = Substring(text)
            var tag: String?
            if let at = text.lastIndex(of: "@") {
                id = text[..<at]
                let tagText = text[text.index(after: at)...]
                tag = tagText.isEmpty ? nil : String(tagText)
            }
            guard !id.isEmpty else { warn("a nodeward.data.items entry has an empty id"); continue }
            step.dataItems.append(DataItem(id: String(id), tenantTag: tag, access: access))
        }
    }

    private mutating func fillPrincipal(_ step: inout Step) {
        var principal = Principal()
        var any = false
        if let issuer = attributes.string("nodeward.auth.issuer") { principal.issuer = issuer; any = true }
        if let audience = attributes.string("nodeward.auth.audience") { principal.audience = audience; any = true }
        if let subject = attributes.string("enduser.id") { principal.subject = subject; any = true }
        let prefix = "nodeward.auth.claim."
        for key in attributes.keys(withPrefix: prefix) {
            let name = String(key.dropFirst(prefix.count))
            guard !name.isEmpty, let value = attributes[key].flatMap(Self.scalarText) else {
                warn("\(key) is not a string")
                continue
            }
            principal.claims[name] = value
            any = true
        }
        if any { step.principal = principal }
    }

    private mutating func fillDecision(_ step: inout Step) {
        guard let value = attributes[options.legacyDecisionAttribute] else { return }
        guard let text = value.stringValue, text == "allow" || text == "deny" else {
            warn("\(options.legacyDecisionAttribute) is not \"allow\" or \"deny\"; no legacy decision recorded")
            return
        }
        step.recordedDecision = RecordedDecision(
            effect: text == "allow" ? .allow : .deny, rule: attributes.string(options.legacyRuleAttribute),
            reason: attributes.string(options.legacyReasonAttribute))
    }

    /// A `string[]` attribute (a single string is accepted as a one-element list).
    private mutating func strings(_ key: String) -> [String] {
        guard let value = attributes[key] else { return [] }
        switch value {
        case .string(let text): return [text]
        case .array(let items):
            var texts: [String] = []
            texts.reserveCapacity(items.count)
            for item in items {
                if let text = item.stringValue { texts.append(text) } else { warn("an entry of \(key) is not a string") }
            }
            return texts
        default:
            warn("\(key) is not a string array")
            return []
        }
    }

    private mutating func integer(_ key: String) -> Int? {
        guard let value = attributes[key] else { return nil }
        guard let number = value.int64Value, number >= 0 else {
            warn("\(key) is not a non-negative integer")
            return nil
        }
        return Int(number)
    }

    static func scalarText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): return text
        case .int(let number): return String(number)
        case .bool(let flag): return flag ? "true" : "false"
        default: return nil
        }
    }

    private mutating func warnResource(_ key: String) {
        warn("an entry of \(key) is not a canonical resource (memory:, vector:, store:, egress:); dropped")
    }

    private mutating func warn(_ message: String) { warnings.append((.traceInvalidValue, message)) }
}
