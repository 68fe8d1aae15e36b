/// Builds the `TraceReadSummary`: counts skips by code, keeps the first diagnostics, tallies per file.
final class TraceDiagnosticsCollector {
    private(set) var summary = TraceReadSummary()
    private let maxDiagnostics: Int

    init(maxDiagnostics: Int) { self.maxDiagnostics = max(0, maxDiagnostics) }

    /// Reports that something (a line, span, step or file) was skipped: counted under exactly this code.
    func skip(_ code: DiagnosticCode, _ message: String, at location: SourceLocation?, severity: Severity = .error, count: Int = 1) {
        summary.skipped[code, default: 0] += count
        report(Diagnostic(severity, code, message, at: location))
    }

    /// Reports a problem that did not cost a record (the record was kept).
    func warn(_ code: DiagnosticCode, _ message: String, at location: SourceLocation?) {
        report(.warning(code, message, at: location))
    }

    private func report(_ diagnostic: Diagnostic) {
        if summary.diagnostics.count < maxDiagnostics {
            summary.diagnostics.append(diagnostic)
        } else {
            summary.diagnosticsDropped += 1
        }
    }

    func beginFile(_ file: String) {
        if summary.fileStats[file] == nil { summary.fileStats[file] = TraceFileStats() }
    }

    func setFormat(_ format: TraceFormat, for file: String) {
        summary.files[file] = format
        summary.fileStats[file, default: TraceFileStats()].format = format
    }

    func addBytes(_ bytes: Int, file: String) {
        summary.bytes += bytes
        summary.fileStats[file, default: TraceFileStats()].bytes += bytes
    }

    func addLines(_ lines: Int, file: String) {
        summary.lines += lines
        summary.fileStats[file, default: TraceFileStats()].lines += lines
    }

    func addRecord(file: String) {
        summary.records += 1
        summary.fileStats[file, default: TraceFileStats()].records += 1
    }

    func emitted(_ run: Run) {
        summary.runs += 1
        summary.steps += run.steps.count
        summary.fileStats[run.source.file, default: TraceFileStats()].runs += 1
        for step in run.steps { summary.fileStats[step.source.file, default: TraceFileStats()].steps += 1 }
    }

    func emptyRun() { summary.emptyRuns += 1 }

    func openRuns(_ count: Int) {
        if count > summary.maxOpenRuns { summary.maxOpenRuns = count }
    }
}
