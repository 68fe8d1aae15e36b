/// The plan as one self-contained HTML page (plan.html): the Markdown's content in full (no rows cut),
/// plus sortable tables and the task graphs drawn as inline SVG. No external resource of any kind
/// (no scripts, styles, fonts or images from elsewhere); the only links are in-page anchors. The same
/// report gives byte-identical HTML.
extension PlanReport {
    public func html() -> String {
        var page = HTMLPage()
        let title = "Nodeward plan" + (workspace.map { ": \($0)" } ?? "")
        page.raw("<header>\n")
        page.heading(title, level: 1)
        verdictBanner(&page)
        page.raw("<nav>" + navigation.map { "<a href=\"#\($0.id)\">\(Markup.text($0.title))</a>" }.joined(separator: " ") + "</nav>\n</header>\n")
        htmlCoverage(&page)
        htmlDecisions(&page)
        htmlReadiness(&page)
        htmlFindings(&page)
        htmlIncidents(&page)
        htmlThreats(&page)
        htmlRisks(&page)
        if let policyDiff {
            page.heading("Policy changes against the baseline", id: "policy-diff")
            page.blocks(Array(policyDiff.document().blocks.dropFirst()), headingOffset: 1)
        }
        if let graphChanges {
            page.heading("Task graph changes", id: "graph-changes")
            page.blocks(Array(graphChanges.document().blocks.dropFirst()))
        }
        htmlGraphs(&page)
        var out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
        out += "<title>\(Markup.text(title))</title>\n<style>\n\(PlanHTMLAssets.style)\n</style>\n</head>\n<body>\n<main>\n"
        out += page.body
        out += "<footer><p>Full facts: plan.json (schema: docs/report-schema.md). Payload values are never shown; steps are named by run and step id.</p></footer>\n"
        out += "</main>\n<script>//<![CDATA[\n\(PlanHTMLAssets.script)\n//]]></script>\n</body>\n</html>\n"
        return out
    }

    /// The sections present in this report, in page order, for the navigation bar.
    var navigation: [(id: String, title: String)] {
        var items: [(String, String)] = [("coverage", "Coverage"), ("decisions", "Decisions"), ("readiness", "Readiness"),
                                         ("findings", "Findings (\(findings.count))")]
        if !shadow.incidents.isEmpty { items.append(("incidents", "Incidents (\(shadow.incidents.count))")) }
        if check != nil { items.append(("threats", "Policy check")) }
        items.append(("risks", "Risks and unused grants"))
        if policyDiff != nil { items.append(("policy-diff", "Policy changes")) }
        if graphChanges != nil { items.append(("graph-changes", "Graph changes")) }
        items.append(("graphs", "Task graphs (\(graphs.count))"))
        return items
    }

    func verdictBanner(_ page: inout HTMLPage) {
        let passed = verdict.status == "pass"
        // The headline opens with the status (`FAIL (widened): …`): that part is set large.
        let parts = verdict.headline.split(separator: ":", maxSplits: 1).map(String.init)
        let status = parts.count == 2 ? parts[0] + ":" : (passed ? "PASS" : "FAIL")
        let rest = parts.count == 2 ? parts[1] : " " + verdict.headline
        page.raw("<div class=\"verdict \(passed ? "pass" : "fail")\" role=\"status\"><span class=\"status\">\(Markup.text(status))</span>")
        page.raw(Markup.text(rest) + "</div>\n")
        if verdict.gate.isEmpty {
            page.paragraph("No gate set (\(Inline.code("--fail-on"))): the verdict reports, it does not block.")
        } else {
            let failed = verdict.failed.isEmpty ? "none matched" : "matched: " + verdict.failed.map { "\(Inline.code($0.rawValue))" }.joined(separator: ", ")
            page.paragraph("Gate (\(Inline.code("--fail-on"))): " + verdict.gate.map { "\(Inline.code($0.rawValue))" }.joined(separator: ", ") + "; " + failed + ".")
        }
        if let generatedAt { page.paragraph("Generated \(generatedAt).") }
    }

    func htmlCoverage(_ page: inout HTMLPage) {
        var doc = Document()
        coverageSection(&doc)
        page.heading("Coverage", id: "coverage")
        page.blocks(Array(doc.blocks.dropFirst()))
        page.table(headers: ["workflow", "policy file", "version", "nodes"], rows: policies.files.map { file in
            [.text(file.workflow), .code(file.path), .code(file.version), .number(file.nodes)]
        }, caption: "Policy files")
    }

