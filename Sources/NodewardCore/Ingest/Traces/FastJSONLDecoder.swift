/// The fast path for Nodeward JSONL: walks the record's top-level object over the line's bytes, keeps the
/// values of the fields the decoder reads in slots (a later duplicate key replaces an earlier one, as in
/// the reference dictionary), skips every other member without building it, and hands the slots to the
/// same `JSONLRecordDecoder` the reference path uses. Nil means "not taken": the caller falls back.
enum FastJSONLDecoder {
    static func decode(
        _ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int, decoder: JSONLRecordDecoder, source: SourceLocation
    ) -> Result<JSONLRecord, JSONLSkip>? {
        var scanner = ByteJSONScanner(bytes)
        var slots = JSONLFieldSlots()
        do {
            try scanner.beginDocument()
            guard scanner.peek() == UInt8(ascii: "{") else { return nil }
            scanner.position += 1
            if !scanner.closesImmediately(UInt8(ascii: "}")) {
                repeat {
                    // A key with escapes might spell a known field: the reference path decides.
                    guard let key = try scanner.scanKey() else { return nil }
                    if let field = field(named: key, in: scanner) {
                        slots[field] = try scanner.value(atDepth: 1, maxDepth: maxDepth)
                    } else {
                        try scanner.skipValue(atDepth: 1, maxDepth: maxDepth)
                    }
                } while try scanner.nextMember(closer: UInt8(ascii: "}"))
            }
            try scanner.endDocument()
        } catch {
            return nil
        }
        return decoder.decode(fields: slots, source: source)
    }

    /// The known field whose name is the key's bytes: by length first, so most keys cost one compare.
    static func field(named key: Range<Int>, in scanner: ByteJSONScanner) -> JSONLField? {
        func match(_ name: StaticString, _ field: JSONLField) -> JSONLField? {
            scanner.bytes(key, equal: name) ? field : nil
        }
        switch key.count {
        case 1: return match("v", .v)
        case 3: return match("run", .run) ?? match("end", .end)
        case 4: return match("time", .time) ?? match("kind", .kind) ?? match("step", .step) ?? match("type", .type)
        case 5: return match("agent", .agent) ?? match("items", .items)
        case 6:
            return match("tenant", .tenant) ?? match("inputs", .inputs) ?? match("result", .result)
                ?? match("tokens", .tokens) ?? match("legacy", .legacy) ?? match("status", .status)
        case 7: return match("request", .request) ?? match("parents", .parents)
        case 8: return match("workflow", .workflow) ?? match("executed", .executed)
        case 9:
            return match("operation", .operation) ?? match("resources", .resources)
                ?? match("arguments", .arguments) ?? match("principal", .principal)
        default: return nil
        }
    }
}

/// A record's field values by `JSONLField`, filled by the fast decoder. Stored properties, not an array:
/// no allocation per line, and nothing generic to destroy.
struct JSONLFieldSlots: JSONLFieldLookup {
    var v: JSONValue?
    var `type`: JSONValue?
    var tenant: JSONValue?
    var agent: JSONValue?
    var run: JSONValue?
    var step: JSONValue?
    var time: JSONValue?
    var kind: JSONValue?
    var operation: JSONValue?
    var workflow: JSONValue?
    var request: JSONValue?
    var end: JSONValue?
    var parents: JSONValue?
    var inputs: JSONValue?
    var resources: JSONValue?
    var arguments: JSONValue?
    var result: JSONValue?
    var tokens: JSONValue?
    var items: JSONValue?
    var principal: JSONValue?
    var legacy: JSONValue?
    var executed: JSONValue?
    var status: JSONValue?

    subscript(_ field: JSONLField) -> JSONValue? {
        get {
            switch field {
            case .v: return v
            case .`type`: return `type`
            case .tenant: return tenant
            case .agent: return agent
            case .run: return run
            case .step: return step
            case .time: return time
            case .kind: return kind
            case .operation: return operation
            case .workflow: return workflow
            case .request: return request
            case .end: return end
            case .parents: return parents
            case .inputs: return inputs
            case .resources: return resources
            case .arguments: return arguments
            case .result: return result
            case .tokens: return tokens
            case .items: return items
            case .principal: return principal
            case .legacy: return legacy
            case .executed: return executed
            case .status: return status
            }
        }
        set {
            switch field {
            case .v: v = newValue
            case .`type`: `type` = newValue
            case .tenant: tenant = newValue
            case .agent: agent = newValue
            case .run: run = newValue
            case .step: step = newValue
            case .time: time = newValue
            case .kind: kind = newValue
            case .operation: operation = newValue
            case .workflow: workflow = newValue
            case .request: request = newValue
            case .end: end = newValue
            case .parents: parents = newValue
            case .inputs: inputs = newValue
            case .resources: resources = newValue
            case .arguments: arguments = newValue
            case .result: result = newValue
            case .tokens: tokens = newValue
            case .items: items = newValue
            case .principal: principal = newValue
            case .legacy: legacy = newValue
            case .executed: executed = newValue
            case .status: status = newValue
            }
        }
    }
}
