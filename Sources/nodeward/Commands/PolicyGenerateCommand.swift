import ArgumentParser
import Foundation
import NodewardCore

extension PolicyStrictness: ExpressibleByArgument {}

extension PolicyCommand {
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate node policies from the task graphs (infers them, or reads --graphs DIR).",
            discussion: "Writes policies/<workflow>.yaml (or --policies DIR). Exit codes: 0 ok, 2 bad input, 64 usage.")

        @OptionGroup var inputs: WorkspaceOptions

        @Option(help: ArgumentHelp("Read task graphs from this folder instead of inferring them.", valueName: "dir"))
        var graphs: String?

        @Option(help: ArgumentHelp("Folder the policy files are written to (default: the workspace's policies/).", valueName: "dir"))
        var policies: String?

        @Option(help: "permissive, balanced or strict.")
        var strictness: PolicyStrictness = .balanced

        @Option(name: .customLong("min-runs"), help: "Edges seen in fewer runs are not granted (balanced, strict).")
        var minRuns = 3

        @Option(name: .customLong("min-tenants"), help: "Edges seen in fewer tenants are not granted; strict needs at least 2 for external content into a write.")
        var minTenants = 1

        @Option(help: "Per-run limit headroom over the most steps seen in one run.")
        var headroom = 2.0

        func validate() throws {
            guard minRuns >= 1, minTenants >= 1 else { throw ValidationError("--min-runs and --min-tenants must be at least 1") }
            guard headroom >= 1 else { throw ValidationError("--headroom must be at least 1") }
        }

        func run() throws {
            let (workspace, outcome) = try PipelineRunner.run(inputs: inputs, stages: .init(infer: graphs == nil ? InferenceOptions() : nil))
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
            var options = PolicyGeneratorOptions(strictness: strictness)
            options.minRuns = minRuns
            options.minTenants = minTenants
            options.headroom = headroom
            let sets = taskGraphs.map { PolicyGenerator(graph: $0, sandboxes: outcome.sandboxes, options: options).generate() }
            guard let folder = policies ?? workspace.policies ?? workspace.root.map({ ($0 as NSString).appendingPathComponent("policies") }) else {
                throw ValidationError("give --policies DIR (no workspace folder to write policies/ into)")
            }
            for path in try OutputFiles.write(sets.map { ($0.fileStem + ".yaml", $0.yaml()) }, to: folder, what: "policies") {
                Terminal.out(path + "\n")
            }
            let withheld = sets.reduce(0) { $0 + $1.nodes.reduce(0) { $0 + ($1.withheld?.count ?? 0) } }
            Terminal.err("generated \(sets.count) policy files (\(sets.reduce(0) { $0 + $1.nodes.count }) nodes, \(withheld) withheld grants, strictness \(strictness.rawValue)) in \(folder)")
        }
    }
}
