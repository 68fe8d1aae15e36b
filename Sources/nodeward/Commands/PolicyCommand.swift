import ArgumentParser
import Foundation
import NodewardCore

extension PolicyStrictness: ExpressibleByArgument {}

/// `nodeward policy generate|check`: node-level policies from task graphs (docs/policy-language.md).
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Generate and check node-level policies.",
        subcommands: [Generate.self, Check.self, Diff.self, Explain.self])

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

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate policy files: schema and references, with file:line:col errors.",
            discussion: "Lints and the confinement and threat-model checks are not built yet. Exit codes: 0 ok, 2 invalid, 64 usage.")

        @Argument(help: "The policies folder.")
        var directory: String

        func run() throws {
            let loaded = PolicyFolder.load(directory: directory)
            for diagnostic in loaded.diagnostics { Terminal.err(diagnostic.description) }
            let nodes = loaded.sets.reduce(0) { $0 + $1.nodes.count }
            Terminal.out("\(loaded.sets.count) policy files, \(nodes) nodes, \(loaded.diagnostics.count) problems\n")
            if loaded.diagnostics.contains(where: { $0.severity == .error }) { throw NodewardExit.badInput }
        }
    }

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Semantic diff of two policy folders: nodes added or removed, grants widened or narrowed.",
            discussion: "Exit codes: 0 ok, 1 a grant widened and --fail-on-widen was given, 2 invalid policies, 64 usage.")

        @Argument(help: "The old policies folder (e.g. the base branch's).")
        var old: String

        @Argument(help: "The new policies folder.")
        var new: String

        @Option(help: "Output format: text, json or markdown.")
        var format: OutputFormat = .text

        @Flag(name: .customLong("fail-on-widen"), help: "Exit 1 when any grant is wider in NEW.")
        var failOnWiden = false

        func run() throws {
            let before = PolicyFolder.load(directory: old), after = PolicyFolder.load(directory: new)
            let problems = before.diagnostics + after.diagnostics
            for diagnostic in problems { Terminal.err(diagnostic.description) }
            guard !problems.contains(where: { $0.severity == .error }) else { throw NodewardExit.badInput }
            let diff = PolicyDiff(old: before.sets, new: after.sets)
            switch format {
            case .json: Terminal.out(StableJSON.encode(diff))
            case .text: Terminal.out(diff.document().plainText())
            case .markdown: Terminal.out(diff.document().markdown())
            }
            Terminal.err("\(diff.changes.count) changes, \(diff.widened.count) widening")
            if failOnWiden && !diff.widened.isEmpty { throw NodewardExit.findings }
        }
    }

    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Explain a node: its rule, evidence and graph neighbourhood, and a step's decision path.",
            discussion: "Exit codes: 0 ok, 2 unknown node, run or step, or invalid inputs, 64 usage.")

        @Argument(help: "The node id, as in the policy file.")
        var node: String

        @OptionGroup var inputs: WorkspaceOptions

        @Option(help: ArgumentHelp("Policies folder (default: the workspace's policies/).", valueName: "dir"))
        var policies: String?

        @Option(help: ArgumentHelp("Task graphs folder (default: the workspace's graphs/).", valueName: "dir"))
        var graphs: String?

        @Option(name: .customLong("run"), help: "With --step: the run that holds the step.")
        var runID: String?

        @Option(name: .customLong("step"), help: "A step of --run to explain the decision of.")
        var stepID: String?

        @Option(help: "Output format: text, json or markdown.")
        var format: OutputFormat = .text

        func validate() throws {
            if (runID == nil) != (stepID == nil) { throw ValidationError("--run and --step go together") }
        }

        func run() throws {
            let workspace: Workspace
            do { workspace = try inputs.resolve() } catch {
                Terminal.err(error.description)
                throw NodewardExit.badInput
            }
            guard let policyFolder = policies ?? workspace.policies else { throw ValidationError("give --policies DIR") }
            let loaded = PolicyFolder.load(directory: policyFolder)
            for diagnostic in loaded.diagnostics { Terminal.err(diagnostic.description) }
            guard !loaded.diagnostics.contains(where: { $0.severity == .error }) else { throw NodewardExit.badInput }
            let graphSet = (graphs ?? workspace.graphs).map { GraphFiles.load(directory: $0).graphs } ?? []
            guard var explanation = PolicyExplanation.explain(nodeID: node, policies: loaded.sets, graphs: graphSet) else {
                Terminal.err("error: no node \(node) in the policies under \(policyFolder)")
                throw NodewardExit.badInput
            }
            if let runID, let stepID {
                let sandboxes = SandboxReader().read(paths: workspace.tenants)
                var found: Run?
                _ = TraceReader(options: workspace.traceReaderOptions()).read(paths: workspace.traces) { candidate in
                    if found == nil, candidate.runId == runID { found = candidate }
                }
                guard let found, let explained = PolicyExplanation.explain(step: stepID, in: found, policies: loaded.sets,
                                                                             sandboxes: sandboxes.sandboxes) else {
                    Terminal.err("error: no step \(stepID) in run \(runID) of the traces")
                    throw NodewardExit.badInput
                }
                explanation.step = explained
            }
            switch format {
            case .json: Terminal.out(StableJSON.encode(explanation))
            case .text: Terminal.out(explanation.document().plainText())
            case .markdown: Terminal.out(explanation.document().markdown())
            }
        }
    }
}
