/// The plan as a `Document` (Markdown for a PR comment, plain text for a terminal), in the order a
/// reviewer reads it: verdict, coverage, what would change, where, and why.
extension PlanReport {
    /// GitHub rejects comments over 65,536 characters; the Markdown stays below this with room to spare.
    public static let markdownLimit = 60_000

    /// How much detail a rendering carries; the Markdown steps down until it fits `markdownLimit`.
    public struct Detail: Sendable {
        /// Rows of findings, risks and threat lists.
        public var rows: Int
        /// Rows of per-tenant and per-incident tables (the most disputed first when cut).
        public var tenantRows: Int
        public var graphs: Bool
        public static let full = Detail(rows: 15, tenantRows: .max, graphs: true)
        public static let trimmed = Detail(rows: 15, tenantRows: 50, graphs: true)
        public static let compact = Detail(rows: 15, tenantRows: 50, graphs: false)
        public static let minimal = Detail(rows: 5, tenantRows: 20, graphs: false)
    }

    /// Tenants by how much review they need: blocked, then review, then most disagreements; name last.
    var tenantsByConcern: [TenantReadiness] {
        let rank: [TenantReadiness.Status: Int] = [.blocked: 0, .review: 1, .insufficientEvidence: 2, .ready: 3]
        return readiness.sorted {
            (rank[$0.status]!, -($0.counts.disagreeing + $0.counts.unknownStep), $0.tenant)
                < (rank[$1.status]!, -($1.counts.disagreeing + $1.counts.unknownStep), $1.tenant)
        }
    }

    static func cutNote(_ shown: Int, of total: Int, _ what: String, byConcern: Bool = true) -> String? {
        guard total > shown else { return nil }
        return "… \(total - shown) more \(what) in plan.html and plan.json" + (byConcern ? " (the most disputed are shown)." : ".")
    }

    public func markdown() -> String {
        for detail in [Detail.full, .trimmed, .compact, .minimal] {
            let text = document(detail: detail, markdown: true).markdown()
            if text.utf8.count <= Self.markdownLimit { return text }
        }
        // Still too large (thousands of tenants or workflows): cut at a line and say so.
        let note = "\n\n_Truncated to fit a pull-request comment; the full report is in plan.html and plan.json._\n"
        var text = document(detail: .minimal, markdown: true).markdown()
        var cut = text.utf8.index(text.utf8.startIndex, offsetBy: Self.markdownLimit - note.utf8.count)
        while cut > text.startIndex, text[cut] != "\n" { cut = text.index(before: cut) }
        text = String(text[..<cut])
        return text + note
    }

    /// Plain text for a terminal, wrapped to `width` columns (nil: not wrapped).
    public func plainText(width: Int? = nil) -> String { document(detail: .compact, markdown: false).plainText(width: width) }

    public func document(detail: Detail, markdown: Bool) -> Document {
        var doc = Document()
        doc.heading("Nodeward plan" + (workspace.map { ": \($0)" } ?? ""), level: 1)
        doc.paragraph("\(Inline.strong(verdict.headline))")
        if let generatedAt { doc.paragraph("Generated \(generatedAt).") }
        coverageSection(&doc)
        transitionSection(&doc, detail: detail)
        readinessSection(&doc, detail: detail)
        findingSection(&doc, detail: detail, markdown: markdown)
        if !shadow.incidents.isEmpty {
            doc.heading("Labelled incidents (\(shadow.incidents.count))")
            var shown = shadow
            shown.incidents = Array(shadow.incidents.prefix(detail.tenantRows))
            doc.table(shown.incidentTable)
            if let note = Self.cutNote(shown.incidents.count, of: shadow.incidents.count, "incidents", byConcern: false) { doc.paragraph(note) }
        }
        threatSection(&doc, detail: detail)
        riskSection(&doc, detail: detail)
        if let policyDiff {
            doc.heading("Policy changes against the baseline")
            for block in policyDiff.document().blocks.dropFirst() { doc.blocks.append(block) }
        }
        if let graphChanges {
            for block in graphChanges.document().blocks { doc.blocks.append(block) }
        }
        graphSection(&doc, detail: detail, markdown: markdown)
        doc.paragraph("Full detail: plan.html and plan.json (schema: docs/report-schema.md). Payload values are never shown; steps are named by run and step id.")
        return doc
    }

