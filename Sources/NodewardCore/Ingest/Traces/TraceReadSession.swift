/// One file being read: its line reader and how far format detection got.
final class TraceFileInput {
    enum State {
        case detecting
        case lines(TraceFormat)
        case done
    }

    let file: String
    let path: String?
    let memory: [UInt8]?
    let reader: ChunkedLineReader
    var state: State = .detecting
    var sawContent = false
    var finished = false
    /// Set when the file was read whole as one document (the line reader's counts then do not apply).
    var document: (bytes: Int, lines: Int)?
    /// Format detection: what the lines read so far showed (docs/formats.md, "Format detection").
    var sample = TraceFormatSample()

    init(file: String, path: String?, memory: [UInt8]?, reader: ChunkedLineReader) {
        self.file = file
        self.path = path
        self.memory = memory
        self.reader = reader
    }
}

/// The state of one `TraceReader.read` call: format detection, per-line dispatch to the OTLP and JSONL
/// decoders, and the run assembler. `TraceReader` drives it one line at a time and drains `ready` runs.
final class TraceReadSession {
    let options: TraceReaderOptions
    let collector: TraceDiagnosticsCollector
    let assembler: RunAssembler
    let lineDecoder: TraceLineDecoder
    /// Tenant ids seen, to warn once when two differ only by case.
    var tenantCase = CaseConfusables()
    /// The last tenant id read and its normal form: most records repeat the previous record's tenant.
    var lastTenant: (raw: String, normalized: String)?
    /// Claude Code log events: tool decisions wait for their results across lines and files. A stored
    /// property, mutated in place: through a `lazy var` (get, then set) each line copied every session.
    var claudeLogs: ClaudeCodeLogMapper
    /// OpenAI Agents SDK objects, held per trace until the end of the read (`flushAgentsSDK`).
    var agentsSDK = AgentsSDKTraceBuffer()
    /// Files read with a forced format that detection would read as another: (file, line, detected).
    var forcedMismatches: [(file: String, line: Int, detected: TraceFormat)] = []

    init(options: TraceReaderOptions) {
        self.options = options
        collector = TraceDiagnosticsCollector(maxDiagnostics: options.maxDiagnostics)
        assembler = RunAssembler(
            idleRecords: options.runIdleRecords, tenantAttribute: options.tenantAttribute, parser: options.parser, collector: collector)
        lineDecoder = TraceLineDecoder(options: options)
        claudeLogs = ClaudeCodeLogMapper(mapping: options.claudeCodeMapping, parser: options.parser)
    }

    func open(path: String) -> TraceFileInput? {
        collector.beginFile(path)
        let descriptor: Int32
        switch InputFile.openRegular(path) {
        case .descriptor(let opened):
            descriptor = opened
        case .notRegular(let kind):
            let diagnostic = InputFile.notRegular(kind, what: "trace input", at: SourceLocation(file: path, line: 0))
            collector.skip(diagnostic.code, diagnostic.message, at: diagnostic.location)
            return nil
        case .failed(let reason):
            collector.skip(.fileUnreadable, "cannot open the file: \(reason)", at: SourceLocation(file: path, line: 0))
            return nil
        }
        let source: TraceByteSource = GzipInflater.startsWithMagic(descriptor)
            ? .gzip(GzipInflater(.fileDescriptor(descriptor))) : .fileDescriptor(descriptor)
        let reader = ChunkedLineReader(source: source, maxLineBytes: options.maxLineBytes, chunkBytes: options.readChunkBytes)
        return TraceFileInput(file: path, path: path, memory: nil, reader: reader)
    }

    func open(file: String, bytes: [UInt8]) -> TraceFileInput {
        collector.beginFile(file)
        let source: TraceByteSource = bytes.starts(with: GzipInflater.magic) ? .gzip(GzipInflater(.memory(bytes))) : .memory(bytes)
        let reader = ChunkedLineReader(source: source, maxLineBytes: options.maxLineBytes, chunkBytes: options.readChunkBytes)
        return TraceFileInput(file: file, path: nil, memory: bytes, reader: reader)
    }

