import ArgumentParser
import NodewardCore

/// The README's main command. Until inference, policies, shadow replay and the report land, `plan` runs
/// the Analyze stage and says so.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Dry-run a migration to task-graph isolation (currently: the Analyze stage).",
        discussion: "Exit codes: 0 ok, 1 findings at or above --fail-on, 2 bad input, 64 usage.")

    @OptionGroup var inputs: WorkspaceOptions

    @Option(help: "Output format: text, json or markdown.")
    var format: OutputFormat = .text

    @Option(name: .customLong("fail-on"), help: "Exit 1 when a finding has at least this severity: none, low, medium, high.")
    var failOn: FailThreshold = .none

    func run() throws {
        Terminal.err("plan: running the Analyze stage (inference, node policies and shadow replay are not built yet)")
        let outcome = try AnalyzeRunner.run(inputs: inputs)
        Terminal.out(outcome.report.rendered(as: format))
        throw AnalyzeRunner.exitCode(for: outcome, failOn: failOn, strict: false)
    }
}
