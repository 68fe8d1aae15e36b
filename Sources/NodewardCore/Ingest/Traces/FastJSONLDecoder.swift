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
                        slots.values[field.rawValue] = try scanner.value(atDepth: 1, maxDepth: maxDepth)
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

/// A record's field values by `JSONLField`, filled by the fast decoder.
struct JSONLFieldSlots: JSONLFieldLookup {
    var values = [JSONValue?](repeating: nil, count: JSONLField.allCases.count)

    subscript(_ field: JSONLField) -> JSONValue? { values[field.rawValue] }
}
