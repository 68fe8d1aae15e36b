import ArgumentParser
import Foundation
import NodewardCore

/// `nodeward report`: renders the last plan (its plan.json) again, in another format or to a file,
/// without re-running the pipeline.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Render the last plan's report (plan.json) as markdown, html, json, text or sarif.",
        discussion: """
            Reads <reports folder>/plan.json (the workspace's outputs.reports, default .nodeward/reports/), or \
            --from FILE. With --check --out FILE, writes nothing and checks that FILE is up to date. Exit codes: \
            0 ok, 1 with --check the plan's gate failed or the --out file is out of date, 2 no plan or an \
            unreadable one, 64 usage.
            """)

    @Argument(help: "Workspace folder (default: the current folder).")
    var workspace: String?

    @Option(help: ArgumentHelp("The plan.json to render, instead of the workspace's.", valueName: "file"))
    var from: String?

    @Option(help: "markdown, html, json, text or sarif.")
    var format: PlanCommand.ReportFormat = .markdown

    @Option(help: ArgumentHelp("Write the report to this file instead of stdout.", valueName: "file"))
    var out: String?

    @OptionGroup var layout: TextLayoutOptions

    @Flag(name: .customLong("allow-outside-workspace"), help: "Let nodeward.yaml name a reports folder outside the workspace folder.")
    var allowOutsideWorkspace = false

    @Flag(help: "Exit 1 when the plan's gate failed, or (with --out) when that file is not what this plan renders; says why on stderr.")
    var check = false

    func run() throws {
        let path = try from ?? defaultPlan()
        guard let data = FileManager.default.contents(atPath: path) else {
            Terminal.err(Diagnostic.error(.fileUnreadable, "no plan here: run `nodeward plan` first, or pass --from FILE",
                                          at: SourceLocation(file: path, line: 1)).description)
            throw NodewardExit.badInput
        }
        let report: PlanReport
        do {
            report = try JSONDecoder().decode(PlanReport.self, from: data)
        } catch {
            Terminal.err(Diagnostic.error(.fileUnreadable, "not a plan report of schema \(PlanReport.currentSchemaVersion); run `nodeward plan` again to write one",
                                          at: SourceLocation(file: path, line: 1)).description)
            throw NodewardExit.badInput
        }
        guard report.schemaVersion == PlanReport.currentSchemaVersion else {
            Terminal.err("error: \(path) has report schema \(report.schemaVersion); this nodeward reads schema \(PlanReport.currentSchemaVersion)")
            throw NodewardExit.badInput
        }
        // A file gets the same text whatever the terminal: wrapped to the default width unless --wide.
        let text = PlanRendering.render(report, as: format, width: layout.wide ? nil : out == nil ? layout.width : TextWrap.defaultWidth)
        if check, let out {
            // `--check --out FILE` writes nothing: it says whether FILE still matches the plan.
            let current = FileManager.default.contents(atPath: out).map { String(decoding: $0, as: UTF8.self) }
            guard current == text else {
                Terminal.err("\(out): \(current == nil ? "missing" : "out of date with \(path)"); regenerate it with `nodeward report --from \(path) --format \(format.rawValue) --out \(out)`")
                throw NodewardExit.findings
            }
        } else if let out {
            let folder = (out as NSString).deletingLastPathComponent
            try OutputFiles.write([((out as NSString).lastPathComponent, text)], to: folder.isEmpty ? "." : folder, what: "the report")
            Terminal.err("wrote \(out)")
        } else {
            Terminal.out(text)
        }
        if check && report.verdict.status != "pass" {
            let failed = report.verdict.failed.map(\.rawValue).joined(separator: ", ")
            Terminal.err("\(path): the plan's gate (--fail-on \(report.verdict.gate.map(\.rawValue).joined(separator: ","))) failed on \(failed.isEmpty ? "its conditions" : failed); fix the findings and run `nodeward plan` again to regenerate it")
            throw NodewardExit.findings
        }
    }

    func defaultPlan() throws -> String {
        let folder = workspace ?? "."
        var reports = (folder as NSString).appendingPathComponent(".nodeward/reports")
        if FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent(Workspace.fileName)) {
            do {
                let loaded = try WorkspaceOptions.load(folder: folder, allowOutside: allowOutsideWorkspace)
                if let configured = loaded.reports { reports = configured }
            } catch {
                Terminal.err(error.description)
                throw NodewardExit.badInput
            }
        }
        return (reports as NSString).appendingPathComponent("plan.json")
    }
}