    func nextReadyRun() -> Run? { assembler.nextReady() }

    func finish() {
        finishClaudeLogs()
        flushAgentsSDK()
        assembler.finish()
        warnForcedMismatches()
    }

    /// Reads one line (or the whole document) of `input`; false once the file is done.
    func advance(_ input: TraceFileInput) -> Bool {
        if case .done = input.state { return finishFile(input) }
        if case .lines(let format) = input.state { return advanceBatch(input, format: format) }
        guard let event = input.reader.next() else {
            undecided(input)
            return true
        }
        switch event {
        case .tooLong(let number, let bytes):
            input.sawContent = true
            input.sample.note(
                .traceLineTooLong, "line is \(bytes) bytes, over maxLineBytes (\(options.maxLineBytes)); skipped",
                line: number, bytes: min(bytes, TraceFormatSample.maxBytes))
        case .line(let range, let number, let terminated):
            guard let firstByte = Self.firstNonBlank(input.reader.buffer, range) else { return true }
            input.sawContent = true
            let source = SourceLocation(file: input.file, line: number)
            let parsed: Result<JSONValue, JSONParseFailure>
            do { parsed = .success(try options.parser.parse(input.reader.buffer[range])) } catch { parsed = .failure(error) }
            if input.sample.first == nil {
                input.sample.first = (firstByte, terminated)
                // A first line that is `[` alone opens a pretty-printed array (of chat transcripts): one
                // document, even when some of its lines happen to be whole objects. No line of a line form
                // is `[` alone, cut or not, so this never takes a line-form file for a document.
                if Self.isLoneOpeningBracket(input.reader.buffer, range) {
                    readDocument(input, source: source)
                    return true
                }
            }
            detect(input, parsed: parsed, terminated: terminated, source: source, bytes: range.count)
        }
        if case .detecting = input.state, input.sample.isFull { undecided(input) }
        return true
    }

    func finishFile(_ input: TraceFileInput) -> Bool {
        guard !input.finished else { return false }
        input.finished = true
        if input.document == nil, let failure = input.reader.sourceFailure {
            collector.skip(
                .traceCorruptCompression, "\(failure) after \(input.reader.bytesRead) decompressed bytes; the lines before were read",
                at: SourceLocation(file: input.file, line: input.reader.lineNumber + 1))
        }
        if let document = input.document {
            collector.addBytes(document.bytes, file: input.file)
            collector.addLines(document.lines, file: input.file)
        } else {
            collector.addBytes(input.reader.bytesRead, file: input.file)
            collector.addLines(input.reader.lineNumber, file: input.file)
        }
        if !input.sawContent {
            collector.warn(.traceFormat, "the file is empty", at: SourceLocation(file: input.file, line: 0))
        }
        return false
    }

    /// One sampled line: a complete OTLP export or Nodeward JSONL record decides the format (the lines
    /// sampled before it are skipped and counted); anything else is remembered as a skip and sampling goes on.
    private func detect(_ input: TraceFileInput, parsed: Result<JSONValue, JSONParseFailure>, terminated: Bool, source: SourceLocation, bytes: Int) {
        if let forced = options.format.lineFormat, case .success(let value) = parsed {
            readForced(input, value, format: forced, source: source)
            return
        }
        switch parsed {
        case .success(.object(let members)):
            if members["resourceSpans"] != nil {
                decide(input, .otlpJSONLines)
                handleOTLP(.object(members), source: source)
            } else if ClaudeCodeLogMapper.looksLikeLogs(members) {
                decide(input, .claudeCodeLogs)
                handleClaudeLogs(members, source: source)
            } else if let items = AgentsSDKTraceMapper.items(in: .object(members)) {
                decide(input, .agentsSDK)
                handleAgentsSDK(items, source: source)
            } else if ChatTranscriptMapper.looksLikeTranscript(members) {
                // Before JSONL: a transcript may carry `tenant` and `agent`, which a JSONL record has too.
                decide(input, .chatTranscripts)
                handleTranscript(members, index: source.line - 1, source: source)
            } else if JSONLRecordDecoder.looksLikeRecord(members) {
                decide(input, .nodewardJSONL)
                handleJSONL(members, source: source)
            } else {
                input.sample.note(
                    .traceInvalidValue, "line is a JSON object that is neither an OTLP export (resourceSpans) nor a Nodeward JSONL record",
                    line: source.line, bytes: bytes)
            }
        case .success(let value):
            if let items = AgentsSDKTraceMapper.items(in: value) {
                decide(input, .agentsSDK)
                handleAgentsSDK(items, source: source)
                return
            }
            if case .array = value, let transcripts = Self.transcripts(in: value) {
                // A whole array of chat transcripts on one line (`json.dump` without indent).
                decide(input, .chatTranscripts)
                handleTranscripts(transcripts, source: source)
                return
            }
            input.sample.note(.traceInvalidValue, "line is \(value.typeName), not a JSON object", line: source.line, bytes: bytes)
        case .failure(let failure):
            if terminated {
                input.sample.note(.traceJSON, "line is not valid JSON: \(failure.message)", line: source.line, bytes: bytes)
            } else {
                input.sample.note(.traceTruncated, "the last line ends without a newline and is not complete JSON", line: source.line, bytes: bytes)
            }
        }
    }

