import Foundation
import Testing

/// A hostile workflow name goes into every report: escaped in the Markdown PR comment and the SARIF
/// markdown, plain in SARIF text and in `--format text`, which has no Markdown syntax and fits 100
/// columns unless `--wide`.
@Suite struct ReportEscapingCLITests {
    static let hostile = "<img src=x onerror=alert(1)>|`x`*_[a](b)"

    /// umbrella's sandbox and traces, its crm-enrichment workflow renamed to the hostile name.
    static func workspace() throws -> URL {
        let root = try CLI.temporaryDirectory()
        let fleet = CLI.packageRoot.appendingPathComponent("Samples/fleet")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("traces"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("tenants"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: fleet.appendingPathComponent("tenants/umbrella.yaml"), to: root.appendingPathComponent("tenants/umbrella.yaml"))
        var quoted = ""
        let data = try JSONSerialization.data(withJSONObject: [hostile], options: [.withoutEscapingSlashes])
        quoted = String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
        let traces = try String(contentsOf: fleet.appendingPathComponent("traces/umbrella.steps.jsonl"), encoding: .utf8)
            .replacingOccurrences(of: "\"crm-enrichment\"", with: quoted)
        try Data(traces.utf8).write(to: root.appendingPathComponent("traces/umbrella.steps.jsonl"))
        try Data("version: 1\ntenants: [tenants/]\ntraces: [traces/]\n".utf8).write(to: root.appendingPathComponent("nodeward.yaml"))
        return root
    }

    /// Table rows of a Markdown text: each must have as many unescaped cell separators as its header.
    static func expectTablesKeepTheirShape(_ markdown: String) {
        var columns: Int?
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix("|") else { columns = nil; continue }
            var count = 0
            var previous: Character = " "
            for character in line {
                if character == "|", previous != "\\" { count += 1 }
                previous = previous == "\\" && character == "\\" ? " " : character
            }
            if let columns { #expect(count == columns, "a row changed shape: \(line)") } else { columns = count }
        }
    }

    @Test func aHostileWorkflowNameIsEscapedInMarkdownAndSARIFAndPlainInText() async throws {
        let workspace = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: workspace) }
        let out = workspace.appendingPathComponent("out")
        let plan = try await CLI.run(["plan", workspace.path, "--no-store", "--out", out.path, "--format", "text"])
        #expect(plan.status == 0, "\(plan.stderr)")
        let markdown = try String(contentsOf: out.appendingPathComponent("plan.md"), encoding: .utf8)
        #expect(markdown.contains("tightened") || markdown.contains("agree-allow"))
        #expect(markdown.contains("\\<img src=x onerror=alert(1)\\>\\|\\`x\\`\\*\\_\\[a\\](b)"), "the name is escaped where it is text")
        #expect(markdown.contains("``<img src=x onerror=alert(1)>"), "the name is one code span where it is code")
        // Outside code spans (where it is inert) no raw tag is left.
        let outsideCode = markdown.replacingOccurrences(of: "``<img src=x onerror=alert(1)>", with: "")
        #expect(!outsideCode.replacingOccurrences(of: "\\<img", with: "").contains("<img"), "raw HTML in the PR comment")
        Self.expectTablesKeepTheirShape(markdown)

        let sarif = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("plan.sarif"))) as? [String: Any])
        let results = ((sarif["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]]) ?? []
        for result in results {
            let message = try #require(result["message"] as? [String: String])
            let markdown = (message["markdown"] ?? "").replacingOccurrences(of: "``<img", with: "").replacingOccurrences(of: "\\<img", with: "")
            #expect(!markdown.contains("<img"), "\(message)")
            #expect(!(message["text"] ?? "").contains("\\<"), "SARIF text is plain")
        }

        // Plain text: the name as it is (wrapped where a column is narrow), nothing escaped, 100 columns
        // when not a terminal.
        #expect(plan.stdout.contains("<img src=x"), "\(plan.stdout)")
        #expect(!plan.stdout.contains("\\<img") && !plan.stdout.contains("\\|"))
        let long = plan.stdout.split(separator: "\n").filter { $0.count > 100 }
        #expect(long.isEmpty, "lines over 100 columns: \(long.prefix(3))")
    }

    @Test func textOutputIsWrappedTo100ColumnsUnlessWide() async throws {
        let out = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        let plan = try await CLI.run(["plan", "Samples/fleet", "--no-store", "--out", out.path, "--format", "text"])
        #expect(plan.status == 0, "\(plan.stderr)")
        let lines = plan.stdout.split(separator: "\n")
        #expect(lines.allSatisfy { $0.count <= 100 }, "\(lines.filter { $0.count > 100 }.prefix(3))")
        #expect(!plan.stdout.contains("**") && !plan.stdout.contains("`"))
        #expect(plan.stdout.contains("Cutover readiness"))
        let wide = try await CLI.run(["report", "--from", out.appendingPathComponent("plan.json").path, "--format", "text", "--wide"])
        #expect(wide.status == 0)
        #expect(wide.stdout.split(separator: "\n").contains { $0.count > 100 }, "--wide keeps one line per row")
        #expect(!wide.stdout.contains("**") && !wide.stdout.contains("`"))
        let report = try await CLI.run(["report", "--from", out.appendingPathComponent("plan.json").path, "--format", "text"])
        #expect(report.stdout == plan.stdout, "report renders the same text as plan")
    }
}
