/// OpenInference spans (Arize-ai/openinference `spec/semantic_conventions.md`): ordinary OTLP spans whose
/// `openinference.span.kind` attribute says what they are. `OTLPSpanMapper.map` sends every span that
/// carries that attribute here, on both the reference and the fast decoder; all other spans keep the
/// GenAI mapping untouched (docs/formats.md, "OpenInference").
struct OpenInferenceSpanMapper {
    static let spanKindAttribute = "openinference.span.kind"
    /// Where a tool's input that is not a JSON object is kept.
    static let unnamedInputKey = "input"
    static let defaultRetrievalOperation = "retrieval"

    let options: TraceReaderOptions
    let attributes: OTLPAttributes

    /// The span's tenant: the workspace tenant attribute on the span, else (when it is written
    /// `metadata.<key>`) that key of the span's `metadata` JSON string. Returns a warning when `metadata`
    /// was needed but is not a JSON object.
    func tenant() -> (tenant: String?, warning: String?) {
        if let tenant = attributes.string(options.tenantAttribute), !tenant.isEmpty { return (tenant, nil) }
        let prefix = "metadata."
        guard options.tenantAttribute.hasPrefix(prefix), let metadata = attributes["metadata"] else { return (nil, nil) }
        let path = options.tenantAttribute.dropFirst(prefix.count).split(separator: ".", omittingEmptySubsequences: false)
        var current = decodeEmbeddedJSON(metadata)
        guard current.objectValue != nil else { return (nil, "metadata is not a JSON object; no tenant read from it") }
        for key in path {
            guard let next = current[String(key)] else { return (nil, nil) }
            current = next
        }
        guard let text = current.stringValue, !text.isEmpty else { return (nil, nil) }
        return (text, nil)
    }

    enum Mapped {
        case agent(name: String?, workflow: String?, userRequest: String?)
        /// Structure only (CHAIN, EMBEDDING, RERANKER, GUARDRAIL): no step; children keep the parent chain.
        /// A note, when present, is counted.
        case structure(note: (code: DiagnosticCode, message: String)?)
        case step(kind: StepKind, operation: String)
        case skipped(DiagnosticCode, String)
    }

    func classify(spanKind: String, spanName: String?) -> Mapped {
        switch spanKind.uppercased() {
        case "AGENT":
            let name = attributes.string("agent.name").flatMap { $0.isEmpty ? nil : $0 } ?? spanName.flatMap { $0.isEmpty ? nil : $0 }
            let request = attributes["input.value"].flatMap { $0.stringValue }
            return .agent(name: name, workflow: attributes.string(options.workflowAttribute), userRequest: request)
        case "TOOL":
            guard let tool = attributes.string("tool.name"), !tool.isEmpty else {
                return .skipped(.traceMissingField, "OpenInference TOOL span has no tool.name")
            }
            return .step(kind: .toolCall, operation: tool)
        case "LLM":
            guard let model = attributes.string("llm.model_name"), !model.isEmpty else {
                return .skipped(.traceMissingField, "OpenInference LLM span has no llm.model_name")
            }
            return .step(kind: .llm, operation: model)
        case "RETRIEVER":
            let name = spanName.flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultRetrievalOperation
            return .step(kind: .retrieval, operation: name)
        case "CHAIN", "EMBEDDING", "RERANKER":
            return .structure(note: nil)
        case "GUARDRAIL":
            return .structure(note: (.traceNotAStep, "OpenInference GUARDRAIL span read as structure only; its verdict is not recorded as a decision"))
        default:
            return .skipped(.traceUnknownOperation, "openinference.span.kind is not one Nodeward maps (TOOL, LLM, RETRIEVER, AGENT, CHAIN, GUARDRAIL, EMBEDDING, RERANKER)")
        }
    }

    /// Fills the payload and model fields of a TOOL, LLM or RETRIEVER step. `tool.parameters` (the tool's
    /// JSON schema) is never read: it is not the call.
    func fill(_ step: inout Step, warnings: inout [(code: DiagnosticCode, message: String)]) {
        switch step.kind {
        case .toolCall:
            if let input = attributes["input.value"] {
                switch decodeEmbeddedJSON(input) {
                case .object(let members): step.arguments = members
                case .null: break
                default: step.arguments = [Self.unnamedInputKey: input]
                }
            }
            if let output = attributes["output.value"] { step.result = decodeEmbeddedJSON(output) }
        case .llm:
            let input = integer("llm.token_count.prompt", &warnings)
            let output = integer("llm.token_count.completion", &warnings)
            if input != nil || output != nil { step.tokens = TokenUsage(input: input ?? 0, output: output ?? 0) }
            if let provider = attributes.string("llm.provider") ?? attributes.string("llm.system"), !provider.isEmpty {
                step.provider = provider
            }
        case .retrieval:
            if let query = attributes["input.value"] { step.arguments["query"] = query }
            let documents = retrievedDocuments(&warnings)
            if !documents.isEmpty {
                step.result = .array(documents.map { document in
                    var members: [String: JSONValue] = [:]
                    if let id = document.id { members["id"] = .string(id) }
                    if let content = document.content { members["content"] = .string(content) }
                    return .object(members)
                })
                for document in documents {
                    if let id = document.id { step.dataItems.append(DataItem(id: id, access: .read)) }
                }
            }
        default:
            break
        }
        if step.principal == nil, let user = attributes.string("user.id"), !user.isEmpty {
            step.principal = Principal(subject: user)
        }
    }

    /// `retrieval.documents.N.document.{id,content}`, in index order; entries with neither are dropped.
    private func retrievedDocuments(_ warnings: inout [(code: DiagnosticCode, message: String)]) -> [(id: String?, content: String?)] {
        let prefix = "retrieval.documents."
        var byIndex: [Int: (id: String?, content: String?)] = [:]
        for key in attributes.keys(withPrefix: prefix) {
            let rest = key.dropFirst(prefix.count)
            guard let dot = rest.firstIndex(of: "."), let index = Int(rest[..<dot]), index >= 0 else { continue }
            let field = rest[rest.index(after: dot)...]
            guard let value = attributes[key] else { continue }
            switch field {
            case "document.id":
                guard let id = OTLPStepBuilder.scalarText(value), !id.isEmpty else {
                    warnings.append((.traceInvalidValue, "a retrieval.documents entry has no string or integer document.id"))
                    continue
                }
                byIndex[index, default: (nil, nil)].id = id
            case "document.content":
                guard let content = value.stringValue else {
                    warnings.append((.traceInvalidValue, "a retrieval.documents entry's document.content is not a string"))
                    continue
                }
                byIndex[index, default: (nil, nil)].content = content
            default:
                continue
            }
        }
        return byIndex.keys.sorted().compactMap { byIndex[$0] }
    }

    private func integer(_ key: String, _ warnings: inout [(code: DiagnosticCode, message: String)]) -> Int? {
        guard let value = attributes[key] else { return nil }
        guard let number = value.int64Value, number >= 0 else {
            warnings.append((.traceInvalidValue, "\(key) is not a non-negative integer"))
            return nil
        }
        return Int(number)
    }

    /// A JSON string is parsed (through the one parser seam); text that is not JSON stays a string.
    private func decodeEmbeddedJSON(_ value: JSONValue) -> JSONValue {
        guard case .string(let text) = value else { return value }
        return (try? options.parser.parse(ArraySlice(text.utf8))) ?? value
    }
}
