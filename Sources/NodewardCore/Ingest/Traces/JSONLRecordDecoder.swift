/// One Nodeward JSONL line, decoded (docs/formats.md, "Nodeward JSONL").
enum JSONLRecord {
    case step(Step, warnings: [String])
    case run(JSONLRunHeader)
}

/// A `type: run` record: run-level context.
struct JSONLRunHeader {
    var tenant: String
    var run: String
    var agent: String?
    var workflow: String?
    var request: String?
}

/// Why a JSONL line was skipped.
struct JSONLSkip: Error {
    var code: DiagnosticCode
    var message: String

    static func missing(_ field: String) -> JSONLSkip { JSONLSkip(code: .traceMissingField, message: "missing required field \"\(field)\"") }
    static func invalid(_ field: String, _ expected: String, found value: JSONValue) -> JSONLSkip {
        JSONLSkip(code: .traceInvalidValue, message: "\"\(field)\" must be \(expected), found \(value.typeName)")
    }
}

/// Decodes JSONL records exactly per the tables in docs/formats.md. Values are never quoted in messages.
struct JSONLRecordDecoder {
    static let recordKeys: [String] = ["tenant", "agent", "run", "step", "time", "kind", "operation"]

    /// Format detection: a first line is Nodeward JSONL when it says `type: step|run` or has at least two
    /// of the step keys (so a first line that misses one required field is still reported as such).
    static func looksLikeRecord(_ members: [String: JSONValue]) -> Bool {
        if let type = members["type"]?.stringValue { return type == "step" || type == "run" }
        return recordKeys.lazy.filter { members[$0] != nil }.count >= 2
    }

    func decode(_ members: [String: JSONValue], source: SourceLocation) -> Result<JSONLRecord, JSONLSkip> {
        decode(fields: JSONLDictionaryFields(members: members), source: source)
    }

    /// The one decoding routine both paths share: the reference path looks fields up in the parsed
    /// dictionary, the fast path in the slots it filled straight from the line's bytes.
    func decode<Fields: JSONLFieldLookup>(fields members: Fields, source: SourceLocation) -> Result<JSONLRecord, JSONLSkip> {
        do {
            if let version = members[.v] {
                guard version.int64Value == 1, case .int = version else {
                    throw JSONLSkip(code: .traceInvalidValue, message: "\"v\" must be the format version 1")
                }
            }
            var type = "step"
            if let value = members[.type] {
                guard let text = value.stringValue else { throw JSONLSkip.invalid("type", "a string", found: value) }
                guard text == "step" || text == "run" else {
                    throw JSONLSkip(code: .traceInvalidValue, message: "\"type\" must be \"step\" or \"run\"")
                }
                type = text
            }
            if type == "run" {
                return .success(.run(JSONLRunHeader(
                    tenant: try requiredString("tenant", members[.tenant]), run: try requiredString("run", members[.run]),
                    agent: try optionalString("agent", members[.agent]), workflow: try optionalString("workflow", members[.workflow]),
                    request: try optionalString("request", members[.request]))))
            }
            return .success(try decodeStep(members, source: source))
        } catch let skip as JSONLSkip {
            return .failure(skip)
        } catch {
            return .failure(JSONLSkip(code: .traceInvalidValue, message: "unreadable record"))
        }
    }

    private func decodeStep<Fields: JSONLFieldLookup>(_ members: Fields, source: SourceLocation) throws -> JSONLRecord {
        let tenant = try requiredString("tenant", members[.tenant])
        let agent = try requiredString("agent", members[.agent])
        let run = try requiredString("run", members[.run])
        let stepId = try requiredString("step", members[.step])
        guard let timeValue = members[.time] else { throw JSONLSkip.missing("time") }
        let start = try timestamp("time", timeValue)
        let kindText = try requiredString("kind", members[.kind])
        guard let kind = StepKind(rawValue: kindText) else {
            throw JSONLSkip(code: .traceInvalidValue, message: "\"kind\" is not one of the seven step kinds")
        }
        let operation = try requiredString("operation", members[.operation])
        var step = Step(
            tenant: tenant, agent: agent, workflow: try optionalString("workflow", members[.workflow]) ?? agent, runId: run,
            stepId: stepId, startNanos: start, kind: kind, operation: operation, source: source)
        if let end = members[.end] { step.endNanos = try timestamp("end", end) }
        if let parents = members[.parents] { step.parents = try stringArray("parents", parents) }
        if let inputs = members[.inputs] { step.inputs = try dataInputs(inputs) }
        var warnings: [String] = []
        if let resources = members[.resources] { step.resources = try self.resources(resources, kind: kind, warnings: &warnings) }
        if let arguments = members[.arguments] {
            guard case .object(let values) = arguments else { throw JSONLSkip.invalid("arguments", "an object", found: arguments) }
            step.arguments = values
        }
        if let result = members[.result] { step.result = result }
        if let tokens = members[.tokens] { step.tokens = try tokenUsage(tokens) }
        if let items = members[.items] { step.dataItems = try dataItems(items) }
        if let principal = members[.principal] { step.principal = try self.principal(principal) }
        if let legacy = members[.legacy] { step.recordedDecision = try decision(legacy, warnings: &warnings) }
        if let executed = members[.executed] {
            guard let flag = executed.boolValue else { throw JSONLSkip.invalid("executed", "a boolean", found: executed) }
            step.executed = flag
        }
        if let status = members[.status] {
            guard let text = status.stringValue, text == "ok" || text == "error" else {
                throw JSONLSkip(code: .traceInvalidValue, message: "\"status\" must be \"ok\" or \"error\"")
            }
            step.failed = text == "error"
        }
        return .step(step, warnings: warnings)
    }

