/// The fast path for OTLP/JSON export lines: walks `resourceSpans → scopeSpans → spans → attributes`
/// over the line's bytes, decoding span fields and attribute values straight into `OTLPSpanFields` and
/// `OTLPAttributes` (no dictionary per span, per attribute entry or per `AnyValue`), then maps each span
/// with the same `OTLPSpanMapper` as the reference path.
///
/// Each rule mirrors `TraceLineDecoder.otlpItems` and `OTLPAttributes`: later duplicates win, scopes or
/// entries that are not objects are passed over, `scopeSpans` wins over `instrumentationLibrarySpans`
/// when it is an array. Where the reference would report a problem with the envelope (no or a non-array
/// `resourceSpans`, a non-object batch) or the line holds an escaped key, the decoder gives up (nil) and
/// the reference path reads the line.
struct FastOTLPDecoder {
    let mapper: OTLPSpanMapper
    let maxDepth: Int

    private struct NotTaken: Error {}

    /// A span as read, before its batch's resource (which may come after it in the bytes) is known.
    private enum RawSpan {
        case fields(OTLPSpanFields)
        case value(JSONValue)
    }

    func decode(_ bytes: UnsafeBufferPointer<UInt8>, source: SourceLocation) -> [OTLPLineItem]? {
        var scanner = ByteJSONScanner(bytes)
        do {
            try scanner.beginDocument()
            guard scanner.peek() == UInt8(ascii: "{") else { return nil }
            scanner.position += 1
            var items: [OTLPLineItem]?
            if !scanner.closesImmediately(UInt8(ascii: "}")) {
                repeat {
                    guard let key = try scanner.scanKey() else { return nil }
                    if scanner.bytes(key, equal: "resourceSpans") {
                        guard items == nil, scanner.peek() == UInt8(ascii: "[") else { return nil }
                        items = try batches(&scanner, source: source)
                    } else {
                        try scanner.skipValue(atDepth: 1, maxDepth: maxDepth)
                    }
                } while try scanner.nextMember(closer: UInt8(ascii: "}"))
            }
            try scanner.endDocument()
            return items
        } catch {
            return nil
        }
    }

    /// The cursor is on `resourceSpans`' `[` (depth 1); batches are at depth 2.
    private func batches(_ scanner: inout ByteJSONScanner, source: SourceLocation) throws -> [OTLPLineItem] {
        scanner.position += 1
        var items: [OTLPLineItem] = []
        if scanner.closesImmediately(UInt8(ascii: "]")) { return items }
        repeat {
            guard scanner.peek() == UInt8(ascii: "{") else { throw NotTaken() }
            try batch(&scanner, into: &items, source: source)
        } while try scanner.nextMember(closer: UInt8(ascii: "]"))
        return items
    }

    private func batch(_ scanner: inout ByteJSONScanner, into items: inout [OTLPLineItem], source: SourceLocation) throws {
        scanner.position += 1
        var resource: JSONValue?
        var scopeSpans: [RawSpan]?
        var legacyScopeSpans: [RawSpan]?
        if !scanner.closesImmediately(UInt8(ascii: "}")) {
            repeat {
                guard let key = try scanner.scanKey() else { throw NotTaken() }
                if scanner.bytes(key, equal: "scopeSpans") {
                    scopeSpans = try scopes(&scanner)
                } else if scanner.bytes(key, equal: "resource") {
                    resource = try scanner.value(atDepth: 3, maxDepth: maxDepth)
                } else if scanner.bytes(key, equal: "instrumentationLibrarySpans") {
                    legacyScopeSpans = try scopes(&scanner)
                } else {
                    try scanner.skipValue(atDepth: 3, maxDepth: maxDepth)
                }
            } while try scanner.nextMember(closer: UInt8(ascii: "}"))
        }
        let context = OTLPResourceContext(
            attributes: OTLPAttributes(resource?["attributes"]), options: mapper.options)
        for span in scopeSpans ?? legacyScopeSpans ?? [] {
            switch span {
            case .fields(let fields): items.append(.span(mapper.map(fields, resource: context, source: source)))
            case .value(let value): items.append(.span(mapper.map(value, resource: context, source: source)))
            }
        }
    }

    /// A scope list at depth 3: the spans of all its scopes, in order; nil when it is not an array.
    private func scopes(_ scanner: inout ByteJSONScanner) throws -> [RawSpan]? {
        guard scanner.peek() == UInt8(ascii: "[") else {
            try scanner.skipValue(atDepth: 3, maxDepth: maxDepth)
            return nil
        }
        scanner.position += 1
        var spans: [RawSpan] = []
        if scanner.closesImmediately(UInt8(ascii: "]")) { return spans }
        repeat {
            guard scanner.peek() == UInt8(ascii: "{") else {
                try scanner.skipValue(atDepth: 4, maxDepth: maxDepth)
                continue
            }
            scanner.position += 1
            // The last `spans` member of a scope is the one that counts; a non-array one means none.
            var scopeSpans: [RawSpan] = []
            if !scanner.closesImmediately(UInt8(ascii: "}")) {
                repeat {
                    guard let key = try scanner.scanKey() else { throw NotTaken() }
                    if scanner.bytes(key, equal: "spans") {
                        scopeSpans = try spanList(&scanner)
                    } else {
                        try scanner.skipValue(atDepth: 5, maxDepth: maxDepth)
                    }
                } while try scanner.nextMember(closer: UInt8(ascii: "}"))
            }
            spans.append(contentsOf: scopeSpans)
        } while try scanner.nextMember(closer: UInt8(ascii: "]"))
        return spans
    }

