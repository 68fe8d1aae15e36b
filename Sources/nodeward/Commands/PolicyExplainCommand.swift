import ArgumentParser
import Foundation
import NodewardCore

extension PolicyCommand {
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

        @Option(name: .customLong("tenant"), help: "With --run: the run's tenant (a run is identified by tenant and run id).")
        var tenant: String?

        @Option(help: "Output format: text, json or markdown.")
        var format: OutputFormat = .text

        func validate() throws {
            if (runID == nil) != (stepID == nil) { throw ValidationError("--run and --step go together") }
        }

        func run() throws {
            let workspace: Workspace
            do { workspace = try inputs.resolve(overriding: WorkspaceOptions.overridden(policies: policies, graphs: graphs)) } catch {
                Terminal.err(error.description)
                throw NodewardExit.badInput
            }
            guard let policyFolder = policies ?? workspace.policiesFolder else { throw ValidationError("give --policies DIR") }
            let loaded = PolicyFolder.load(directory: policyFolder)
            for diagnostic in loaded.diagnostics { Terminal.err(diagnostic.description) }
            guard !loaded.diagnostics.contains(where: { $0.severity == .error }) else { throw NodewardExit.badInput }
            let graphSet = (graphs ?? workspace.graphs).map { GraphFiles.load(directory: $0).graphs } ?? []
            guard var explanation = PolicyExplanation.explain(nodeID: node, policies: loaded.sets, graphs: graphSet) else {
                Terminal.err("error: no node \(node) in the policies under \(policyFolder)")
                throw NodewardExit.badInput
            }
            if let runID, let stepID {
                let sandboxes = SandboxReader(dialects: workspace.dialectOptions).read(paths: workspace.tenants)
                // A run is (tenant, run id): the same id in two tenants is two runs, and --tenant says which.
                var matches: [Run] = []
                _ = TraceReader(options: workspace.traceReaderOptions()).read(paths: workspace.traces) { candidate in
                    if candidate.runId == runID, tenant.map({ $0 == candidate.tenant }) ?? true,
                       !matches.contains(where: { $0.tenant == candidate.tenant }) { matches.append(candidate) }
                }
                if matches.count > 1 {
                    Terminal.err(Diagnostic.error("explain.ambiguous-run", "run \(runID) exists in \(matches.count) tenants; say which with --tenant").description)
                    throw NodewardExit.badInput
                }
                guard let found = matches.first, let explained = PolicyExplanation.explain(step: stepID, in: found, policies: loaded.sets,
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
