import ArgumentParser
import Foundation
import NodewardCore

extension PolicyCommand {
    enum ExportFormat: String, ExpressibleByArgument, CaseIterable {
        case cedar
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export node policies to another policy engine (Cedar): policies, schema and entities.",
            discussion: """
                Reads --policies DIR, or generates the policies from the workspace as `nodeward plan` does. Writes \
                policies.cedar, schema.cedarschema and entities.json to --out DIR (default: the reports folder's cedar/), \
                and with --requests one Cedar request per step of the workspace's traces, with Nodeward's decision \
                (requests.jsonl). The mapping is in docs/cedar-export.md. Exit codes: 0 ok, 2 bad input, 64 usage.
                """)

        @OptionGroup var inputs: WorkspaceOptions

        @Option(help: ArgumentHelp("Policies folder to export (default: generate from the workspace).", valueName: "dir"))
        var policies: String?

        @Option(help: "Export format: cedar.")
        var format: ExportFormat = .cedar

        @Flag(help: "Also write requests.jsonl: one Cedar request per step of the traces, with Nodeward's decision.")
        var requests = false

        func run() throws {
            let workspace: Workspace
            let sets: [PolicySet]
            var sandboxes: [TenantSandbox] = []
            if let policies {
                do { workspace = try inputs.resolve(overriding: WorkspaceOptions.overridden(policies: policies)) } catch {
                    Terminal.err(error.description)
                    throw NodewardExit.badInput
                }
                let loaded = PolicyFolder.load(directory: policies)
                for diagnostic in loaded.diagnostics { Terminal.err(diagnostic.description) }
                guard !loaded.diagnostics.contains(where: { $0.severity == .error }) else { throw NodewardExit.badInput }
                sets = loaded.sets
                if requests { sandboxes = SandboxReader(dialects: workspace.dialectOptions).read(paths: workspace.tenants).sandboxes }
            } else {
                let (resolved, outcome) = try PipelineRunner.run(inputs: inputs, stages: .init(infer: InferenceOptions()), overriding: WorkspaceOptions.overridden(policies: policies))
                guard !outcome.hasInputErrors, let graphs = outcome.graphs else { throw NodewardExit.badInput }
                workspace = resolved
                sandboxes = outcome.sandboxes
                sets = graphs.map { PolicyGenerator(graph: $0, sandboxes: outcome.sandboxes).generate() }
            }
            guard let folder = inputs.out ?? (workspace.reports ?? workspace.root.map { ($0 as NSString).appendingPathComponent(".nodeward/reports") })
                .map({ ($0 as NSString).appendingPathComponent("cedar") }) else {
                throw ValidationError("give --out DIR (no workspace folder to write into)")
            }
            let bundle = CedarExport.export(sets)
            var files = [("policies.cedar", bundle.policies), ("schema.cedarschema", bundle.schema), ("entities.json", bundle.entities)]
            if requests { files.append(("requests.jsonl", requestLines(workspace: workspace, sets: sets, sandboxes: sandboxes))) }
            for path in try OutputFiles.write(files, to: folder, what: "the Cedar export") { Terminal.out(path + "\n") }
            Terminal.err("exported \(sets.count) workflows, \(bundle.policyRules.count) permits to \(folder)")
        }

        /// One JSON object a line: `{id, request, nodeward: {effect, rule}}`; the request is what
        /// `cedarpy.is_authorized` takes. Reasons are not written: they are for people, not engines.
        func requestLines(workspace: Workspace, sets: [PolicySet], sandboxes: [TenantSandbox]) -> String {
            var builder = CedarRequestBuilder(policies: sets, sandboxes: sandboxes)
            var text = ""
            let summary = TraceReader(options: workspace.traceReaderOptions()).read(paths: workspace.traces) { run in
                for request in builder.requests(for: run) {
                    let line = JSONValue.object([
                        "id": .string(request.id), "request": request.request,
                        "nodeward": .object(["effect": .string(request.nodeward.effect.rawValue), "rule": .string(request.nodeward.rule)]),
                    ])
                    text += line.canonicalText + "\n"
                }
            }
            for diagnostic in summary.diagnostics.prefix(20) { Terminal.err(diagnostic.description) }
            return text
        }
    }
}
