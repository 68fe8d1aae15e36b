import Foundation
import Testing
@testable import NodewardCore

/// Document text is literal: one Markdown escaper for every name, our marks for emphasis and code,
/// plain text without any Markdown syntax, wrapped to a width.
@Suite struct ReportMarkupTests {
    static let hostile = "<img src=x onerror=alert(1)>|`x`*_[a](b)\nnext"

    @Test func markdownEscapesEveryNameAndKeepsTablesInShape() {
        var doc = Document()
        var table = TextTable(headers: ["workflow", "steps"])
        table.rows.append([Self.hostile, "3"])
        table.rows.append([Inline.code(Self.hostile), "4"])
        doc.table(table)
        doc.paragraph("Workflow \(Self.hostile) is \(Inline.strong("blocked")).")
        let markdown = doc.markdown()
        #expect(markdown.contains("| \\<img src=x onerror=alert(1)\\>\\|\\`x\\`\\*\\_\\[a\\](b) next | 3 |"), "\(markdown)")
        #expect(markdown.contains("| ``<img src=x onerror=alert(1)>\\|`x`*_[a](b) next`` | 4 |"), "\(markdown)")
        #expect(markdown.contains("Workflow \\<img src=x onerror=alert(1)\\>|\\`x\\`\\*\\_\\[a\\](b) next is **blocked**.") == false,
                "a pipe is escaped outside tables too")
        #expect(markdown.contains("Workflow \\<img src=x onerror=alert(1)\\>\\|\\`x\\`\\*\\_\\[a\\](b) next is **blocked**."), "\(markdown)")
        #expect(!markdown.contains("\nnext"), "a line break in a name starts no new block")
    }

    @Test func codeSpansAndFencesOutgrowTheBackticksInside() {
        #expect(MarkdownText.escape("$x^2$ & <b>") == "\\$x^2\\$ \\& \\<b\\>", "math, entities and tags are escaped")
        #expect(MarkdownText.codeSpan("a`b") == "``a`b``")
        #expect(MarkdownText.codeSpan("`edge`") == "`` `edge` ``")
        #expect(MarkdownText.fencedBlock("x\n```\ny", language: "mermaid") == "````mermaid\nx\n```\ny\n````")
        // A name cannot forge our marks: they are stripped inside a mark, and unpaired they render as nothing.
        #expect(MarkdownText.inline(Inline.code("a\u{E001}b")) == "`ab`")
    }

    @Test func plainTextHasNoMarkdownSyntaxAndWrapsToTheWidth() {
        var doc = Document()
        doc.heading("Plan")
        doc.paragraph(Inline.strong("Verdict") + ": see " + Inline.code("nodeward plan") + " " + String(repeating: "word ", count: 40))
        var table = TextTable(headers: ["tenant", "why"])
        table.rows.append(["acme", String(repeating: "a reason that goes on ", count: 10)])
        doc.table(table)
        let text = doc.plainText(width: 60)
        #expect(!text.contains("**") && !text.contains("`") && !text.contains("|"))
        #expect(text.contains("Verdict: see nodeward plan word"))
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 60 }, "\(text)")
        #expect(text.contains("  acme    a reason that goes on"), "\(text)")
        let wide = doc.plainText()
        #expect(wide.split(separator: "\n").contains { $0.count > 60 })
    }

    static func summary(_ tenants: [(String, ShadowSummary.ClassCounts)]) -> ShadowSummary {
        var totals = ShadowSummary.ClassCounts()
        for (_, counts) in tenants { for comparison in ComparisonClass.allCases { totals[comparison] += counts[comparison] } }
        let empty = ShadowSummary.Baseline(tasks: 0, steps: 0, varyingSteps: 0)
        return ShadowSummary(steps: totals.total, totals: totals, byTenant: tenants.map { ShadowSummary.Group(name: $0.0, counts: $0.1) },
                             byWorkflow: [], byNode: [], samples: [], rules: [], legacyBaseline: empty, nodeBaseline: empty, incidents: [])
    }

    @Test func readyNeedsAMinimumOfAgreeAllowSteps() {
        var denied = ShadowSummary.ClassCounts()
        denied.agreeDeny = 500
        var few = ShadowSummary.ClassCounts()
        few.agreeAllow = PlanReport.minimumAgreeAllowSteps - 1
        var enough = ShadowSummary.ClassCounts()
        enough.agreeAllow = PlanReport.minimumAgreeAllowSteps
        let readiness = PlanReport.readiness(Self.summary([("denied", denied), ("enough", enough), ("few", few)]))
        #expect(readiness.map(\.status) == [.insufficientEvidence, .ready, .insufficientEvidence])
        #expect(readiness[0].reasons.first == "0 agree-allow steps: ready needs at least 20 steps both regimes allow")
    }

    @Test func aTenantInTheTracesWithoutASandboxIsAnErrorNamingIt() throws {
        let traces = TraceSection(runs: 1, steps: 2, tenants: 2, workflows: 1, firstSeen: nil, lastSeen: nil,
                                  byTenantWorkflow: [WorkflowCount(tenant: "acme", agent: "a", workflow: "w", runs: 1, steps: 1),
                                                     WorkflowCount(tenant: "zeta", agent: "a", workflow: "w", runs: 1, steps: 1)],
                                  stepsByKind: [:], blockedSteps: 0, failedSteps: 0, recordedDecisions: 0, lines: 2, bytes: 0,
                                  skipped: [:], skippedTotal: 0, stepsOutOfOrder: 0, stepsWithoutSandbox: 1)
        let sandbox = TenantSandbox(name: "acme", labels: [:], tenantId: "acme", apiVersion: "v1", source: SourceLocation(file: "a.yaml", line: 1))
        let missing = PlanReport.missingSandboxes(traces: traces, sandboxes: [sandbox])
        #expect(missing.map(\.code) == [.planMissingSandbox])
        #expect(try #require(missing.first).message.hasPrefix("tenant zeta appears in the traces but has no tenant sandbox; add its TenantAgentSandbox file"))
    }
}
