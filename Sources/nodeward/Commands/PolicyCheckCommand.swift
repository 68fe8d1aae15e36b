import ArgumentParser
import Foundation
import NodewardCore

extension PolicyCommand {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check policy files: schema, lints, confinement against the tenant sandboxes, and the threat model.",
            discussion: """
                A folder without nodeward.yaml that holds policy files is read as the policies folder \
                (`policy check policies/`); confinement then needs --tenants. In a workspace the policies \
                are its policies/ (or --policies), the sandboxes its tenants (or --tenants), the threat \
                model its threats.yaml (or --threats), and its graphs/ (or --graphs) supply argument \
                names and models when present. See docs/policy-check.md.
                Exit codes: 0 ok (warnings only), 1 a confinement widening, or with --strict any lint, \
                or with --fail-on-open-threats an open threat; 2 invalid policy, sandbox or threat files; 64 usage.
                """)

        @OptionGroup var inputs: WorkspaceOptions

        @OptionGroup var layout: TextLayoutOptions

        @Option(help: ArgumentHelp("Policies folder (default: the workspace's policies/).", valueName: "dir"))
        var policies: String?

        @Option(help: ArgumentHelp("Task graphs folder (default: the workspace's graphs/, when it exists).", valueName: "dir"))
        var graphs: String?

        @Option(help: ArgumentHelp("Threat model file (default: the workspace's threats.yaml, when it exists).", valueName: "file"))
        var threats: String?

        @Option(help: "Output format: text, json or markdown.")
        var format: OutputFormat = .text

        @Flag(help: "Exit 1 on any lint warning, not only on confinement widenings.")
        var strict = false

        @Flag(name: .customLong("fail-on-open-threats"), help: "Exit 1 when a threat of the threat model has an open path.")
        var failOnOpenThreats = false

        func run() throws {
            let workspace = try resolveWorkspace()
            guard let policyFolder = policies ?? workspace.policiesFolder else { throw ValidationError("give --policies DIR") }
            var problems: [Diagnostic] = workspace.warnings
            let loaded = PolicyFolder.loadFiles(directory: policyFolder)
            problems += loaded.diagnostics
            var sandboxes: [TenantSandbox]?
            if !workspace.tenants.isEmpty {
                let read = SandboxReader(dialects: workspace.dialectOptions).read(paths: workspace.tenants)
                problems += read.diagnostics
                sandboxes = read.sandboxes
            }
            var model: ThreatModel?
            if let threatFile = threats ?? workspace.threats {
                guard let data = FileManager.default.contents(atPath: threatFile), let text = String(data: data, encoding: .utf8) else {
                    Terminal.err("error: cannot read threat model \(threatFile)")
                    throw NodewardExit.badInput
                }
                let read = ThreatModelReader.read(yaml: text, file: threatFile)
                problems += read.diagnostics
                model = read.model
            }
            // The workspace's graphs are optional context; a folder given with --graphs must be readable.
            let graphFolder = graphs ?? workspace.graphs.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
            let graphRead = graphFolder.map { GraphFiles.load(directory: $0) }
            if graphs != nil { problems += graphRead?.diagnostics ?? [] }
            let graphSet = graphRead?.graphs ?? []
            for diagnostic in problems { Terminal.err(diagnostic.description) }
            guard !problems.contains(where: { $0.severity == .error }) else { throw NodewardExit.badInput }
            let report = PolicyCheck(files: loaded.files, sandboxes: sandboxes, graphs: graphSet, threats: model).run()
            switch format {
            case .json: Terminal.out(StableJSON.encode(report))
            case .text: Terminal.out(report.summary + "\n\n" + report.document(titled: false).plainText(width: layout.width))
            case .markdown: Terminal.out(report.document().markdown())
            }
            if format != .text { Terminal.err(report.summary) }
            if !report.widenings.isEmpty || (strict && !report.lints.isEmpty) || (failOnOpenThreats && !report.openThreats.isEmpty) {
                throw NodewardExit.findings
            }
        }

        /// `policy check DIR` where DIR has no nodeward.yaml but policy files: DIR is the policies folder.
        func resolveWorkspace() throws -> Workspace {
            if let folder = inputs.workspace, Self.isPolicyFolder(folder) {
                return Workspace(root: nil, tenants: inputs.tenants, policies: policies ?? folder)
            }
            if inputs.workspace == nil { return Workspace(tenants: inputs.tenants, policies: policies) }
            do { return try inputs.resolve(overriding: WorkspaceOptions.overridden(policies: policies, graphs: graphs, threats: threats)) } catch {
                Terminal.err(error.description)
                throw NodewardExit.badInput
            }
        }

        static func isPolicyFolder(_ folder: String) -> Bool {
            let manager = FileManager.default
            guard !manager.fileExists(atPath: (folder as NSString).appendingPathComponent(Workspace.fileName)),
                  let names = try? manager.contentsOfDirectory(atPath: folder) else { return false }
            return names.contains(where: PolicyFolder.isPolicyFileName)
        }
    }
}
