/// Text and Markdown of a shadow comparison (the JSON form is the `ShadowSummary` itself).
extension ShadowSummary {
    public static let classOrder: [ComparisonClass] = [.agreeAllow, .agreeDeny, .tightened, .widened, .unevaluable, .unknownStep]

    public func document(sampleLimit: Int = 20) -> Document {
        var document = Document()
        document.heading("Shadow comparison: legacy (tenant sandbox) vs node policies", level: 1)
        document.paragraph(verdict)
        document.heading("Decisions by class")
        document.table(Self.classTable(name: "scope", rows: [("all", totals)]))
        document.heading("By tenant")
        document.table(Self.classTable(name: "tenant", rows: byTenant.map { ($0.name, $0.counts) }))
        document.heading("By workflow")
        document.table(Self.classTable(name: "workflow", rows: byWorkflow.map { ($0.name, $0.counts) }))
        document.heading("Noise: the A/A baseline")
        document.paragraph(baselineSentence)
        document.heading("Disagreements, one sample step per node and class")
        let shown = samples.prefix(sampleLimit)
        document.table(Self.sampleTable(Array(shown)))
        if samples.count > shown.count {
            document.paragraph("… \(samples.count - shown.count) more samples (see --format json).")
        }
        document.heading("Rules behind disagreements")
        var rules = TextTable(headers: ["rule", "class", "steps"])
        for rule in self.rules.prefix(sampleLimit) { rules.rows.append(["\(Inline.code(rule.rule))", rule.comparison.rawValue, rule.steps.grouped]) }
        document.table(rules)
        if !incidents.isEmpty {
            document.heading("Labelled incidents")
            document.table(incidentTable)
        }
        return document
    }

    public var verdict: String {
        let evaluable = totals.total == 0 ? 0 : Double(totals.evaluable) / Double(totals.total)
        return Inline.strong("\(steps.grouped) steps") + ": \(totals.agreeing.grouped) agree, \(totals.tightened.grouped) tightened, "
            + "\(totals.widened.grouped) widened, \(totals.unevaluable.grouped) unevaluable, \(totals.unknownStep.grouped) unknown-step; "
            + "\(evaluable.percent) evaluable under both regimes." + askSentence
    }

    /// The scope table's extra row: the steps whose legacy decision was an ask, when there were any.
    var askRows: [(String, ClassCounts)] {
        guard let asks = legacyAsks, asks.total > 0 else { return [] }
        return [("of which legacy asks", asks)]
    }

    /// Legacy asks (denies for want of an approver) counted on their own, when there were any.
    var askSentence: String {
        guard let asks = legacyAsks, asks.total > 0 else { return "" }
        let classes = Self.classOrder.filter { asks[$0] > 0 }.map { "\(asks[$0].grouped) \($0.rawValue)" }
        return " Of these, \(asks.total.grouped) legacy decisions were asks (denied for want of an approver: \(classes.joined(separator: ", ")))."
    }

    var baselineSentence: String {
        "The legacy regime alone varies on \(legacyBaseline.rate.percent) of the steps of tasks seen in at least two runs "
            + "(\(legacyBaseline.varyingSteps.grouped) of \(legacyBaseline.steps.grouped) steps, \(legacyBaseline.tasks.grouped) tasks; "
            + "a task is one node of one workflow for one tenant). The node regime alone varies on \(nodeBaseline.rate.percent). "
            + "Legacy and node disagree on \(disagreementRate.percent) of the steps both decided: read it against the baseline."
    }

    var incidentTable: TextTable {
        var table = TextTable(headers: ["incident", "kind", "tenant", "steps", "classes", "telling step", "node decision", "provenance"])
        for incident in incidents {
            let classes = Self.classOrder.filter { incident.counts[$0] > 0 }.map { "\($0.rawValue) \(incident.counts[$0])" }
                + (incident.stepsMissing > 0 ? ["not in traces \(incident.stepsMissing)"] : [])
            let sample = incident.sample
            table.rows.append([
                incident.id, incident.kind, incident.tenant, (incident.counts.total + incident.stepsMissing).grouped,
                classes.joined(separator: ", "),
                sample.map { "\($0.run)/\($0.step) (\($0.operation)): \($0.comparison.rawValue)" } ?? "-",
                sample.map { "\($0.nodeDecision.effect.rawValue) \(Inline.code($0.nodeDecision.rule))" } ?? "-",
                sample.map { $0.provenance.isEmpty ? "-" : $0.provenance.map(\.description).joined(separator: " ← ") } ?? "-",
            ])
        }
        return table
    }

    static func classTable(name: String, rows: [(String, ClassCounts)]) -> TextTable {
        var table = TextTable(headers: [name] + classOrder.map(\.rawValue) + ["steps"])
        for (label, counts) in rows {
            table.rows.append([label] + classOrder.map { counts[$0].grouped } + [counts.total.grouped])
        }
        return table
    }

    static func sampleTable(_ samples: [ShadowSample]) -> TextTable {
        var table = TextTable(headers: ["class", "tenant", "workflow", "node", "step", "legacy", "node decision", "provenance"])
        for sample in samples {
            table.rows.append([
                sample.comparison.rawValue, sample.tenant, sample.workflow, sample.node.map { "\(Inline.code($0))" } ?? "(none)",
                "\(sample.run)/\(sample.step) (\(sample.kind) \(sample.operation))",
                "\(sample.legacy.effect.rawValue) \(Inline.code(sample.legacy.rule))",
                "\(sample.nodeDecision.effect.rawValue) \(Inline.code(sample.nodeDecision.rule)): \(sample.nodeDecision.reason)",
                sample.provenance.isEmpty ? "-" : sample.provenance.map(\.description).joined(separator: " ← "),
            ])
        }
        return table
    }
}