    func htmlDecisions(_ page: inout HTMLPage) {
        page.heading("Decisions: tenant sandbox → node policies", id: "decisions")
        page.paragraph(shadow.verdict)
        func classRows(_ rows: [(String, ShadowSummary.ClassCounts)]) -> [[HTMLCell]] {
            rows.map { label, counts in [.text(label)] + ShadowSummary.classOrder.map { .number(counts[$0]) } + [.number(counts.total)] }
        }
        let classHeaders = ShadowSummary.classOrder.map(\.rawValue) + ["steps"]
        page.table(headers: ["scope"] + classHeaders, rows: classRows([("all", shadow.totals)] + shadow.askRows))
        page.table(headers: ["tenant"] + classHeaders, rows: classRows(shadow.byTenant.map { ($0.name, $0.counts) }), caption: "By tenant")
        page.table(headers: ["workflow"] + classHeaders, rows: classRows(shadow.byWorkflow.map { ($0.name, $0.counts) }), caption: "By workflow")
        page.raw("<details><summary>By node (\(shadow.byNode.count))</summary>\n")
        page.table(headers: ["workflow", "node"] + classHeaders + ["incident steps"], rows: shadow.byNode.map { group in
            [.text(group.workflow), .code(group.node)] + ShadowSummary.classOrder.map { .number(group.counts[$0]) }
                + [.number(group.counts.total), .number(group.incidentSteps.total)]
        })
        page.raw("</details>\n")
        page.heading("Noise: the A/A baseline", level: 3)
        page.paragraph(shadow.baselineSentence)
        page.heading("Rules behind disagreements", level: 3)
        page.table(headers: ["rule", "class", "steps"], rows: shadow.rules.map { rule in
            [.code(rule.rule), .text(rule.comparison.rawValue, "cls-\(rule.comparison.rawValue)"), .number(rule.steps)]
        })
    }

    func htmlReadiness(_ page: inout HTMLPage) {
        page.heading("Cutover readiness", id: "readiness")
        page.table(headers: ["tenant", "status", "steps", "tightened incident steps", "why"], rows: readiness.map { tenant in
            [.text(tenant.tenant), .text(tenant.status.rawValue, "st-\(tenant.status.rawValue)"), .number(tenant.steps),
             .number(tenant.tightenedIncidentSteps), .text(tenant.reasons.joined(separator: "; "))]
        })
    }

    func htmlFindings(_ page: inout HTMLPage) {
        page.heading("Findings (\(findings.count))", id: "findings")
        var seen: Set<String> = []
        let anchors = graphAnchors
        page.table(headers: ["id", "severity", "class", "workflow / node", "steps", "finding", "sample step", "decisions: legacy / node", "provenance"],
                   rows: findings.map { finding in
                       let sample = finding.sample
                       let workflow = anchors[finding.workflow].map { "<a href=\"#\(Markup.attribute($0))\">\(Markup.text(finding.workflow))</a>" }
                           ?? Markup.text(finding.workflow)
                       let legacy = Self.decisionCell(sample.legacy, reason: false).html, node = Self.decisionCell(sample.nodeDecision, reason: true).html
                       return [.code(finding.id, "key"), .text(finding.severity.rawValue, "sev-\(finding.severity.rawValue)"),
                               .text(finding.comparison.rawValue, "cls-\(finding.comparison.rawValue)"),
                               HTMLCell(html: workflow + "<br/><code>\(Markup.text(finding.node))</code>", className: "wide"),
                               .number(finding.steps), .text(finding.title, "wide"),
                               .text("\(sample.tenant) \(sample.run)/\(sample.step) (\(sample.kind) \(sample.operation))", "wide"),
                               HTMLCell(html: "legacy: " + legacy + "<br/>node: " + node, className: "wide"),
                               Self.chainCell(sample.provenance)]
                   },
                   rowIds: findings.map { seen.insert($0.id).inserted ? $0.id : nil })
    }

    static func decisionCell(_ decision: Decision, reason: Bool) -> HTMLCell {
        HTMLCell(html: Markup.text(decision.effect.rawValue) + " <code>\(Markup.text(decision.rule))</code>"
            + (reason ? ": " + Markup.text(decision.reason) : ""))
    }

    static func chainCell(_ chain: [ProvenanceLink]) -> HTMLCell {
        chain.isEmpty ? .text("-") : HTMLCell(html: chain.map { Markup.text($0.description) }.joined(separator: " ← "), className: "chain")
    }

    func htmlIncidents(_ page: inout HTMLPage) {
        guard !shadow.incidents.isEmpty else { return }
        page.heading("Labelled incidents (\(shadow.incidents.count))", id: "incidents")
        page.table(shadow.incidentTable)
    }

    func htmlThreats(_ page: inout HTMLPage) {
        guard let check else { return }
        page.heading("Policy check", id: "threats")
        page.paragraph(check.summary)
        if !check.widenings.isEmpty {
            page.table(headers: ["tenant", "workflow", "node", "field", "granted", "denied by", "where"], rows: check.widenings.map { widening in
                [.text(widening.tenant), .text(widening.workflow), .code(widening.node, "ident"), .text(widening.field),
                 .text(widening.granted, "sev-high"), .code(widening.legacyRule ?? "-"), .text(widening.location.description, "wide")]
            }, caption: "Confinement: grants the tenant's sandbox denies")
        }
        if !check.lints.isEmpty {
            page.table(headers: ["code", "where", "lint"], rows: check.lints.map { lint in
                [.code(lint.code.rawValue), .text(lint.location?.description ?? "-", "wide"), .text(lint.message, "wide")]
            }, caption: "Lints")
        }
        guard let threats = check.threats else { return }
        page.table(headers: ["threat", "kind", "status", "mitigated by", "still open"], rows: threats.map { threat in
            let mitigations = threat.mitigations.map { "\($0.workflow) / \($0.node): \($0.boundary)" }
            let open = threat.openPaths.map { "\($0.workflow) / \($0.path): \($0.reason)" }
            return [.code(threat.id), .text(threat.kind.rawValue), .text(threat.status.rawValue, threat.status == .open ? "sev-high" : nil),
                    .text(mitigations.isEmpty ? "-" : mitigations.joined(separator: "; "), "wide"),
                    .text(open.isEmpty ? "-" : open.joined(separator: "; "), open.isEmpty ? "wide" : "sev-high")]
        }, caption: "Threat model: the node boundaries that mitigate each threat, and the paths left open")
    }

