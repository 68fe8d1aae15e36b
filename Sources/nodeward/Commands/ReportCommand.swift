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
            --from FILE. Exit codes: 0 ok, 1 the plan's gate failed and --check was given, 2 no plan or an \
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

    @Flag(help: "Exit 1 when the plan's gate failed.")
    var check = false

    func run() throws {
        let path = try from ?? defaultPlan()
        guard let data = FileManager.default.contents(atPath: path) else {
            Terminal.err("error: no plan at \(path): run `nodeward plan` first, or pass --from FILE")
            throw NodewardExit.badInput
        }
        let report: PlanReport
        do {
            report = try JSONDecoder().decode(PlanReport.self, from: data)
        } catch {
            Terminal.err("error: \(path) is not a plan report (schema \(PlanReport.currentSchemaVersion)): \(error.localizedDescription)")
            throw NodewardExit.badInput
        }
        guard report.schemaVersion == PlanReport.currentSchemaVersion else {
            Terminal.err("error: \(path) has report schema \(report.schemaVersion); this nodeward reads schema \(PlanReport.currentSchemaVersion)")
            throw NodewardExit.badInput
        }
        let text = PlanRendering.render(report, as: format)
        if let out {
            let folder = (out as NSString).deletingLastPathComponent
            try OutputFiles.write([((out as NSString).lastPathComponent, text)], to: folder.isEmpty ? "." : folder, what: "the report")
            Terminal.err("wrote \(out)")
        } else {
            Terminal.out(text)
        }
        if check && report.verdict.status != "pass" { throw NodewardExit.findings }
    }

    func defaultPlan() throws -> String {
        let folder = workspace ?? "."
        var reports = (folder as NSString).appendingPathComponent(".nodeward/reports")
        if FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent(Workspace.fileName)) {
            do {
                let loaded = try Workspace.load(folder: folder)
                if let configured = loaded.reports { reports = configured }
            } catch {
                Terminal.err(error.description)
                throw NodewardExit.badInput
            }
        }
        return (reports as NSString).appendingPathComponent("plan.json")
    }
}
