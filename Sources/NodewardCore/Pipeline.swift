/// Progress of a long pipeline stage, for a progress line on a TTY.
public struct PipelineProgress: Sendable, Hashable {
    public var stage: String
    public var runs: Int
    public var steps: Int

    public init(stage: String, runs: Int, steps: Int) {
        self.stage = stage
        self.runs = runs
        self.steps = steps
    }
}

/// Runs the pipeline stages over a workspace with one pass over the traces: read the tenant sandboxes,
/// stream every run through each requested stage, assemble the results.
public enum Pipeline {
    public struct Stages: Sendable {
        public var analyze: AnalyzerOptions?
        public var infer: InferenceOptions?

        public init(analyze: AnalyzerOptions? = nil, infer: InferenceOptions? = nil) {
            self.analyze = analyze
            self.infer = infer
        }
    }

    public struct Outcome: Sendable {
        public var analysis: AnalysisReport?
        public var graphs: [TaskGraph]?
        public var sandboxes: [TenantSandbox]
        /// Workspace, sandbox and input diagnostics (trace diagnostics are in `traceSummary`).
        public var diagnostics: [Diagnostic]
        public var traceSummary: TraceReadSummary
        /// True when an input could not be used at all (errors in sandboxes, workspace, or no inputs).
        public var hasInputErrors: Bool
    }

    public static func run(
        workspace: Workspace, stages: Stages, readerOptions: TraceReaderOptions? = nil,
        progress: ((PipelineProgress) -> Void)? = nil
    ) -> Outcome {
        var diagnostics = workspace.warnings
        let sandboxResult = SandboxReader(dialects: workspace.dialectOptions).read(paths: workspace.tenants)
        diagnostics += sandboxResult.diagnostics
        if workspace.tenants.isEmpty {
            diagnostics.append(.error(.noInputs, "no tenant sandboxes given: name them in nodeward.yaml (tenants:) or pass --tenants"))
        }
        if workspace.traces.isEmpty {
            diagnostics.append(.error(.noInputs, "no traces given: name them in nodeward.yaml (traces:) or pass --traces"))
        }
        var labels: [IncidentLabel] = []
        if stages.analyze != nil, let path = workspace.labels {
            do { labels = try IncidentLabel.load(path: path) } catch { diagnostics.append(error) }
        }
        var analyzer = stages.analyze.map { Analyzer(sandboxes: sandboxResult.sandboxes, options: $0) }
        var inferencer = stages.infer.map { Inferencer(sandboxes: sandboxResult.sandboxes, options: $0) }
        var runs = 0, steps = 0
        let stage = [stages.analyze.map { _ in "analyze" }, stages.infer.map { _ in "infer" }].compactMap { $0 }.joined(separator: "+")
        let reader = TraceReader(options: readerOptions ?? workspace.traceReaderOptions())
        let summary = reader.read(paths: workspace.traces) { run in
            analyzer?.consume(run)
            inferencer?.consume(run)
            runs += 1
            steps += run.steps.count
            if runs % 256 == 0 { progress?(PipelineProgress(stage: stage, runs: runs, steps: steps)) }
        }
        progress?(PipelineProgress(stage: stage, runs: runs, steps: steps))
        if summary.files.isEmpty, !workspace.traces.isEmpty {
            diagnostics.append(.error(.noInputs, "no trace file could be read under \(workspace.traces.joined(separator: ", ")) (looked for *.json, *.jsonl, *.ndjson and their .gz; files refused are listed with their own diagnostic)"))
        }
        if sandboxResult.filesRead == 0, !workspace.tenants.isEmpty, sandboxResult.errors.isEmpty {
            diagnostics.append(.error(.noInputs, "no tenant sandbox files (*.yaml, *.yml) found under \(workspace.tenants.joined(separator: ", "))"))
        }
        let report = analyzer?.finish(traceSummary: summary, sandboxDiagnostics: diagnostics, workspace: workspace.root,
                                      tenantFiles: sandboxResult.filesRead, labels: labels)
        return Outcome(analysis: report, graphs: inferencer?.finish(), sandboxes: sandboxResult.sandboxes,
                       diagnostics: diagnostics, traceSummary: summary,
                       hasInputErrors: diagnostics.contains { $0.severity == .error })
    }
}