    func htmlRisks(_ page: inout HTMLPage) {
        let items = (risks + observations).sorted { ($1.severity, $0.id) < ($0.severity, $1.id) }
        page.heading("Config risks and observations (\(items.count))", id: "risks")
        page.table(headers: ["severity", "id", "tenants", "finding", "where", "e.g.", "count"], rows: items.map { item in
            [.text(item.severity.rawValue, "sev-\(item.severity.rawValue)"), .code(item.id, "ident"), .text(item.tenants.joined(separator: ", ")),
             HTMLCell(html: HTMLPage.inline(item.message), className: "wide"), .text(item.location ?? "-", "wide"), .text(item.samples.isEmpty ? "-" : item.samples.joined(separator: ", "), "wide"),
             .number(item.count)]
        })
        let total = unusedGrants.reduce(0) { $0 + $1.grants.count }
        page.heading("Unused legacy grants (\(total))", level: 3)
        page.table(headers: ["tenant", "grant", "description"], rows: unusedGrants.flatMap { tenant in
            tenant.grants.map { grant in [.text(tenant.tenant), .code(grant.rule, "ident"), .text(grant.description)] }
        })
    }

    /// One anchor per workflow's drawing, unique even if two workflows share a slug.
    var graphAnchors: [String: String] {
        var anchors: [String: String] = [:]
        var used: Set<String> = []
        for graph in graphs where anchors[graph.workflow] == nil {
            var anchor = "graph-" + graph.fileStem
            var suffix = 2
            while used.contains(anchor) {
                anchor = "graph-" + graph.fileStem + "-\(suffix)"
                suffix += 1
            }
            used.insert(anchor)
            anchors[graph.workflow] = anchor
        }
        return anchors
    }

    func htmlGraphs(_ page: inout HTMLPage) {
        page.heading("Task graphs (\(graphs.count))", id: "graphs")
        page.paragraph("Boxes are nodes (kind, operation, and what tells a role apart); solid arrows are control flow with run counts, dashed arrows data flow with the arguments it arrived through. Nodes where old and new decisions disagree have a thick red outline; rare nodes a dashed red one; rare edges are red. Hover for evidence.")
        var disputed: [String: Set<String>] = [:]
        for entry in disputedNodes { disputed[entry.workflow, default: []].formUnion(entry.nodes) }
        let anchors = graphAnchors
        for (index, graph) in graphs.enumerated() {
            let anchor = index == graphs.firstIndex(where: { $0.workflow == graph.workflow }) ? anchors[graph.workflow] : nil
            page.heading("\(Inline.code(graph.workflow))", level: 3, id: anchor)
            var facts = "\(graph.evidence.runs.grouped) runs, \(graph.evidence.tenants.count) tenants, \(graph.nodes.count) nodes, "
                + "\(graph.controlEdges.count) control and \(graph.dataEdges.count) data edges"
            if let conformance = graph.conformance {
                facts += "; fitness \(conformance.fitness.percent), precision \(conformance.precision.percent) (\(conformance.method), \(conformance.heldOutRuns.grouped) held-out runs)"
            }
            if let nodes = disputed[graph.workflow], !nodes.isEmpty { facts += "; \(nodes.count) disputed nodes" }
            page.paragraph(facts + ".")
            // A checkbox (CSS only) hides the data flow for a clearer view of the control flow.
            page.raw("<div class=\"graph\"><input type=\"checkbox\" class=\"data-toggle\" id=\"data-g\(index)\" checked=\"checked\"/><label for=\"data-g\(index)\"> show data flow</label>\n")
            page.raw("<div class=\"graph-box\">\n" + graph.svg(highlight: disputed[graph.workflow] ?? [], idPrefix: "g\(index)") + "</div></div>\n")
            page.raw("<details><summary>Nodes of \(Markup.text(graph.workflow))</summary>\n")
            page.table(headers: ["node", "kind", "operation", "runs", "steps", "share", "blocked", "flags"], rows: graph.nodes.map { node in
                [.code(node.id), .text(node.kind.rawValue), .code(node.operation), .number(node.evidence.runs), .number(node.steps),
                 HTMLCell(html: Markup.text(node.share.percent), className: "num"), .number(node.blocked),
                 .text((node.flags + ((disputed[graph.workflow]?.contains(node.id) ?? false) ? ["disputed"] : [])).joined(separator: ", "))]
            })
            page.raw("</details>\n")
        }
    }
}