    func coverageSection(_ doc: inout Document) {
        doc.heading("Coverage")
        let window = [coverage.firstSeen, coverage.lastSeen].compactMap { $0 }.joined(separator: " → ")
        var table = TextTable(headers: ["runs", "steps", "tenants", "workflows", "window", "evaluable by both", "skipped records"])
        table.rows.append([coverage.runs.grouped, coverage.steps.grouped, "\(coverage.tenants)", "\(coverage.workflows)",
                           window.isEmpty ? "-" : window, coverage.evaluableShare.percent, coverage.skippedRecords.grouped])
        doc.table(table)
        var graphs = TextTable(headers: ["workflow", "runs", "nodes", "fitness", "precision", "held out"])
        for item in coverage.conformance {
            graphs.rows.append([item.workflow, item.runs.grouped, "\(item.nodes)", item.fitness?.percent ?? "-", item.precision?.percent ?? "-",
                                item.method.map { "\($0), \(item.heldOutRuns ?? 0) runs" } ?? "-"])
        }
        doc.table(graphs)
        let source = policies.origin == "committed" ? "committed policies from \(Inline.code(policies.folder ?? "?"))"
            : "policies generated at \(policies.strictness ?? "balanced") strictness"
        doc.paragraph("Node decisions use \(source) (\(policies.files.count) workflows, \(policies.files.reduce(0) { $0 + $1.nodes }) nodes).")
    }

    func transitionSection(_ doc: inout Document, detail: Detail) {
        doc.heading("Decisions: tenant sandbox → node policies")
        doc.table(ShadowSummary.classTable(name: "scope", rows: [("all", shadow.totals)] + shadow.askRows))
        let tenants = tenantsByConcern.prefix(detail.tenantRows).map(\.tenant).sorted()
        var byName: [String: ShadowSummary.ClassCounts] = [:]
        for group in shadow.byTenant { byName[group.name] = group.counts }
        doc.table(ShadowSummary.classTable(name: "tenant", rows: tenants.map { ($0, byName[$0] ?? .init()) }))
        if let note = Self.cutNote(tenants.count, of: shadow.byTenant.count, "tenants") { doc.paragraph(note) }
        doc.table(ShadowSummary.classTable(name: "workflow", rows: shadow.byWorkflow.map { ($0.name, $0.counts) }))
        doc.paragraph(shadow.baselineSentence)
    }

    func readinessSection(_ doc: inout Document, detail: Detail) {
        let counts = Dictionary(grouping: readiness, by: \.status).mapValues(\.count)
        doc.heading("Cutover readiness")
        let insufficient = counts[.insufficientEvidence].map { ", \($0) with insufficient evidence" } ?? ""
        doc.paragraph("\(counts[.ready] ?? 0) ready, \(counts[.review] ?? 0) to review, \(counts[.blocked] ?? 0) blocked\(insufficient).")
        var table = TextTable(headers: ["tenant", "status", "steps", "why"])
        let shown = tenantsByConcern.prefix(detail.tenantRows)
        for tenant in shown.sorted(by: { $0.tenant < $1.tenant }) {
            table.rows.append([tenant.tenant, "\(Inline.strong(tenant.status.rawValue))", tenant.steps.grouped, tenant.reasons.joined(separator: "; ")])
        }
        doc.table(table)
        if let note = Self.cutNote(shown.count, of: readiness.count, "tenants") { doc.paragraph(note) }
    }

    /// Markdown gets one wide table; a terminal a narrow one, each finding's sample in a bullet below it.
    func findingSection(_ doc: inout Document, detail: Detail, markdown: Bool = true) {
        doc.heading("Top findings (\(findings.count))")
        let narrow = ["id", "severity", "class", "workflow / node", "finding"]
        var table = TextTable(headers: markdown ? narrow + ["sample step", "node decision", "provenance"] : narrow)
        var samples: [String] = []
        for finding in findings.prefix(detail.rows) {
            let sample = finding.sample
            let step = "\(sample.tenant) \(sample.run)/\(sample.step) (\(sample.operation))"
            let decision = "\(sample.nodeDecision.effect.rawValue) \(Inline.code(sample.nodeDecision.rule)): \(sample.nodeDecision.reason)"
            let provenance = sample.provenance.isEmpty ? "-" : sample.provenance.map(\.description).joined(separator: " ← ")
            let cells = [finding.id, finding.severity.rawValue, finding.comparison.rawValue,
                         "\(Inline.code(finding.workflow)) / \(Inline.code(finding.node))", finding.title]
            table.rows.append(markdown ? cells + [step, decision, provenance] : cells)
            samples.append("\(finding.id): sample \(step); node decision \(decision); provenance \(provenance)")
        }
        doc.table(table)
        if !markdown { doc.bullets(samples) }
        if findings.count > detail.rows { doc.paragraph("… \(findings.count - detail.rows) more findings in plan.html and plan.json.") }
    }

