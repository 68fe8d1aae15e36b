import ArgumentParser
import Foundation
import NodewardCore

struct InferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Infer each workflow's task graph (nodes, control and data edges, evidence) from the traces.",
        discussion: """
            Writes one YAML file per workflow to the workspace's graphs/ folder (or --graphs DIR) and prints the \
            graphs in --format to stdout. With --compare DIR, prints what changed against the graphs in DIR instead. \
            Exit codes: 0 ok, 1 --compare found changes and --fail-on-change was given, 2 bad input, 64 usage.
            """)

    @OptionGroup var inputs: WorkspaceOptions

    @Option(help: ArgumentHelp("Folder the graph files are written to (default: the workspace's graphs/).", valueName: "dir"))
    var graphs: String?

    @Option(help: "Output format: yaml, json, mermaid or dot.")
    var format: GraphFormat = .yaml

    @Option(name: .customLong("min-runs"), help: "Elements seen in fewer runs are marked low-support.")
    var minRuns = 3

    @Option(name: .customLong("min-tenants"), help: "Elements seen in fewer tenants are marked low-support.")
    var minTenants = 1

    @Option(name: .customLong("rare-share"), help: "Elements in fewer than this share of a workflow's runs are marked rare.")
    var rareShare = 0.02

    @Option(help: "Conformance hold-out: kfold, time or none.")
    var holdout: HoldoutMode = .kfold

    @Option(help: "Folds for --holdout kfold.")
    var folds = 5

    @Option(help: ArgumentHelp("Compare against the graphs in this folder and print the changes.", valueName: "dir"))
    var compare: String?

    @Flag(name: .customLong("fail-on-change"), help: "With --compare: exit 1 when the graphs changed.")
    var failOnChange = false

    @Flag(name: .customLong("no-write"), help: "Do not write graph files.")
    var noWrite = false

    enum HoldoutMode: String, ExpressibleByArgument { case kfold, time, none }

    func validate() throws {
        guard minRuns >= 1, minTenants >= 1 else { throw ValidationError("--min-runs and --min-tenants must be at least 1") }
        guard (0...1).contains(rareShare) else { throw ValidationError("--rare-share must be between 0 and 1") }
        guard folds >= 2 else { throw ValidationError("--folds must be at least 2") }
    }

    var options: InferenceOptions {
        var options = InferenceOptions()
        options.minRuns = minRuns
        options.minTenants = minTenants
        options.rareShare = rareShare
        switch holdout {
        case .kfold: options.holdout = .kFold(folds)
        case .time: options.holdout = .time(0.2)
        case .none: options.holdout = .none
        }
        return options
    }

    func run() throws {
        let (workspace, outcome) = try PipelineRunner.run(inputs: inputs, stages: .init(infer: options), overriding: WorkspaceOptions.overridden(graphs: graphs))
        guard !outcome.hasInputErrors, let graphs = outcome.graphs else { throw NodewardExit.badInput }
        let folder = self.graphs ?? workspace.graphs ?? workspace.root.map { ($0 as NSString).appendingPathComponent("graphs") }
        if !noWrite, let folder {
            try GraphWriter.write(graphs, to: folder)
        }
        Terminal.err(TextTable(headers: TaskGraph.summaryHeaders, rows: graphs.map(\.summaryRow)).plain())
        if let compare {
            let previous = GraphFiles.load(directory: compare)
            for diagnostic in previous.diagnostics { Terminal.err(diagnostic.description) }
            guard previous.diagnostics.isEmpty else { throw NodewardExit.badInput }
            let diff = GraphDiff(old: previous.graphs, new: graphs)
            Terminal.out(format == .json ? StableJSON.encode(diff) : diff.document().plainText())
            throw failOnChange && diff.hasChanges ? NodewardExit.findings : NodewardExit.ok
        }
        Terminal.out(GraphWriter.render(graphs, as: format))
    }
}

/// Writes graph files; rendering several graphs to one stream.
enum GraphWriter {
    static func write(_ graphs: [TaskGraph], to folder: String) throws {
        let written = try OutputFiles.write(graphs.map { ($0.fileStem + ".yaml", $0.yaml()) }, to: folder, what: "graphs")
        Terminal.err("wrote \(written.count) graph file\(written.count == 1 ? "" : "s") to \(folder)")
    }

    static func render(_ graphs: [TaskGraph], as format: GraphFormat) -> String {
        switch format {
        case .yaml: return graphs.map { "---\n" + $0.yaml() }.joined()
        case .json: return StableJSON.encode(graphs)
        case .mermaid: return graphs.map { "%% \($0.workflow)\n" + $0.mermaid() }.joined(separator: "\n")
        case .dot: return graphs.map { $0.dot() }.joined(separator: "\n")
        }
    }
}
