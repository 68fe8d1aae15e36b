// STUB: the trace-reader helper replaces this file. The API below is the contract.

/// How traces are read: which attributes hold what, and the streaming limits (docs/formats.md).
public struct TraceReaderOptions: Sendable {
    public var tenantAttribute = "tenant.id"
    public var workflowAttribute = "gen_ai.workflow.name"
    public var legacyDecisionAttribute = "nodeward.legacy.decision"
    public var legacyRuleAttribute = "nodeward.legacy.rule"
    public var legacyReasonAttribute = "nodeward.legacy.reason"
    /// A run is closed once this many records have been read without one for it.
    public var runIdleRecords = 50_000
    public var maxLineBytes = 64 << 20
    public var maxDocumentBytes = 256 << 20
    /// At most this many diagnostics are kept in the summary; the counts are always complete.
    public var maxDiagnostics = 200
    public var parser: any JSONParsing = FoundationJSONParser()

    public init() {}
}

public enum TraceFormat: String, Sendable, Hashable, Codable {
    case otlpJSON = "otlp-json"
    case otlpJSONLines = "otlp-jsonl"
    case nodewardJSONL = "nodeward-jsonl"
}

/// What a read saw: counts, skips by code, and the first diagnostics.
public struct TraceReadSummary: Sendable, Hashable {
    public var files: [String: TraceFormat] = [:]
    public var bytes: Int = 0
    public var lines: Int = 0
    public var records: Int = 0
    public var steps: Int = 0
    public var runs: Int = 0
    /// Skipped records (lines, spans, steps) by diagnostic code.
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
        TraceReadSummary()
    }
}