    func threatSection(_ doc: inout Document, detail: Detail) {
        guard let check else { return }
        doc.heading("Policy check")
        doc.paragraph(check.summary)
        if !check.widenings.isEmpty {
            var table = TextTable(headers: ["tenant", "node", "field", "granted", "denied by"])
            for widening in check.widenings.prefix(detail.rows) {
                table.rows.append([widening.tenant, "\(Inline.code(widening.workflow)) / \(Inline.code(widening.node))", widening.field, widening.granted, widening.legacyRule.map { "\(Inline.code($0))" } ?? "-"])
            }
            doc.table(table)
            if check.widenings.count > detail.rows { doc.paragraph("… \(check.widenings.count - detail.rows) more in plan.html and plan.json.") }
        }
        guard let threats = check.threats else { return }
        doc.heading("Threat model (\(threats.count) threats, \(check.openThreats.count) open)", level: 3)
        var table = TextTable(headers: ["threat", "kind", "status", "mitigated by", "still open"])
        for threat in threats {
            let mitigations = threat.mitigations.map { "\(Inline.code($0.workflow)) / \(Inline.code($0.node)): \($0.boundary)" }
            let open = threat.openPaths.map { "\(Inline.code($0.workflow)) / \($0.path): \($0.reason)" }
            func list(_ items: [String], show: Int) -> String {
                items.isEmpty ? "-" : items.prefix(show).joined(separator: "; ") + (items.count > show ? "; … \(items.count - show) more" : "")
            }
            table.rows.append([threat.id, threat.kind.rawValue, "\(Inline.strong(threat.status.rawValue))", list(mitigations, show: 1), list(open, show: 3)])
        }
        doc.table(table)
    }

    func riskSection(_ doc: inout Document, detail: Detail) {
        let items = (risks + observations).sorted { ($1.severity, $0.id) < ($0.severity, $1.id) }
        doc.heading("Config risks and observations (\(items.count))")
        var table = TextTable(headers: ["severity", "id", "tenants", "finding"])
        for item in items.prefix(detail.rows) {
            table.rows.append([item.severity.rawValue, "\(Inline.code(item.id))", item.tenants.joined(separator: ", "), item.message])
        }
        doc.table(table)
        if items.count > detail.rows { doc.paragraph("… \(items.count - detail.rows) more in plan.html and plan.json.") }
        doc.heading("Unused legacy grants", level: 3)
        var grants = TextTable(headers: ["tenant", "unused grants", "e.g."])
        for tenant in unusedGrants.prefix(detail.tenantRows) {
            grants.rows.append([tenant.tenant, "\(tenant.grants.count)", tenant.grants.prefix(3).map { "\(Inline.code($0.rule))" }.joined(separator: ", ")])
        }
        doc.table(grants)
        if let note = Self.cutNote(min(unusedGrants.count, detail.tenantRows), of: unusedGrants.count, "tenants", byConcern: false) { doc.paragraph(note) }
    }

    func graphSection(_ doc: inout Document, detail: Detail, markdown: Bool) {
        doc.heading("Task graphs (\(graphs.count))")
        var disputed: [String: Set<String>] = [:]
        for entry in disputedNodes { disputed[entry.workflow] = Set(entry.nodes) }
        guard detail.graphs, markdown else {
            doc.paragraph("Graph drawings are in plan.html (and \(Inline.code("nodeward infer --format mermaid"))).")
            return
        }
        doc.paragraph("Nodes with disagreements, and rare nodes, are outlined in red; rare edges are red.")
        for graph in graphs {
            doc.heading("\(Inline.code(graph.workflow))", level: 3)
            doc.code(graph.mermaid(highlight: disputed[graph.workflow] ?? []), language: "mermaid")
        }
    }
}