    /// `--trace-format` names the format: the first line that is JSON decides without detection, and is
    /// read as that format (what does not fit is a counted skip with its line). When detection would have
    /// read the line as another format, that is remembered for `warnForcedMismatches`.
    private func readForced(_ input: TraceFileInput, _ value: JSONValue, format: TraceFormat, source: SourceLocation) {
        decide(input, format)
        if let detected = Self.detectedFormat(value), detected != format {
            forcedMismatches.append((input.file, source.line, detected))
        }
        switch (format, value) {
        case (.chatTranscripts, .array):
            handleTranscripts(value.arrayValue ?? [], source: source)
        case (.otlpJSON, _), (.otlpJSONLines, _):
            handleOTLP(value, source: source)
        case (.agentsSDK, _):
            handleAgentsSDK(AgentsSDKTraceMapper.lineItems(value), source: source)
        default:
            apply(lineDecoder.decode(value: value, format: format, source: source), source: source)
        }
    }

    /// The format detection gives one parsed line or document, without reading it; nil when none.
    static func detectedFormat(_ value: JSONValue) -> TraceFormat? {
        if case .object(let members) = value {
            if members["resourceSpans"] != nil { return .otlpJSONLines }
            if ClaudeCodeLogMapper.looksLikeLogs(members) { return .claudeCodeLogs }
        }
        if AgentsSDKTraceMapper.items(in: value) != nil { return .agentsSDK }
        if transcripts(in: value) != nil { return .chatTranscripts }
        if case .object(let members) = value, JSONLRecordDecoder.looksLikeRecord(members) { return .nodewardJSONL }
        return nil
    }

    /// A forced format that gave no step from a file that detection reads as another format: one warning
    /// per such file, at the line detection went by, naming both formats (the records were already
    /// counted as skips).
    func warnForcedMismatches() {
        let stats = collector.summary.fileStats
        for (file, line, detected) in forcedMismatches where (stats[file]?.steps ?? 0) == 0 {
            collector.warn(
                .traceFormat,
                "read as --trace-format \(options.format.rawValue) (traceFormat), but no record gave a step; format detection reads the file as "
                    + "\(detected.rawValue): pass --trace-format auto, or the format the file is in",
                at: SourceLocation(file: file, line: line))
        }
    }

    /// The format is known: the lines sampled before the deciding one are reported, one skip each.
    private func decide(_ input: TraceFileInput, _ format: TraceFormat?) {
        if let format {
            input.state = .lines(format)
            collector.setFormat(format, for: input.file)
        } else {
            input.state = .done
        }
        for skipped in input.sample.skips {
            collector.skip(skipped.code, skipped.message, at: SourceLocation(file: input.file, line: skipped.line))
        }
        input.sample.skips.removeAll()
    }

