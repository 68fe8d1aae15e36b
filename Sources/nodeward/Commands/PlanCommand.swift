import ArgumentParser
import Foundation
import NodewardCore
import NodewardStore

/// The README's main command: the dry run of a migration to task-graph isolation, `terraform plan` for
/// agent isolation. Analyze + infer (one pass over the traces), generate node policies (or read the
/// committed ones), shadow replay (a second pass, recorded in the store), then the report.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Dry-run a migration to task-graph isolation: analyze, infer, generate, shadow replay, report.",
        discussion: """
            Writes plan.md, plan.html, plan.json and plan.sarif, the inferred graphs and (when generated) the \
            policies to the reports folder (default <workspace>/.nodeward/reports/, or --out DIR), never over \
            the workspace's committed graphs/ or policies/. --format prints one report to stdout. \
            Gate conditions for --fail-on: widened, tightened, unknown-step, unevaluable, risk, policy-widened, \
            confinement, open-threat. \
            Exit codes: 0 pass, 1 a --fail-on condition matched, 2 bad input, 64 usage.
            """)

    enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
        case text, markdown, html, json, sarif
    }

    @OptionGroup var inputs: WorkspaceOptions

    @OptionGroup var layout: TextLayoutOptions

    @Option(help: ArgumentHelp("Evaluate the committed policies in this folder instead of generating them.", valueName: "dir"))
    var policies: String?

    @Option(help: ArgumentHelp("The base branch's policies: the report shows what this change widens or narrows.", valueName: "dir"))
    var baseline: String?

    @Option(help: "Strictness of generated policies: permissive, balanced or strict.")
    var strictness: PolicyStrictness = .balanced

    @Option(name: .customLong("fail-on"), help: ArgumentHelp("Comma-separated gate conditions (see below).", valueName: "conditions"))
    var failOn: String = ""

    @Option(help: "Report printed to stdout: text, markdown, html, json or sarif.")
    var format: ReportFormat = .text

    @Option(help: ArgumentHelp("The store the shadow decisions are recorded in (default: <workspace>/.nodeward/nodeward.sqlite).", valueName: "path"))
    var store: String?

    @Flag(name: .customLong("no-store"), help: "Record no decisions.")
    var noStore = false

    @Flag(help: "Stamp the report with the time it was made (reports are otherwise byte-identical for the same inputs).")
    var timestamp = false

    func gates() throws -> [PlanGate] {
        try failOn.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map { name in
            guard let gate = PlanGate(rawValue: name) else {
                throw ValidationError("unknown --fail-on condition \(name): use \(PlanGate.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return gate
        }
    }

    func validate() throws { _ = try gates() }

    func run() throws {
        let started = Date()
        let (workspace, outcome) = try PipelineRunner.run(inputs: inputs, stages: .init(analyze: AnalyzerOptions(), infer: InferenceOptions()),
                                                          overriding: WorkspaceOptions.overridden(store: store, noStore: noStore, policies: policies))
        guard let analysis = outcome.analysis, let graphs = outcome.graphs, !outcome.hasInputErrors else { throw NodewardExit.badInput }
        let missing = PlanReport.missingSandboxes(traces: analysis.traces, sandboxes: outcome.sandboxes)
        for diagnostic in missing { Terminal.err(diagnostic.description) }
        guard missing.isEmpty else { throw NodewardExit.badInput }
        let root = workspace.root ?? "."
        let reports = workspace.reports ?? (root as NSString).appendingPathComponent(".nodeward/reports")
        let policySource = try PlanPolicies.resolve(explicit: policies, workspace: workspace, graphs: graphs, sandboxes: outcome.sandboxes,
                                                    strictness: strictness, reports: reports).displayed(root: root, reports: reports)
        let baselineSets = try baseline.map { try PlanPolicies.load(folder: $0, what: "baseline") }
        let storePath = noStore ? nil : ShadowRunner.storePath(explicit: store, workspace: workspace)
        let shadow = try ShadowRunner.replay(workspace: workspace, sandboxes: outcome.sandboxes, policies: policySource.entries.map(\.set),
                                             storePath: storePath, incidents: ShadowInputs.incidents(workspace))
        let check = try PlanPolicies.check(policySource, sandboxes: outcome.sandboxes, graphs: graphs, workspace: workspace)
        var committed: [TaskGraph]?
        if let folder = workspace.graphs, FileManager.default.fileExists(atPath: folder) {
            committed = GraphFiles.load(directory: folder).graphs
        }
        let report = PlanReport(PlanReportInputs(
            workspace: workspace.root.map(PlanPolicies.displayPath), analysis: analysis, graphs: graphs, committedGraphs: committed,
            policies: policySource.entries.map { ($0.set, $0.path, $0.text) },
            policyOrigin: policySource.origin, policyFolder: policySource.folder,
            strictness: policySource.origin == "generated" ? strictness.rawValue : nil, shadow: shadow.summary,
            baseline: baselineSets, check: check, gate: try gates(),
            generatedAt: timestamp ? Timestamp.rfc3339(nanos: Int64(Date().timeIntervalSince1970 * 1_000_000_000)) : nil))
        try GraphWriter.write(graphs, to: (reports as NSString).appendingPathComponent("graphs"))
        let written = try OutputFiles.write(PlanRendering.files(report), to: reports, what: "the plan")
        Terminal.out(PlanRendering.render(report, as: format, width: layout.width))
        Terminal.err("plan: \(report.verdict.headline)")
        if let storePath { Terminal.err("recorded \(shadow.recorded.decisions.grouped) new decisions in \(storePath)") }
        Terminal.err("wrote \(written.joined(separator: ", ")) (\(String(format: "%.1f", Date().timeIntervalSince(started))) s)")
        if report.verdict.status != "pass" { throw NodewardExit.findings }
    }
}

enum PlanRendering {
    static func files(_ report: PlanReport) -> [(name: String, text: String)] {
        [("plan.md", report.markdown()), ("plan.html", report.html()), ("plan.json", StableJSON.encode(report)),
         ("plan.sarif", report.sarif())]
    }

    static func render(_ report: PlanReport, as format: PlanCommand.ReportFormat, width: Int? = nil) -> String {
        switch format {
        case .text: report.plainText(width: width)
        case .markdown: report.markdown()
        case .json: StableJSON.encode(report)
        case .sarif: report.sarif()
        case .html: report.html()
        }
    }
}

/// The node policies a plan evaluates: committed ones (`--policies DIR`, or the workspace's policies/
/// when it exists), else generated from the inferred graphs and written next to the report.
enum PlanPolicies {
    struct Source {
        var origin: String
        var folder: String?
        var entries: [(set: PolicySet, path: String, text: String)]

        /// Paths as reports show them: relative to the workspace when inside it (what SARIF needs),
        /// else relative to the reports folder, so a report does not depend on where it was written.
        func displayed(root: String, reports: String) -> Source {
            func show(_ path: String) -> String {
                let inWorkspace = PlanPolicies.relative(path, to: root)
                return inWorkspace != path ? inWorkspace : PlanPolicies.relative(path, to: reports)
            }
            return Source(origin: origin, folder: folder.map(show), entries: entries.map { ($0.set, show($0.path), $0.text) })
        }
    }

    static func resolve(explicit: String?, workspace: Workspace, graphs: [TaskGraph], sandboxes: [TenantSandbox],
                        strictness: PolicyStrictness, reports: String) throws -> Source {
        if let folder = explicit ?? workspace.policiesFolder.flatMap({ FileManager.default.fileExists(atPath: $0) ? $0 : nil }) {
            let sets = try load(folder: folder, what: "policies")
            let entries = sets.map { set -> (set: PolicySet, path: String, text: String) in
                let path = (folder as NSString).appendingPathComponent(set.fileStem + ".yaml")
                let text = FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) } ?? set.yaml()
                return (set, path, text)
            }
            Terminal.err("evaluating \(sets.count) committed policy files from \(folder)")
            return Source(origin: "committed", folder: folder, entries: entries)
        }
        let sets = graphs.map { PolicyGenerator(graph: $0, sandboxes: sandboxes, options: PolicyGeneratorOptions(strictness: strictness)).generate() }
        let folder = (reports as NSString).appendingPathComponent("policies")
        try OutputFiles.write(sets.map { ($0.fileStem + ".yaml", $0.yaml()) }, to: folder, what: "policies")
        Terminal.err("generated \(sets.count) policy files (\(strictness.rawValue)) in \(folder)")
        return Source(origin: "generated", folder: folder,
                      entries: sets.map { ($0, (folder as NSString).appendingPathComponent($0.fileStem + ".yaml"), $0.yaml()) })
    }

    /// `policy check` on the evaluated policies: lints, confinement against the sandboxes, and the
    /// workspace's threat model (threats.yaml) when it has one.
    static func check(_ source: Source, sandboxes: [TenantSandbox], graphs: [TaskGraph], workspace: Workspace) throws -> PolicyCheckReport {
        var files: [PolicyFile] = []
        var problems: [Diagnostic] = []
        for entry in source.entries {
            let read = PolicyReader.readFile(yaml: entry.text, file: entry.path)
            problems += read.diagnostics
            if let file = read.file { files.append(file) }
        }
        var model: ThreatModel?
        if let path = workspace.threats {
            guard let data = FileManager.default.contents(atPath: path) else {
                Terminal.err("error: cannot read threat model \(path)")
                throw NodewardExit.badInput
            }
            let read = ThreatModelReader.read(yaml: String(decoding: data, as: UTF8.self), file: path)
            problems += read.diagnostics
            model = read.model
        }
        for problem in problems { Terminal.err(problem.description) }
        guard !problems.contains(where: { $0.severity == .error }) else { throw NodewardExit.badInput }
        return PolicyCheck(files: files, sandboxes: sandboxes, graphs: graphs, threats: model).run()
    }

    static func load(folder: String, what: String) throws -> [PolicySet] {
        let loaded = PolicyFolder.load(directory: folder)
        for diagnostic in loaded.diagnostics { Terminal.err(diagnostic.description) }
        guard !loaded.diagnostics.contains(where: { $0.severity == .error }) else { throw NodewardExit.badInput }
        if loaded.sets.isEmpty { Terminal.err("warning: no policy files in \(what) folder \(folder)") }
        return loaded.sets
    }

    /// `path` relative to the workspace root when it lies inside it (SARIF and reports name files that way).
    static func relative(_ path: String, to root: String) -> String {
        let base = URL(fileURLWithPath: root).standardizedFileURL.path
        let full = URL(fileURLWithPath: path).standardizedFileURL.path
        guard full.hasPrefix(base + "/") else { return path }
        return String(full.dropFirst(base.count + 1))
    }

    static func displayPath(_ root: String) -> String {
        root.hasSuffix("/") ? String(root.dropLast()) : root
    }
}
