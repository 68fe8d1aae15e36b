/// PipelineProgress of a long pipeline stage, for a progress line on a TTY.
public struct PipelineProgress: Sendable, Hashable {
    public var stage: String
    public var runs: Int
    public var steps: Int
}

/// Runs the Analyze stage end to end over a workspace: read the tenant sandboxes, stream the traces
/// through the analyzer, assemble the report.
public enum AnalyzePipeline {
    public struct Outcome: Sendable {
        public var report: AnalysisReport
        public var sandboxes: [TenantSandbox]
        public var sandboxDiagnostics: [Diagnostic]
        public var traceSummary: TraceReadSummary
        /// True when an input could not be used at all (errors in sandboxes, workspace, or no inputs).
        public var hasInputErrors: Bool
    }

    public static func run(
        workspace: Workspace, readerOptions: TraceReaderOptions? = nil, analyzerOptions: AnalyzerOptions = AnalyzerOptions(),
        progress: ((PipelineProgress) -> Void)? = nil
    ) -> Outcome {
        var diagnostics = workspace.warnings
        let sandboxResult = SandboxReader().read(paths: workspace.tenants)
        diagnostics += sandboxResult.diagnostics
        if workspace.tenants.isEmpty {
            diagnostics.append(.error(.noInputs, "no tenant sandboxes given: name them in nodeward.yaml (tenants:) or pass --tenants"))
        }
        if workspace.traces.isEmpty {
            diagnostics.append(.error(.noInputs, "no traces given: name them in nodeward.yaml (traces:) or pass --traces"))
        }
        var labels: [IncidentLabel] = []
        if let path = workspace.labels {
            do { labels = try IncidentLabel.load(path: path) } catch { diagnostics.append(error) }
        }
        var analyzer = Analyzer(sandboxes: sandboxResult.sandboxes, options: analyzerOptions)
        var runs = 0, steps = 0
        let reader = TraceReader(options: readerOptions ?? workspace.traceReaderOptions())
        let summary = reader.read(paths: workspace.traces) { run in
            analyzer.consume(run)
            runs += 1
            steps += run.steps.count
            if runs % 256 == 0 { progress?(PipelineProgress(stage: "analyze", runs: runs, steps: steps)) }
        }
        progress?(PipelineProgress(stage: "analyze", runs: runs, steps: steps))
        if summary.files.isEmpty, !workspace.traces.isEmpty {
            diagnostics.append(.error(.noInputs, "no trace files (*.json, *.jsonl, *.ndjson) found under \(workspace.traces.joined(separator: ", "))"))
        }
        if sandboxResult.filesRead == 0, !workspace.tenants.isEmpty, sandboxResult.errors.isEmpty {
            diagnostics.append(.error(.noInputs, "no tenant sandbox files (*.yaml, *.yml) found under \(workspace.tenants.joined(separator: ", "))"))
        }
        let report = analyzer.finish(traceSummary: summary, sandboxDiagnostics: diagnostics, workspace: workspace.root,
                                     tenantFiles: sandboxResult.filesRead, labels: labels)
        return Outcome(report: report, sandboxes: sandboxResult.sandboxes, sandboxDiagnostics: diagnostics,
                       traceSummary: summary, hasInputErrors: diagnostics.contains { $0.severity == .error })
    }
}
