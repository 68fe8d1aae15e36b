import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import NodewardCore

/// plan.html from the sample fleet's real plan: well-formed XHTML, self-contained, every section,
/// finding and graph present, every text escaped, and byte-identical for the same report.
@Suite struct PlanHTMLTests {
    static let fleet = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Samples/fleet").path

    /// The sample fleet's plan: analysis, inferred graphs, generated policies, shadow replay with the labels.
    static let fleetReport: PlanReport? = try? buildFleetReport()

    static func buildFleetReport() throws -> PlanReport {
        let workspace = try Workspace.load(folder: fleet)
        let outcome = Pipeline.run(workspace: workspace, stages: .init(analyze: AnalyzerOptions(), infer: InferenceOptions()))
        let graphs = try #require(outcome.graphs)
        let analysis = try #require(outcome.analysis)
        let sets = graphs.map { PolicyGenerator(graph: $0, sandboxes: outcome.sandboxes).generate() }
        let labels = try IncidentLabel.load(path: try #require(workspace.labels))
        var replay = ShadowReplay(sandboxes: outcome.sandboxes, policies: CompiledPolicySet(sets), incidents: labels)
        _ = TraceReader(options: workspace.traceReaderOptions()).read(paths: workspace.traces) { run in replay.consume(run) { _, _ in } }
        replay.finish { _, _ in }
        let committed = GraphFiles.load(directory: fleet + "/graphs").graphs
        let files = sets.compactMap { PolicyReader.readFile(yaml: $0.yaml(), file: "policies/\(TaskGraph.fileStem(for: $0.workflow)).yaml").file }
        let threatsText = try String(contentsOfFile: fleet + "/threats.yaml", encoding: .utf8)
        let threats = ThreatModelReader.read(yaml: threatsText, file: "threats.yaml").model
        let check = PolicyCheck(files: files, sandboxes: outcome.sandboxes, graphs: graphs, threats: threats).run()
        let inputs = PlanReportInputs(
            workspace: "fleet", analysis: analysis, graphs: graphs, committedGraphs: committed,
            policies: sets.map { (set: $0, path: "policies/\(TaskGraph.fileStem(for: $0.workflow)).yaml", text: $0.yaml()) },
            policyOrigin: "generated", policyFolder: nil, strictness: "balanced", shadow: replay.tally.summary(),
            baseline: sets, check: check,
            gate: [.widened, .tightened])
        return PlanReport(inputs)
    }

    static func report() throws -> PlanReport { try #require(fleetReport, "the sample fleet plan could not be built") }

    static func parse(_ html: String) throws -> XMLDocument { try XMLDocument(xmlString: html, options: []) }

    @Test func theFleetPlanIsWellFormedAndHasEverySection() throws {
        let report = try Self.report()
        let html = report.html()
        let document = try Self.parse(html)
        #expect(document.rootElement()?.name == "html")
        for id in ["coverage", "decisions", "readiness", "findings", "incidents", "threats", "risks", "policy-diff", "graph-changes", "graphs"] {
            #expect(try document.nodes(forXPath: "//*[@id='\(id)']").count == 1, "section \(id)")
            #expect(html.contains("<a href=\"#\(id)\">"), "navigation to \(id)")
        }
        // The seeded attacks are tightened, so the gate fails and the banner says so.
        #expect(report.verdict.status == "fail")
        let banner = try #require(try document.nodes(forXPath: "//div[@role='status']").first as? XMLElement)
        #expect(banner.attribute(forName: "class")?.stringValue == "verdict fail")
        #expect(banner.stringValue?.contains(report.verdict.headline) ?? false)
        #expect(html.contains(report.shadow.baselineSentence))
        for tenant in report.readiness { #expect(html.contains("<td class=\"st-\(tenant.status.rawValue)\">\(tenant.status.rawValue)</td>")) }
        for incident in report.shadow.incidents { #expect(html.contains(">\(incident.id)<"), "incident \(incident.id)") }
        #expect(try document.nodes(forXPath: "//table[@class='sortable']").count >= 8)
        #expect(html.contains("<script>//<![CDATA[") && html.contains("addEventListener(\"click\""))
    }

    @Test func everyFindingIsListedWithItsSampleAndChain() throws {
        var report = try Self.report()
        #expect(!report.findings.isEmpty)
        // More findings than the Markdown shows (15): the page lists them all.
        let first = try #require(report.findings.first)
        for index in 0..<20 {
            var copy = first
            copy.id = "F-extra\(index)"
            copy.node = "tool_call.extra\(index)"
            report.findings.append(copy)
        }
        let document = try Self.parse(report.html())
        for finding in report.findings {
            let row = try #require(try document.nodes(forXPath: "//tr[@id='\(finding.id)']").first, "finding \(finding.id)")
            let text = row.stringValue ?? ""
            #expect(text.contains(finding.title))
            #expect(text.contains("\(finding.sample.run)/\(finding.sample.step)"))
            #expect(text.contains(finding.sample.nodeDecision.rule))
            if let link = finding.sample.provenance.first { #expect(text.contains(link.description)) }
        }
    }

    @Test func everyGraphIsDrawnAsInlineSVGWithItsDisputedNodesRed() throws {
        let report = try Self.report()
        let document = try Self.parse(report.html())
        let svgs = try document.nodes(forXPath: "//div[@class='graph-box']/svg")
        #expect(svgs.count == report.graphs.count)
        #expect(!report.disputedNodes.isEmpty)
        for entry in report.disputedNodes {
            let index = try #require(report.graphs.firstIndex { $0.workflow == entry.workflow })
            let svg = try #require(svgs[index] as? XMLElement)
            #expect(svg.attribute(forName: "aria-label")?.stringValue == "task graph \(entry.workflow)")
            for node in entry.nodes where report.graphs[index].nodes.contains(where: { $0.id == node }) {
                let boxes = try svg.nodes(forXPath: ".//g[@class='node'][starts-with(title, '\(node):')]/rect")
                let rect = try #require(boxes.first as? XMLElement, "\(entry.workflow) \(node)")
                #expect(rect.attribute(forName: "stroke-width")?.stringValue == "2.5")
            }
        }
    }

    @Test func nothingPointsOutsideThePage() throws {
        let html = try Self.report().html()
        #expect(!html.contains("://"))
        #expect(!html.lowercased().contains("http:") && !html.lowercased().contains("https:"))
        for marker in ["<link", "<img", "<iframe", "@import", " src="] { #expect(!html.contains(marker), "\(marker)") }
        let document = try Self.parse(html)
        let references = try document.nodes(forXPath: "//@href | //@src").compactMap(\.stringValue)
        #expect(!references.isEmpty)
        for reference in references { #expect(reference.hasPrefix("#"), "\(reference)") }
        var rest = Substring(html)
        while let range = rest.range(of: "url(") {
            #expect(rest[range.upperBound...].hasPrefix("#"), "url( to \(rest[range.upperBound...].prefix(20))")
            rest = rest[range.upperBound...]
        }
    }

    @Test func reportTextIsEscaped() throws {
        var report = try Self.report()
        report.workspace = "a & b"
        var finding = try #require(report.findings.first)
        finding.sample.nodeDecision.reason = "<script>alert('x')</script> see https://evil.example/x"
        finding.title = "title with \"quotes\" and <b>tags</b>"
        report.findings[0] = finding
        report.risks.append(Finding(id: "risk.egress:<img src=x>", code: "risk.egress", severity: .high, tenants: ["acme"],
                                    message: "egress to http://exfil.example allowed", location: nil, samples: [], count: 1))
        let html = report.html()
        #expect(!html.contains("<script>alert"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        #expect(html.contains("title with &quot;quotes&quot; and &lt;b&gt;tags&lt;/b&gt;"))
        #expect(html.contains("<title>Nodeward plan: a &amp; b</title>"))
        #expect(!html.contains("<img") && !html.contains("://"))
        // Still the same text once parsed: the escaping is exact, not lossy.
        let document = try Self.parse(html)
        let row = try #require(try document.nodes(forXPath: "//tr[@id='\(finding.id)']").first)
        #expect(row.stringValue?.contains("<script>alert('x')</script> see https://evil.example/x") ?? false)
    }

    @Test func theSameReportGivesTheSameBytes() throws {
        let report = try Self.report()
        let html = report.html()
        let decoded = try JSONDecoder().decode(PlanReport.self, from: Data(StableJSON.encode(report).utf8))
        #expect(decoded.html() == html)
        #expect(try Self.buildFleetReport().html() == html)
        // For the screenshot check (scripts/screenshot-report.sh): NODEWARD_HTML_OUT=/tmp/plan.html swift test --filter PlanHTML
        if let path = ProcessInfo.processInfo.environment["NODEWARD_HTML_OUT"] {
            try html.write(toFile: path, atomically: true, encoding: .utf8)
        }
    }

    @Test func anEmptyPlanStillRendersEverySectionAsNone() throws {
        var report = try Self.report()
        report.findings = []
        report.graphs = []
        report.risks = []
        report.observations = []
        report.unusedGrants = []
        report.readiness = []
        report.check = nil
        report.policyDiff = nil
        report.graphChanges = nil
        report.shadow.incidents = []
        report.verdict.status = "pass"
        let html = report.html()
        let document = try Self.parse(html)
        #expect(try document.nodes(forXPath: "//svg").isEmpty)
        #expect(try document.nodes(forXPath: "//div[@class='verdict pass']").count == 1)
        #expect(try document.nodes(forXPath: "//*[@id='threats' or @id='incidents' or @id='policy-diff']").isEmpty)
        #expect(html.contains("<p class=\"none\">None.</p>"))
    }
}
