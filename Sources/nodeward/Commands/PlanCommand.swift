import ArgumentParser
import Foundation
import NodewardCore

/// The README's main command: the dry-run of a migration to task-graph isolation. It runs the stages
/// built so far (Analyze and Infer) in one pass; policies, shadow replay and the full report follow.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Dry-run a migration to task-graph isolation (currently: Analyze, Infer, Generate).",
        discussion: """
            Graphs and policies are written to the reports folder (default .nodeward/reports/), never over the \
            workspace's committed graphs/, which the plan compares against when present. \
            Exit codes: 0 ok, 1 findings at or above --fail-on, 2 bad input, 64 usage.
            """)

    @OptionGroup var inputs: WorkspaceOptions

    @Option(help: "Output format: text, json or markdown.")
    var format: OutputFormat = .text

    @Option(name: .customLong("fail-on"), help: "Exit 1 when a finding has at least this severity: none, low, medium, high.")
    var failOn: FailThreshold = .none

    func run() throws {
        Terminal.err("plan: analyze + infer + generate node policies (shadow replay and the full report are not built yet)")
        let (workspace, outcome) = try PipelineRunner.run(inputs: inputs, stages: .init(analyze: AnalyzerOptions(), infer: InferenceOptions()))
        guard let report = outcome.analysis, let graphs = outcome.graphs else { throw NodewardExit.badInput }
        var committed: [TaskGraph]?
        if let folder = workspace.graphs, FileManager.default.fileExists(atPath: folder) {
            committed = GraphFiles.load(directory: folder).graphs
        }
        let policies = graphs.map { PolicyGenerator(graph: $0, sandboxes: outcome.sandboxes).generate() }
        let plan = PlanSummary(analysis: report, graphs: graphs, policies: policies, committedGraphs: committed)
        if let reports = workspace.reports ?? workspace.root.map({ ($0 as NSString).appendingPathComponent(".nodeward/reports") }),
           !outcome.hasInputErrors {
            try GraphWriter.write(graphs, to: (reports as NSString).appendingPathComponent("graphs"))
            try PlanFiles.writePolicies(policies, to: (reports as NSString).appendingPathComponent("policies"))
            try PlanFiles.write(plan, to: reports)
        }
        Terminal.out(plan.rendered(as: format))
        throw PipelineRunner.exitCode(for: outcome, failOn: failOn, strict: false)
    }
}

enum PlanFiles {
    static func writePolicies(_ sets: [PolicySet], to folder: String) throws {
        try OutputFiles.write(sets.map { ($0.fileStem + ".yaml", $0.yaml()) }, to: folder, what: "policies")
        Terminal.err("wrote \(sets.count) policy files to \(folder)")
    }

    static func write(_ plan: PlanSummary, to folder: String) throws {
        let files = [("plan.md", plan.rendered(as: .markdown)), ("plan.json", plan.rendered(as: .json))]
        for path in try OutputFiles.write(files, to: folder, what: "the plan") { Terminal.err("wrote \(path)") }
    }
}
