/// What one line of a line-form trace file decodes to, computed without touching the read session, so
/// lines can be decoded on several threads and then applied to the run assembler in input order.
enum DecodedLine: Sendable {
    case tooLong(bytes: Int)
    case invalidJSON(message: String, terminated: Bool)
    case jsonlNotObject(typeName: String)
    case jsonl(Result<JSONLRecord, JSONLSkip>)
    case otlp([OTLPLineItem])
    /// One chat transcript (a JSON object); mapped onto JSONL records in line order when applied.
    case transcript([String: JSONValue])
    /// One OTLP logs export (a JSON object); its Claude Code events are mapped in line order when applied.
    case claudeLogs([String: JSONValue])
    /// One line of OpenAI Agents SDK export (an object, a `{"data": [...]}` batch or an array); held per trace.
    case agentsSDK(JSONValue)
}

/// One event of an OTLP export line, in document order.
enum OTLPLineItem: Sendable {
    /// A problem with the line or a `resourceSpans` entry (no record counted).
    case skip(DiagnosticCode, String)
    /// One span (one record), mapped.
    case span(OTLPSpanDecoding)
}

/// Decodes lines of a known format: the fast byte-level decoders first, the reference path (the whole
/// line parsed into a `JSONValue` tree by `options.parser`) for every line they do not take. The fast
/// decoders take a line only when they can decode it to exactly what the reference path gives; anything
/// unusual (invalid JSON, escaped keys, odd envelopes) goes to the reference path, which also writes
/// every message.
struct TraceLineDecoder: Sendable {
    let options: TraceReaderOptions
    let spanMapper: OTLPSpanMapper
    let jsonlDecoder = JSONLRecordDecoder()
    /// The nesting limit the fast decoders enforce; nil when they are off.
    let fastMaxDepth: Int?

    init(options: TraceReaderOptions) {
        self.options = options
        spanMapper = OTLPSpanMapper(options: options)
        // The fast decoders accept exactly what ByteJSONParser accepts; with another parser they stay off.
        if options.decoder == .fast, let parser = options.parser as? ByteJSONParser, parser.maxDepth >= 16 {
            fastMaxDepth = parser.maxDepth
        } else {
            fastMaxDepth = nil
        }
    }

    func decode(_ line: ArraySlice<UInt8>, format: TraceFormat, terminated: Bool, source: SourceLocation) -> DecodedLine {
        if let maxDepth = fastMaxDepth {
            let fast: DecodedLine? = line.withUnsafeBufferPointer { bytes in
                switch format {
                case .nodewardJSONL:
                    return FastJSONLDecoder.decode(bytes, maxDepth: maxDepth, decoder: jsonlDecoder, source: source).map(DecodedLine.jsonl)
                case .otlpJSON, .otlpJSONLines:
                    return FastOTLPDecoder(mapper: spanMapper, maxDepth: maxDepth).decode(bytes, source: source).map(DecodedLine.otlp)
                case .chatTranscripts:
                    return nil
                case .claudeCodeLogs, .agentsSDK:
                    return nil
                }
            }
            if let fast { return fast }
        }
        return referenceDecode(line, format: format, terminated: terminated, source: source)
    }

    func referenceDecode(_ line: ArraySlice<UInt8>, format: TraceFormat, terminated: Bool, source: SourceLocation) -> DecodedLine {
        let value: JSONValue
        do { value = try options.parser.parse(line) } catch { return .invalidJSON(message: error.message, terminated: terminated) }
        return decode(value: value, format: format, source: source)
    }

    /// One parsed line read as `format`.
    func decode(value: JSONValue, format: TraceFormat, source: SourceLocation) -> DecodedLine {
        switch format {
        case .nodewardJSONL:
            guard case .object(let members) = value else { return .jsonlNotObject(typeName: value.typeName) }
            return .jsonl(jsonlDecoder.decode(members, source: source))
        case .otlpJSON, .otlpJSONLines:
            return .otlp(otlpItems(value, source: source))
        case .chatTranscripts:
            guard case .object(let members) = value else { return .jsonlNotObject(typeName: value.typeName) }
            return .transcript(members)
        case .claudeCodeLogs:
            guard case .object(let members) = value else { return .jsonlNotObject(typeName: value.typeName) }
            return .claudeLogs(members)
        case .agentsSDK:
            return .agentsSDK(value)
        }
    }

    /// The reference reading of an OTLP export (docs/formats.md, "OpenTelemetry OTLP/JSON").
    func otlpItems(_ value: JSONValue, source: SourceLocation) -> [OTLPLineItem] {
        guard case .object(let document) = value else {
            return [.skip(.traceInvalidValue, "line is \(value.typeName), expected an OTLP export object")]
        }
        guard let resourceSpans = document["resourceSpans"] else {
            return [.skip(.traceMissingField, "missing resourceSpans: not an OTLP trace export")]
        }
        guard case .array(let batches) = resourceSpans else {
            return [.skip(.traceInvalidValue, "resourceSpans must be an array, found \(resourceSpans.typeName)")]
        }
        var items: [OTLPLineItem] = []
        for batch in batches {
            guard case .object(let batchFields) = batch else {
                items.append(.skip(.traceInvalidValue, "a resourceSpans entry is \(batch.typeName), expected an object"))
                continue
            }
            let resource = OTLPResourceContext(
                attributes: OTLPAttributes(batchFields["resource"]?["attributes"]), options: options)
            // `instrumentationLibrarySpans` is the pre-1.0 name some old exporters still write.
            let scopes = batchFields["scopeSpans"]?.arrayValue ?? batchFields["instrumentationLibrarySpans"]?.arrayValue ?? []
            for scope in scopes {
                guard let spans = scope["spans"]?.arrayValue else { continue }
                for span in spans { items.append(.span(spanMapper.map(span, resource: resource, source: source))) }
            }
        }
        return items
    }
}
