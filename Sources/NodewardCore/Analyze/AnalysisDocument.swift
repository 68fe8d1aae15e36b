extension AnalysisReport {
    public func rendered(as format: OutputFormat, width: Int? = nil) -> String {
        switch format {
        case .json: return StableJSON.encode(self)
        case .text: return document().plainText(width: width)
        case .markdown: return document().markdown()
        }
    }

    /// The human-readable report: verdict, inventory, traces, declared vs used, fidelity, risks, observations.
    public func document() -> Document {
        var doc = Document()
        doc.heading("Nodeward analyze" + (inputs.workspace.map { ": \($0)" } ?? ""), level: 1)
        doc.paragraph(verdictLine)
        inventorySection(&doc)
        traceSection(&doc)
        usageSection(&doc)
        fidelitySection(&doc)
        findingsSection(&doc, title: "Config risks", findings: risks)
        findingsSection(&doc, title: "Observations from the traces", findings: observations)
        incidentSection(&doc)
        diagnosticsSection(&doc)
        return doc
    }

    var verdictLine: String {
        let order = FindingSeverity.allCases.reversed().map(\.rawValue)
        let counts = order.compactMap { severity in verdict.findingsBySeverity[severity].map { "\($0) \(severity)" } }
        var line = Inline.strong(counts.isEmpty ? "No findings." : "Findings: \(counts.joined(separator: ", ")).")
        line += " \(traces.runs.grouped) runs, \(traces.steps.grouped) steps, \(tenants.count) tenant sandboxes."
        if verdict.inputErrors > 0 { line += " \(verdict.inputErrors) input error(s): see Diagnostics." }
        if verdict.skippedRecords > 0 { line += " \(verdict.skippedRecords.grouped) trace record(s) skipped." }
        return line
    }

    func inventorySection(_ doc: inout Document) {
        doc.heading("Tenant sandboxes")
        var table = TextTable(headers: ["tenant", "tools", "wildcards", "stores", "egress", "memory", "vector index", "rpm", "tpm", "audit", "identity"])
        for tenant in tenants {
            table.rows.append([
                tenant.tenant,
                "default \(tenant.toolsDefault), \(tenant.toolAllowRules) allow, \(tenant.toolDenyRules) deny",
                tenant.wildcardTools.isEmpty ? "-" : tenant.wildcardTools.joined(separator: " "),
                tenant.dataStores.isEmpty ? "-" : tenant.dataStores.joined(separator: " "),
                tenant.egress,
                tenant.memoryNamespace ?? "-",
                tenant.vectorIndex ?? "-",
                tenant.requestsPerMinute.map(\.grouped) ?? "-",
                tenant.tokensPerMinute.map(\.grouped) ?? "-",
                tenant.auditSink ?? "none",
                tenant.identity,
            ])
        }
        doc.table(table)
    }

    func traceSection(_ doc: inout Document) {
        doc.heading("Traces")
        var line = "\(traces.runs.grouped) runs, \(traces.steps.grouped) steps, \(traces.tenants) tenants, \(traces.workflows) workflows"
        if let first = traces.firstSeen, let last = traces.lastSeen { line += ", \(first) to \(last)" }
        line += "; \(traces.blockedSteps.grouped) blocked, \(traces.failedSteps.grouped) failed, \(traces.recordedDecisions.grouped) with a recorded legacy decision."
        doc.paragraph(line)
        let kinds = traces.stepsByKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.grouped)" }
        if !kinds.isEmpty { doc.paragraph("Steps by kind: " + kinds.joined(separator: ", ") + ".") }
        var skipped = "Input: \(inputs.traceFiles.count) trace files, \(traces.lines.grouped) lines, \(traces.bytes.grouped) bytes; "
        if traces.skippedTotal == 0 {
            skipped += "nothing skipped."
        } else {
            skipped += "\(traces.skippedTotal.grouped) skipped (" + traces.skipped.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")."
        }
        if traces.stepsOutOfOrder > 0 { skipped += " \(traces.stepsOutOfOrder) steps arrived out of time order for the rate buckets." }
        if traces.stepsWithoutSandbox > 0 { skipped += " \(traces.stepsWithoutSandbox) steps belong to tenants without a sandbox." }
        doc.paragraph(skipped)
        var table = TextTable(headers: ["tenant", "agent", "workflow", "runs", "steps"])
        table.rows = traces.byTenantWorkflow.map { [$0.tenant, $0.agent, $0.workflow, $0.runs.grouped, $0.steps.grouped] }
        doc.table(table)
    }

    func usageSection(_ doc: inout Document) {
        doc.heading("Declared vs used")
        var table = TextTable(headers: ["tenant", "steps", "grants used", "grants unused", "unused grants", "undeclared use"])
        for usage in self.usage {
            let unused = usage.unusedGrants.map { $0.description }.joined(separator: "; ")
            let undeclared = usage.undeclared.map { "\($0.what) \($0.name) (\($0.effect) by \($0.decidedBy), \($0.steps))" }.joined(separator: "; ")
            table.rows.append([usage.tenant, usage.stepsEvaluated.grouped, "\(usage.usedGrants.count)", "\(usage.unusedGrants.count)",
                               unused.isEmpty ? "-" : unused, undeclared.isEmpty ? "-" : undeclared])
        }
        doc.table(table)
    }

    func fidelitySection(_ doc: inout Document) {
        doc.heading("Legacy fidelity")
        guard let share = fidelity.share else {
            doc.paragraph("The traces record no legacy decisions, so the legacy model cannot be checked against them.")
            return
        }
        doc.paragraph("The legacy model reproduces \(fidelity.reproduced.grouped) of \(fidelity.recorded.grouped) recorded decisions (\(share.percent)); \(fidelity.disagreementsTotal) disagree. Each disagreement means either the model of the old system or the config is wrong.")
        guard !fidelity.disagreements.isEmpty else { return }
        var table = TextTable(headers: ["tenant", "run/step", "operation", "recorded", "model", "model reason", "at"])
        table.rows = fidelity.disagreements.map {
            [$0.tenant, "\($0.run)/\($0.step)", $0.operation, "\($0.recordedEffect)\($0.recordedRule.map { " (\($0))" } ?? "")",
             "\($0.modelEffect) (\($0.modelRule))", $0.modelReason, $0.location]
        }
        doc.table(table)
        if fidelity.disagreementsTotal > fidelity.disagreements.count {
            doc.paragraph("(\(fidelity.disagreementsTotal - fidelity.disagreements.count) more in the JSON output.)")
        }
    }

    func findingsSection(_ doc: inout Document, title: String, findings: [Finding]) {
        doc.heading("\(title) (\(findings.count))")
        guard !findings.isEmpty else {
            doc.paragraph("None.")
            return
        }
        var table = TextTable(headers: ["severity", "finding", "tenants", "count", "what", "where"])
        table.rows = findings.map {
            [$0.severity.rawValue, $0.code, $0.tenants.joined(separator: ","), $0.count.grouped, $0.message,
             $0.location ?? $0.samples.prefix(2).joined(separator: " ")]
        }
        doc.table(table)
    }

    func incidentSection(_ doc: inout Document) {
        guard !incidents.isEmpty else { return }
        let surfaced = incidents.filter { !$0.surfacedBy.isEmpty }.count
        doc.heading("Labelled incidents")
        doc.paragraph("\(surfaced) of \(incidents.count) labelled incidents are surfaced by a finding above or by a legacy-fidelity disagreement.")
        var table = TextTable(headers: ["incident", "kind", "tenant", "run", "surfaced by"])
        table.rows = incidents.map { [$0.id, $0.kind, $0.tenant, $0.run, $0.surfacedBy.isEmpty ? "not surfaced" : $0.surfacedBy.joined(separator: ", ")] }
        doc.table(table)
    }

    func diagnosticsSection(_ doc: inout Document) {
        guard !diagnostics.isEmpty else { return }
        doc.heading("Diagnostics (\(diagnostics.count))")
        doc.bullets(diagnostics.prefix(50).map { "\(Inline.code($0.description))" })
        if diagnostics.count > 50 { doc.paragraph("(\(diagnostics.count - 50) more in the JSON output.)") }
    }
}
