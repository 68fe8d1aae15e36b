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

    init(options: TraceReaderOptions) {
        self.options = options
        collector = TraceDiagnosticsCollector(maxDiagnostics: options.maxDiagnostics)
        assembler = RunAssembler(idleRecords: options.runIdleRecords, tenantAttribute: options.tenantAttribute, collector: collector)
        lineDecoder = TraceLineDecoder(options: options)
    }

    func open(path: String) -> TraceFileInput? {
        collector.beginFile(path)
        let opened = TraceFileBytes.openForReading(path: path)
        guard let descriptor = opened.descriptor else {
            collector.skip(.fileUnreadable, "cannot open the file: \(opened.reason)", at: SourceLocation(file: path, line: 0))
            return nil
        }
        let reader = ChunkedLineReader(source: .fileDescriptor(descriptor), maxLineBytes: options.maxLineBytes, chunkBytes: options.readChunkBytes)
        return TraceFileInput(file: path, path: path, memory: nil, reader: reader)
    }

    func open(file: String, bytes: [UInt8]) -> TraceFileInput {
        collector.beginFile(file)
        let reader = ChunkedLineReader(source: .memory(bytes), maxLineBytes: options.maxLineBytes, chunkBytes: options.readChunkBytes)
        return TraceFileInput(file: file, path: nil, memory: bytes, reader: reader)
    }

    func nextReadyRun() -> Run? { assembler.nextReady() }

    func finish() { assembler.finish() }

    /// Reads one line (or the whole document) of `input`; false once the file is done.
    func advance(_ input: TraceFileInput) -> Bool {
        if case .done = input.state { return finishFile(input) }
        if case .lines(let format) = input.state { return advanceBatch(input, format: format) }
        guard let event = input.reader.next() else { return finishFile(input) }
        switch event {
        case .tooLong(let number, let bytes):
            input.sawContent = true
            collector.skip(
                .traceLineTooLong, "line is \(bytes) bytes, over maxLineBytes (\(options.maxLineBytes)); skipped",
                at: SourceLocation(file: input.file, line: number))
        case .line(let range, let number, let terminated):
            guard let firstByte = Self.firstNonBlank(input.reader.buffer, range) else { return true }
            input.sawContent = true
            let source = SourceLocation(file: input.file, line: number)
            let parsed: Result<JSONValue, JSONParseFailure>
            do { parsed = .success(try options.parser.parse(input.reader.buffer[range])) } catch { parsed = .failure(error) }
            switch input.state {
            case .detecting:
                detect(input, parsed: parsed, firstByte: firstByte, terminated: terminated, source: source)
            case .lines, .done:
                break
            }
        }
        return true
    }

    func finishFile(_ input: TraceFileInput) -> Bool {
        guard !input.finished else { return false }
        input.finished = true
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

    private func detect(_ input: TraceFileInput, parsed: Result<JSONValue, JSONParseFailure>, firstByte: UInt8, terminated: Bool, source: SourceLocation) {
        switch parsed {
        case .success(.object(let members)):
            if members["resourceSpans"] != nil {
                input.state = .lines(.otlpJSONLines)
                collector.setFormat(.otlpJSONLines, for: input.file)
                handleOTLP(.object(members), source: source)
            } else if JSONLRecordDecoder.looksLikeRecord(members) {
                input.state = .lines(.nodewardJSONL)
                collector.setFormat(.nodewardJSONL, for: input.file)
                handleJSONL(members, source: source)
            } else {
                rejectFormat(input, "the first line is a JSON object that is neither an OTLP export (resourceSpans) nor a Nodeward JSONL record", source)
            }
        case .success(let value):
            rejectFormat(input, "the first line is \(value.typeName), not a JSON object", source)
        case .failure(let failure):
            guard firstByte == UInt8(ascii: "{") else {
                rejectFormat(input, "the file is neither OTLP/JSON nor Nodeward JSONL (its first line is not JSON)", source)
                return
            }
            guard terminated else {
                collector.skip(.traceTruncated, "the only line ends without a newline and is not complete JSON: \(failure.message)", at: source)
                input.state = .done
                return
            }
            readDocument(input, source: source)
        }
    }

    private func rejectFormat(_ input: TraceFileInput, _ message: String, _ source: SourceLocation) {
        collector.skip(.traceFormat, message, at: source)
        input.state = .done
    }

    /// The first line was not a whole JSON document: the file is one OTLP document, read whole.
    private func readDocument(_ input: TraceFileInput, source: SourceLocation) {
        input.state = .done
        let bytes: [UInt8]
        if let memory = input.memory {
            guard memory.count <= options.maxDocumentBytes else {
                tooLarge(input, size: memory.count)
                return
            }
            bytes = memory
        } else {
            switch TraceFileBytes.read(path: input.path ?? input.file, limit: options.maxDocumentBytes) {
            case .bytes(let read): bytes = read
            case .tooLarge(let size):
                tooLarge(input, size: size)
                return
            case .unreadable(let reason):
                collector.skip(.fileUnreadable, "cannot read the file: \(reason)", at: SourceLocation(file: input.file, line: 0))
                return
            }
        }
        var lines = bytes.reduce(into: 0) { count, byte in if byte == 0x0A { count += 1 } }
        if let last = bytes.last, last != 0x0A { lines += 1 }
        let value: JSONValue
        do { value = try options.parser.parse(bytes[...]) } catch {
            if let format = lineFormAfterBadFirstLine(bytes) {
                // A garbage first line in a line-form file: report that line, read the rest as lines.
                collector.skip(.traceJSON, "line is not valid JSON: \(error.message)", at: source)
                input.state = .lines(format)
                collector.setFormat(format, for: input.file)
                return
            }
            input.document = (bytes.count, lines)
            collector.skip(.traceJSON, "the document is not valid JSON: \(error.message)", at: source)
            return
        }
        input.document = (bytes.count, lines)
        guard case .object(let members) = value, members["resourceSpans"] != nil else {
            collector.skip(.traceFormat, "the document is not an OTLP export (no resourceSpans)", at: source)
            return
        }
        collector.setFormat(.otlpJSON, for: input.file)
        handleOTLP(value, source: source)
    }

    /// When the whole file is not one document, the format its second non-blank line shows on its own
    /// (an OTLP export or a JSONL record); nil when that line is not a complete record either.
    private func lineFormAfterBadFirstLine(_ bytes: [UInt8]) -> TraceFormat? {
        var start = 0
        var nonBlankSeen = 0
        while start < bytes.count {
            let newline = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            var stop = newline
            if stop > start, bytes[stop - 1] == 0x0D { stop -= 1 }
            if Self.firstNonBlank(bytes, start..<stop) != nil {
                nonBlankSeen += 1
                if nonBlankSeen == 2 {
                    guard stop - start <= options.maxLineBytes,
                          case .object(let members)? = try? options.parser.parse(bytes[start..<stop]) else { return nil }
                    if members["resourceSpans"] != nil { return .otlpJSONLines }
                    return JSONLRecordDecoder.looksLikeRecord(members) ? .nodewardJSONL : nil
                }
            }
            start = newline + 1
        }
        return nil
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
    static func firstNonBlank(_ buffer: [UInt8], _ range: Range<Int>) -> UInt8? {
        for index in range {
            let byte = buffer[index]
            if byte != 0x20, byte != 0x09, byte != 0x0D { return byte }
        }
        return nil
    }
}
