import NodewardCore

/// Step shapes shared by the workflow scripts: tool calls, model calls, retrievals, memory, output.
extension RunBuilder {
    @discardableResult
    mutating func tool(
        _ name: String, _ arguments: [String: JSONValue], result: JSONValue?, after parents: [String],
        inputs: [DataInput] = [], resources: [Resource] = [], gapMillis: Int? = nil, legacy: inout LegacyFleet
    ) -> (id: String, executed: Bool) {
        let duration = draw { $0.int(in: 40...420) }
        return record(StepDraft(kind: .toolCall, operation: name, parents: parents, inputs: inputs, resources: resources,
                                arguments: arguments, result: result, durationMillis: duration), gapMillis: gapMillis, legacy: &legacy)
    }

    @discardableResult
    mutating func llm(after parents: [String], inputs: [DataInput], inputTokens: ClosedRange<Int>, legacy: inout LegacyFleet) -> String {
        let tokensIn = draw { $0.int(in: inputTokens) }
        let tokensOut = draw { $0.int(in: 60...420) }
        let duration = draw { $0.int(in: 450...2600) }
        return record(StepDraft(kind: .llm, operation: profile.model, parents: parents, inputs: inputs,
                                resources: [.egress(profile.modelHost, port: 443)],
                                tokens: TokenUsage(input: tokensIn, output: tokensOut), durationMillis: duration), legacy: &legacy).id
    }

    /// A retrieval on the tenant's vector partition (or `partition`, for a cross-tenant read).
    mutating func retrieval(
        query: String, purpose: String? = nil, after parents: [String], inputs: [DataInput] = [],
        partition: Resource? = nil, documents: [(id: String, text: String)]? = nil, legacy: inout LegacyFleet
    ) -> (id: String, executed: Bool, documents: [(id: String, text: String)]) {
        let resource = partition ?? profile.vectorResource
        let docs = documents ?? draw { rng in
            (0..<rng.int(in: 1...3)).map { _ in (id: "doc-" + rng.hex(6), text: rng.pick(Self.snippets)) }
        }
        var arguments: [String: JSONValue] = ["query": .str(query), "topK": .num(docs.count + 2)]
        if let purpose { arguments["purpose"] = .str(purpose) }
        let result = JSONValue.obj(["documents": .array(docs.map { .obj(["id": .str($0.id), "text": .str($0.text)]) })])
        let tag = resource.partition?.value ?? tenant
        let duration = draw { $0.int(in: 25...220) }
        let outcome = record(StepDraft(kind: .retrieval, operation: resource.container, parents: parents, inputs: inputs,
                                       resources: [resource], arguments: arguments, result: result,
                                       items: docs.map { DataItem(id: $0.id, tenantTag: tag) }, durationMillis: duration), legacy: &legacy)
        return (outcome.id, outcome.executed, outcome.executed ? docs : [])
    }

    mutating func memoryRead(key: String, after parents: [String], legacy: inout LegacyFleet) -> String {
        let itemId = draw { "mem-" + $0.hex(6) }
        return record(StepDraft(kind: .memoryRead, operation: "search_memory", parents: parents,
                                resources: [.memory(profile.memoryNamespace, key: key)], arguments: ["query": .str(key)],
                                result: .obj(["entries": .array([.obj(["id": .str(itemId), "tone": .str("brief")])])]),
                                items: [DataItem(id: itemId, tenantTag: tenant)], durationMillis: draw { $0.int(in: 4...30) }),
                      legacy: &legacy).id
    }

    mutating func memoryWrite(key: String, value: String, after parents: [String], inputs: [DataInput], legacy: inout LegacyFleet) -> String {
        let itemId = draw { "mem-" + $0.hex(6) }
        return record(StepDraft(kind: .memoryWrite, operation: "update_memory", parents: parents, inputs: inputs,
                                resources: [.memory(profile.memoryNamespace, key: key, access: .write)],
                                arguments: ["key": .str(key), "value": .str(value)],
                                items: [DataItem(id: itemId, tenantTag: tenant, access: .write)], durationMillis: draw { $0.int(in: 4...30) }),
                      legacy: &legacy).id
    }

    mutating func dataWrite(
        _ operation: String, resource: Resource, arguments: [String: JSONValue], after parents: [String], inputs: [DataInput],
        legacy: inout LegacyFleet
    ) -> String {
        record(StepDraft(kind: .dataWrite, operation: operation, parents: parents, inputs: inputs, resources: [resource],
                         arguments: arguments, durationMillis: draw { $0.int(in: 10...90) }), legacy: &legacy).id
    }

    mutating func output(_ arguments: [String: JSONValue], after parents: [String], inputs: [DataInput] = [], legacy: inout LegacyFleet) {
        record(StepDraft(kind: .output, operation: "respond", parents: parents, inputs: inputs, arguments: arguments, durationMillis: 2), legacy: &legacy)
    }

    /// How many items a loop runs over: 1–5, short loops far more common.
    mutating func loopCount() -> Int {
        let roll = draw { $0.below(100) }
        switch roll {
        case ..<48: return 1
        case ..<76: return 2
        case ..<90: return 3
        case ..<97: return 4
        default: return 5
        }
    }

    /// Optional steps are skipped about 30% of the time.
    mutating func optionalStep() -> Bool { draw { $0.chance(0.7) } }

    static let snippets = [
        "Escalate billing disputes over 500 EUR to finance.", "Customer prefers email over calls.",
        "Renewal is due next quarter.", "Use the standard onboarding checklist.", "Known issue fixed in release 1.4.",
        "Account owner changed in September.", "Export jobs time out above 1 GB.",
    ]
}
