import Foundation

/// What `nodeward plan` prints and writes while the later stages are being built: the analysis, the
/// inferred task graphs with their conformance and flagged elements, and the changes against the
/// workspace's committed graphs.
public struct PlanSummary: Sendable, Hashable, Codable {
    public var schemaVersion = 1
    public var analysis: AnalysisReport
    public var graphs: [TaskGraph]
    /// Node policies generated from the graphs (balanced strictness).
    public var policies: [PolicySet]
    /// Nil when the workspace has no committed graphs to compare with.
    public var graphChanges: GraphDiff?

    public init(analysis: AnalysisReport, graphs: [TaskGraph], policies: [PolicySet] = [], committedGraphs: [TaskGraph]?) {
        self.analysis = analysis
        self.graphs = graphs
        self.policies = policies
        self.graphChanges = committedGraphs.map { GraphDiff(old: $0, new: graphs) }
    }

    public func rendered(as format: OutputFormat) -> String {
        switch format {
        case .json: return StableJSON.encode(self)
        case .text: return document(mermaid: false).plainText()
        case .markdown: return document(mermaid: true).markdown()
        }
    }

    /// Rare elements across all graphs: where incidents usually hide.
    public var flaggedElements: [String] {
        var items: [String] = []
        for graph in graphs {
            for node in graph.nodes where node.flags.contains("rare") {
                items.append("`\(graph.workflow)`: node `\(node.id)` in \(node.evidence.runs) run(s), e.g. \(node.evidence.sampleRuns.first ?? "-")")
            }
            for edge in graph.controlEdges where edge.flags.contains("rare") {
                items.append("`\(graph.workflow)`: control `\(edge.from) -> \(edge.to)` in \(edge.runs) run(s), e.g. \(edge.sampleRuns.first ?? "-")")
            }
            for edge in graph.dataEdges where edge.flags.contains("rare") {
                let external = edge.flags.contains("external-to-write") ? " **external content into a write**" : ""
                items.append("`\(graph.workflow)`: data `\(edge.from) -> \(edge.to).\(edge.argument)` (\(edge.trust.rawValue))\(external) in \(edge.runs) run(s), e.g. \(edge.sampleRuns.first ?? "-")")
            }
        }
        return items
    }

    func document(mermaid: Bool) -> Document {
        var doc = analysis.document()
        doc.heading("Task graphs (\(graphs.count))")
        doc.table(TextTable(headers: TaskGraph.summaryHeaders, rows: graphs.map(\.summaryRow)))
        let flagged = flaggedElements
        doc.heading("Rare behaviour (\(flagged.count))", level: 3)
        if flagged.isEmpty { doc.paragraph("None.") } else { doc.bullets(Array(flagged.prefix(40))) }
        if flagged.count > 40 { doc.paragraph("(\(flagged.count - 40) more in plan.json.)") }
        if !policies.isEmpty {
            doc.heading("Node policies (\(policies.count))")
            doc.paragraph("Generated at balanced strictness from the graphs above and confined to each tenant's legacy grants (docs/policy-language.md). Shadow replay (old vs new decision per step) is not built yet.")
            var table = TextTable(headers: ["workflow", "nodes", "state-changing with origin constraints", "edge grants", "withheld", "tenants granted per node (min-max)"])
            for set in policies {
                let constrained = set.nodes.filter { node in node.allow.arguments?.contains { $0.origin != nil } ?? false }.count
                let grants = set.nodes.reduce(0) { $0 + $1.inputs.count }
                let withheld = set.nodes.reduce(0) { $0 + ($1.withheld?.count ?? 0) }
                let counts = set.nodes.map(\.tenants.count)
                table.rows.append([set.workflow, "\(set.nodes.count)", "\(constrained)", "\(grants)", "\(withheld)",
                                   "\(counts.min() ?? 0)-\(counts.max() ?? 0)"])
            }
            doc.table(table)
        }
        if let changes = graphChanges {
            for block in changes.document().blocks { doc.blocks.append(block) }
        }
        if mermaid {
            for graph in graphs {
                doc.heading("`\(graph.workflow)`", level: 3)
                doc.paragraph("```mermaid\n" + graph.mermaid().trimmingCharacters(in: .newlines) + "\n```")
            }
        }
        return doc
    }
}
