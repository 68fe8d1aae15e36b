import ArgumentParser
import NodewardCore

extension FindingSeverity: ExpressibleByArgument {}
extension OutputFormat: ExpressibleByArgument {}

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

    @Option(help: "Output format: text, json or markdown.")
    var format: OutputFormat = .text

    @Option(name: .customLong("fail-on"), help: "Exit 1 when a finding has at least this severity: none, low, medium, high.")
    var failOn: FailThreshold = .none

    @Flag(help: "Treat skipped trace records as bad input (exit 2).")
    var strict = false

    func run() throws {
        let outcome = try AnalyzeRunner.run(inputs: inputs)
        Terminal.out(outcome.report.rendered(as: format))
        throw AnalyzeRunner.exitCode(for: outcome, failOn: failOn, strict: strict)
    }
}

/// Shared by `analyze` and `plan`: run the stage with a progress line, print a summary to stderr.
enum AnalyzeRunner {
    static func run(inputs: WorkspaceOptions) throws -> AnalyzePipeline.Outcome {
        let workspace: Workspace
        do {
            workspace = try inputs.resolve()
        } catch {
            Terminal.err(error.description)
            throw NodewardExit.badInput
        }
        let progress = Terminal.ProgressLine()
        let outcome = AnalyzePipeline.run(workspace: workspace) { progress.update($0) }
        progress.finish()
        let report = outcome.report
        for diagnostic in outcome.sandboxDiagnostics.prefix(20) { Terminal.err(diagnostic.description) }
        if outcome.sandboxDiagnostics.count > 20 {
            Terminal.err("… \(outcome.sandboxDiagnostics.count - 20) more diagnostics in --format json")
        }
        if report.traces.skippedTotal > 0 {
            let codes = report.traces.skipped.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            Terminal.err("warning: skipped \(report.traces.skippedTotal.grouped) trace records (\(codes)); first: \(outcome.traceSummary.diagnostics.first?.description ?? "-")")
        }
        Terminal.err("analyzed \(report.tenants.count) tenant sandboxes, \(report.traces.runs.grouped) runs, \(report.traces.steps.grouped) steps: \(report.risks.count) config risks, \(report.observations.count) observations")
        return outcome
    }

    static func exitCode(for outcome: AnalyzePipeline.Outcome, failOn: FailThreshold, strict: Bool) -> ExitCode {
        if outcome.hasInputErrors { return NodewardExit.badInput }
        if strict && outcome.report.traces.skippedTotal > 0 { return NodewardExit.badInput }
        if let threshold = failOn.severity,
           (outcome.report.risks + outcome.report.observations).contains(where: { $0.severity >= threshold }) {
            return NodewardExit.findings
        }
        return NodewardExit.ok
    }
}