    private func requiredString(_ field: String, _ members: [String: JSONValue]) throws -> String {
        try requiredString(field, members[field])
    }

    private func requiredString(_ field: String, _ value: JSONValue?) throws -> String {
        guard let value, value != .null else { throw JSONLSkip.missing(field) }
        guard let text = value.stringValue else { throw JSONLSkip.invalid(field, "a string", found: value) }
        guard !text.isEmpty else { throw JSONLSkip(code: .traceInvalidValue, message: "\"\(field)\" is empty") }
        return text
    }

    private func optionalString(_ field: String, _ members: [String: JSONValue]) throws -> String? {
        try optionalString(field, members[field])
    }

    private func optionalString(_ field: String, _ value: JSONValue?) throws -> String? {
        guard let value, value != .null else { return nil }
        guard let text = value.stringValue else { throw JSONLSkip.invalid(field, "a string", found: value) }
        return text
    }

    private func timestamp(_ field: String, _ value: JSONValue) throws -> Int64 {
        switch value {
        case .string(let text):
            guard let nanos = TraceTime.parseRFC3339(text) else {
                throw JSONLSkip(code: .traceInvalidValue, message: "\"\(field)\" is not an RFC 3339 timestamp")
            }
            return nanos
        case .int(let nanos):
            return nanos
        default:
            throw JSONLSkip.invalid(field, "an RFC 3339 string or integer nanoseconds", found: value)
        }
    }

    private func stringArray(_ field: String, _ value: JSONValue) throws -> [String] {
        guard case .array(let items) = value else { throw JSONLSkip.invalid(field, "an array of strings", found: value) }
        return try items.map { item in
            guard let text = item.stringValue else { throw JSONLSkip.invalid(field, "an array of strings", found: item) }
            return text
        }
    }

    private func dataInputs(_ value: JSONValue) throws -> [DataInput] {
        guard case .array(let items) = value else { throw JSONLSkip.invalid("inputs", "an array", found: value) }
        return try items.map { item in
            guard case .object(let members) = item else { throw JSONLSkip.invalid("inputs", "an array of objects", found: item) }
            guard let step = members["step"] else { throw JSONLSkip.missing("inputs[].step") }
            guard let stepText = step.stringValue else { throw JSONLSkip.invalid("inputs[].step", "a string", found: step) }
            return DataInput(step: stepText, argument: try optionalString("argument", members))
        }
    }