    /// A scope's `spans` value at depth 5 (empty when it is not an array); spans are at depth 6.
    private func spanList(_ scanner: inout ByteJSONScanner) throws -> [RawSpan] {
        guard scanner.peek() == UInt8(ascii: "[") else {
            try scanner.skipValue(atDepth: 5, maxDepth: maxDepth)
            return []
        }
        scanner.position += 1
        var spans: [RawSpan] = []
        if scanner.closesImmediately(UInt8(ascii: "]")) { return spans }
        repeat {
            if scanner.peek() == UInt8(ascii: "{") {
                spans.append(.fields(try span(&scanner)))
            } else {
                spans.append(.value(try scanner.value(atDepth: 6, maxDepth: maxDepth)))
            }
        } while try scanner.nextMember(closer: UInt8(ascii: "]"))
        return spans
    }

    /// One span object (cursor on `{`, depth 6); its members are at depth 7.
    private func span(_ scanner: inout ByteJSONScanner) throws -> OTLPSpanFields {
        scanner.position += 1
        var fields = OTLPSpanFields()
        if scanner.closesImmediately(UInt8(ascii: "}")) { return fields }
        repeat {
            guard let key = try scanner.scanKey() else { throw NotTaken() }
            switch key.count {
            case 4 where scanner.bytes(key, equal: "name"):
                fields.name = try scanner.value(atDepth: 7, maxDepth: maxDepth)
            case 6 where scanner.bytes(key, equal: "spanId"):
                fields.spanId = try scanner.value(atDepth: 7, maxDepth: maxDepth)
            case 6 where scanner.bytes(key, equal: "status"):
                fields.status = try scanner.value(atDepth: 7, maxDepth: maxDepth)
            case 6 where scanner.bytes(key, equal: "events"):
                fields.events = try scanner.value(atDepth: 7, maxDepth: maxDepth)
            case 7 where scanner.bytes(key, equal: "traceId"):
                fields.traceId = try scanner.value(atDepth: 7, maxDepth: maxDepth)
            case 10 where scanner.bytes(key, equal: "attributes"):
                fields.attributes = try attributes(&scanner)
            case 12 where scanner.bytes(key, equal: "parentSpanId"):
                fields.parentSpanId = try scanner.value(atDepth: 7, maxDepth: maxDepth)
            case 15 where scanner.bytes(key, equal: "endTimeUnixNano"):
                fields.endTimeUnixNano = try scanner.value(atDepth: 7, maxDepth: maxDepth)
            case 17 where scanner.bytes(key, equal: "startTimeUnixNano"):
                fields.startTimeUnixNano = try scanner.value(atDepth: 7, maxDepth: maxDepth)
            default:
                try scanner.skipValue(atDepth: 7, maxDepth: maxDepth)
            }
        } while try scanner.nextMember(closer: UInt8(ascii: "}"))
        return fields
    }

    /// A span's `attributes` value at depth 7; entries at depth 8, their `value` at 9.
    private func attributes(_ scanner: inout ByteJSONScanner) throws -> OTLPAttributes {
        guard scanner.peek() == UInt8(ascii: "[") else {
            return OTLPAttributes(try scanner.value(atDepth: 7, maxDepth: maxDepth))
        }
        scanner.position += 1
        var attributes = OTLPAttributes()
        attributes.reserveCapacity(16)
        if scanner.closesImmediately(UInt8(ascii: "]")) { return attributes }
        repeat {
            guard scanner.peek() == UInt8(ascii: "{") else {
                try scanner.skipValue(atDepth: 8, maxDepth: maxDepth)
                continue
            }
            scanner.position += 1
            var key: String?
            var value = JSONValue.null
            if !scanner.closesImmediately(UInt8(ascii: "}")) {
                repeat {
                    guard let member = try scanner.scanKey() else { throw NotTaken() }
                    if scanner.bytes(member, equal: "key") {
                        key = try scanner.value(atDepth: 9, maxDepth: maxDepth).stringValue
                    } else if scanner.bytes(member, equal: "value") {
                        value = try anyValue(&scanner) ?? .null
                    } else {
                        try scanner.skipValue(atDepth: 9, maxDepth: maxDepth)
                    }
                } while try scanner.nextMember(closer: UInt8(ascii: "}"))
            }
            if let key { attributes.set(key, value) }
        } while try scanner.nextMember(closer: UInt8(ascii: "]"))
        return attributes
    }

    private static let variants: [StaticString] = [
        "stringValue", "intValue", "boolValue", "doubleValue", "arrayValue", "kvlistValue", "bytesValue",
    ]
    private static let variantNames = ["stringValue", "intValue", "boolValue", "doubleValue", "arrayValue", "kvlistValue", "bytesValue"]

    /// An `AnyValue` at depth 9. The usual one-member form is decoded from its inner value alone; any other
    /// shape is materialized and decoded by `OTLPAnyValue.decode`, the reference rules.
    private func anyValue(_ scanner: inout ByteJSONScanner) throws -> JSONValue? {
        guard scanner.peek() == UInt8(ascii: "{") else { return OTLPAnyValue.decode(try scanner.value(atDepth: 9, maxDepth: maxDepth)) }
        let start = scanner.position
        scanner.position += 1
        if !scanner.closesImmediately(UInt8(ascii: "}")), let key = try scanner.scanKey(),
           let variant = Self.variants.firstIndex(where: { scanner.bytes(key, equal: $0) }) {
            let inner = try scanner.value(atDepth: 10, maxDepth: maxDepth)
            if try !scanner.nextMember(closer: UInt8(ascii: "}")) {
                return OTLPAnyValue.decode(key: Self.variantNames[variant], inner)
            }
        }
        scanner.position = start
        return OTLPAnyValue.decode(try scanner.value(atDepth: 9, maxDepth: maxDepth))
    }
}
