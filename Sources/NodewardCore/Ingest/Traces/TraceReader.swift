import Foundation

/// Which line decoder reads traces (docs/formats.md, "The fast path").
public enum TraceDecoderChoice: String, Sendable, Hashable {
    /// Byte-level decoders straight into steps; lines they do not take go to the reference path.
    case fast
    /// Every line parsed into a `JSONValue` tree by `parser`, then decoded from the dictionaries.
    case reference
}

/// How traces are read: which attributes hold what, and the streaming limits (docs/formats.md).
public struct TraceReaderOptions: Sendable {
    public var tenantAttribute = "tenant.id"
    /// Where chat transcripts name their tenant, run, workflow and agent (workspace `attributes.transcript*`).
    public var transcriptMapping = ChatTranscriptMapping()
    /// Where Claude Code log records name their tenant and workflow (workspace `attributes.claude*`).
    public var claudeCodeMapping = ClaudeCodeLogMapping()
    /// Where an OpenAI Agents SDK trace names its tenant (workspace `attributes.agentsTenant`): a key path
    /// into the trace object, or `=TENANT`.
    public var agentsTenant = "metadata.tenant"
    public var workflowAttribute = "gen_ai.workflow.name"
    /// The span or resource attribute that holds a propagated W3C `baggage` header, read for the tenant
    /// (workspace `attributes.baggage`).
    public var baggageAttribute = "baggage"
    public var legacyDecisionAttribute = "nodeward.legacy.decision"
    public var legacyRuleAttribute = "nodeward.legacy.rule"
    public var legacyReasonAttribute = "nodeward.legacy.reason"
    /// A run is closed once this many records have been read without one for it.
    public var runIdleRecords = 50_000
    public var maxLineBytes = 64 << 20
    public var maxDocumentBytes = 256 << 20
    /// At most this many diagnostics are kept in the summary; the counts are always complete.
    public var maxDiagnostics = 200
    /// How many bytes are read from a file at a time (tests use small values to cross chunk boundaries).
    public var readChunkBytes = 1 << 20
    /// The byte-level parser: 3–5x Foundation's, differential-tested against it (docs/formats.md).
    public var parser: any JSONParsing = ByteJSONParser()
    /// The fast decoder is used only with a `ByteJSONParser` (it accepts exactly what that parser accepts).
    public var decoder: TraceDecoderChoice = .fast
    /// Threads that decode the lines of a line-form file; records are applied in input order, so results
    /// do not depend on this. Single-document OTLP files are decoded on one thread.
    public var decodeThreads = ProcessInfo.processInfo.activeProcessorCount
    /// The format every file is read as: `auto` detects it per file (docs/formats.md, "Format detection");
    /// any other choice skips detection (`--trace-format`, workspace `traceFormat`).
    public var format = TraceFormatChoice.auto

    public init() {}
}

/// What `--trace-format` (workspace `traceFormat`) asks for: detection per file, or one adapter for all.
/// OTel GenAI and OpenInference spans are both `otlp`: their conventions are told apart per span.
public enum TraceFormatChoice: String, Sendable, Hashable, CaseIterable {
    case auto
    /// OTLP/JSON trace exports (`resourceSpans`), one per line or one document.
    case otlp
    case nodewardJSONL = "nodeward-jsonl"
    case chatTranscripts = "chat-transcripts"
    case claudeCodeLogs = "claude-code-logs"
    case agentsSDK = "openai-agents"

    /// The line-form format a forced choice reads; nil for `auto`.
    var lineFormat: TraceFormat? {
        switch self {
        case .auto: nil
        case .otlp: .otlpJSONLines
        case .nodewardJSONL: .nodewardJSONL
        case .chatTranscripts: .chatTranscripts
        case .claudeCodeLogs: .claudeCodeLogs
        case .agentsSDK: .agentsSDK
        }
    }

