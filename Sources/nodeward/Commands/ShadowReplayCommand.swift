import ArgumentParser
import Foundation
import NodewardCore
import NodewardStore

struct ShadowReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay recorded traces through both regimes and record every decision pair in the store.",
        discussion: """
            Node policies come from --policies DIR (or the workspace's policies/ when it exists); otherwise they \
            are generated (balanced) from the inferred task graphs. Re-running over the same traces and policies \
            adds no rows. Exit codes: 0 ok, 1 --fail-on matched, 2 bad input, 64 usage.
            """)

    @OptionGroup var inputs: WorkspaceOptions

    @OptionGroup var layout: TextLayoutOptions

    @Option(help: ArgumentHelp("Node policies folder (default: the workspace's policies/, else generated).", valueName: "dir"))
    var policies: String?

    @Option(help: ArgumentHelp("The store file (default: <workspace>/.nodeward/nodeward.sqlite).", valueName: "path"))
    var store: String?

    @Flag(name: .customLong("no-store"), help: "Compare only; record nothing.")
    var noStore = false

    @Option(help: "Output format: text, json or markdown.")
    var format: OutputFormat = .text

    @Option(name: .customLong("fail-on"), parsing: .upToNextOption,
            help: "Exit 1 when any step falls in one of these classes: tightened, widened, unevaluable, unknown-step.")
    var failOn: [ComparisonClass] = []

    func run() throws {
        let (workspace, outcome, sets) = try ShadowInputs.resolve(inputs: inputs, policies: policies, overriding: WorkspaceOptions.overridden(store: store, noStore: noStore, policies: policies))
        let incidents = ShadowInputs.incidents(workspace)
        let path = noStore ? nil : ShadowRunner.storePath(explicit: store, workspace: workspace)
        let result = try ShadowRunner.replay(workspace: workspace, sandboxes: outcome.sandboxes, policies: sets,
                                             storePath: path, incidents: incidents)
        switch format {
        case .json: Terminal.out(StableJSON.encode(result.summary))
        case .text: Terminal.out(result.summary.document().plainText(width: layout.width))
        case .markdown: Terminal.out(result.summary.document().markdown())
        }
        Terminal.err("shadow replay: \(Inline.plain(result.summary.verdict))")
        if let path {
            Terminal.err("recorded \(result.recorded.decisions.grouped) new decisions (\(result.recorded.steps.grouped) new steps) in \(path)")
        }
        if failOn.contains(where: { result.summary.totals[$0] > 0 }) { throw NodewardExit.findings }
    }
}

extension ComparisonClass: ExpressibleByArgument {}

/// The inputs of a shadow comparison: sandboxes and policies (committed, or generated from inference).
enum ShadowInputs {
    static func resolve(inputs: WorkspaceOptions, policies: String?, overriding: Set<String> = []) throws -> (Workspace, Pipeline.Outcome, [PolicySet]) {
        let committed = try committedFolder(inputs: inputs, explicit: policies)
        let (workspace, outcome) = try PipelineRunner.run(inputs: inputs, stages: .init(infer: committed == nil ? InferenceOptions() : nil),
                                                          overriding: overriding)
        guard !outcome.hasInputErrors else { throw NodewardExit.badInput }
        if let committed {
            let loaded = PolicyFolder.load(directory: committed)
            for diagnostic in loaded.diagnostics { Terminal.err(diagnostic.description) }
            guard !loaded.diagnostics.contains(where: { $0.severity == .error }) else { throw NodewardExit.badInput }
            Terminal.err("evaluating \(loaded.sets.count) committed policy files from \(committed)")
            return (workspace, outcome, loaded.sets)
        }
        let sets = (outcome.graphs ?? []).map { PolicyGenerator(graph: $0, sandboxes: outcome.sandboxes).generate() }
        Terminal.err("generated \(sets.count) policy sets (balanced) from the inferred task graphs")
        return (workspace, outcome, sets)
    }

    /// The workspace's incident labels; a labels file that cannot be read is reported, not fatal.
    static func incidents(_ workspace: Workspace) -> [IncidentLabel] {
        guard let path = workspace.labels else { return [] }
        do { return try IncidentLabel.load(path: path) } catch {
            Terminal.err(error.description)
            return []
        }
    }

    /// `--policies DIR`, else the workspace's policies folder when it exists on disk.
    static func committedFolder(inputs: WorkspaceOptions, explicit: String?) throws -> String? {
        if let explicit { return explicit }
        let workspace: Workspace
        do { workspace = try inputs.resolve() } catch { return nil }
        guard let folder = workspace.policiesFolder, FileManager.default.fileExists(atPath: folder) else { return nil }
        return folder
    }
}
