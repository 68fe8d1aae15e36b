import ArgumentParser
import NodewardCore

extension FindingSeverity: ExpressibleByArgument {}
extension OutputFormat: ExpressibleByArgument {}
extension GraphFormat: ExpressibleByArgument {}

/// The threshold of `--fail-on`: a finding severity, or `none` to never fail on findings.
enum FailThreshold: String, ExpressibleByArgument, CaseIterable {
    case none, low, medium, high

    var severity: FindingSeverity? { FindingSeverity(rawValue: rawValue) }
}

struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Join tenant sandboxes with agent traces: inventory, declared vs used, legacy fidelity, config risks.",
        discussion: "Exit codes: 0 ok, 1 findings at or above --fail-on, 2 bad input, 64 usage.")

    @OptionGroup var inputs: WorkspaceOptions

    @OptionGroup var layout: TextLayoutOptions

    @Option(help: "Output format: text, json or markdown.")
    var format: OutputFormat = .text

    @Option(name: .customLong("fail-on"), help: "Exit 1 when a finding has at least this severity: none, low, medium, high.")
    var failOn: FailThreshold = .none

    @Flag(help: "Treat skipped trace records as bad input (exit 2).")
    var strict = false

    func run() throws {
        let (_, outcome) = try PipelineRunner.run(inputs: inputs, stages: .init(analyze: AnalyzerOptions()))
        let report = outcome.analysis!
        Terminal.out(report.rendered(as: format, width: layout.width))
        throw PipelineRunner.exitCode(for: outcome, failOn: failOn, strict: strict)
    }
}

/// Shared by the pipeline commands: resolve the workspace, run the stages with a progress line, print
/// diagnostics and a summary to stderr.
enum PipelineRunner {
    /// The resolved workspace (for the outputs it names) and the stages' outcome.
    static func run(inputs: WorkspaceOptions, stages: Pipeline.Stages, overriding: Set<String> = []) throws -> (Workspace, Pipeline.Outcome) {
        let workspace: Workspace
        do {
            workspace = try inputs.resolve(overriding: overriding)
        } catch {
            Terminal.err(error.description)
            throw NodewardExit.badInput
        }
        let progress = Terminal.ProgressLine()
        let outcome = Pipeline.run(workspace: workspace, stages: stages) { progress.update($0) }
        progress.finish()
        for diagnostic in outcome.diagnostics.prefix(20) { Terminal.err(diagnostic.description) }
        if outcome.diagnostics.count > 20 {
            Terminal.err("… \(outcome.diagnostics.count - 20) more diagnostics (see --format json)")
        }
        let summary = outcome.traceSummary
        if summary.skippedTotal > 0 {
            let codes = summary.skipped.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            Terminal.err("warning: skipped \(summary.skippedTotal.grouped) trace records (\(codes)); first: \(summary.diagnostics.first?.description ?? "-")")
        }
        Terminal.err("read \(outcome.sandboxes.count) tenant sandboxes, \(summary.runs.grouped) runs, \(summary.steps.grouped) steps from \(summary.files.count) trace files")
        return (workspace, outcome)
    }

    static func exitCode(for outcome: Pipeline.Outcome, failOn: FailThreshold, strict: Bool) -> ExitCode {
        if outcome.hasInputErrors { return NodewardExit.badInput }
        if strict && outcome.traceSummary.skippedTotal > 0 { return NodewardExit.badInput }
        if let threshold = failOn.severity, let report = outcome.analysis,
           (report.risks + report.observations).contains(where: { $0.severity >= threshold }) {
            return NodewardExit.findings
        }
        return NodewardExit.ok
    }
}