    /// The sample ended (file end or sample limit) without a line that decides the format: a file that
    /// starts with `{` and has lines that are not JSON on their own is one OTLP document (pretty-printed,
    /// or a single line), read whole; else it is not a trace file.
    private func undecided(_ input: TraceFileInput) {
        guard input.sawContent, let first = input.sample.first else {
            // Nothing but blank lines, or only lines over maxLineBytes (each counted).
            decide(input, nil)
            return
        }
        let source = SourceLocation(file: input.file, line: input.sample.skips.first?.line ?? 1)
        let splitDocument = input.sample.skips.contains { $0.code == .traceJSON || $0.code == .traceTruncated }
        if first.byte == UInt8(ascii: "{") || first.byte == UInt8(ascii: "["), splitDocument {
            if !first.terminated, input.sample.lines == 1, input.sample.skips.first?.code == .traceTruncated {
                collector.skip(.traceTruncated, "the only line ends without a newline and is not complete JSON", at: source)
                input.state = .done
                return
            }
            readDocument(input, source: source)
            return
        }
        rejectFormat(
            input,
            "the file is neither OTLP/JSON nor Nodeward JSONL: none of its first \(input.sample.lines) non-blank lines is an OTLP export or a Nodeward JSONL record",
            source)
    }

    private func rejectFormat(_ input: TraceFileInput, _ message: String, _ source: SourceLocation) {
        collector.skip(.traceFormat, message, at: source)
        input.state = .done
    }

    /// The first line was not a whole JSON document: the file is one OTLP document, read whole.
    private func readDocument(_ input: TraceFileInput, source: SourceLocation) {
        input.state = .done
        var bytes: [UInt8]
        if let memory = input.memory {
            bytes = memory
        } else {
            switch TraceFileBytes.read(path: input.path ?? input.file, limit: options.maxDocumentBytes) {
            case .bytes(let read): bytes = read
            case .tooLarge(let size):
                tooLarge(input, size: size)
                return
            case .notRegular(let kind):
                let diagnostic = InputFile.notRegular(kind, what: "trace input", at: SourceLocation(file: input.file, line: 0))
                collector.skip(diagnostic.code, diagnostic.message, at: diagnostic.location)
                return
            case .unreadable(let reason):
                collector.skip(.fileUnreadable, "cannot read the file: \(reason)", at: SourceLocation(file: input.file, line: 0))
                return
            }
        }
        if bytes.starts(with: GzipInflater.magic) {
            switch GzipInflater.decompress(bytes, limit: options.maxDocumentBytes) {
            case .bytes(let inflated): bytes = inflated
            case .tooLarge(let size):
                tooLarge(input, size: size)
                return
            case .notRegular, .unreadable:
                collector.skip(.traceCorruptCompression, "the gzip data is corrupt or truncated", at: SourceLocation(file: input.file, line: 0))
                return
            }
        }
        guard bytes.count <= options.maxDocumentBytes else {
            tooLarge(input, size: bytes.count)
            return
        }
        var lines = bytes.reduce(into: 0) { count, byte in if byte == 0x0A { count += 1 } }
        if let last = bytes.last, last != 0x0A { lines += 1 }
        let body = bytes.starts(with: InputFile.byteOrderMark) ? bytes[InputFile.byteOrderMark.count...] : bytes[...]
        let value: JSONValue
        do { value = try options.parser.parse(body) } catch {
            input.document = (bytes.count, lines)
            collector.skip(.traceJSON, "the document is not valid JSON: \(error.message)", at: source)
            return
        }
        input.document = (bytes.count, lines)
        if let forced = options.format.lineFormat {
            readForcedDocument(input, value, format: forced, source: source)
            return
        }
        if let transcripts = Self.transcripts(in: value) {
            collector.setFormat(.chatTranscripts, for: input.file)
            handleTranscripts(transcripts, source: source)
            return
        }
        if case .object(let members) = value, ClaudeCodeLogMapper.looksLikeLogs(members) {
            collector.setFormat(.claudeCodeLogs, for: input.file)
            handleClaudeLogs(members, source: source)
            return
        }
        if let items = AgentsSDKTraceMapper.items(in: value) {
            collector.setFormat(.agentsSDK, for: input.file)
            handleAgentsSDK(items, source: source)
            return
        }
        guard case .object(let members) = value, members["resourceSpans"] != nil else {
            collector.skip(.traceFormat, "the document is neither an OTLP export (no resourceSpans) nor chat transcripts", at: source)
            return
        }
        collector.setFormat(.otlpJSON, for: input.file)
        handleOTLP(value, source: source)
    }