    private func resources(_ value: JSONValue, kind: StepKind, warnings: inout [String]) throws -> [Resource] {
        guard case .array(let items) = value else { throw JSONLSkip.invalid("resources", "an array", found: value) }
        let writesByDefault = kind == .memoryWrite || kind == .dataWrite
        var resources: [Resource] = []
        resources.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            var text: String?
            var access: Access?
            switch item {
            case .string(let uri): text = uri
            case .object(let members):
                text = members["uri"]?.stringValue
                if let accessValue = members["access"] {
                    guard let parsed = accessValue.stringValue.flatMap(Access.init(rawValue:)) else {
                        warnings.append("resources[\(index)].access must be \"read\" or \"write\"; resource dropped")
                        continue
                    }
                    access = parsed
                }
            default: break
            }
            guard let text, var resource = Resource(parsing: text, access: access ?? .read) else {
                warnings.append("resources[\(index)] is not a canonical resource (memory:, vector:, store:, egress:); dropped")
                continue
            }
            if access == nil, writesByDefault, resource.scheme == .memory || resource.scheme == .store { resource.access = .write }
            resources.append(resource)
        }
        return resources
    }

    private func tokenUsage(_ value: JSONValue) throws -> TokenUsage {
        guard case .object(let members) = value else { throw JSONLSkip.invalid("tokens", "an object", found: value) }
        func count(_ key: String) throws -> Int {
            guard let number = members[key] else { return 0 }
            guard case .int(let tokens) = number, tokens >= 0 else { throw JSONLSkip.invalid("tokens.\(key)", "a non-negative integer", found: number) }
            return Int(tokens)
        }
        return TokenUsage(input: try count("input"), output: try count("output"))
    }

    private func dataItems(_ value: JSONValue) throws -> [DataItem] {
        guard case .array(let items) = value else { throw JSONLSkip.invalid("items", "an array", found: value) }
        return try items.map { item in
            guard case .object(let members) = item else { throw JSONLSkip.invalid("items", "an array of objects", found: item) }
            let id = try requiredString("id", members)
            var access = Access.read
            if let accessValue = members["access"] {
                guard let parsed = accessValue.stringValue.flatMap(Access.init(rawValue:)) else {
                    throw JSONLSkip(code: .traceInvalidValue, message: "\"items[].access\" must be \"read\" or \"write\"")
                }
                access = parsed
            }
            return DataItem(id: id, tenantTag: try optionalString("tenant", members), access: access)
        }
    }

    private func principal(_ value: JSONValue) throws -> Principal {
        guard case .object(let members) = value else { throw JSONLSkip.invalid("principal", "an object", found: value) }
        var principal = Principal(
            issuer: try optionalString("iss", members), audience: try optionalString("aud", members),
            subject: try optionalString("sub", members))
        if let claims = members["claims"] {
            guard case .object(let values) = claims else { throw JSONLSkip.invalid("principal.claims", "an object", found: claims) }
            // In name order: with several bad claims, the one reported must not depend on dictionary order
            // (the server fuzz target found two decodes of one line that named different claims' types).
            for (name, claim) in values.sorted(by: { $0.key < $1.key }) {
                guard let text = OTLPStepBuilder.scalarText(claim) else {
                    throw JSONLSkip.invalid("principal.claims", "an object of strings", found: claim)
                }
                principal.claims[name] = text
            }
        }
        return principal
    }

    private func decision(_ value: JSONValue, warnings: inout [String]) throws -> RecordedDecision? {
        guard case .object(let members) = value else { throw JSONLSkip.invalid("legacy", "an object", found: value) }
        guard let effect = members["effect"]?.stringValue, effect == "allow" || effect == "deny" else {
            warnings.append("legacy.effect is not \"allow\" or \"deny\"; no legacy decision recorded")
            return nil
        }
        return RecordedDecision(
            effect: effect == "allow" ? .allow : .deny, rule: try optionalString("rule", members),
            reason: try optionalString("reason", members))
    }
}

/// The top-level fields of a JSONL record that the decoder reads; every other key is ignored.
enum JSONLField: Int, CaseIterable {
    case v, type, tenant, agent, run, step, time, kind, operation, workflow, request, end, parents, inputs
    case resources, arguments, result, tokens, items, principal, legacy, executed, status

    var name: String {
        switch self {
        case .v: return "v"
        case .type: return "type"
        case .tenant: return "tenant"
        case .agent: return "agent"
        case .run: return "run"
        case .step: return "step"
        case .time: return "time"
        case .kind: return "kind"
        case .operation: return "operation"
        case .workflow: return "workflow"
        case .request: return "request"
        case .end: return "end"
        case .parents: return "parents"
        case .inputs: return "inputs"
        case .resources: return "resources"
        case .arguments: return "arguments"
        case .result: return "result"
        case .tokens: return "tokens"
        case .items: return "items"
        case .principal: return "principal"
        case .legacy: return "legacy"
        case .executed: return "executed"
        case .status: return "status"
        }
    }
}

/// Where the decoder finds a record's top-level field values.
protocol JSONLFieldLookup {
    subscript(_ field: JSONLField) -> JSONValue? { get }
}

/// The reference path: the record parsed whole into a dictionary.
struct JSONLDictionaryFields: JSONLFieldLookup {
    let members: [String: JSONValue]

    subscript(_ field: JSONLField) -> JSONValue? { members[field.name] }
}