    /// The choices as written, for help and error messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

public enum TraceFormat: String, Sendable, Hashable, Codable {
    case otlpJSON = "otlp-json"
    case otlpJSONLines = "otlp-jsonl"
    case nodewardJSONL = "nodeward-jsonl"
    /// Chat transcripts in the OpenAI messages shape: one per line, or a JSON array of them (docs/formats.md).
    case chatTranscripts = "chat-transcripts"
    /// Claude Code's OpenTelemetry log events: OTLP/JSON `resourceLogs`, one export per line or one document.
    case claudeCodeLogs = "claude-code-logs"
    /// OpenAI Agents SDK trace export: trace and span objects, one per line or batched (docs/formats.md).
    case agentsSDK = "openai-agents"
}

/// What one input file contributed. `format` is nil when the file was unreadable, empty or not a trace.
public struct TraceFileStats: Sendable, Hashable {
    public var format: TraceFormat?
    public var bytes: Int = 0
    public var lines: Int = 0
    public var records: Int = 0
    /// Steps and runs emitted whose first record came from this file.
    public var steps: Int = 0
    public var runs: Int = 0

    public init(format: TraceFormat? = nil) { self.format = format }
}

/// What a read saw: counts, skips by code, and the first diagnostics.
public struct TraceReadSummary: Sendable, Hashable {
    public var files: [String: TraceFormat] = [:]
    /// Per-file counts, for every file that was looked at (including ones that were not traces).
    public var fileStats: [String: TraceFileStats] = [:]
    public var bytes: Int = 0
    public var lines: Int = 0
    /// Spans (OTLP) and JSON objects (JSONL lines) read.
    public var records: Int = 0
    public var steps: Int = 0
    public var runs: Int = 0
    /// Runs that had no steps left after skips, so were not emitted.
    public var emptyRuns: Int = 0
    /// The largest number of runs held open at once: what memory is bounded by.
    public var maxOpenRuns: Int = 0
    /// Skipped records (lines, spans, steps, files) by diagnostic code.
    public var skipped: [DiagnosticCode: Int] = [:]
    /// The first `maxDiagnostics` diagnostics, in input order.
    public var diagnostics: [Diagnostic] = []
    public var diagnosticsDropped: Int = 0

    public init() {}

    public var skippedTotal: Int { skipped.values.reduce(0, +) }
}

/// Streams OTLP/JSON and Nodeward JSONL traces into `Run`s; memory is bounded by open runs.
public struct TraceReader: Sendable {
    public var options: TraceReaderOptions

    public init(options: TraceReaderOptions = TraceReaderOptions()) { self.options = options }

    /// Reads every `*.json`/`*.jsonl`/`*.ndjson` file under `paths` (sorted), calling `body` with each run
    /// as it closes. Errors in the input are counted in the summary, never thrown; `body` may throw.
    public func read(paths: [String], _ body: (Run) throws -> Void) rethrows -> TraceReadSummary {
        let session = TraceReadSession(options: options)
        for path in TraceInputFiles.expand(paths, collector: session.collector) {
            guard let input = session.open(path: path) else { continue }
            try pump(input, session, body)
        }
        session.finish()
        while let run = session.nextReadyRun() { try body(run) }
        return session.collector.summary
    }

    /// Reads in-memory inputs as if they were files named `file` (in the given order), for tests and
    /// for callers that already hold the bytes.
    public func read(data inputs: [(file: String, bytes: [UInt8])], _ body: (Run) throws -> Void) rethrows -> TraceReadSummary {
        let session = TraceReadSession(options: options)
        for (file, bytes) in inputs {
            try pump(session.open(file: file, bytes: bytes), session, body)
        }
        session.finish()
        while let run = session.nextReadyRun() { try body(run) }
        return session.collector.summary
    }

    /// Reads one input to its end, handing over each run as soon as it closes.
    private func pump(_ input: TraceFileInput, _ session: TraceReadSession, _ body: (Run) throws -> Void) rethrows {
        while session.advance(input) {
            while let run = session.nextReadyRun() { try body(run) }
        }
        while let run = session.nextReadyRun() { try body(run) }
    }

    /// Convenience: reads one in-memory input.
    public func read(data bytes: [UInt8], file: String, _ body: (Run) throws -> Void) rethrows -> TraceReadSummary {
        try read(data: [(file: file, bytes: bytes)], body)
    }
}