    /// A whole document read as the `--trace-format` format; a document that is not one is one counted
    /// skip naming the format detection sees in it.
    private func readForcedDocument(_ input: TraceFileInput, _ value: JSONValue, format: TraceFormat, source: SourceLocation) {
        let members = value.objectValue
        let fits: Bool
        switch format {
        case .chatTranscripts: fits = Self.transcripts(in: value) != nil
        case .claudeCodeLogs: fits = members.map(ClaudeCodeLogMapper.looksLikeLogs) ?? false
        case .agentsSDK: fits = AgentsSDKTraceMapper.items(in: value) != nil
        case .otlpJSON, .otlpJSONLines: fits = members?["resourceSpans"] != nil
        case .nodewardJSONL: fits = false
        }
        guard fits else {
            let seen = Self.detectedFormat(value).map { "format detection reads it as \($0.rawValue)" } ?? "it is no trace format Nodeward reads"
            collector.skip(
                .traceFormat,
                "the document is not \(options.format.rawValue) (--trace-format, traceFormat): \(seen); pass --trace-format auto, or the format the file is in"
                    + (format == .nodewardJSONL ? " (Nodeward JSONL is one record per line, never one document)" : ""),
                at: source)
            return
        }
        switch format {
        case .chatTranscripts:
            collector.setFormat(.chatTranscripts, for: input.file)
            handleTranscripts(Self.transcripts(in: value) ?? [], source: source)
        case .claudeCodeLogs:
            collector.setFormat(.claudeCodeLogs, for: input.file)
            handleClaudeLogs(members ?? [:], source: source)
        case .agentsSDK:
            collector.setFormat(.agentsSDK, for: input.file)
            handleAgentsSDK(AgentsSDKTraceMapper.items(in: value) ?? [], source: source)
        case .otlpJSON, .otlpJSONLines, .nodewardJSONL:
            collector.setFormat(.otlpJSON, for: input.file)
            handleOTLP(value, source: source)
        }
    }

    private func tooLarge(_ input: TraceFileInput, size: Int) {
        input.document = (size, 0)
        collector.skip(
            .fileTooLarge,
            "single-document OTLP file is \(size) bytes, over maxDocumentBytes (\(options.maxDocumentBytes)); write it in the line form",
            at: SourceLocation(file: input.file, line: 0))
    }
}

extension TraceReadSession {
    /// A whole document of chat transcripts: an array whose first object is one, or a single transcript.
    static func transcripts(in value: JSONValue) -> [JSONValue]? {
        switch value {
        case .array(let items):
            guard case .object(let first)? = items.first, ChatTranscriptMapper.looksLikeTranscript(first) else { return nil }
            return items
        case .object(let members):
            return members["resourceSpans"] == nil && ChatTranscriptMapper.looksLikeTranscript(members) ? [value] : nil
        default:
            return nil
        }
    }

    /// True when the line is `[` with nothing but blanks around it.
    static func isLoneOpeningBracket(_ buffer: [UInt8], _ range: Range<Int>) -> Bool {
        var seenBracket = false
        for index in range {
            switch buffer[index] {
            case 0x20, 0x09, 0x0D: continue
            case UInt8(ascii: "[") where !seenBracket: seenBracket = true
            default: return false
            }
        }
        return seenBracket
    }

    static func firstNonBlank(_ buffer: [UInt8], _ range: Range<Int>) -> UInt8? {
        for index in range {
            let byte = buffer[index]
            if byte != 0x20, byte != 0x09, byte != 0x0D { return byte }
        }
        return nil
    }
}
