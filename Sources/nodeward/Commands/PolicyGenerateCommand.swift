import ArgumentParser
import Foundation
import NodewardCore

extension PolicyStrictness: ExpressibleByArgument {}

/// `--split`: one holdout split, or all of them.
enum SplitChoice: String, ExpressibleByArgument, CaseIterable {
    case time, variant, kfold, all

    var splits: [HoldoutSplit] { self == .all ? HoldoutSplit.allCases : [HoldoutSplit(rawValue: rawValue)!] }
}

extension PolicyCommand {
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate node policies from the task graphs (infers them, or reads --graphs DIR).",
            discussion: """
                Writes policies/<workflow>.yaml (or --policies DIR). With --evaluate, writes no files: holds runs \
                out (by time, by workflow variant, k-fold), generates from the rest, and prints per strictness the \
                share of held-out benign runs fully allowed, of attack runs stopped, and false denies per 1,000 \
                benign steps. Exit codes: 0 ok, 2 bad input, 64 usage.
                """)

        @OptionGroup var inputs: WorkspaceOptions

        @Option(help: ArgumentHelp("Read task graphs from this folder instead of inferring them.", valueName: "dir"))
        var graphs: String?

        @Option(help: ArgumentHelp("Folder the policy files are written to (default: the workspace's policies/).", valueName: "dir"))
        var policies: String?

        @Option(help: "permissive, balanced (default) or strict. With --evaluate: the one level to measure (default: all).")
        var strictness: PolicyStrictness?

        @Option(name: .customLong("min-runs"), help: "Edges seen in fewer runs are not granted (balanced, strict).")
        var minRuns = 3

        @Option(name: .customLong("min-tenants"), help: "Edges seen in fewer tenants are not granted; strict needs at least 2 for external content into a write.")
        var minTenants = 1

        @Option(help: "Per-run limit headroom over the most steps seen in one run.")
        var headroom = 2.0

        @Flag(help: "Measure the strictness trade-off on held-out runs instead of writing policies.")
        var evaluate = false

        @Option(help: "Folds of the variant and kfold splits (--evaluate).")
        var folds = 5

        @Option(help: "Holdout split for --evaluate: time, variant, kfold or all.")
        var split: SplitChoice = .all

        @Option(help: "Output format of --evaluate: text, json or markdown.")
        var format: OutputFormat = .text

        @Flag(name: .customLong("train-on-attacks"), help: "With --evaluate: also train on labelled attack runs (off: attacks are never trained on).")
        var trainOnAttacks = false

        func validate() throws {
            guard minRuns >= 1, minTenants >= 1 else { throw ValidationError("--min-runs and --min-tenants must be at least 1") }
            guard headroom >= 1 else { throw ValidationError("--headroom must be at least 1") }
            guard folds >= 2 else { throw ValidationError("--folds must be at least 2") }
            if evaluate, graphs != nil { throw ValidationError("--evaluate infers graphs per fold; it cannot use --graphs") }
            if evaluate, policies != nil { throw ValidationError("--evaluate writes no policy files; drop --policies") }
        }

        var generatorOptions: PolicyGeneratorOptions {
            var options = PolicyGeneratorOptions(strictness: strictness ?? .balanced)
            options.minRuns = minRuns
            options.minTenants = minTenants
            options.headroom = headroom
            return options
        }

        func run() throws {
            if evaluate { return try runEvaluation() }
            let strictness = strictness ?? .balanced
            let (workspace, outcome) = try PipelineRunner.run(inputs: inputs, stages: .init(infer: graphs == nil ? InferenceOptions() : nil),
                                                              overriding: WorkspaceOptions.overridden(policies: policies, graphs: graphs))
            guard !outcome.hasInputErrors else { throw NodewardExit.badInput }
            let taskGraphs: [TaskGraph]
            if let graphs {
                let loaded = GraphFiles.load(directory: graphs)
                for diagnostic in loaded.diagnostics { Terminal.err(diagnostic.description) }
                guard loaded.diagnostics.isEmpty else { throw NodewardExit.badInput }
                taskGraphs = loaded.graphs
            } else {
                taskGraphs = outcome.graphs ?? []
            }
            let sets = taskGraphs.map { PolicyGenerator(graph: $0, sandboxes: outcome.sandboxes, options: generatorOptions).generate() }
            guard let folder = policies ?? workspace.policiesFolder else {
                throw ValidationError("give --policies DIR (no workspace folder to write policies/ into)")
            }
            for path in try OutputFiles.write(sets.map { ($0.fileStem + ".yaml", $0.yaml()) }, to: folder, what: "policies") {
                Terminal.out(path + "\n")
            }
            let withheld = sets.reduce(0) { $0 + $1.nodes.reduce(0) { $0 + ($1.withheld?.count ?? 0) } }
            Terminal.err("generated \(sets.count) policy files (\(sets.reduce(0) { $0 + $1.nodes.count }) nodes, \(withheld) withheld grants, strictness \(strictness.rawValue)) in \(folder)")
        }

        /// Reads every run into memory (the evaluation trains several times), then prints the table.
        func runEvaluation() throws {
            let workspace: Workspace
            do { workspace = try inputs.resolve(overriding: WorkspaceOptions.overridden(policies: policies, graphs: graphs)) } catch {
                Terminal.err(error.description)
                throw NodewardExit.badInput
            }
            let sandboxes = SandboxReader(dialects: workspace.dialectOptions).read(paths: workspace.tenants)
            for diagnostic in sandboxes.diagnostics { Terminal.err(diagnostic.description) }
            guard sandboxes.errors.isEmpty, !workspace.tenants.isEmpty, !workspace.traces.isEmpty else {
                if workspace.tenants.isEmpty || workspace.traces.isEmpty { Terminal.err("error: give tenant sandboxes and traces (nodeward.yaml or --tenants/--traces)") }
                throw NodewardExit.badInput
            }
            var labels: [IncidentLabel] = []
            if let path = workspace.labels {
                do { labels = try IncidentLabel.load(path: path) } catch {
                    Terminal.err(error.description)
                    throw NodewardExit.badInput
                }
            } else {
                Terminal.err("warning: no incident labels (labels: in nodeward.yaml or --labels); every run counts as benign")
            }
            var runs: [Run] = []
            let summary = TraceReader(options: workspace.traceReaderOptions()).read(paths: workspace.traces) { runs.append($0) }
            if summary.skippedTotal > 0 {
                Terminal.err("warning: skipped \(summary.skippedTotal.grouped) trace records; first: \(summary.diagnostics.first?.description ?? "-")")
            }
            guard !summary.files.isEmpty else {
                Terminal.err("error: no trace files found under \(workspace.traces.joined(separator: ", "))")
                throw NodewardExit.badInput
            }
            Terminal.err("read \(sandboxes.sandboxes.count) tenant sandboxes, \(summary.runs.grouped) runs, \(summary.steps.grouped) steps, \(labels.count) incident labels")
            var options = GeneralizationOptions()
            options.splits = split.splits
            options.strictness = strictness.map { [$0] } ?? PolicyStrictness.allCases
            options.folds = folds
            options.generator = generatorOptions
            options.trainOnAttacks = trainOnAttacks
            let report = GeneralizationEvaluation(runs: runs, sandboxes: sandboxes.sandboxes, labels: labels, options: options).evaluate()
            switch format {
            case .json: Terminal.out(StableJSON.encode(report))
            case .text: Terminal.out(report.document().plainText())
            case .markdown: Terminal.out(report.document().markdown())
            }
        }
    }
}
